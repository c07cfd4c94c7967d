package cur_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tranchehq/tranche/providers/aws/cur"
	"github.com/tranchehq/tranche/providers/focus"
)

// FuzzConvert feeds arbitrary CSV to Detect and Convert. Whatever the
// input, Convert either rejects it with an *InvalidError (never another
// error, never a panic) or writes FOCUS rows that providers/focus accepts
// whole: the conversion never hands the planner data it would refuse.
//
//	go test ./providers/aws/cur/ -run '^$' -fuzz '^FuzzConvert$' -fuzztime 30s -fuzzminimizetime 3s
func FuzzConvert(f *testing.F) {
	for _, name := range []string{"cur2-hourly.csv", "cur2-malformed.csv", "focus-equivalent.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("line_item_line_item_type,line_item_usage_start_date\nUsage,2026-01-01T00:00:00Z\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		in := filepath.Join(dir, "in.csv")
		if err := os.WriteFile(in, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		format, err := cur.Detect(ctx, in)
		if err != nil {
			t.Fatalf("Detect: %v", err)
		}
		if format != cur.CUR2 {
			return
		}
		out := filepath.Join(dir, "out.parquet")
		res, err := cur.Convert(ctx, in, out, cur.Options{TermRows: true, Threads: 1})
		if err != nil {
			var inv *cur.InvalidError
			if !errors.As(err, &inv) || len(inv.Errors) == 0 {
				t.Fatalf("Convert failed without naming the defect: %v", err)
			}
			for _, e := range inv.Errors {
				if e.File != in {
					t.Fatalf("error names %q, not the file: %v", e.File, e)
				}
			}
			return
		}
		if res.Written == 0 {
			return // nothing mappable: every row was skipped and counted
		}
		d, err := focus.Open(ctx, []string{out}, focus.Options{Threads: 1})
		if err != nil {
			t.Fatalf("providers/focus rejects the converted file: %v", err)
		}
		defer d.Close()
		if _, err := d.UsageSeries(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Commitments(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
