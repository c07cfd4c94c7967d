package cur_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tranchehq/tranche/providers/aws/cur"
)

// BenchmarkConvert converts a month of hourly CUR 2.0 for 20 linked
// accounts (about 80,000 rows, 50 MB of CSV; the fixture's hours
// repeated), as CSV and as Parquet.
func BenchmarkConvert(b *testing.B) {
	dir := b.TempDir()
	csvPath := filepath.Join(dir, "cur2-month.csv")
	if err := cur.WriteScaledCSV(context.Background(), fixtureCSV, csvPath, 720, 20); err != nil {
		b.Fatal(err)
	}
	pq := filepath.Join(dir, "cur2-month.parquet")
	if err := cur.WriteParquetFixture(context.Background(), csvPath, pq); err != nil {
		b.Fatal(err)
	}
	for _, path := range []string{csvPath, pq} {
		st, _ := os.Stat(path)
		b.Run(filepath.Ext(path)[1:], func(b *testing.B) {
			b.SetBytes(st.Size())
			var res *cur.Result
			for b.Loop() {
				var err error
				res, err = cur.Convert(context.Background(), path, filepath.Join(dir, "out.parquet"), cur.Options{TermRows: true})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.Rows), "rows")
			b.ReportMetric(float64(res.Written), "focus-rows")
		})
	}
}
