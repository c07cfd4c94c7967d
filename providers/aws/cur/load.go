package cur

import (
	"bufio"
	"compress/gzip"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/marcboeker/go-duckdb"
)

// duck is one embedded DuckDB database, private to a conversion.
type duck struct {
	db        *sql.DB
	connector *duckdb.Connector
	tmp       string
}

func openDB(opt Options) (*duck, error) {
	tmp, err := os.MkdirTemp("", "tranche-cur-duckdb-")
	if err != nil {
		return nil, fmt.Errorf("cur: %w", err)
	}
	init := []string{
		// No network: never try to download an extension.
		"SET autoinstall_known_extensions = false",
		"SET temp_directory = " + quoteLit(tmp),
		"SET preserve_insertion_order = true",
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
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("cur: starting DuckDB: %w", err)
	}
	return &duck{db: sql.OpenDB(connector), connector: connector, tmp: tmp}, nil
}

func (d *duck) close() error {
	err := d.db.Close()
	if cerr := d.connector.Close(); err == nil {
		err = cerr
	}
	if rerr := os.RemoveAll(d.tmp); err == nil {
		err = rerr
	}
	return err
}

// maxLine bounds one physical line of a CSV file: a CUR 2.0 row is a few
// kilobytes, and a file without line breaks must not be read into memory
// whole.
const maxLine = 4 << 20

// lineLimit fails a read once a line grows past maxLine bytes.
type lineLimit struct {
	r   io.Reader
	cur int
}

var errLongLine = fmt.Errorf("a line longer than %d bytes: not a CUR 2.0 CSV row", maxLine)

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for _, b := range p[:n] {
		if b == '\n' {
			l.cur = 0
			continue
		}
		l.cur++
		if l.cur > maxLine {
			return 0, errLongLine
		}
	}
	return n, err
}

// source is the raw rows of one file in DuckDB: a relation with rownum
// (the line for CSV, the 1-based row for Parquet) and the file's columns.
type source struct {
	rel    string
	types  map[string]string // column → DuckDB type
	header bool              // CSV: the header is line 1
	rows   int64
}

// loadCSV streams a CSV file through encoding/csv, which numbers every
// record by its first line, into a DuckDB table holding the columns the
// conversion reads (as text) and the line number.
func (c *conv) loadCSV(gz bool) (*source, error) {
	f, err := os.Open(c.path)
	if err != nil {
		return nil, fmt.Errorf("cur: %w", err)
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(f, 1<<20)
	if gz {
		zr, err := gzip.NewReader(r)
		if err != nil {
			c.fail(0, "", fmt.Errorf("not a gzip file: %v", err))
			return nil, nil
		}
		defer zr.Close()
		r = zr
	}
	cr := csv.NewReader(&lineLimit{r: r})
	cr.ReuseRecord = true
	hdr, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			c.fail(0, "", errors.New("the file is empty: no header row"))
		} else {
			c.fail(1, "", fmt.Errorf("cannot parse the header: %v", err))
		}
		return nil, nil
	}
	hdr = append([]string(nil), hdr...)
	if len(hdr) > 0 {
		hdr[0] = strings.TrimPrefix(hdr[0], "\ufeff")
	}
	src := &source{rel: "raw", types: map[string]string{}, header: true}
	idx := map[string]int{}
	for i, h := range hdr {
		if _, dup := idx[h]; dup {
			c.fail(1, h, errors.New("column appears twice in the header"))
			continue
		}
		idx[h] = i
	}
	var pos []int
	defs := []string{"rownum BIGINT"}
	for _, col := range columns {
		if i, ok := idx[col.Name]; ok {
			pos = append(pos, i)
			src.types[col.Name] = "VARCHAR"
			defs = append(defs, quoteID(col.Name)+" VARCHAR")
		}
	}
	if !c.checkHeader(src) {
		return nil, nil
	}
	if _, err := c.db.db.ExecContext(c.ctx, "CREATE TABLE raw ("+strings.Join(defs, ", ")+")"); err != nil {
		return nil, fmt.Errorf("cur: %w", err)
	}
	conn, err := c.db.db.Conn(c.ctx)
	if err != nil {
		return nil, fmt.Errorf("cur: %w", err)
	}
	defer conn.Close()
	cr.FieldsPerRecord = len(hdr)
	err = conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "raw")
		if err != nil {
			return err
		}
		vals := make([]driver.Value, len(pos)+1)
		var lineErrs, utfErrs int
		var appendErr error
		for {
			if n := src.rows; n&0xffff == 0 && c.ctx.Err() != nil {
				appendErr = c.ctx.Err()
				break
			}
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				var pe *csv.ParseError
				switch {
				case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount):
					if lineErrs++; lineErrs > c.opt.MaxErrors {
						c.total++ // counted, not kept: a broken file has many
						continue
					}
					c.fail(int64(pe.StartLine), "", fmt.Errorf("malformed CSV line: %d fields, the header has %d", len(rec), len(hdr)))
					continue
				case errors.As(err, &pe):
					c.fail(int64(pe.StartLine), "", fmt.Errorf("malformed CSV (line %d, column %d): %v", pe.Line, pe.Column, pe.Err))
				case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrChecksum):
					line, _ := cr.FieldPos(0)
					c.fail(0, "", fmt.Errorf("truncated: the file ends in the middle of its compressed data (after about line %d)", line))
				case errors.Is(err, errLongLine):
					c.fail(0, "", err)
				default:
					appendErr = err
				}
				break
			}
			line, _ := cr.FieldPos(0)
			vals[0] = int64(line)
			valid := true
			for j, i := range pos {
				v := rec[i]
				if !utf8.ValidString(v) {
					// DuckDB's VARCHAR is UTF-8; a CUR file is too.
					if utfErrs++; utfErrs > c.opt.MaxErrors {
						c.total++
					} else {
						c.fail(int64(line), hdr[i], errors.New("not valid UTF-8 text"))
					}
					valid = false
					break
				}
				if v != "" {
					vals[j+1] = v
				} else {
					vals[j+1] = nil
				}
			}
			if !valid {
				continue
			}
			if err := app.AppendRow(vals...); err != nil {
				appendErr = err
				break
			}
			src.rows++
		}
		if err := app.Close(); appendErr == nil {
			appendErr = err
		}
		return appendErr
	})
	if err != nil {
		if c.ctx.Err() != nil {
			return nil, c.ctx.Err()
		}
		return nil, fmt.Errorf("cur: reading %s: %w", c.path, err)
	}
	return src, nil
}

// loadParquet reads a Parquet file in place.
func (c *conv) loadParquet() (*source, error) {
	rel := fmt.Sprintf("read_parquet(%s, file_row_number = true)", quoteLit(c.path))
	rows, err := c.db.db.QueryContext(c.ctx, "DESCRIBE SELECT * FROM "+rel)
	if err != nil {
		if c.ctx.Err() != nil {
			return nil, c.ctx.Err()
		}
		c.fail(0, "", fmt.Errorf("DuckDB cannot read it as Parquet: %v", err))
		return nil, nil
	}
	src := &source{types: map[string]string{}}
	for rows.Next() {
		var name, typ string
		var null, key, def, extra sql.NullString
		if err := rows.Scan(&name, &typ, &null, &key, &def, &extra); err != nil {
			rows.Close()
			return nil, fmt.Errorf("cur: reading %s: %w", c.path, err)
		}
		if name != "file_row_number" {
			src.types[name] = typ
		}
	}
	rows.Close()
	if !c.checkHeader(src) {
		return nil, nil
	}
	if _, err := c.db.db.ExecContext(c.ctx, "CREATE VIEW raw AS SELECT file_row_number + 1 AS rownum, * EXCLUDE (file_row_number) FROM "+rel); err != nil {
		c.fail(0, "", fmt.Errorf("DuckDB cannot read it as Parquet: %v", err))
		return nil, nil
	}
	src.rel = "raw"
	if err := c.db.db.QueryRowContext(c.ctx, "SELECT count(*) FROM raw").Scan(&src.rows); err != nil {
		if c.ctx.Err() != nil {
			return nil, c.ctx.Err()
		}
		c.fail(0, "", fmt.Errorf("DuckDB cannot read it as Parquet: %v", err))
		return nil, nil
	}
	return src, nil
}

// checkHeader reports the required columns the file lacks; false when the
// file cannot be converted.
func (c *conv) checkHeader(src *source) bool {
	ok := true
	var row int64
	if src.header {
		row = 1
	}
	for _, col := range columns {
		if _, present := src.types[col.Name]; col.Required && !present {
			c.fail(row, col.Name, errors.New("required CUR 2.0 column is missing"))
			ok = false
		}
	}
	return ok && len(c.errs) == 0
}

// A malformed CSV line stops nothing but itself: the other rows are still
// checked, so that one run reports every defect of the file.
