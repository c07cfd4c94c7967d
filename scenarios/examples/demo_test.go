package examples

import (
	"context"
	"flag"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/internal/demo"
	"github.com/tranchehq/tranche/internal/planner"
	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/providers/focus"
	"github.com/tranchehq/tranche/scenarios"
)

var runDemo = flag.Bool("demo", false, "generate the demo data set and print the worked example of docs/scenarios.md")

// TestDemo generates the default demo data set, reads it with
// providers/focus, and forecasts from 2026-10-22 (a migration in
// progress, the d2 cluster switched off two weeks before) with and
// without larkspur-fy2027.yaml, printing what docs/scenarios.md shows.
func TestDemo(t *testing.T) {
	if !*runDemo {
		t.Skip("run with -demo")
	}
	ctx := context.Background()
	dir := t.TempDir()
	if err := demo.Generate(ctx, dir, demo.Config{}, nil); err != nil {
		t.Fatal(err)
	}
	d, err := focus.Open(ctx, []string{dir}, focus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	series, err := d.UsageSeries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hist := align(series)
	asOf := time.Date(2026, 10, 22, 0, 0, 0, 0, time.UTC)
	a, err := scenarios.LoadAssumptions("larkspur-fy2027.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []*scenarios.Generator{{Seed: 1}, {Seed: 1, Assumptions: a}} {
		start := time.Now()
		sc, err := g.Forecast(hist, asOf, 0, 8760)
		if err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		fits, err := g.Fit(hist, asOf)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("assumptions: %v; %d pools, %d scenarios × 8760 h in %s", g.Assumptions != nil, len(sc[0].Usage), len(sc), took.Round(time.Millisecond))
		var rows []string
		for i, f := range fits {
			note := ""
			switch {
			case f.Decommissioned:
				note = "decommissioned"
			case f.MigratingTo != nil:
				note = "migrating to " + f.MigratingTo.Family + " (" + f.MigratingTo.Account + ")"
			case f.MigratingFrom != nil:
				note = "taking over " + f.MigratingFrom.Family
			case f.Fresh:
				note = "new (assumptions)"
			}
			if f.GrowthRule >= 0 {
				note += fmt.Sprintf(" growth rule %d", f.GrowthRule)
			}
			if !interesting(f) {
				continue
			}
			last4 := 0.0
			if i < len(hist) {
				to := int(asOf.Sub(hist[i].Start).Hours())
				last4 = mean(hist[i].Quantity[to-28*24 : to])
			}
			m := func(from, to int) string {
				var v []float64
				for _, s := range sc {
					v = append(v, mean(s.Usage[i].Quantity[from:to]))
				}
				sort.Float64s(v)
				return fmt.Sprintf("%.1f / %.1f / %.1f", v[len(v)/10], v[len(v)/2], v[len(v)*9/10])
			}
			rows = append(rows, fmt.Sprintf("| %s %s %s %s | %.1f | %+.0f %% ± %.0f | %s | %s | %s | %s |", f.Pool.Account, f.Pool.Region, f.Pool.Family, f.Pool.Platform,
				last4, 100*f.Growth, 100*f.GrowthSE, m(0, 30*24), m(3*30*24, 4*30*24), m(8760-30*24, 8760), strings.TrimSpace(note)))
		}
		t.Log("\n| Pool (account region family platform) | Last 4 weeks, mean/h | Trend growth a year ± SE | Month 1 P10 / P50 / P90 | Month 4 | Month 12 | Note |\n|---|---|---|---|---|---|---|\n" + strings.Join(rows, "\n"))
		var total [3]float64
		for _, s := range sc {
			for _, u := range s.Usage {
				if u.Pool.Region == "us-east-1" && u.Pool.Family == "m5" {
					total[0] += mean(u.Quantity[:30*24]) / float64(len(sc))
					total[1] += mean(u.Quantity[3*30*24:4*30*24]) / float64(len(sc))
					total[2] += mean(u.Quantity[8760-30*24:]) / float64(len(sc))
				}
			}
		}
		t.Logf("us-east-1 m5, all accounts, mean over scenarios: month 1 %.0f, month 4 %.0f, month 12 %.0f NU/h", total[0], total[1], total[2])
		checkDemo(t, g, sc, fits, asOf)
	}
	rep, _ := planner.Repeat{}.Forecast(hist, asOf, 30*24*time.Hour, 8760)
	for _, u := range rep[0].Usage {
		if u.Pool.Family == "c4.xlarge" || u.Pool.Family == "c5.xlarge" || u.Pool.Family == "r3" || u.Pool.Family == "r4" {
			t.Logf("repeat: %s %s %s: %.1f/h all year", u.Pool.Account, u.Pool.Region, u.Pool.Family, mean(u.Quantity))
		}
	}
}

// checkDemo checks what docs/scenarios.md says of the worked example.
func checkDemo(t *testing.T, g *scenarios.Generator, sc []planner.Scenario, fits []scenarios.PoolFit, asOf time.Time) {
	t.Helper()
	pairs := map[string]string{}
	for _, f := range fits {
		if f.MigratingTo != nil {
			pairs[f.Pool.Account+" "+f.Pool.Family] = f.MigratingTo.Family
		}
	}
	want := map[string]string{"400011110008 c4.xlarge": "c5.xlarge", "400011110008 c4.2xlarge": "c5.2xlarge", "400011110007 r3": "r4"}
	if fmt.Sprint(pairs) != fmt.Sprint(want) {
		t.Errorf("migrations found %v, want %v", pairs, want)
	}
	hour := func(d time.Time) int { return int(d.Sub(asOf).Hours()) }
	for i, f := range fits {
		for _, s := range sc {
			q := s.Usage[i].Quantity
			switch {
			case f.Decommissioned || f.MigratingTo != nil:
				if q[len(q)-1] != 0 || q[30*24] != 0 {
					t.Errorf("%s %s: not empty", s.Name, f.Pool)
				}
			case g.Assumptions != nil && f.Pool.Account == "400011110007" && (f.Pool.Family == "c3" || f.Pool.Family == "m3"):
				if q[hour(time.Date(2027, 4, 7, 0, 0, 0, 0, time.UTC))] != 0 || q[hour(time.Date(2027, 3, 30, 0, 0, 0, 0, time.UTC))] == 0 {
					t.Errorf("%s %s: not decommissioned on 2027-03-31 over 7 days", s.Name, f.Pool)
				}
			case g.Assumptions != nil && f.Pool.Account == "400011110005" && f.Pool.Family == "x2iedn" && f.Pool.Region == "us-west-2":
				if h := hour(time.Date(2027, 2, 20, 0, 0, 0, 0, time.UTC)); q[h] < 64 {
					t.Errorf("%s %s: %v after the launch", s.Name, f.Pool, q[h])
				}
			}
		}
	}
}

func interesting(f scenarios.PoolFit) bool {
	return f.Decommissioned || f.MigratingTo != nil || f.MigratingFrom != nil || f.Fresh || f.GrowthRule >= 0 && f.Pool.Account == "400011110003" ||
		strings.HasPrefix(f.Pool.Family, "c4.") || strings.HasPrefix(f.Pool.Family, "c5.") || f.Pool.Family == "r3" || f.Pool.Family == "r4" && f.Pool.Account == "400011110007"
}

// align pads the series with zeros to a common start and length, as the
// planner does.
func align(series []providers.UsageSeries) []providers.UsageSeries {
	start, end := series[0].Start, series[0].Start
	for _, s := range series {
		if s.Start.Before(start) {
			start = s.Start
		}
		if e := s.Start.Add(time.Duration(len(s.Quantity)) * time.Hour); e.After(end) {
			end = e
		}
	}
	n := int(end.Sub(start).Hours())
	out := make([]providers.UsageSeries, len(series))
	for i, s := range series {
		q := make([]float64, n)
		copy(q[int(s.Start.Sub(start).Hours()):], s.Quantity)
		out[i] = providers.UsageSeries{Pool: s.Pool, Start: start, Quantity: q, OnDemandRate: s.OnDemandRate}
	}
	return out
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	if len(v) == 0 {
		return math.NaN()
	}
	return s / float64(len(v))
}
