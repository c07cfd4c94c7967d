package focus

import (
	"database/sql"
	"fmt"
	"strings"
)

const (
	kindError      = "error"
	kindNormalised = "normalised"
	kindWarning    = "warning"
)

// check is one rule or one normalisation, evaluated over full_<i> (the
// file's own columns and the typed ones side by side).
type check struct {
	kind   string // kindError, kindNormalised or kindWarning
	column string
	cond   string // SQL: the row breaks the rule / was normalised
	// detail is, for errors, a SQL expression shown in the message of each
	// example row; for notices, an aggregate giving an example.
	detail string
	msg    func(detail string) string
}

// checks lists what is checked in a file, beyond the parse checks insert
// built. src tells which columns the file has and in which type.
func (l *loader) checks(src source) []check {
	var cs []check
	has := func(name string) bool { _, ok := src.types[name]; return ok }
	for _, name := range src.order {
		c, known := lookupColumn(name)
		if !known {
			continue
		}
		id := quoteID(name)
		if isVarchar(src.types[name]) {
			// One check for both null spellings (one count per column in
			// the scan); the example says which.
			cs = append(cs, check{kind: kindNormalised, column: name, cond: id + " IN ('NULL', 'null', 'Null', '')",
				detail: fmt.Sprintf("count_if(%s = '') || '/' || count(*)", id),
				msg: func(d string) string {
					empty, all, _ := strings.Cut(d, "/")
					switch empty {
					case "0":
						return "literal NULL string read as null"
					case all:
						return "empty string read as null"
					}
					return fmt.Sprintf("literal NULL string or empty string (%s rows) read as null", empty)
				}})
			switch c.Type {
			case colEnum:
				var canon, lower []string
				for _, a := range c.Allowed {
					canon = append(canon, quoteLit(a))
					lower = append(lower, quoteLit(strings.ToLower(a)))
				}
				cond := fmt.Sprintf("%s NOT IN (%s) AND lower(%s) IN (%s)", id, strings.Join(canon, ", "), id, strings.Join(lower, ", "))
				cs = append(cs, check{kind: kindNormalised, column: name, cond: cond,
					detail: fmt.Sprintf("string_agg(DISTINCT %s, ', ' ORDER BY %s)", id, id),
					msg:    func(d string) string { return "value in non-canonical case read as the FOCUS value (" + d + ")" }})
			case colTimestamp:
				cond := fmt.Sprintf("TRY_CAST(fnull(%s) AS TIMESTAMP) IS NOT NULL AND NOT regexp_matches(%s, %s)", id, id, quoteLit(isoZoned))
				cs = append(cs, check{kind: kindNormalised, column: name, cond: cond, detail: "min(" + id + ")",
					msg: func(d string) string { return "timestamp without 'T' and zone read as UTC (e.g. " + d + ")" }})
			}
		}
		if c.Required {
			cond := id + " IS NULL"
			if isVarchar(src.types[name]) {
				cond = "fnull(" + id + ") IS NULL"
			}
			cs = append(cs, check{kind: kindError, column: name, cond: cond, detail: "''", msg: fixed("is null; Tranche needs a value")})
		}
		if len(c.Allowed) > 0 {
			var in []string
			for _, a := range c.Allowed {
				in = append(in, quoteLit(a))
			}
			allowed := strings.Join(c.Allowed, ", ")
			cs = append(cs, check{kind: kindError, column: name, cond: fmt.Sprintf("%s NOT IN (%s)", c.Field, strings.Join(in, ", ")), detail: c.Field,
				msg: func(d string) string { return fmt.Sprintf("value %q is not one of the FOCUS values: %s", d, allowed) }})
		}
	}
	cs = append(cs,
		check{kind: kindError, column: "ChargePeriodEnd", cond: "charge_period_end <= charge_period_start",
			detail: "strftime(charge_period_start, '%Y-%m-%dT%H:%M:%SZ') || ' → ' || strftime(charge_period_end, '%Y-%m-%dT%H:%M:%SZ')",
			msg:    func(d string) string { return "charge period does not end after it starts: " + d }},
		check{kind: kindError, column: "CommitmentDiscountStatus", cond: "cd_status IS NOT NULL AND cd_id IS NULL", detail: "cd_status",
			msg: func(d string) string { return fmt.Sprintf("is %q but CommitmentDiscountId is null", d) }},
		check{kind: kindError, column: "CommitmentDiscountStatus",
			cond:   "cd_status IS NULL AND cd_id IS NOT NULL AND charge_category = 'Usage' AND cd_category IS NOT NULL",
			detail: "cd_id",
			msg: func(d string) string {
				return fmt.Sprintf("is null on a usage row of commitment %s; FOCUS requires Used or Unused", d)
			}},
		check{kind: kindWarning, column: "EffectiveCost", cond: "charge_category = 'Usage' AND cd_id IS NULL AND effective_cost = 0 AND billed_cost > 0",
			msg: fixed("EffectiveCost is 0 on usage rows with BilledCost > 0 and no commitment: effective cost and savings are understated")},
		check{kind: kindWarning, column: "ContractedCost", cond: "charge_category = 'Usage' AND contracted_cost = 0 AND list_cost > 0",
			msg: fixed("ContractedCost is 0 on usage rows with ListCost > 0: savings against contracted cost are understated")},
	)
	if has("BillingCurrency") {
		cs = append(cs, check{kind: kindError, column: "BillingCurrency", cond: "billing_currency IS NULL", detail: "''",
			msg: fixed("is null; every row needs its billing currency")})
	}
	return cs
}

func fixed(s string) func(string) string { return func(string) string { return s } }

// splitCandidate selects the usage rows that may split one consumption
// between prices (PricingQuantity differs from ConsumedQuantity in the
// same unit); reconcileSplits looks at their groups.
const splitCandidate = `charge_category = 'Usage' AND resource_id IS NOT NULL AND consumed_quantity IS NOT NULL
	AND pricing_quantity IS NOT NULL AND pricing_quantity <> consumed_quantity
	AND (pricing_unit IS NULL OR pricing_unit = consumed_unit)`

// check runs every check of file i in one scan of full (counts only), then
// fetches examples for the checks that fired. It returns false when the
// file broke a rule.
func (l *loader) check(f *File, src source, full string, parse []check) (bool, error) {
	cs := append(parse, l.checks(src)...)
	sel := []string{"count(*)", "min(billing_currency)", "max(billing_currency)",
		"arg_min(billing_currency, rec) FILTER (WHERE billing_currency IS NOT NULL)",
		"count_if(" + splitCandidate + ")",
		"count_if(charge_category = 'Usage' AND consumed_unit IN (" + hourUnits + ") AND date_diff('hour', charge_period_start, charge_period_end) > 1)"}
	for _, c := range cs {
		sel = append(sel, "count_if("+c.cond+")")
	}
	counts := make([]int64, len(cs))
	var rows, splits, multiHour int64
	var cmin, cmax, cfirst sql.NullString
	dst := []any{&rows, &cmin, &cmax, &cfirst, &splits, &multiHour}
	for k := range counts {
		dst = append(dst, &counts[k])
	}
	q := fmt.Sprintf("SELECT %s FROM %s", strings.Join(sel, ", "), full)
	if err := l.d.db.QueryRowContext(l.ctx, q).Scan(dst...); err != nil {
		if l.ctx.Err() != nil {
			return false, l.ctx.Err()
		}
		l.fail(&ValidationError{File: f.Path, Err: fmt.Errorf("DuckDB cannot read it: %v", err)})
		return false, nil
	}
	f.Rows = rows
	l.d.multiHour += multiHour
	before := l.total
	rel := full
	for k, c := range cs {
		n := counts[k]
		if n == 0 {
			continue
		}
		if c.kind == kindError {
			if err := l.examples(f, rel, c, n); err != nil {
				return false, err
			}
			continue
		}
		detail := "NULL"
		if c.detail != "" {
			detail = c.detail
		}
		var first int64
		var ex sql.NullString
		q := fmt.Sprintf("SELECT min(rec), CAST(%s AS VARCHAR) FROM %s WHERE %s", detail, rel, c.cond)
		if err := l.d.db.QueryRowContext(l.ctx, q).Scan(&first, &ex); err != nil {
			return false, fmt.Errorf("focus: reading %s: %w", f.Path, err)
		}
		e := ex.String
		if len(e) > 120 {
			e = e[:120] + "…"
		}
		l.d.Notices = append(l.d.Notices, Notice{Kind: c.kind, File: f.Path, Column: c.column, Rows: n, FirstRow: f.rowNumber(first), Message: c.msg(e)})
	}
	// One billing currency per run: the first row of the first file with a
	// currency sets it; every row with another one is an error.
	if cfirst.Valid {
		if l.d.Currency == "" {
			l.d.Currency, l.currencyFile = cfirst.String, f.Path
		}
		if cmin.String != l.d.Currency || cmax.String != l.d.Currency {
			cur, from := l.d.Currency, l.currencyFile
			c := check{kind: kindError, column: "BillingCurrency", cond: "billing_currency <> " + quoteLit(cur), detail: "billing_currency",
				msg: func(d string) string {
					return fmt.Sprintf("currency %s differs from %s, the currency of the first row of %s; one billing currency per run", d, cur, from)
				}}
			var n int64
			if err := l.d.db.QueryRowContext(l.ctx, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s", rel, c.cond)).Scan(&n); err != nil {
				return false, fmt.Errorf("focus: reading %s: %w", f.Path, err)
			}
			if err := l.examples(f, rel, c, n); err != nil {
				return false, err
			}
		}
	}
	if splits > 0 {
		if err := l.reconcileSplits(f, rel); err != nil {
			return false, err
		}
	}
	return l.total == before, nil
}

// examples adds up to MaxErrors rows breaking c as errors; n is how many
// rows break it in all.
func (l *loader) examples(f *File, rel string, c check, n int64) error {
	q := fmt.Sprintf("SELECT rec, coalesce(CAST(%s AS VARCHAR), '') FROM %s WHERE %s ORDER BY rec LIMIT %d", c.detail, rel, c.cond, l.opt.MaxErrors)
	rows, err := l.d.db.QueryContext(l.ctx, q)
	if err != nil {
		return fmt.Errorf("focus: reading %s: %w", f.Path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var rec int64
		var d string
		if err := rows.Scan(&rec, &d); err != nil {
			return err
		}
		l.errs = append(l.errs, &ValidationError{File: f.Path, Row: f.rowNumber(rec), Column: c.column, Err: fmt.Errorf("%s", c.msg(d))})
	}
	l.total += n
	return rows.Err()
}
