package cur_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tranchehq/tranche/providers/aws/cur"
	"github.com/tranchehq/tranche/providers/focus"
)

// TestMalformed: every broken row of testdata/cur2-malformed.csv is named
// by its line and column, and nothing is written.
func TestMalformed(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.parquet")
	_, err := cur.Convert(context.Background(), filepath.Join("testdata", "cur2-malformed.csv"), out, cur.Options{})
	var inv *cur.InvalidError
	if !errors.As(err, &inv) || !errors.Is(err, cur.ErrInvalid) {
		t.Fatalf("err = %v, want an *InvalidError", err)
	}
	if _, serr := os.Stat(out); serr == nil {
		t.Error("an output file was written for invalid input")
	}
	want := []struct {
		row    int64
		column string
		text   string
	}{
		{3, "line_item_usage_start_date", `"2026-03-02T25:00:00Z" as a timestamp`},
		{4, "line_item_unblended_cost", `"abc" as an amount`},
		{5, "line_item_usage_amount", `"1e300" as an amount`},
		{6, "line_item_currency_code", `currency "EUR" differs`},
		{7, "line_item_line_item_type", "required value is missing"},
		{8, "reservation_reservation_a_r_n", "without its reservation ARN"},
		{9, "line_item_usage_end_date", "longer than a month"},
		{10, "line_item_usage_end_date", "ends before it starts"},
		{11, "reservation_end_time", "not a reservation term"},
		{12, "line_item_usage_start_date", `"99999-01-01T00:00:00Z" as a timestamp`},
		{13, "", "malformed CSV line: 4 fields, the header has 60"},
	}
	got := map[string]bool{}
	for _, e := range inv.Errors {
		got[fmt.Sprintf("%d|%s", e.Row, e.Column)] = true
		if !strings.Contains(e.Error(), "cur2-malformed.csv") {
			t.Errorf("error does not name the file: %v", e)
		}
	}
	for _, w := range want {
		found := false
		for _, e := range inv.Errors {
			if e.Row == w.row && e.Column == w.column && strings.Contains(e.Err.Error(), w.text) {
				found = true
			}
		}
		if !found {
			t.Errorf("no error at row %d, column %q saying %q; got:\n%v", w.row, w.column, w.text, err)
		}
	}
	if len(inv.Errors) != len(want) || inv.Total != int64(len(want)) {
		t.Errorf("%d errors (total %d), want %d:\n%v", len(inv.Errors), inv.Total, len(want), err)
	}
}

// TestBadFiles: what stops a whole file.
func TestBadFiles(t *testing.T) {
	good, err := os.ReadFile(fixtureCSV)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	gz, err := os.ReadFile(gzipCopy(t, fixtureCSV))
	if err != nil {
		t.Fatal(err)
	}
	noCost := bytes.Replace(good, []byte("line_item_unblended_cost,"), []byte("line_item_unblended_kost,"), 1)
	dup := bytes.Replace(good, []byte("line_item_unblended_rate,"), []byte("line_item_operation,"), 1)
	long := append(bytes.Clone(good[:bytes.IndexByte(good, '\n')+1]), bytes.Repeat([]byte("x"), 5<<20)...)
	cases := []struct {
		name, path string
		row        int64
		column     string
		text       string
	}{
		{"missing column", write("nocost.csv", noCost), 1, "line_item_unblended_cost", "required CUR 2.0 column is missing"},
		{"duplicate column", write("dup.csv", dup), 1, "line_item_operation", "appears twice"},
		{"truncated gzip", write("cut.csv.gz", gz[:len(gz)*2/3]), 0, "", "truncated"},
		{"not gzip", write("plain.csv.gz", good), 0, "", "not a gzip file"},
		{"empty", write("empty.csv", nil), 0, "", "empty"},
		{"unterminated quote", write("quote.csv", append(bytes.Clone(good), []byte("li-x,\"open\n")...)), 28, "", "malformed CSV"},
		{"long line", write("long.csv", long), 0, "", "longer than"},
		{"not parquet", write("junk.parquet", good), 0, "", "cannot read it as Parquet"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := cur.Convert(context.Background(), c.path, filepath.Join(t.TempDir(), "out.parquet"), cur.Options{})
			var inv *cur.InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("err = %v, want an *InvalidError", err)
			}
			e := inv.Errors[0]
			if e.Row != c.row || e.Column != c.column || !strings.Contains(e.Error(), c.text) || e.File != c.path {
				t.Errorf("got %v (row %d, column %q); want row %d, column %q, %q", e, e.Row, e.Column, c.row, c.column, c.text)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	dir := t.TempDir()
	legacy := filepath.Join(dir, "legacy.csv")
	os.WriteFile(legacy, []byte("identity/LineItemId,lineItem/LineItemType,lineItem/UsageStartDate\nx,Usage,2026-01-01T00:00:00Z\n"), 0o644)
	cases := []struct {
		path string
		want cur.Format
	}{
		{fixtureCSV, cur.CUR2},
		{filepath.Join("testdata", "focus-equivalent.csv"), cur.NotCUR},
		{legacy, cur.LegacyCSV},
		{filepath.Join("testdata", "missing.csv"), cur.NotCUR},
	}
	for _, c := range cases {
		if got, _ := cur.Detect(context.Background(), c.path); got != c.want {
			t.Errorf("Detect(%s) = %v, want %v", c.path, got, c.want)
		}
	}
}

// TestSameAsFOCUS: the CUR fixture and the FOCUS file written by hand for
// the same usage (testdata/focus-equivalent.csv, AWS's FOCUS columns) give
// the same usage series.
func TestSameAsFOCUS(t *testing.T) {
	_, fromCUR := convert(t, fixtureCSV, cur.Options{})
	fromFOCUS, err := focus.Open(context.Background(), []string{filepath.Join("testdata", "focus-equivalent.csv")}, focus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fromFOCUS.Close()
	a, err := fromCUR.UsageSeries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, err := fromFOCUS.UsageSeries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(a) == 0 || !reflect.DeepEqual(a, b) {
		t.Errorf("usage from CUR:\n%+v\nfrom FOCUS:\n%+v", a, b)
	}
	ua, err := fromCUR.Unpooled(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ub, err := fromFOCUS.Unpooled(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ua) != len(ub) {
		t.Errorf("unpooled from CUR %+v, from FOCUS %+v", ua, ub)
	}
	for i := range min(len(ua), len(ub)) {
		if ua[i].Service != ub[i].Service || ua[i].Unit != ub[i].Unit || ua[i].Rows != ub[i].Rows || math.Abs(ua[i].Cost-ub[i].Cost) > 1e-9 {
			t.Errorf("unpooled %d: from CUR %+v, from FOCUS %+v", i, ua[i], ub[i])
		}
	}
}

// TestWithoutTermRows: without term rows (the report's choice) the
// commitments' ends are unknown and no row ends after the data.
func TestWithoutTermRows(t *testing.T) {
	_, d := convert(t, fixtureCSV, cur.Options{})
	recs, err := d.Commitments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		// The reservation has no one-time purchase row; the savings
		// plan's upfront fee is one, ending an hour after it was paid.
		if r.ID == riARN && r.EndKnown {
			t.Errorf("%s: end %s known without term rows", r.ID, r.End)
		}
	}
	var last string
	if err := d.QueryRowContext(context.Background(), "SELECT CAST(max(charge_period_end) AS VARCHAR) FROM charges").Scan(&last); err != nil {
		t.Fatal(err)
	}
	if last != "2026-04-01 00:00:00" {
		t.Errorf("last charge period end %s, want the billing period's end 2026-04-01", last)
	}
}

// TestErrorCap: a file broken on every line keeps MaxErrors examples per
// rule and counts the rest.
func TestErrorCap(t *testing.T) {
	good, err := os.ReadFile(fixtureCSV)
	if err != nil {
		t.Fatal(err)
	}
	b := append([]byte(nil), good[:bytes.IndexByte(good, '\n')+1]...)
	for range 30 {
		b = append(b, "a,b,c\n"...)
	}
	path := filepath.Join(t.TempDir(), "broken.csv")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = cur.Convert(context.Background(), path, filepath.Join(t.TempDir(), "out.parquet"), cur.Options{MaxErrors: 5})
	var inv *cur.InvalidError
	if !errors.As(err, &inv) || len(inv.Errors) != 5 || inv.Total != 30 {
		t.Fatalf("err = %v; want 5 examples of 30", err)
	}
	if !strings.Contains(err.Error(), "25 more violations not shown") {
		t.Errorf("the message does not count the rest: %v", err)
	}
}
