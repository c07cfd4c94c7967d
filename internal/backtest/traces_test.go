package backtest

import (
	"context"
	"flag"
	"testing"

	"github.com/tranchehq/tranche/internal/demo"
	"github.com/tranchehq/tranche/scenarios"
)

var allTraces = flag.Bool("traces", false, "TestTraces: backtest all eight demo traces (minutes), not only the trend break, the migrations and the step up")

// TestTraces backtests Tranche (its default plan, over scenarios), the
// provider-style recommender and the hindsight optimum on the demo's
// generated traces (demo.Traces: growth, a trend break, a holiday slump,
// migrations, a decline, bursty usage, a step up, a launch), priced with
// the demo's price book, and checks what docs/backtest.md reports: on
// every trace Tranche saves more than the recommender, with less waste (on
// the bursty and launch traces, where the recommender buys too little to
// waste, no more than 1.5 times the hindsight optimum's); where usage keeps
// its shape, declines or steps up (growth, slump, decline, bursty, step-up)
// it captures at least 90 % of the hindsight optimum's savings, while the
// recommender captures less. The trend break, the migrations and the
// launch, which the lookback does not foretell or the plan waits on, are
// where it falls short of 90 % (74.9 %, 87.6 % and 87.2 %); the test holds
// their floors so that a regression shows.
//
// The hindsight LP of the growth and slump traces takes minutes, so by
// default only the trend break, the migrations and the step up run;
// -traces (make traces) runs all eight.
func TestTraces(t *testing.T) {
	if testing.Short() {
		t.Skip("backtests the demo traces")
	}
	trs, err := demo.Traces(demo.TraceConfig{Seed: demo.DefaultSeed})
	if err != nil {
		t.Fatal(err)
	}
	book := demo.PriceBook()
	// The least share of the hindsight optimum's savings Tranche (its
	// default plan: over 8 scenarios of the generator, seed 1, with moves
	// to newer generations found in the book) must capture on each trace
	// (measured, docs/backtest.md: growth 99.6 %, trend break 74.9 %,
	// slump 99.9 %, migration 87.6 %, decline 99.8 %, bursty 99.5 %,
	// step-up 94.0 %, launch 87.2 %).
	floor := map[string]float64{"growth": 0.9, "trend-break": 0.7, "slump": 0.9, "migration": 0.85, "decline": 0.9, "bursty": 0.9,
		"step-up": 0.9, "launch": 0.85}
	forecast := &scenarios.Generator{Scenarios: 8, Seed: 1, Successors: scenarios.Successors(book)}
	for _, tr := range trs {
		if !*allTraces && tr.Name != "trend-break" && tr.Name != "migration" && tr.Name != "step-up" {
			continue
		}
		t.Run(tr.Name, func(t *testing.T) {
			in := Input{Book: book, Usage: tr.Usage}
			res, err := Run(context.Background(), in, Options{Strategies: []StrategyName{Tranche, Recommender, Hindsight}, Forecast: forecast})
			if err != nil {
				t.Fatal(err)
			}
			checkAccounting(t, in, res)
			tranche, rec := res.Strategy(Tranche), res.Strategy(Recommender)
			if tranche.ShareOfHindsight == nil || rec.ShareOfHindsight == nil {
				t.Fatalf("no share of hindsight: nothing to save on %s", tr.Name)
			}
			ts, rs := *tranche.ShareOfHindsight, *rec.ShareOfHindsight
			t.Logf("%s: tranche %.1f%% of hindsight (waste %.0f), recommender %.1f%% (waste %.0f)", tr.Name, 100*ts, tranche.Totals.Waste, 100*rs, rec.Totals.Waste)
			if ts < floor[tr.Name] {
				t.Errorf("tranche captures %.1f%% of the hindsight savings, under its floor %.0f%%", 100*ts, 100*floor[tr.Name])
			}
			if tranche.Savings <= rec.Savings {
				t.Errorf("tranche saves %.2f, the recommender %.2f", tranche.Savings, rec.Savings)
			}
			hind := res.Strategy(Hindsight)
			switch {
			case tr.Name == "bursty" || tr.Name == "launch":
				// The recommender buys too little to waste much (it
				// captures 57 % and 48 %); Tranche wastes about what the
				// optimum does, or less.
				if tranche.Totals.Waste > 1.5*hind.Totals.Waste {
					t.Errorf("tranche wastes %.2f, the hindsight optimum %.2f", tranche.Totals.Waste, hind.Totals.Waste)
				}
			case tranche.Totals.Waste >= rec.Totals.Waste:
				t.Errorf("tranche wastes %.2f, the recommender %.2f", tranche.Totals.Waste, rec.Totals.Waste)
			}
			if floor[tr.Name] >= 0.9 && rs >= 0.9 {
				t.Errorf("the recommender captures %.1f%% too: the trace does not tell the strategies apart", 100*rs)
			}
		})
	}
}

// TestRandomShapes (with -traces, make traces) backtests the twelve random
// traces of seed 1 (demo.RandomTraces: shapes drawn, not chosen; the table
// in docs/backtest.md, "Random traces") and checks the totals over them:
// Tranche captures at least 85 % of the hindsight optimum's savings
// (measured 88.5 %), more than twice what the recommender saves (30.2 %),
// with less waste than the recommender (303,314 against 526,605).
func TestRandomShapes(t *testing.T) {
	if testing.Short() || !*allTraces {
		t.Skip("backtests twelve random traces (minutes): run with -traces")
	}
	trs, err := demo.RandomTraces(demo.TraceConfig{Seed: demo.DefaultSeed}, 12)
	if err != nil {
		t.Fatal(err)
	}
	book := demo.PriceBook()
	forecast := &scenarios.Generator{Scenarios: 8, Seed: 1, Successors: scenarios.Successors(book)}
	var saved, wasted [3]float64 // Tranche, the recommender, the hindsight optimum
	for _, tr := range trs {
		in := Input{Book: book, Usage: tr.Usage}
		res, err := Run(context.Background(), in, Options{Strategies: []StrategyName{Tranche, Recommender, Hindsight}, Forecast: forecast})
		if err != nil {
			t.Fatalf("%s: %v", tr.Name, err)
		}
		checkAccounting(t, in, res)
		for i, name := range []StrategyName{Tranche, Recommender, Hindsight} {
			s := res.Strategy(name)
			saved[i] += s.Savings
			wasted[i] += s.Totals.Waste
		}
		t.Logf("%s: tranche %.0f, recommender %.0f, hindsight %.0f", tr.Name, res.Strategy(Tranche).Savings, res.Strategy(Recommender).Savings, res.Strategy(Hindsight).Savings)
	}
	share := saved[0] / saved[2]
	t.Logf("over %d traces: tranche %.1f%% of the hindsight savings (waste %.0f), recommender %.1f%% (waste %.0f)",
		len(trs), 100*share, wasted[0], 100*saved[1]/saved[2], wasted[1])
	if share < 0.85 {
		t.Errorf("tranche captures %.1f%% of the hindsight savings over the random traces, under 85%%", 100*share)
	}
	if saved[0] <= 2*saved[1] {
		t.Errorf("tranche saves %.0f, not twice the recommender's %.0f", saved[0], saved[1])
	}
	if wasted[0] >= wasted[1] {
		t.Errorf("tranche wastes %.0f, the recommender %.0f", wasted[0], wasted[1])
	}
}
