package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tranchehq/tranche/providers/aws/cur"
	"github.com/tranchehq/tranche/providers/focus"
)

// curInput is a command's billing input once its CUR 2.0 files are
// converted to FOCUS (docs/cur.md): the paths to give focus.Open, and
// what the conversion has to say. Close removes the converted files; call
// it after the dataset is closed (the Parquet files are read in place).
type curInput struct {
	paths   []string
	notes   []string
	notices []cur.Notice
	// files maps each converted FOCUS file to what it came from.
	files map[string]curFile
	dir   string
}

type curFile struct {
	res    *cur.Result
	sha256 string
	bytes  int64
}

// convertCUR expands paths as focus.Open does (files, directories, globs),
// converts every CUR 2.0 file among them into a FOCUS Parquet file in a
// temporary directory and returns the paths to read instead: the FOCUS
// files as they are, the CUR files' conversions. Without CUR files the
// paths are returned unchanged. termRows is cur.Options.TermRows: plans
// want the commitments' terms, the report its period. Errors rejecting
// the data are inputErrors.
func convertCUR(ctx context.Context, paths []string, termRows bool, progress io.Writer) (*curInput, error) {
	in := &curInput{paths: paths, files: map[string]curFile{}}
	files, err := focus.Expand(paths)
	if err != nil {
		return in, nil // focus.Open reports it, as without CUR files
	}
	var out []string
	for i, p := range files {
		format, err := cur.Detect(ctx, p)
		if err != nil {
			in.Close()
			return nil, err
		}
		switch format {
		case cur.LegacyCSV:
			in.Close()
			return nil, inputError{fmt.Errorf("%s: a legacy Cost and Usage Report (lineItem/… columns), which Tranche does not read: export CUR 2.0 or FOCUS 1.2 with AWS Data Exports (docs/cur.md)", p)}
		case cur.CUR2:
		default:
			out = append(out, p)
			continue
		}
		if in.dir == "" {
			if in.dir, err = os.MkdirTemp("", "tranche-cur-"); err != nil {
				return nil, fmt.Errorf("cur: %w", err)
			}
		}
		name := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(filepath.Base(p), ".gz"), ".csv"), ".parquet")
		dst := filepath.Join(in.dir, fmt.Sprintf("%03d-%s.focus.parquet", i, name))
		res, err := cur.Convert(ctx, p, dst, cur.Options{TermRows: termRows, Progress: progress})
		if err != nil {
			in.Close()
			if errors.Is(err, cur.ErrInvalid) {
				return nil, inputError{err}
			}
			return nil, err
		}
		sum, n, err := fileDigest(p)
		if err != nil {
			in.Close()
			return nil, fmt.Errorf("cur: %w", err)
		}
		in.files[dst] = curFile{res: res, sha256: sum, bytes: n}
		in.notes = append(in.notes, fmt.Sprintf("%s: CUR 2.0 export read as FOCUS (%d CUR rows → %d FOCUS rows; docs/cur.md)", p, res.Rows, res.Written))
		for _, n := range res.Notices {
			in.notices = append(in.notices, n)
			in.notes = append(in.notes, fmt.Sprintf("CUR 2.0 %s: %s", n.Kind, n))
		}
		out = append(out, dst)
	}
	if len(in.files) > 0 {
		in.paths = out
	}
	return in, nil
}

// Close removes the converted files.
func (in *curInput) Close() error {
	if in == nil || in.dir == "" {
		return nil
	}
	return os.RemoveAll(in.dir)
}

// name is how a converted file is named to people: its CUR file.
func (in *curInput) name(s string) string {
	for dst, f := range in.files {
		s = strings.ReplaceAll(s, dst, f.res.Source+" (CUR 2.0)")
	}
	return s
}

// finish runs when loadBilling returns: it names the CUR files, not their
// temporary conversions, in the sources (whose digest makes the plan
// reproducible), notes and errors; puts the conversion's notes first; and
// removes the converted files.
func (in *curInput) finish(b **billing, err *error) {
	defer in.Close()
	if len(in.files) == 0 {
		return
	}
	if *err != nil {
		var inv *focus.InvalidError
		if errors.As(*err, &inv) {
			for _, e := range inv.Errors {
				e.File = in.name(e.File)
			}
		}
		return
	}
	if *b == nil {
		return
	}
	for i, s := range (*b).sources {
		for dst, f := range in.files {
			if strings.HasPrefix(s, dst+" (") {
				(*b).sources[i] = fmt.Sprintf("%s (CUR 2.0, %d rows, sha256:%s; read as %d FOCUS rows)", f.res.Source, f.res.Rows, f.sha256, f.res.Written)
			}
		}
	}
	for i, n := range (*b).notes {
		(*b).notes[i] = in.name(n)
	}
	(*b).notes = append(append([]string(nil), in.notes...), (*b).notes...)
}

// progress returns w renaming the converted files in focus's progress
// lines to the CUR files they came from.
func (in *curInput) progress(w io.Writer) io.Writer {
	if w == nil || len(in.files) == 0 {
		return w
	}
	return renamer{w: w, in: in}
}

type renamer struct {
	w  io.Writer
	in *curInput
}

func (r renamer) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, r.in.name(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// fixDataset does for the report what finish does for loadBilling: the
// dataset's files are the CUR files, and the conversion's notices are
// among its notices.
func (in *curInput) fixDataset(d *focus.Dataset) {
	if len(in.files) == 0 {
		return
	}
	for i, f := range d.Files {
		if cf, ok := in.files[f.Path]; ok {
			d.Files[i].Path, d.Files[i].SHA256, d.Files[i].Bytes = cf.res.Source, cf.sha256, cf.bytes
			d.Files[i].Format = "cur2.0 " + cf.res.Format
		}
	}
	for i := range d.Notices {
		d.Notices[i].File = in.name(d.Notices[i].File)
	}
	for _, n := range in.notices {
		kind := n.Kind
		if kind == "skipped" {
			kind = "warning"
		}
		d.Notices = append(d.Notices, focus.Notice{Kind: kind, File: n.File, Column: n.Column, Rows: n.Rows, FirstRow: n.FirstRow, Message: n.Message})
	}
}

func fileDigest(path string) (string, int64, error) {
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
