package cur

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

// conv is one conversion in progress.
type conv struct {
	ctx   context.Context
	path  string
	opt   Options
	db    *duck
	errs  []*ValidationError
	total int64
	res   *Result
}

func (c *conv) fail(row int64, col string, err error) {
	c.errs = append(c.errs, &ValidationError{File: c.path, Row: row, Column: col, Err: err})
	c.total++
}

func (c *conv) exec(q string) error {
	if _, err := c.db.db.ExecContext(c.ctx, q); err != nil {
		if c.ctx.Err() != nil {
			return c.ctx.Err()
		}
		return fmt.Errorf("cur: converting %s: %w", c.path, err)
	}
	return nil
}

func (c *conv) progress(format string, args ...any) {
	if c.opt.Progress != nil {
		fmt.Fprintf(c.opt.Progress, "cur: "+format+"\n", args...)
	}
}

// Convert reads the CUR 2.0 file at path, validates it, and writes its
// FOCUS 1.2 rows to the Parquet file out (created or replaced). On any
// broken rule it returns an *InvalidError naming file, row and column, and
// writes nothing.
func Convert(ctx context.Context, path, out string, opt Options) (*Result, error) {
	if opt.MaxErrors <= 0 {
		opt.MaxErrors = 20
	}
	format := formatOf(path)
	if format == "" {
		return nil, &InvalidError{Total: 1, Errors: []*ValidationError{{File: path, Err: errors.New("unknown file type: want .csv, .csv.gz or .parquet")}}}
	}
	db, err := openDB(opt)
	if err != nil {
		return nil, err
	}
	defer db.close()
	c := &conv{ctx: ctx, path: path, opt: opt, db: db, res: &Result{Source: path, Output: out, Format: format}}
	start := time.Now()
	c.progress("converting %s (CUR 2.0, %s) to FOCUS", path, format)
	stop := c.heartbeat(start)
	err = c.run(format)
	stop()
	if err != nil {
		return nil, err
	}
	if len(c.errs) > 0 {
		sort.SliceStable(c.errs, func(i, j int) bool { return c.errs[i].Row < c.errs[j].Row })
		return nil, &InvalidError{Errors: c.errs, Total: c.total}
	}
	c.progress("converted %s: %d CUR rows → %d FOCUS rows in %s", path, c.res.Rows, c.res.Written, time.Since(start).Round(time.Millisecond))
	return c.res, nil
}

func (c *conv) heartbeat(start time.Time) func() {
	if c.opt.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				c.progress("still converting %s (%s)", c.path, time.Since(start).Round(time.Second))
			}
		}
	}()
	return func() { close(done) }
}

func (c *conv) run(format string) error {
	var src *source
	var err error
	if format == "parquet" {
		src, err = c.loadParquet()
	} else {
		src, err = c.loadCSV(format == "csv.gz")
	}
	if err != nil || src == nil {
		return err
	}
	c.res.Rows = src.rows
	if err := c.typed(src); err != nil || len(c.errs) > 0 {
		return err
	}
	if err := c.mapRows(); err != nil || len(c.errs) > 0 {
		return err
	}
	return c.write()
}

// rule is a check every row must pass: cond is true on a row that breaks
// it, detail the raw value shown.
type rule struct {
	column, cond, detail string
	msg                  func(raw string) string
}

// typed builds table t: the columns the conversion reads, in their types,
// and for every row the rules it breaks. The CUR columns keep their names
// in the full view; the typed ones are the short Field names.
func (c *conv) typed(src *source) error {
	var sel []string
	var rules []rule
	fieldExpr := map[string]string{}
	before := len(c.errs)
	for _, col := range columns {
		typ, present := src.types[col.Name]
		if !present {
			sql := "VARCHAR"
			switch col.Kind {
			case kNumber:
				sql = "DOUBLE"
			case kTime:
				sql = "TIMESTAMP"
			}
			fieldExpr[col.Field] = fmt.Sprintf("CAST(NULL AS %s)", sql)
			continue
		}
		id := quoteID(col.Name)
		text := typ == "VARCHAR"
		v := id
		if text {
			v = fmt.Sprintf("nullif(trim(%s), '')", id)
		}
		name := col.Name
		if col.NotNull {
			rules = append(rules, rule{column: name, cond: v + " IS NULL", msg: func(string) string { return "required value is missing" }})
		}
		switch col.Kind {
		case kText:
			if !text {
				v = "CAST(" + id + " AS VARCHAR)"
			}
			fieldExpr[col.Field] = v
		case kNumber:
			switch {
			case text:
				fieldExpr[col.Field] = fmt.Sprintf("CASE WHEN abs(TRY_CAST(%s AS DOUBLE)) <= %g THEN TRY_CAST(%s AS DOUBLE) END", v, maxAmount, v)
				rules = append(rules, rule{column: name, detail: id,
					cond: fmt.Sprintf("%s IS NOT NULL AND NOT coalesce(abs(TRY_CAST(%s AS DOUBLE)) <= %g, false)", v, v, maxAmount),
					msg: func(raw string) string {
						return fmt.Sprintf("cannot read %q as an amount (a decimal number of magnitude at most %g)", clip(raw), maxAmount)
					}})
			case isNumeric(typ):
				fieldExpr[col.Field] = fmt.Sprintf("CASE WHEN abs(CAST(%s AS DOUBLE)) <= %g THEN CAST(%s AS DOUBLE) END", id, maxAmount, id)
				rules = append(rules, rule{column: name, detail: id,
					cond: fmt.Sprintf("%s IS NOT NULL AND NOT coalesce(abs(CAST(%s AS DOUBLE)) <= %g, false)", id, id, maxAmount),
					msg: func(raw string) string {
						return fmt.Sprintf("amount %s out of range (magnitude at most %g)", raw, maxAmount)
					}})
			default:
				c.fail(0, name, fmt.Errorf("has type %s, want a number", typ))
				continue
			}
		case kTime:
			var ts string
			switch {
			case text:
				ts = "TRY_CAST(" + v + " AS TIMESTAMP)"
			case strings.HasPrefix(typ, "TIMESTAMP") || typ == "DATE":
				ts = "CAST(" + id + " AS TIMESTAMP)"
			default:
				c.fail(0, name, fmt.Errorf("has type %s, want a timestamp", typ))
				continue
			}
			// Out of range reads as NULL, so that no other rule trips on it.
			fieldExpr[col.Field] = fmt.Sprintf("CASE WHEN %s BETWEEN TIMESTAMP '2000-01-01' AND TIMESTAMP '2100-01-01' THEN %s END", ts, ts)
			rules = append(rules, rule{column: name, detail: id,
				cond: fmt.Sprintf("%s IS NOT NULL AND NOT coalesce(%s BETWEEN TIMESTAMP '2000-01-01' AND TIMESTAMP '2100-01-01', false)", v, ts),
				msg: func(raw string) string {
					return fmt.Sprintf("cannot read %q as a timestamp between 2000 and 2100 (ISO 8601, e.g. 2026-01-01T00:00:00Z)", clip(raw))
				}})
		case kMap:
			switch {
			case text, strings.HasPrefix(typ, "MAP("):
				fieldExpr[col.Field] = id
			default:
				c.fail(0, name, fmt.Errorf("has type %s, want a MAP or its JSON text", typ))
				continue
			}
		}
	}
	if len(c.errs) > before {
		return nil // a column of the wrong type: nothing to read
	}
	// Keys of the product map fill the flat columns they stand for.
	prodType, hasProd := src.types["product"]
	for field, keys := range productKeys {
		if !hasProd {
			break
		}
		parts := []string{fieldExpr[field]}
		for _, k := range keys {
			if prodType == "VARCHAR" {
				parts = append(parts, fmt.Sprintf(`nullif(regexp_extract(%s, '"%s"\s*:\s*"([^"]*)"', 1), '')`, quoteID("product"), k))
			} else {
				parts = append(parts, fmt.Sprintf(`nullif(CAST(map_extract(%s, %s)[1] AS VARCHAR), '')`, quoteID("product"), quoteLit(k)))
			}
		}
		fieldExpr[field] = "coalesce(" + strings.Join(parts, ", ") + ")"
	}
	for _, col := range columns {
		sel = append(sel, fieldExpr[col.Field]+" AS "+col.Field)
	}
	if err := c.exec("CREATE VIEW fullrows AS SELECT *, " + strings.Join(sel, ", ") + " FROM raw"); err != nil {
		return err
	}

	// Rules on the typed values.
	var first sql.NullString
	if err := c.db.db.QueryRowContext(c.ctx, "SELECT cur FROM fullrows WHERE cur IS NOT NULL ORDER BY rownum LIMIT 1").Scan(&first); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return c.dbErr(err)
	}
	if first.Valid {
		cur := first.String
		rules = append(rules, rule{column: "line_item_currency_code", cond: "cur <> " + quoteLit(cur), detail: "cur",
			msg: func(raw string) string {
				return fmt.Sprintf("currency %q differs from the file's first row (%s): one billing currency per run", clip(raw), cur)
			}})
	}
	rules = append(rules,
		rule{column: "line_item_usage_end_date", cond: "uend < ustart", detail: "CAST(uend AS VARCHAR) || ' < ' || CAST(ustart AS VARCHAR)",
			msg: func(raw string) string { return "the usage ends before it starts: " + raw }},
		rule{column: "line_item_usage_end_date", cond: "uend = ustart AND lt IN (" + hourlyTypes + ")", detail: "CAST(uend AS VARCHAR)",
			msg: func(raw string) string {
				return "a usage or recurring-fee line item of no duration (ends when it starts, " + raw + ")"
			}},
		rule{column: "line_item_usage_end_date", cond: "date_diff('hour', ustart, uend) > 745 AND lt IN (" + hourlyTypes + ")",
			detail: "CAST(ustart AS VARCHAR) || ' to ' || CAST(uend AS VARCHAR)",
			msg:    func(raw string) string { return "a usage or recurring-fee line item longer than a month (" + raw + ")" }},
		rule{column: "reservation_reservation_a_r_n", cond: "lt IN ('DiscountedUsage', 'RIFee') AND ri_arn IS NULL",
			msg: func(string) string { return "a reservation line item without its reservation ARN" }},
		rule{column: "savings_plan_savings_plan_a_r_n", cond: "lt IN ('SavingsPlanCoveredUsage', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee') AND sp_arn IS NULL",
			msg: func(string) string { return "a savings plan line item without its savings plan ARN" }},
		rule{column: "savings_plan_total_commitment_to_date", cond: "lt = 'SavingsPlanRecurringFee' AND (sp_total IS NULL OR sp_used IS NULL)",
			msg: func(string) string {
				return "a SavingsPlanRecurringFee without savings_plan_total_commitment_to_date and savings_plan_used_commitment: its unused commitment is unknown"
			}},
		rule{column: "reservation_end_time", cond: "ri_end <= ri_start OR date_diff('day', ri_start, ri_end) > " + maxTermDays,
			detail: "CAST(ri_start AS VARCHAR) || ' to ' || CAST(ri_end AS VARCHAR)",
			msg: func(raw string) string {
				return "not a reservation term (" + raw + "): want an end after the start, at most 3 years later"
			}},
		rule{column: "savings_plan_end_time", cond: "sp_end <= sp_start OR date_diff('day', sp_start, sp_end) > " + maxTermDays,
			detail: "CAST(sp_start AS VARCHAR) || ' to ' || CAST(sp_end AS VARCHAR)",
			msg: func(raw string) string {
				return "not a savings plan term (" + raw + "): want an end after the start, at most 3 years later"
			}},
	)
	var flags []string
	for i, r := range rules {
		flags = append(flags, fmt.Sprintf("CASE WHEN %s THEN %d END", r.cond, i))
	}
	var fields []string
	for _, col := range columns {
		fields = append(fields, col.Field)
	}
	if err := c.exec(fmt.Sprintf("CREATE TABLE t AS SELECT rownum, %s, list_filter([%s], x -> x IS NOT NULL) AS bad FROM fullrows",
		strings.Join(fields, ", "), strings.Join(flags, ", "))); err != nil {
		return err
	}
	rows, err := c.db.db.QueryContext(c.ctx, "SELECT r, count(*) FROM (SELECT unnest(bad) AS r FROM t) GROUP BY r ORDER BY r")
	if err != nil {
		return c.dbErr(err)
	}
	fired := map[int]int64{}
	for rows.Next() {
		var r int
		var n int64
		if err := rows.Scan(&r, &n); err != nil {
			rows.Close()
			return c.dbErr(err)
		}
		fired[r] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return c.dbErr(err)
	}
	ids := make([]int, 0, len(fired))
	for r := range fired {
		ids = append(ids, r)
	}
	sort.Ints(ids)
	for _, i := range ids {
		r := rules[i]
		detail := r.detail
		if detail == "" {
			detail = "''"
		}
		ex, err := c.db.db.QueryContext(c.ctx, fmt.Sprintf("SELECT rownum, coalesce(CAST(%s AS VARCHAR), '') FROM fullrows WHERE %s ORDER BY rownum LIMIT %d",
			detail, r.cond, c.opt.MaxErrors))
		if err != nil {
			return c.dbErr(err)
		}
		for ex.Next() {
			var row int64
			var raw string
			if err := ex.Scan(&row, &raw); err != nil {
				ex.Close()
				return c.dbErr(err)
			}
			c.errs = append(c.errs, &ValidationError{File: c.path, Row: row, Column: r.column, Err: errors.New(r.msg(raw))})
		}
		ex.Close()
		c.total += fired[i]
	}
	return nil
}

func (c *conv) dbErr(err error) error {
	if c.ctx.Err() != nil {
		return c.ctx.Err()
	}
	return fmt.Errorf("cur: converting %s: %w", c.path, err)
}

// hourlyTypes are the line item types that cover an hour (or a day, a
// month at coarser export granularities) and must have a duration.
const hourlyTypes = `'Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'RIFee', 'SavingsPlanRecurringFee'`

// maxTermDays is the longest term accepted: 3 years and a month.
const maxTermDays = "1127"

func isNumeric(t string) bool {
	for _, p := range []string{"DOUBLE", "FLOAT", "DECIMAL", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "REAL"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// clip shortens a hostile value for an error message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// write copies the FOCUS rows to the output Parquet file.
func (c *conv) write() error {
	if err := c.db.db.QueryRowContext(c.ctx, "SELECT count(*) FROM focus").Scan(&c.res.Written); err != nil {
		return c.dbErr(err)
	}
	tmp := c.res.Output + ".part"
	if err := c.exec(fmt.Sprintf("COPY (SELECT * EXCLUDE (ord) FROM focus ORDER BY ChargePeriodStart, x_SourceRow, ord, CommitmentDiscountId) TO %s (FORMAT PARQUET)", quoteLit(tmp))); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, c.res.Output); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cur: %w", err)
	}
	return nil
}
