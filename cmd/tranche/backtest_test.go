package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/internal/backtest"
	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/providers/focus"
	"github.com/tranchehq/tranche/providers/focus/focustest"
)

// backtestBook prices the given pools at 0.10 per unit-hour on demand,
// each with a 1-year no-upfront RI at 0.06 (size factor 1), and a 1-year
// no-upfront Compute Savings Plan at 0.07 per unit-hour for all of them.
func backtestBook(t *testing.T, dir string, pools []providers.PoolKey) string {
	t.Helper()
	book := &providers.PriceBook{Schema: providers.PriceBookSchema, Currency: "USD", Source: providers.PriceSource{Name: "test"}}
	sp := providers.Offering{ID: "sp", Provider: providers.AWS, Kind: providers.KindComputeSP, Term: providers.Term1Year,
		PaymentOption: providers.NoUpfront, RecurringHourlyFee: 1, EffectiveHourlyRate: 1, PurchaseIncrement: 0.001, Currency: "USD"}
	for i, p := range pools {
		book.OnDemand = append(book.OnDemand, providers.OnDemandRate{Pool: p, SizeFactor: 1, HourlyRate: 0.10})
		book.Offerings = append(book.Offerings, providers.Offering{ID: fmt.Sprintf("ri-%d", i), Provider: providers.AWS, Kind: providers.KindRIStandard,
			Term: providers.Term1Year, PaymentOption: providers.NoUpfront, RecurringHourlyFee: 0.06, EffectiveHourlyRate: 0.06,
			Covers: []providers.Coverage{{Pool: p, SizeFactor: 1}}, PurchaseIncrement: 1, Currency: "USD"})
		sp.Covers = append(sp.Covers, providers.Coverage{Pool: p, SizeFactor: 1, Rate: 0.07})
	}
	book.Offerings = append(book.Offerings, sp)
	path := filepath.Join(dir, "book.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := book.Encode(f); err != nil {
		t.Fatal(err)
	}
	return path
}

// usageFixture writes, in a new temporary directory, the price book of
// backtestBook for one m5 pool counted in instances, and usage.csv, a usage
// table of that pool over the 70 days from 2026-01-01: 8 instances always,
// 4 more in business hours (9:00 to 18:00 UTC). It returns the directory,
// the pool and the two files.
func usageFixture(t *testing.T) (dir string, pool providers.PoolKey, book, usage string) {
	t.Helper()
	dir = t.TempDir()
	pool = providers.PoolKey{Provider: providers.AWS, Region: "us-east-1", Service: "AmazonEC2", Family: "m5", Platform: "Linux", Unit: providers.UnitInstanceHour}
	book = backtestBook(t, dir, []providers.PoolKey{pool})
	var b strings.Builder
	b.WriteString("time,pool,quantity\n")
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for h := range 70 * 24 {
		q := 8
		if h%24 >= 9 && h%24 < 18 {
			q = 12
		}
		fmt.Fprintf(&b, "%s,%s,%d\n", start.Add(time.Duration(h)*time.Hour).Format(time.RFC3339), pool, q)
	}
	usage = filepath.Join(dir, "usage.csv")
	if err := os.WriteFile(usage, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, pool, book, usage
}

func TestBacktestCommand(t *testing.T) {
	dir, pool, book, usage := usageFixture(t)
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("time,pool,quantity\n2026-01-01T00:00:00Z,"+pool.String()+",many\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"backtest", "--prices", book, "--usage", usage}
	cases := []cliCase{
		{"table", base, exitOK, []string{"Tranche backtest", "tranche", "recommender", "hindsight", "none", "Cost per period", "Accounting:"}, []string{"backtest: tranche 1/2"}},
		{"quiet", append(base, "-q"), exitOK, []string{"Share of hindsight"}, nil},
		{"json", append(base, "-q", "-o", "json"), exitOK, []string{`"schema": "` + backtest.SchemaVersion + `"`}, nil},
		{"csv", append(base, "-q", "-o", "csv", "--strategies", "none"), exitOK, []string{"strategy,period,start", "none,total,"}, nil},
		{"markdown", append(base, "-q", "-o", "markdown", "--strategies", "recommender"), exitOK, []string{"| **recommender** |"}, nil},
		{"html", append(base, "-q", "-o", "html", "--strategies", "recommender,hindsight"), exitOK, []string{"<!DOCTYPE html>", "<svg"}, nil},
		{"weekly from a date", append(base, "-q", "--cadence", "weekly", "--start", "2026-02-01", "--end", "2026-03-01", "--strategies", "recommender"), exitOK,
			[]string{"4 weekly decisions"}, nil},
		{"no history", []string{"backtest", "--prices", book}, exitUsage, nil, []string{"--billing", "--usage"}},
		{"both", append(base, "--billing", dir), exitUsage, nil, []string{"not both"}},
		{"no prices", []string{"backtest", "--usage", usage}, exitUsage, nil, []string{"prices"}},
		{"bad cadence", append(base, "--cadence", "daily"), exitUsage, nil, []string{"--cadence", "Nd"}},
		{"bad strategy", append(base, "--strategies", "magic"), exitUsage, nil, []string{"unknown strategy"}},
		{"bad lookback", append(base, "--lookback", "soon"), exitUsage, nil, []string{"lookback"}},
		{"end before start", append(base, "--start", "2026-03-01", "--end", "2026-02-01"), exitUsage, nil, []string{"not after"}},
		{"window too short", append(base, "--lookback", "80d"), exitUsage, nil, []string{"no window", "shorter lookback"}},
		{"bad table", []string{"backtest", "--prices", book, "--usage", bad}, exitInput, nil, []string{"bad.csv: row 2, column quantity"}},
		{"missing book", []string{"backtest", "--prices", dir + "/nope.json", "--usage", usage}, exitInput, nil, []string{"nope.json"}},
		{"unsupported output", append(base, "-o", "yaml"), exitUsage, nil, []string{"output"}},
		{"bad generation moves", append(base, "--generation-moves", "1"), exitUsage, nil, []string{"--generation-moves 1", "probability"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errs := c.check(t)
			if c.code != exitOK && out != "" {
				t.Errorf("a failed run wrote to stdout:\n%.200s", out)
			}
			if c.name == "quiet" && errs != "" {
				t.Errorf("--quiet wrote to stderr: %s", errs)
			}
			if c.name == "json" {
				var r backtest.Result
				if err := json.Unmarshal([]byte(out), &r); err != nil {
					t.Fatalf("output is not a backtest result: %v", err)
				}
				hind, tr := r.Strategy(backtest.Hindsight), r.Strategy(backtest.Tranche)
				if hind == nil || tr == nil || hind.Savings <= 0 || tr.Totals.Cost < hind.Totals.Cost-0.01 {
					t.Errorf("tranche %+v, hindsight %+v", tr, hind)
				}
			}
		})
	}
}

// TestBacktestBilling backtests generated FOCUS data: its pools are read
// back to price them, and its two commitments are held by every strategy.
func TestBacktestBilling(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "billing")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := focustest.Generate(data, 2, 1); err != nil {
		t.Fatal(err)
	}
	d, err := focus.Open(context.Background(), []string{data}, focus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	series, err := d.UsageSeries(context.Background())
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	var pools []providers.PoolKey
	for _, s := range series {
		pools = append(pools, s.Pool)
	}
	book := backtestBook(t, dir, pools)
	out, errs, code := run(t, "backtest", "-q", "-o", "json", "--prices", book, "--billing", data, "--strategies", "recommender")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r backtest.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.InitialCommitments != 2 || r.Pools != len(pools) || len(r.Decisions) != 1 || len(r.Strategies) != 2 {
		t.Errorf("result: %d initial commitments, %d pools, decisions %v, %d strategies", r.InitialCommitments, r.Pools, r.Decisions, len(r.Strategies))
	}
}
