package focus

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

var macros = []string{
	// fnull reads the null spellings of real exports as null.
	`CREATE MACRO fnull(x) AS CASE WHEN x IN ('NULL', 'null', 'Null', '') THEN NULL ELSE x END`,
}

func sqlType(t colType) string {
	switch t {
	case colTimestamp:
		return "TIMESTAMP"
	case colNumber:
		return "DOUBLE"
	}
	return "VARCHAR"
}

// emptyCharges is a relation with the columns of the charges view and no
// rows: the view's first member, so that it exists even when no file has
// rows.
func emptyCharges() string {
	var b strings.Builder
	b.WriteString("SELECT CAST(NULL AS INTEGER) AS file_id, CAST(NULL AS BIGINT) AS rec")
	for _, c := range columns {
		fmt.Fprintf(&b, ", CAST(NULL AS %s) AS %s", sqlType(c.Type), c.Field)
	}
	b.WriteString(" WHERE false")
	return b.String()
}

// source is one file as DuckDB sees it.
type source struct {
	rel   string            // a relation: table name or table function
	rowID string            // expression giving the 0-based record index
	types map[string]string // column name → DuckDB type
	order []string          // column names in file order
	// proven are facts about columns that the file's Parquet statistics
	// prove for every row (see parquetFacts); nil for CSV.
	proven map[string]colFacts
}

// colFacts are what Parquet statistics prove about one column: exact
// facts, never estimates, so that a check they make redundant can be left
// out of the scan without changing its answer.
type colFacts struct {
	noNulls    bool   // no null in any row (null counts present and 0)
	noSpelling bool   // text with no value that fnull reads as null
	constant   string // the only non-null value (text columns), when set
	nonZero    bool   // numbers: no value is 0
}

// canonical reports whether the column holds one value only, and that value
// is one of c's allowed values.
func (f colFacts) canonical(c column) bool {
	if f.constant == "" {
		return false
	}
	for _, a := range c.Allowed {
		if a == f.constant {
			return true
		}
	}
	return false
}

// parquetFacts reads the row-group statistics of a Parquet file. A text
// column has no null spelling when, in every row group, the statistics'
// [min, max] holds none of 'NULL', 'Null', 'null' and min is not ” (or
// the row group is all null): min and max are bounds of the values even
// when a writer truncates them. Row groups without statistics prove
// nothing.
func (l *loader) parquetFacts(path string) (map[string]colFacts, error) {
	// coalesce(…, false): a row group without statistics proves nothing
	// (bool_and would skip its NULL).
	q := fmt.Sprintf(`SELECT path_in_schema,
	       bool_and(stats_null_count IS NOT NULL) AND coalesce(sum(stats_null_count), 0) = 0,
	       bool_and(coalesce(stats_null_count = row_group_num_rows, false) OR coalesce(stats_min_value <> ''
	                AND NOT (stats_min_value <= 'NULL' AND 'NULL' <= stats_max_value)
	                AND NOT (stats_min_value <= 'Null' AND 'Null' <= stats_max_value)
	                AND NOT (stats_min_value <= 'null' AND 'null' <= stats_max_value), false)),
	       CASE WHEN bool_and(coalesce(stats_null_count = row_group_num_rows, false) OR coalesce(stats_min_value = stats_max_value, false))
	             AND min(stats_min_value) = max(stats_max_value) THEN min(stats_min_value) END,
	       bool_and(coalesce(stats_null_count = row_group_num_rows, false)
	                OR coalesce(TRY_CAST(stats_min_value AS DOUBLE) > 0 OR TRY_CAST(stats_max_value AS DOUBLE) < 0, false))
	  FROM parquet_metadata(%s) GROUP BY path_in_schema`, quoteLit(path))
	rows, err := l.d.db.QueryContext(l.ctx, q)
	if err != nil {
		return nil, fmt.Errorf("focus: reading %s: Parquet statistics: %w", path, err)
	}
	defer rows.Close()
	out := map[string]colFacts{}
	for rows.Next() {
		var name string
		var noNulls, noSpelling, nonZero sql.NullBool
		var constant sql.NullString
		if err := rows.Scan(&name, &noNulls, &noSpelling, &constant, &nonZero); err != nil {
			return nil, fmt.Errorf("focus: reading %s: Parquet statistics: %w", path, err)
		}
		out[name] = colFacts{noNulls: noNulls.Bool, noSpelling: noSpelling.Bool, constant: constant.String, nonZero: nonZero.Bool}
	}
	return out, rows.Err()
}

func (l *loader) loadFile(i int, f *File) error {
	var src source
	switch f.Format {
	case "csv", "csv.gz":
		lay, err := scanCSV(f.Path, f.Format == "csv.gz")
		if err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				l.fail(ve)
				return nil
			}
			return err
		}
		f.layout = lay
		if !l.checkHeader(f, lay.Header) {
			return nil
		}
		if n := len(lay.Blank); n > 0 {
			l.d.Notices = append(l.d.Notices, Notice{Kind: "warning", File: f.Path, Rows: int64(n), FirstRow: lay.Blank[0],
				Message: fmt.Sprintf("%d blank line(s) skipped (first at line %d); a FOCUS CSV has none", n, lay.Blank[0])})
		}
		if lay.Records == 0 {
			l.d.Notices = append(l.d.Notices, Notice{Kind: "warning", File: f.Path, Message: "header only: the file has no data rows"})
			return nil
		}
		raw := fmt.Sprintf("raw_%d", i)
		var cols []string
		src = source{rel: raw, rowID: "rowid", types: map[string]string{}}
		for _, h := range lay.Header {
			cols = append(cols, fmt.Sprintf("%s: 'VARCHAR'", quoteLit(h)))
			src.types[h] = "VARCHAR"
			src.order = append(src.order, h)
		}
		comp := "none"
		if f.Format == "csv.gz" {
			comp = "gzip"
		}
		read := fmt.Sprintf(`read_csv(%s, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
			columns = {%s}, compression = '%s', store_rejects = true, rejects_table = 'rej_%d', rejects_scan = 'rejscan_%d')`,
			quoteLit(f.Path), strings.Join(cols, ", "), comp, i, i)
		if err := l.exec(fmt.Sprintf("CREATE TABLE %s AS SELECT * FROM %s", raw, read)); err != nil {
			if l.ctx.Err() != nil {
				return l.ctx.Err()
			}
			l.fail(&ValidationError{File: f.Path, Err: fmt.Errorf("DuckDB cannot read it as CSV: %v", err)})
			return nil
		}
		defer l.exec("DROP TABLE IF EXISTS " + raw)
		if bad, err := l.csvRejects(i, f); err != nil || bad {
			return err
		}
		var n int64
		if err := l.d.db.QueryRowContext(l.ctx, "SELECT count(*) FROM "+raw).Scan(&n); err != nil {
			return fmt.Errorf("focus: reading %s: %w", f.Path, err)
		}
		if n != lay.Records {
			l.fail(&ValidationError{File: f.Path, Err: fmt.Errorf("DuckDB read %d rows but the file has %d records", n, lay.Records)})
			return nil
		}
	case "parquet":
		rel := fmt.Sprintf("read_parquet(%s, file_row_number = true)", quoteLit(f.Path))
		rows, err := l.d.db.QueryContext(l.ctx, "DESCRIBE SELECT * FROM "+rel)
		if err != nil {
			if l.ctx.Err() != nil {
				return l.ctx.Err()
			}
			l.fail(&ValidationError{File: f.Path, Err: fmt.Errorf("DuckDB cannot read it as Parquet: %v", err)})
			return nil
		}
		src = source{rel: rel, rowID: "file_row_number", types: map[string]string{}}
		var hdr []string
		for rows.Next() {
			var name, typ string
			var null, key, def, extra sql.NullString
			if err := rows.Scan(&name, &typ, &null, &key, &def, &extra); err != nil {
				rows.Close()
				return fmt.Errorf("focus: reading %s: %w", f.Path, err)
			}
			if name == "file_row_number" {
				continue
			}
			hdr = append(hdr, name)
			src.types[name] = typ
			src.order = append(src.order, name)
		}
		rows.Close()
		if !l.checkHeader(f, hdr) {
			return nil
		}
		facts, err := l.parquetFacts(f.Path)
		if err != nil {
			return err
		}
		src.proven = map[string]colFacts{}
		for _, name := range hdr {
			if fc, ok := facts[name]; ok {
				if !isVarchar(src.types[name]) {
					fc.noSpelling, fc.constant = false, ""
				}
				if !isNumeric(src.types[name]) {
					// Text statistics are ordered as text, not as numbers.
					fc.nonZero = false
				}
				src.proven[name] = fc
			}
		}
	}
	return l.insert(i, f, src)
}

// checkHeader reports missing required columns, FOCUS columns spelt in the
// wrong case, duplicates and unknown columns. It returns false when the
// file cannot be read further.
func (l *loader) checkHeader(f *File, hdr []string) bool {
	ok := true
	var hrow int64 // Parquet has no header row
	if f.layout != nil {
		hrow = 1
	}
	seen := map[string]bool{}
	var unknown []string
	for _, h := range hdr {
		switch {
		case seen[h]:
			l.fail(&ValidationError{File: f.Path, Row: hrow, Column: h, Err: errors.New("column appears twice in the header")})
			ok = false
		case isFocusColumn(h) || strings.HasPrefix(h, "x_"):
		default:
			if id, found := focusSpelling(h); found {
				// An error, but not one that stops the file: the column is
				// not read (under either name), so the other rules still run
				// and every defect of the file is reported at once.
				l.fail(&ValidationError{File: f.Path, Row: hrow, Column: h,
					Err: fmt.Errorf("not a FOCUS column ID; FOCUS spells it %s (column IDs are case-sensitive, and custom columns start with x_)", id)})
			} else {
				unknown = append(unknown, h)
			}
		}
		seen[h] = true
	}
	if len(unknown) > 0 {
		l.d.Notices = append(l.d.Notices, Notice{Kind: "warning", File: f.Path,
			Message: fmt.Sprintf("columns ignored: not FOCUS columns and not prefixed x_: %s", strings.Join(unknown, ", "))})
	}
	for _, c := range columns {
		if c.Required && !seen[c.Name] {
			l.fail(&ValidationError{File: f.Path, Row: hrow, Column: c.Name, Err: errors.New("required column is missing")})
			ok = false
		}
	}
	if !seen["BillingCurrency"] {
		if l.opt.Currency == "" {
			l.fail(&ValidationError{File: f.Path, Row: hrow, Column: "BillingCurrency",
				Err: errors.New("column is missing; give the billing currency explicitly (--currency) to read this file")})
			ok = false
		} else {
			l.d.Notices = append(l.d.Notices, Notice{Kind: "normalised", File: f.Path, Column: "BillingCurrency",
				Message: fmt.Sprintf("no BillingCurrency column: every row read as %s, as given (--currency)", l.opt.Currency)})
		}
	}
	for _, name := range []string{"ProviderName", "ContractedCost"} {
		if !seen[name] {
			msg := "no ProviderName column: rows have no provider, so no usage series or pools are derived from them"
			if name == "ContractedCost" {
				msg = "no ContractedCost column: on-demand-equivalent cost falls back to ListCost (docs/metrics.md)"
			}
			l.d.Notices = append(l.d.Notices, Notice{Kind: "warning", File: f.Path, Column: name, Message: msg})
		}
	}
	return ok
}

// csvRejects turns DuckDB's rejected CSV lines into validation errors.
func (l *loader) csvRejects(i int, f *File) (bool, error) {
	rows, err := l.d.db.QueryContext(l.ctx, fmt.Sprintf(
		`SELECT line, coalesce(column_name, ''), error_type, error_message, count(*) OVER ()
		   FROM rej_%d ORDER BY line LIMIT %d`, i, l.opt.MaxErrors))
	if err != nil {
		return false, fmt.Errorf("focus: reading %s: rejected lines: %w", f.Path, err)
	}
	defer rows.Close()
	var total int64
	for rows.Next() {
		var line int64
		var col, typ, msg string
		if err := rows.Scan(&line, &col, &typ, &msg, &total); err != nil {
			return false, err
		}
		// DuckDB's line numbers skip nothing, but count from the header.
		l.errs = append(l.errs, &ValidationError{File: f.Path, Row: line, Column: col,
			Err: fmt.Errorf("malformed CSV line (%s): %s", strings.ToLower(strings.ReplaceAll(typ, "_", " ")), firstLine(msg))})
	}
	l.total += total
	l.exec(fmt.Sprintf("DROP TABLE IF EXISTS rej_%d; DROP TABLE IF EXISTS rejscan_%d", i, i))
	return total > 0, rows.Err()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// insert defines file_<i>, the file's rows in Tranche's types, checks them
// in one scan (checks.go), and adds them to the charges view: a view over
// the Parquet file itself (never copied), or a table for CSV (parsed once).
func (l *loader) insert(i int, f *File, src source) error {
	sel := []string{fmt.Sprintf("%d AS file_id", i), src.rowID + " AS rec"}
	var parse []check
	failed := l.total
	for _, c := range columns {
		typ, present := src.types[c.Name]
		if !present {
			lit := "NULL"
			if c.Name == "BillingCurrency" && l.opt.Currency != "" {
				lit = quoteLit(strings.ToUpper(l.opt.Currency))
			}
			sel = append(sel, fmt.Sprintf("CAST(%s AS %s) AS %s", lit, sqlType(c.Type), c.Field))
			continue
		}
		val, bad, err := exprFor(c, quoteID(c.Name), typ, src.proven[c.Name])
		if err != nil {
			l.fail(&ValidationError{File: f.Path, Column: c.Name, Err: err})
			continue
		}
		if pf := src.proven[c.Name]; pf.noNulls && pf.noSpelling && pf.constant != "" && (c.Type == colString || pf.canonical(c)) {
			// Every row holds this one value: no need to read the column.
			val = quoteLit(pf.constant)
		}
		sel = append(sel, fmt.Sprintf("CAST(%s AS %s) AS %s", val, sqlType(c.Type), c.Field))
		if bad != "" {
			name := c.Name
			parse = append(parse, check{kind: kindError, column: c.Name, cond: bad, detail: quoteID(c.Name),
				msg: func(raw string) string { return fmt.Sprintf("cannot parse %q as %s", raw, valueKind(name)) }})
		}
	}
	if l.total > failed {
		return nil // a column of the wrong type: nothing to read
	}
	// full_<i>: the source's own columns and the typed ones side by side,
	// so that one scan checks both.
	full := fmt.Sprintf("full_%d", i)
	if err := l.exec(fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT *, %s AS rec, %s FROM %s", full, src.rowID, strings.Join(sel[2:], ", "), src.rel)); err != nil {
		if l.ctx.Err() != nil {
			return l.ctx.Err()
		}
		l.fail(&ValidationError{File: f.Path, Err: fmt.Errorf("DuckDB cannot read it: %v", err)})
		return nil
	}
	cstart := time.Now()
	ok, err := l.check(i, f, src, full, parse)
	if err != nil {
		return err
	}
	l.progress("checked %s in %s", f.Path, time.Since(cstart).Round(time.Millisecond))
	if !ok {
		return nil
	}
	rel := fmt.Sprintf("file_%d", i)
	kind := "VIEW"
	if src.rowID == "rowid" { // CSV: keep the parsed rows, drop the raw text
		kind = "TABLE"
	}
	var fields []string
	for _, c := range columns {
		fields = append(fields, c.Field)
	}
	if err := l.exec(fmt.Sprintf("CREATE %s %s AS SELECT %d AS file_id, rec, %s FROM %s", kind, rel, i, strings.Join(fields, ", "), full)); err != nil {
		if l.ctx.Err() != nil {
			return l.ctx.Err()
		}
		l.fail(&ValidationError{File: f.Path, Err: fmt.Errorf("DuckDB cannot read it: %v", err)})
		return nil
	}
	l.members = append(l.members, rel)
	if kind == "TABLE" {
		l.exec("DROP VIEW " + full)
	}
	if f.Rows == 0 {
		l.d.Notices = append(l.d.Notices, Notice{Kind: "warning", File: f.Path, Message: "the file has no data rows"})
	}
	return nil
}

func isVarchar(t string) bool { return t == "VARCHAR" }
func isNumeric(t string) bool {
	for _, p := range []string{"DOUBLE", "FLOAT", "DECIMAL", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "REAL"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}
func isTime(t string) bool { return strings.HasPrefix(t, "TIMESTAMP") || t == "DATE" }

// exprFor returns the SQL that reads column c (identifier id, DuckDB type
// typ) into the charges view, and the condition under which a non-null
// source value failed to parse ("" when it cannot fail). What the file's
// statistics prove (pf) spares the expressions they make redundant.
func exprFor(c column, id, typ string, pf colFacts) (val, bad string, err error) {
	v := id
	if isVarchar(typ) && !pf.noSpelling {
		v = "fnull(" + id + ")"
	}
	switch c.Type {
	case colString:
		if isVarchar(typ) {
			return v, "", nil
		}
		return "CAST(" + id + " AS VARCHAR)", "", nil
	case colEnum:
		if !isVarchar(typ) {
			return "", "", fmt.Errorf("has type %s, want VARCHAR", typ)
		}
		if pf.canonical(c) {
			return v, "", nil
		}
		// Canonical values (nearly every row) pass without lower(), which
		// allocates; only the others are folded.
		var canon []string
		for _, a := range c.Allowed {
			canon = append(canon, quoteLit(a))
		}
		var b strings.Builder
		fmt.Fprintf(&b, "CASE WHEN %s IN (%s) THEN %s ELSE CASE lower(%s)", v, strings.Join(canon, ", "), v, v)
		for _, a := range c.Allowed {
			fmt.Fprintf(&b, " WHEN %s THEN %s", quoteLit(strings.ToLower(a)), quoteLit(a))
		}
		fmt.Fprintf(&b, " ELSE %s END END", v)
		return b.String(), "", nil
	case colTimestamp:
		switch {
		case isVarchar(typ):
			return "TRY_CAST(" + v + " AS TIMESTAMP)", fmt.Sprintf("%s IS NOT NULL AND TRY_CAST(%s AS TIMESTAMP) IS NULL", v, v), nil
		case isTime(typ):
			return "CAST(" + id + " AS TIMESTAMP)", "", nil
		}
		return "", "", fmt.Errorf("has type %s, want TIMESTAMP or an ISO 8601 string", typ)
	case colNumber:
		switch {
		case isVarchar(typ):
			return "TRY_CAST(" + v + " AS DOUBLE)", fmt.Sprintf("%s IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST(%s AS DOUBLE)), false)", v, v), nil
		case isNumeric(typ):
			return "CAST(" + id + " AS DOUBLE)", "", nil
		}
		return "", "", fmt.Errorf("has type %s, want a decimal number", typ)
	}
	return "", "", fmt.Errorf("internal: unknown column type")
}

// isoZoned matches the timestamps FOCUS asks for: ISO 8601 with a T and a
// zone (2024-01-01T00:00:00Z).
const isoZoned = `T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d(:?\d\d)?)$`

// rowNumber turns a 0-based record index into the number users see: the
// line for CSV files, the 1-based row for Parquet.
func (f *File) rowNumber(rec int64) int64 {
	if f.layout != nil {
		return f.layout.line(rec)
	}
	return rec + 1
}
