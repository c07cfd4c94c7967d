package focus

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// csvLayout is what a streaming pass over a CSV file learns before DuckDB
// reads it: the header, how many records there are, and where the physical
// lines differ from the records (blank lines, multi-line quoted fields), so
// that a DuckDB row can be named by its line number.
type csvLayout struct {
	Header  []string
	Records int64 // data records, header and blank lines excluded
	// Blank are the line numbers of blank lines (DuckDB skips them).
	Blank []int64
	// extra[i] = {record index (0-based), extra lines it spans}.
	extra [][2]int64
	// NoFinalNewline is set when the file does not end with a newline:
	// often the sign of a truncated file.
	NoFinalNewline bool
}

// maxLayoutEvents bounds the memory of a pathological file (millions of
// blank lines): past it the scan fails rather than grow without limit.
const maxLayoutEvents = 1 << 20

// scanCSV streams the file once, in constant memory (plus the anomalies it
// records). It fails on an unterminated quoted field, which is how a file
// cut in the middle of a row usually looks.
func scanCSV(path string, gz bool) (*csvLayout, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if gz {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, &ValidationError{File: path, Err: fmt.Errorf("not a gzip file: %w", err)}
		}
		defer zr.Close()
		r = zr
	}
	br := bufio.NewReaderSize(r, 1<<20)

	// The header: the first non-empty record.
	head, err := br.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, readErr(path, err)
	}
	head = strings.TrimRight(strings.TrimPrefix(head, "\ufeff"), "\r\n")
	if strings.TrimSpace(head) == "" {
		return nil, &ValidationError{File: path, Err: errors.New("file is empty: no header row")}
	}
	cr := csv.NewReader(strings.NewReader(head))
	cr.LazyQuotes = false
	hdr, cerr := cr.Read()
	if cerr != nil {
		return nil, &ValidationError{File: path, Row: 1, Err: fmt.Errorf("cannot parse the header: %v", cerr)}
	}
	l := &csvLayout{Header: hdr}

	var (
		line      int64 = 2 // line being read
		inQuote   bool
		recStart  int64 = 2 // line where the current record starts
		recBytes  int       // bytes in the current record so far
		last      byte  = '\n'
		buf             = make([]byte, 1<<20)
		quoteLine int64
	)
	endRecord := func() error {
		if recBytes == 0 {
			l.Blank = append(l.Blank, recStart)
		} else {
			if span := line - recStart; span > 0 {
				l.extra = append(l.extra, [2]int64{l.Records, span})
			}
			l.Records++
		}
		if len(l.Blank)+len(l.extra) > maxLayoutEvents {
			return &ValidationError{File: path, Row: line, Err: errors.New("too many blank lines or multi-line fields")}
		}
		return nil
	}
	for {
		n, err := br.Read(buf)
		for _, c := range buf[:n] {
			switch {
			case c == '"':
				if !inQuote {
					quoteLine = line
				}
				inQuote = !inQuote
				recBytes++
			case c == '\n':
				if inQuote {
					line++
					continue
				}
				if e := endRecord(); e != nil {
					return nil, e
				}
				line++
				recStart, recBytes = line, 0
			case c == '\r':
				// part of a CRLF line ending; not content
			default:
				recBytes++
			}
		}
		if n > 0 {
			last = buf[n-1]
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, readErr(path, err)
		}
	}
	if inQuote {
		return nil, &ValidationError{File: path, Row: quoteLine,
			Err: errors.New("quoted field not closed before the end of the file (truncated file?)")}
	}
	if recBytes > 0 {
		l.NoFinalNewline = last != '\n'
		if e := endRecord(); e != nil {
			return nil, e
		}
	}
	return l, nil
}

func readErr(path string, err error) error {
	return fmt.Errorf("focus: reading %s: %w", path, err)
}

// line returns the line number of data record k (0-based, in the order
// DuckDB reads them).
func (l *csvLayout) line(k int64) int64 {
	ln := k + 2
	for _, e := range l.extra {
		if e[0] < k {
			ln += e[1]
		}
	}
	// Blank lines are in ascending order: each one at or before the line
	// reached so far pushes the record one line down.
	for _, b := range l.Blank {
		if b <= ln {
			ln++
		}
	}
	return ln
}
