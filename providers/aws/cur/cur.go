// Package cur reads AWS Cost and Usage Report 2.0 exports (the Data
// Exports "CUR 2.0" table, SQL name COST_AND_USAGE_REPORT; CSV, CSV.gz or
// Parquet) and converts them into FOCUS 1.2 rows that providers/focus
// reads, so that every command that plans from FOCUS billing data plans
// from CUR 2.0 too.
//
// Detect tells a CUR 2.0 file from any other by its header (CSV) or its
// schema (Parquet). Convert validates every row the conversion relies on —
// a value that does not parse, a timestamp or amount out of any sensible
// range, a missing required column, a truncated file — and returns an
// *InvalidError naming the file, the row (the line for CSV, the 1-based row
// for Parquet) and the column; nothing is written then. Rows it cannot map
// (line item types FOCUS has no place for, such as discounts) are not
// dropped silently: Result.Notices counts them by kind, with their cost.
//
// The conversion runs in embedded DuckDB, like providers/focus: rows pass
// through Go only to number the lines of a CSV file. The mapping from CUR
// 2.0 columns to FOCUS columns, and where it departs from AWS's own FOCUS
// export, is written out in docs/cur.md.
package cur

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Options tune Convert. The zero value is usable.
type Options struct {
	// TermRows adds, for every reservation and savings plan whose start and
	// end the file gives, a FOCUS one-time purchase row of cost 0 spanning
	// its term, so that focus.Dataset.Commitments knows its end. Leave it
	// off where the latest ChargePeriodEnd is read as the end of the data
	// (the report): a term row ends years after the usage.
	TermRows bool
	// Progress receives a line per file and a heartbeat during long
	// conversions; nil means silent. It is meant for stderr.
	Progress io.Writer
	// MaxErrors is how many examples of each broken rule an *InvalidError
	// keeps; 0 means 20.
	MaxErrors int
	// MemoryLimit is DuckDB's memory_limit (e.g. "2GB"); empty means
	// DuckDB's default.
	MemoryLimit string
	// Threads is DuckDB's thread count; 0 means DuckDB's default.
	Threads int
}

// Result describes one converted file.
type Result struct {
	// Source is the CUR 2.0 file read; Output the FOCUS Parquet file
	// written.
	Source, Output string
	// Format is csv, csv.gz or parquet.
	Format string
	// Rows is the number of CUR data rows read; Written the number of
	// FOCUS rows written (more than Rows when unused commitment rows are
	// added, fewer when rows are skipped).
	Rows, Written int64
	// Notices list what was skipped, folded or looked suspicious.
	Notices []Notice
}

// Notice is something the conversion did or saw without rejecting the
// file: rows of a line item type FOCUS has no place for (Kind "skipped"),
// a normalisation (Kind "normalised"), or a warning about the data.
type Notice struct {
	Kind     string  `json:"kind"` // "skipped", "normalised" or "warning"
	File     string  `json:"file"`
	Column   string  `json:"column,omitempty"`
	Rows     int64   `json:"rows"`
	FirstRow int64   `json:"first_row,omitempty"` // line for CSV, 1-based row for Parquet
	Cost     float64 `json:"cost,omitempty"`      // Σ line_item_unblended_cost of the rows, when they were skipped
	Message  string  `json:"message"`
}

func (n Notice) String() string {
	s := fmt.Sprintf("%s: %s", n.File, n.Message)
	if n.FirstRow > 0 {
		s += fmt.Sprintf(" (first at row %d)", n.FirstRow)
	}
	return s
}

// ErrInvalid is wrapped by every error that rejects the input (as opposed
// to an I/O or DuckDB failure). Callers branch on it with errors.Is.
var ErrInvalid = errors.New("cur: invalid input")

// ValidationError is one rule broken by one row (Row 0: the file as a
// whole, or a Parquet schema) of one file.
type ValidationError struct {
	File   string
	Row    int64  // CSV line number or 1-based Parquet row; 0 for the file
	Column string // CUR 2.0 column name; empty when the error is not about one column
	Err    error
}

func (e *ValidationError) Error() string {
	var where []string
	if e.Row > 0 {
		where = append(where, fmt.Sprintf("row %d", e.Row))
	}
	if e.Column != "" {
		where = append(where, "column "+e.Column)
	}
	loc := ""
	if len(where) > 0 {
		loc = strings.Join(where, ", ") + ": "
	}
	return fmt.Sprintf("cur: reading %s: %s%s", e.File, loc, e.Err)
}

func (e *ValidationError) Unwrap() error { return e.Err }

// Is makes every ValidationError match ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// InvalidError is returned by Convert when the file breaks at least one
// rule: every error found (up to Options.MaxErrors per rule) and how many
// there were in all. Nothing was written.
type InvalidError struct {
	Errors []*ValidationError
	Total  int64
}

func (e *InvalidError) Error() string {
	var b strings.Builder
	for i, v := range e.Errors {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(v.Error())
	}
	if shown := int64(len(e.Errors)); e.Total > shown {
		fmt.Fprintf(&b, "\ncur: … and %d more violations not shown", e.Total-shown)
	}
	return b.String()
}

// Is makes an InvalidError match ErrInvalid.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// Unwrap returns the individual violations.
func (e *InvalidError) Unwrap() []error {
	errs := make([]error, len(e.Errors))
	for i, v := range e.Errors {
		errs[i] = v
	}
	return errs
}

// formatOf is the file type by its name, as providers/focus reads it.
func formatOf(p string) string {
	l := strings.ToLower(p)
	switch {
	case strings.HasSuffix(l, ".csv"):
		return "csv"
	case strings.HasSuffix(l, ".csv.gz"):
		return "csv.gz"
	case strings.HasSuffix(l, ".parquet"):
		return "parquet"
	}
	return ""
}

func quoteLit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
func quoteID(s string) string  { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
