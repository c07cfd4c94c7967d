package focus

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/marcboeker/go-duckdb"
)

// Options tune Open. The zero value is usable when every file has a
// BillingCurrency column.
type Options struct {
	// Currency is the ISO 4217 billing currency assumed for files without a
	// BillingCurrency column (the FOCUS specification examples have none).
	// When empty, such a file is an error. The assumption is listed in the
	// notices.
	Currency string
	// Progress receives one line per file and a heartbeat during long
	// reads; nil means silent. It is meant for stderr.
	Progress io.Writer
	// MaxErrors is how many examples of each broken rule are kept in an
	// *InvalidError; 0 means 20.
	MaxErrors int
	// MemoryLimit is DuckDB's memory_limit (e.g. "2GB"); empty means
	// DuckDB's default (80 % of RAM). Past it DuckDB spills to TempDir.
	MemoryLimit string
	// TempDir is where DuckDB spills; empty means a fresh directory under
	// os.TempDir(), removed by Close.
	TempDir string
	// Threads is DuckDB's thread count; 0 means DuckDB's default (all cores).
	Threads int
}

// File describes one input file.
type File struct {
	Path   string `json:"path"`
	Format string `json:"format"` // csv, csv.gz or parquet
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`

	layout *csvLayout // CSV only
}

// Dataset is a validated set of FOCUS files behind DuckDB's "charges" view
// (one row per FOCUS row; columns: the Field names in columns.go, plus
// file_id and rec) and the "facts" view of docs/metrics.md. Close it when
// done.
type Dataset struct {
	db        *sql.DB
	connector *duckdb.Connector
	tmp       string

	// Files are the input files, in the order read.
	Files []File
	// Rows is the number of charge rows loaded.
	Rows int64
	// Currency is the one billing currency of every row.
	Currency string
	// Notices list what was normalised or looked suspicious.
	Notices []Notice

	// pools are the tables of per-file aggregates that Open's validation
	// scan wrote: usage per pool and charge period (poolRowsSQL), read by
	// UsageSeries.
	pools []string
}

// Close releases DuckDB and removes its temporary files.
func (d *Dataset) Close() error {
	err := d.db.Close()
	if cerr := d.connector.Close(); err == nil {
		err = cerr
	}
	if d.tmp != "" {
		if rerr := os.RemoveAll(d.tmp); err == nil {
			err = rerr
		}
	}
	return err
}

// QueryContext runs a read-only SQL query over the charges view (and the
// views Open defines); it is how reports aggregate without pulling rows
// into Go.
func (d *Dataset) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return d.db.QueryContext(ctx, query, args...)
}

// QueryRowContext is QueryContext for a single row.
func (d *Dataset) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return d.db.QueryRowContext(ctx, query, args...)
}

// ErrNoFiles is wrapped by Expand's errors: a path that does not exist, a
// pattern or a directory that matches no FOCUS file.
var ErrNoFiles = errors.New("no FOCUS file")

// Expand turns paths (files, directories, globs) into a sorted list of
// FOCUS files: *.csv, *.csv.gz and *.parquet. A directory is read
// recursively; a pattern or directory that matches nothing is an error.
func Expand(paths []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("focus: %w given", ErrNoFiles)
	}
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range paths {
		var matches []string
		if strings.ContainsAny(p, "*?[") {
			m, err := filepath.Glob(p)
			if err != nil {
				return nil, fmt.Errorf("focus: bad pattern %q: %w", p, err)
			}
			matches = m
		} else {
			matches = []string{p}
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("focus: %s: %w matches", p, ErrNoFiles)
		}
		for _, m := range matches {
			st, err := os.Stat(m)
			if err != nil {
				return nil, fmt.Errorf("focus: %w (%w)", err, ErrNoFiles)
			}
			if !st.IsDir() {
				add(m)
				continue
			}
			n := 0
			err = filepath.WalkDir(m, func(q string, de os.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if !de.IsDir() && formatOf(q) != "" {
					add(q)
					n++
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("focus: %w", err)
			}
			if n == 0 {
				return nil, fmt.Errorf("focus: %s: %w (.csv, .csv.gz or .parquet) in the directory", m, ErrNoFiles)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

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

// Open expands paths, reads every file into DuckDB and validates the
// result. On any broken rule it returns an *InvalidError listing them all
// (file, row, column) and no Dataset: a report is never built from part of
// the input.
func Open(ctx context.Context, paths []string, opt Options) (*Dataset, error) {
	if opt.MaxErrors <= 0 {
		opt.MaxErrors = 20
	}
	files, err := Expand(paths)
	if err != nil {
		return nil, err
	}
	tmp := opt.TempDir
	ownTmp := ""
	if tmp == "" {
		tmp, err = os.MkdirTemp("", "tranche-focus-")
		if err != nil {
			return nil, fmt.Errorf("focus: %w", err)
		}
		ownTmp = tmp
	}
	init := []string{
		// No network: never try to download an extension (ICU is not
		// bundled, so timestamps are kept as naive UTC TIMESTAMPs).
		"SET autoinstall_known_extensions = false",
		fmt.Sprintf("SET temp_directory = %s", quoteLit(tmp)),
		"SET preserve_insertion_order = true",
		// DuckDB turns an IN list of five or more constants into a join
		// against the list, over every row of the scan, even when the IN
		// sits in a CASE branch that few rows reach; Tranche's lists are
		// short (enum values, unit spellings), compared in place faster.
		"SET disabled_optimizers = 'in_clause'",
	}
	if opt.MemoryLimit != "" {
		init = append(init, "SET memory_limit = "+quoteLit(opt.MemoryLimit))
	}
	if opt.Threads > 0 {
		init = append(init, fmt.Sprintf("SET threads = %d", opt.Threads))
	}
	connector, err := duckdb.NewConnector("", func(execer driver.ExecerContext) error {
		for _, q := range init {
			if _, err := execer.ExecContext(context.Background(), q, nil); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	})
	if err != nil {
		os.RemoveAll(ownTmp)
		return nil, fmt.Errorf("focus: starting DuckDB: %w", err)
	}
	db := sql.OpenDB(connector)
	d := &Dataset{db: db, connector: connector, tmp: ownTmp}
	l := &loader{d: d, opt: opt, ctx: ctx}
	if err := l.run(files); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

type loader struct {
	d    *Dataset
	opt  Options
	ctx  context.Context
	errs []*ValidationError
	// members are the per-file relations of the charges view.
	members []string
	// currencyFile is the file that set the run's currency.
	currencyFile string
	// total violations, including those not kept as examples
	total int64
}

func (l *loader) progress(format string, args ...any) {
	if l.opt.Progress != nil {
		fmt.Fprintf(l.opt.Progress, "focus: "+format+"\n", args...)
	}
}

func (l *loader) fail(e *ValidationError) {
	l.errs = append(l.errs, e)
	l.total++
}

func (l *loader) exec(q string, args ...any) error {
	_, err := l.d.db.ExecContext(l.ctx, q, args...)
	return err
}

func (l *loader) run(files []string) error {
	for _, m := range macros {
		if err := l.exec(m); err != nil {
			return fmt.Errorf("focus: %w", err)
		}
	}
	digests := make(chan digestResult, len(files))
	go func() {
		for i, f := range files {
			s, n, err := digest(f)
			digests <- digestResult{i, s, n, err}
		}
		close(digests)
	}()
	for i, path := range files {
		if err := l.ctx.Err(); err != nil {
			return err
		}
		f := File{Path: path, Format: formatOf(path)}
		if f.Format == "" {
			l.fail(&ValidationError{File: path, Err: errors.New("unknown file type: want .csv, .csv.gz or .parquet")})
			l.d.Files = append(l.d.Files, f)
			continue
		}
		start := time.Now()
		l.progress("reading %s (%d of %d)", path, i+1, len(files))
		stop := l.heartbeat(path, start)
		err := l.loadFile(i, &f)
		stop()
		if err != nil {
			return err
		}
		l.d.Files = append(l.d.Files, f)
		l.progress("read %s: %d rows in %s", path, f.Rows, time.Since(start).Round(time.Millisecond))
	}
	for r := range digests {
		if r.err != nil {
			return fmt.Errorf("focus: reading %s: %w", files[r.i], r.err)
		}
		l.d.Files[r.i].SHA256, l.d.Files[r.i].Bytes = r.sum, r.n
	}
	if len(l.errs) > 0 {
		sort.SliceStable(l.errs, func(i, j int) bool {
			a, b := l.errs[i], l.errs[j]
			if a.File != b.File {
				return a.File < b.File
			}
			return a.Row < b.Row
		})
		return &InvalidError{Errors: l.errs, Total: l.total, Notices: l.d.Notices}
	}
	union := []string{emptyCharges()}
	for _, m := range l.members {
		union = append(union, "SELECT * FROM "+m)
	}
	if err := l.exec("CREATE VIEW charges AS " + strings.Join(union, " UNION ALL ")); err != nil {
		return fmt.Errorf("focus: creating the charges view: %w", err)
	}
	if err := l.exec(factsView); err != nil {
		return fmt.Errorf("focus: creating the facts view: %w", err)
	}
	for _, f := range l.d.Files {
		l.d.Rows += f.Rows
	}
	return nil
}

func (l *loader) heartbeat(path string, start time.Time) func() {
	if l.opt.Progress == nil {
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
				l.progress("still reading %s (%s)", path, time.Since(start).Round(time.Second))
			}
		}
	}()
	return func() { close(done) }
}

type digestResult struct {
	i   int
	sum string
	n   int64
	err error
}

func digest(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func quoteLit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
func quoteID(s string) string  { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
