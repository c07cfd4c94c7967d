package cur

import (
	"bufio"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Format is what Detect found a file to be.
type Format int

const (
	// NotCUR is any file that is not a CUR: FOCUS, or something else that
	// providers/focus will judge.
	NotCUR Format = iota
	// CUR2 is a CUR 2.0 export (or a legacy CUR in Parquet, whose column
	// names are the same).
	CUR2
	// LegacyCSV is a legacy CUR CSV (lineItem/UsageStartDate, …), which
	// this package does not read.
	LegacyCSV
)

func (f Format) String() string {
	switch f {
	case CUR2:
		return "CUR 2.0"
	case LegacyCSV:
		return "legacy CUR CSV"
	}
	return "not a CUR"
}

// maxHeader bounds the header line read by Detect (CUR 2.0 has about 125
// columns, a few kilobytes).
const maxHeader = 1 << 20

// Detect reads the header of a CSV or CSV.gz file, or the schema of a
// Parquet file, and says whether it is a CUR 2.0 export. A file it cannot
// read as its type is NotCUR with a nil error: providers/focus reports it.
func Detect(ctx context.Context, path string) (Format, error) {
	switch formatOf(path) {
	case "csv", "csv.gz":
		hdr, err := csvHeader(path, formatOf(path) == "csv.gz")
		if err != nil {
			return NotCUR, nil
		}
		return classify(hdr), nil
	case "parquet":
		if _, err := os.Stat(path); err != nil {
			return NotCUR, err
		}
		db, err := openDB(Options{Threads: 1})
		if err != nil {
			return NotCUR, err
		}
		defer db.close()
		names, err := parquetColumns(ctx, db.db, path)
		if err != nil {
			if ctx.Err() != nil {
				return NotCUR, ctx.Err()
			}
			return NotCUR, nil
		}
		return classify(names), nil
	}
	return NotCUR, nil
}

func classify(names []string) Format {
	has := map[string]bool{}
	for _, n := range names {
		has[strings.TrimSpace(n)] = true
	}
	all := func(ms []string) bool {
		for _, m := range ms {
			if !has[m] {
				return false
			}
		}
		return true
	}
	switch {
	case all(markers):
		return CUR2
	case all(legacyMarkers):
		return LegacyCSV
	}
	return NotCUR
}

// csvHeader reads the first record of a CSV file, refusing a header longer
// than maxHeader.
func csvHeader(path string, gz bool) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if gz {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		r = zr
	}
	br := bufio.NewReaderSize(io.LimitReader(r, maxHeader), 64<<10)
	line, err := br.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if !strings.HasSuffix(line, "\n") && len(line) >= maxHeader {
		return nil, fmt.Errorf("header longer than %d bytes", maxHeader)
	}
	line = strings.TrimRight(strings.TrimPrefix(line, "\ufeff"), "\r\n")
	if line == "" {
		return nil, errors.New("empty file")
	}
	return csv.NewReader(strings.NewReader(line)).Read()
}

// parquetColumns lists the top-level columns of a Parquet file.
func parquetColumns(ctx context.Context, db *sql.DB, path string) ([]string, error) {
	rows, err := db.QueryContext(ctx, "DESCRIBE SELECT * FROM read_parquet("+quoteLit(path)+")")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name, typ string
		var null, key, def, extra sql.NullString
		if err := rows.Scan(&name, &typ, &null, &key, &def, &extra); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, rows.Err()
}
