package focus_test

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tranchehq/tranche/providers/focus"
)

var benchRows = flag.Int("focus.rows", 10_000_000, "rows of the generated FOCUS Parquet file of the ingest benchmarks")

var (
	benchOnce sync.Once
	benchDir  string
	benchFile string
	benchErr  error
)

// TestMain removes the generated Parquet file after the benchmarks.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// genParquet writes a FOCUS Parquet file of n hourly usage rows with DuckDB
// itself: one month, 50 sub-accounts, 4 regions, 16 instance types, a
// third of the rows on 20 savings plans. It lives in a temporary directory
// and is never committed.
func genParquet(dir string, n int) (string, error) {
	path := filepath.Join(dir, fmt.Sprintf("focus-%d.parquet", n))
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return "", err
	}
	defer db.Close()
	q := fmt.Sprintf(`COPY (
	SELECT 'USD' AS BillingCurrency, 'AWS' AS ProviderName, 'Amazon Web Services, Inc.' AS PublisherName,
	       '111111111111' AS BillingAccountId, 'Example' AS BillingAccountName,
	       lpad(CAST(i %% 50 AS VARCHAR), 12, '0') AS SubAccountId,
	       TIMESTAMP '2026-01-01' AS BillingPeriodStart, TIMESTAMP '2026-02-01' AS BillingPeriodEnd,
	       TIMESTAMP '2026-01-01' + to_hours(CAST(i %% 744 AS BIGINT)) AS ChargePeriodStart,
	       TIMESTAMP '2026-01-01' + to_hours(CAST(i %% 744 AS BIGINT) + 1) AS ChargePeriodEnd,
	       'Usage' AS ChargeCategory, 'Usage-Based' AS ChargeFrequency,
	       CASE WHEN i %% 3 = 0 THEN 'Committed' ELSE 'Standard' END AS PricingCategory,
	       'Amazon Elastic Compute Cloud' AS ServiceName, 'Compute' AS ServiceCategory,
	       (['us-east-1', 'us-west-2', 'eu-west-1', 'ap-south-1'])[1 + i %% 4] AS RegionId,
	       'i-' || CAST(i %% 100000 AS VARCHAR) AS ResourceId, 'instance' AS ResourceType,
	       'SKU' || CAST(i %% 997 AS VARCHAR) AS SkuId,
	       (['m5', 'c5', 'r5', 't3'])[1 + (i // 7) %% 4] || '.' || (['medium', 'large', 'xlarge', '2xlarge'])[1 + (i // 11) %% 4] AS x_InstanceType,
	       CAST(0.1 * (1 + (i // 11) %% 4) AS DOUBLE) AS ListCost,
	       CAST(0.096 * (1 + (i // 11) %% 4) AS DOUBLE) AS ContractedCost,
	       CASE WHEN i %% 3 = 0 THEN 0 ELSE 0.096 * (1 + (i // 11) %% 4) END AS BilledCost,
	       CASE WHEN i %% 3 = 0 THEN 0.06 ELSE 0.096 END * (1 + (i // 11) %% 4) AS EffectiveCost,
	       1.0 AS ConsumedQuantity, 'Hours' AS ConsumedUnit, 1.0 AS PricingQuantity, 'Hours' AS PricingUnit,
	       CASE WHEN i %% 3 = 0 THEN 'arn:aws:savingsplans::111111111111:savingsplan/sp-' || CAST(i %% 20 AS VARCHAR) END AS CommitmentDiscountId,
	       CASE WHEN i %% 3 = 0 THEN 'Savings Plan' END AS CommitmentDiscountType,
	       CASE WHEN i %% 3 = 0 THEN 'Spend' END AS CommitmentDiscountCategory,
	       CASE WHEN i %% 3 = 0 THEN 'Used' END AS CommitmentDiscountStatus,
	       CASE WHEN i %% 3 = 0 THEN 0.06 * (1 + (i // 11) %% 4) END AS CommitmentDiscountQuantity,
	       CASE WHEN i %% 3 = 0 THEN 'USD' END AS CommitmentDiscountUnit
	  FROM range(%d) t(i)
	) TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 122880)`, n, path)
	if _, err := db.Exec(q); err != nil {
		return "", err
	}
	return path, nil
}

func benchParquet(b *testing.B) string {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tranche-focus-bench-")
		if err != nil {
			benchErr = err
			return
		}
		benchDir = dir
		start := time.Now()
		benchFile, benchErr = genParquet(dir, *benchRows)
		if benchErr == nil {
			st, _ := os.Stat(benchFile)
			fmt.Fprintf(os.Stderr, "generated %d rows, %.0f MB of Parquet in %s\n", *benchRows, float64(st.Size())/1e6, time.Since(start).Round(time.Millisecond))
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchFile
}

// peakRSS resets and reads the process's resident-set high-water mark
// (Linux): DuckDB's memory is outside the Go heap.
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			kb, _ := strconv.ParseFloat(strings.Fields(l)[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkIngest is Tranche's ingest of one Parquet file: Open (read,
// normalise and validate every row, and aggregate usage per pool and
// charge period in the same scan) and UsageSeries (the hourly usage per
// pool, into Go).
func BenchmarkIngest(b *testing.B) {
	path := benchParquet(b)
	resetPeakRSS()
	n := 0
	start := time.Now()
	for b.Loop() {
		ingest(b, path)
		n++
	}
	b.ReportMetric(float64(*benchRows)*float64(n)/time.Since(start).Seconds(), "rows/s")
	b.ReportMetric(peakRSSMB(), "peak-RSS-MB")
}

// ingest is what BenchmarkIngest measures, once.
func ingest(b *testing.B, path string) {
	ctx := context.Background()
	d, err := focus.Open(ctx, []string{path}, focus.Options{MemoryLimit: os.Getenv("TRANCHE_BENCH_MEMORY_LIMIT")})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	us, err := d.UsageSeries(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if d.Rows != int64(*benchRows) || len(us) == 0 {
		b.Fatalf("%d rows, %d pools", d.Rows, len(us))
	}
}

// groupByQuery is the limit: DuckDB's own GROUP BY of the file into hourly
// usage per pool, with nothing validated or normalised.
const groupByQuery = `SELECT ProviderName, BillingAccountId, SubAccountId, RegionId, ServiceName, x_InstanceType,
	       date_trunc('hour', ChargePeriodStart) AS h, sum(ConsumedQuantity), sum(ContractedCost)
	  FROM read_parquet('%s') WHERE ChargeCategory = 'Usage' GROUP BY ALL`

// groupBy runs groupByQuery once, reading every group.
func groupBy(b *testing.B, db *sql.DB, path string) {
	rows, err := db.Query(fmt.Sprintf(groupByQuery, path))
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	groups := 0
	for rows.Next() {
		groups++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	if groups == 0 {
		b.Fatal("no groups")
	}
}

// BenchmarkDuckDBGroupBy is the limit: DuckDB's own GROUP BY of the same
// file into hourly usage per pool, with nothing validated or normalised.
func BenchmarkDuckDBGroupBy(b *testing.B) {
	path := benchParquet(b)
	db, err := sql.Open("duckdb", "")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	resetPeakRSS()
	n := 0
	start := time.Now()
	for b.Loop() {
		groupBy(b, db, path)
		n++
	}
	b.ReportMetric(float64(*benchRows)*float64(n)/time.Since(start).Seconds(), "rows/s")
	b.ReportMetric(peakRSSMB(), "peak-RSS-MB")
}

// BenchmarkIngestVsGroupBy runs the ingest and the GROUP BY back to back in
// each iteration and reports the ratio of their rates (ingest / GROUP BY),
// so that both meet the same load on a shared machine; the target
// is a ratio of at least 0.5.
func BenchmarkIngestVsGroupBy(b *testing.B) {
	path := benchParquet(b)
	db, err := sql.Open("duckdb", "")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var tIngest, tGroup time.Duration
	for b.Loop() {
		t0 := time.Now()
		ingest(b, path)
		t1 := time.Now()
		groupBy(b, db, path)
		tIngest, tGroup = tIngest+t1.Sub(t0), tGroup+time.Since(t1)
	}
	b.ReportMetric(tGroup.Seconds()/tIngest.Seconds(), "ratio")
}
