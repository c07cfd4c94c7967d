package focus

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is wrapped by every error that rejects the input data (as
// opposed to an I/O or DuckDB failure). Callers branch on it with errors.Is.
var ErrInvalid = errors.New("focus: invalid input")

// ValidationError is one rule broken by one row (or by a file's header, Row
// 0) of one file.
type ValidationError struct {
	File   string
	Row    int64  // CSV line number or 1-based Parquet row; 0 for the file as a whole
	Column string // FOCUS column ID; empty when the error is not about one column
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
	return fmt.Sprintf("focus: reading %s: %s%s", e.File, loc, e.Err)
}

func (e *ValidationError) Unwrap() error { return e.Err }

// Is makes every ValidationError match ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// InvalidError is returned by Open when the input breaks at least one rule.
// It lists every error found (up to Options.MaxErrors per rule) and how many
// there were in all; nothing was loaded.
type InvalidError struct {
	Errors []*ValidationError
	// Total is the number of violations found, which may exceed len(Errors).
	Total int64
	// Notices are the normalisations and warnings found on the way; they
	// are reported too (blank lines, for instance, are a warning).
	Notices []Notice
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
		fmt.Fprintf(&b, "\nfocus: … and %d more violations not shown", e.Total-shown)
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

// Notice is something Tranche changed or noticed in the input without
// rejecting it: a normalisation (literal "NULL" read as null, "Usage-based"
// read as "Usage-Based", …) or a warning about suspicious data. Notices are
// part of every report, so nothing is changed silently.
type Notice struct {
	Kind     string `json:"kind"` // "normalised" or "warning"
	File     string `json:"file,omitempty"`
	Column   string `json:"column,omitempty"`
	Rows     int64  `json:"rows"`                // how many rows it concerns
	FirstRow int64  `json:"first_row,omitempty"` // one example row (line for CSV)
	Message  string `json:"message"`
}
