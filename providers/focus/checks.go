package focus

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

const (
	kindError      = "error"
	kindNormalised = "normalised"
	kindWarning    = "warning"
	// kindSplit marks the rows reconcileSplits looks at; not a rule.
	kindSplit = "split"
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
		pf := src.proven[name]
		if isVarchar(src.types[name]) && !pf.noSpelling {
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
		}
		if isVarchar(src.types[name]) {
			switch c.Type {
			case colEnum:
				if pf.canonical(c) {
					break
				}
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
		if c.Required && !(pf.noNulls && (pf.noSpelling || !isVarchar(src.types[name]))) {
			cond := id + " IS NULL"
			if isVarchar(src.types[name]) {
				cond = "fnull(" + id + ") IS NULL"
			}
			cs = append(cs, check{kind: kindError, column: name, cond: cond, detail: "''", msg: fixed("is null; Tranche needs a value")})
		}
		if len(c.Allowed) > 0 && !pf.canonical(c) {
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
	)
	// Warnings about a cost of 0: not possible when the statistics prove
	// the column has no 0, and then the scan need not read the columns.
	if !src.proven["EffectiveCost"].nonZero {
		cs = append(cs, check{kind: kindWarning, column: "EffectiveCost", cond: "charge_category = 'Usage' AND cd_id IS NULL AND effective_cost = 0 AND billed_cost > 0",
			msg: fixed("EffectiveCost is 0 on usage rows with BilledCost > 0 and no commitment: effective cost and savings are understated")})
	}
	if !src.proven["ContractedCost"].nonZero {
		cs = append(cs,
			check{kind: kindWarning, column: "ContractedCost", cond: "charge_category = 'Usage' AND contracted_cost = 0 AND list_cost > 0",
				msg: fixed("ContractedCost is 0 on usage rows with ListCost > 0: savings against contracted cost are understated")},
			// The FOCUS 1.0 sample's covered rows are all like this, so its
			// coverage (at on-demand-equivalent cost, docs/metrics.md) is 0 %.
			check{kind: kindWarning, column: "ContractedCost", cond: "charge_category = 'Usage' AND cd_status = 'Used' AND contracted_cost = 0 AND list_cost > 0",
				msg: fixed("ContractedCost is 0 on usage rows a commitment covered (CommitmentDiscountStatus Used) with ListCost > 0: the report counts that usage at 0 on-demand-equivalent cost, so coverage is understated")})
	}
	if pf := src.proven["BillingCurrency"]; has("BillingCurrency") && !(pf.noNulls && pf.noSpelling) {
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

// maskBits is how many checks one BIGINT of the scan's bitmask holds (the
// sign bit is left alone).
const maskBits = 62

// check runs every check of file i and the file's usage aggregation in one
// scan of full: each row gets a bitmask of the rules it breaks and the
// normalisations it needed, and the rows are grouped per pool and charge
// period (poolRowsSQL) into the table agg_<i>, with the OR of the masks
// and the row count of each group. Rows that make no pool fall into one
// group. So the file is decoded once, for the checks
// and for UsageSeries together; counts and examples are then fetched only
// for the rules that fired. It returns false when the file broke a rule.
func (l *loader) check(i int, f *File, src source, full string, parse []check) (bool, error) {
	cs := append(parse, l.checks(src)...)
	// One billing currency per run: the first row of the first file with a
	// currency sets it; every row with another one is an error. The first
	// row with a currency is found without a scan (LIMIT stops DuckDB's
	// read there, in file order); a currency that the Parquet statistics
	// prove is the only one needs no check at all.
	before := l.total
	pf := src.proven["BillingCurrency"]
	if l.d.Currency == "" {
		first := pf.constant
		if first == "" {
			var cur sql.NullString
			err := l.d.db.QueryRowContext(l.ctx, fmt.Sprintf("SELECT billing_currency FROM %s WHERE billing_currency IS NOT NULL LIMIT 1", full)).Scan(&cur)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				if l.ctx.Err() != nil {
					return false, l.ctx.Err()
				}
				l.fail(&ValidationError{File: f.Path, Err: fmt.Errorf("DuckDB cannot read it: %v", err)})
				return false, nil
			}
			first = cur.String
		}
		if first != "" {
			l.d.Currency, l.currencyFile = first, f.Path
		}
	}
	if cur, from := l.d.Currency, l.currencyFile; cur != "" && pf.constant != cur {
		cs = append(cs, check{kind: kindError, column: "BillingCurrency", cond: "billing_currency <> " + quoteLit(cur), detail: "billing_currency",
			msg: func(d string) string {
				return fmt.Sprintf("currency %s differs from %s, the currency of the first row of %s; one billing currency per run", d, cur, from)
			}})
	}
	split := check{kind: kindSplit, cond: splitCandidate}
	if pf := src.proven["ResourceId"]; pf.noNulls && pf.noSpelling {
		// Spares the scan a high-cardinality text column it would read
		// for this test only.
		split.cond = strings.Replace(split.cond, "resource_id IS NOT NULL AND ", "", 1)
	}
	cs = append(cs, split)
	var masks, extra []string
	for w := 0; w*maskBits < len(cs); w++ {
		var terms []string
		for k := w * maskBits; k < min(len(cs), (w+1)*maskBits); k++ {
			terms = append(terms, fmt.Sprintf("(CAST(coalesce(%s, false) AS BIGINT) << %d)", cs[k].cond, k-w*maskBits))
		}
		masks = append(masks, fmt.Sprintf("(%s) AS m%d", strings.Join(terms, " | "), w))
		extra = append(extra, fmt.Sprintf("m%d", w))
	}
	src2 := fmt.Sprintf("(SELECT *, %s FROM %s)", strings.Join(masks, ", "), full)
	agg := fmt.Sprintf("agg_%d", i)
	var aggs []string
	for w := range masks {
		aggs = append(aggs, fmt.Sprintf("bit_or(m%d) AS m%d", w, w))
	}
	q := fmt.Sprintf(`CREATE OR REPLACE TABLE %s AS
		SELECT %s, s, e, sum(qty) AS qty, sum(od) AS od, count(*) AS n, %s
		  FROM (%s)
		 GROUP BY ALL`, agg, poolKeys, strings.Join(aggs, ", "), poolRowsSQL(src2, extra))
	if err := l.exec(q); err != nil {
		if l.ctx.Err() != nil {
			return false, l.ctx.Err()
		}
		l.fail(&ValidationError{File: f.Path, Err: fmt.Errorf("DuckDB cannot read it: %v", err)})
		return false, nil
	}
	// The file's totals, from the groups.
	var rows sql.NullInt64
	words := make([]sql.NullInt64, len(masks))
	dst := []any{&rows}
	sel := []string{"sum(n)"}
	for w := range words {
		dst = append(dst, &words[w])
		sel = append(sel, fmt.Sprintf("bit_or(m%d)", w))
	}
	if err := l.d.db.QueryRowContext(l.ctx, fmt.Sprintf("SELECT %s FROM %s", strings.Join(sel, ", "), agg)).Scan(dst...); err != nil {
		return false, fmt.Errorf("focus: reading %s: %w", f.Path, err)
	}
	f.Rows = rows.Int64
	rel := full
	fired := func(k int) bool { return words[k/maskBits].Int64&(1<<(k%maskBits)) != 0 }
	splits := false
	for k, c := range cs {
		if !fired(k) {
			continue
		}
		switch c.kind {
		case kindSplit:
			splits = true
			continue
		case kindError:
			if err := l.examples(f, rel, c); err != nil {
				return false, err
			}
			continue
		}
		detail := "NULL"
		if c.detail != "" {
			detail = c.detail
		}
		var n, first int64
		var ex sql.NullString
		q := fmt.Sprintf("SELECT count(*), min(rec), CAST(%s AS VARCHAR) FROM %s WHERE %s", detail, rel, c.cond)
		if err := l.d.db.QueryRowContext(l.ctx, q).Scan(&n, &first, &ex); err != nil {
			return false, fmt.Errorf("focus: reading %s: %w", f.Path, err)
		}
		e := ex.String
		if len(e) > 120 {
			e = e[:120] + "…"
		}
		l.d.Notices = append(l.d.Notices, Notice{Kind: c.kind, File: f.Path, Column: c.column, Rows: n, FirstRow: f.rowNumber(first), Message: c.msg(e)})
	}
	if splits {
		if err := l.reconcileSplits(f, rel); err != nil {
			return false, err
		}
	}
	if l.total != before {
		return false, nil
	}
	l.d.pools = append(l.d.pools, agg)
	return true, nil
}

// examples adds up to MaxErrors rows breaking c as errors, and counts
// how many rows break it in all.
func (l *loader) examples(f *File, rel string, c check) error {
	q := fmt.Sprintf("SELECT rec, coalesce(CAST(%s AS VARCHAR), ''), count(*) OVER () FROM %s WHERE %s ORDER BY rec LIMIT %d", c.detail, rel, c.cond, l.opt.MaxErrors)
	rows, err := l.d.db.QueryContext(l.ctx, q)
	if err != nil {
		return fmt.Errorf("focus: reading %s: %w", f.Path, err)
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		var rec int64
		var d string
		if err := rows.Scan(&rec, &d, &n); err != nil {
			return err
		}
		l.errs = append(l.errs, &ValidationError{File: f.Path, Row: f.rowNumber(rec), Column: c.column, Err: fmt.Errorf("%s", c.msg(d))})
	}
	l.total += n
	return rows.Err()
}
