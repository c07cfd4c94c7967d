package demo

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/tranchehq/tranche/internal/backtest"
)

func TestTracesShapes(t *testing.T) {
	a, err := Traces(TraceConfig{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Traces(TraceConfig{Seed: 3})
	c, _ := Traces(TraceConfig{Seed: 4})
	if len(a) != len(TraceNames) {
		t.Fatalf("%d traces, want %d", len(a), len(TraceNames))
	}
	book := PriceBook()
	priced := map[string]bool{}
	for _, od := range book.OnDemand {
		priced[od.Pool.String()] = true
	}
	// mean usage of pool i of trace tr over days [d0, d1)
	mean := func(tr Trace, i, d0, d1 int) float64 {
		var s float64
		for _, q := range tr.Usage[i].Quantity[d0*24 : d1*24] {
			s += q
		}
		return s / float64((d1-d0)*24)
	}
	for k, tr := range a {
		var wa, wb, wc bytes.Buffer
		if err := backtest.WriteUsageTable(&wa, tr.Usage); err != nil {
			t.Fatal(err)
		}
		backtest.WriteUsageTable(&wb, b[k].Usage)
		backtest.WriteUsageTable(&wc, c[k].Usage)
		if !bytes.Equal(wa.Bytes(), wb.Bytes()) {
			t.Errorf("%s: the same seed gave different traces", tr.Name)
		}
		if bytes.Equal(wa.Bytes(), wc.Bytes()) {
			t.Errorf("%s: another seed gave the same trace", tr.Name)
		}
		// The table reads back as the same usage, pool for pool.
		back, err := backtest.ReadUsageTable(&wa, tr.Name+".csv")
		if err != nil {
			t.Fatalf("%s: %v", tr.Name, err)
		}
		if len(back) != len(tr.Usage) {
			t.Fatalf("%s: %d pools read back, want %d", tr.Name, len(back), len(tr.Usage))
		}
		for _, s := range tr.Usage {
			if !priced[s.Pool.String()] {
				t.Errorf("%s: pool %s has no price in the demo book", tr.Name, s.Pool)
			}
			for _, q := range s.Quantity {
				if q < 0 || math.IsNaN(q) || q != math.Round(q) {
					t.Fatalf("%s: quantity %v", tr.Name, q)
				}
			}
		}
	}
	by := map[string]Trace{}
	for _, tr := range a {
		by[tr.Name] = tr
	}
	// The shapes, on weekly means (the cycles and noise average out).
	tb := by["trend-break"]
	if peak, low := mean(tb, 0, 83, 90), mean(tb, 0, 200, 207); low/peak < 0.35 || low/peak > 0.45 {
		t.Errorf("trend break: %.0f at the peak, %.0f after: ratio %.2f, want about 0.4", peak, low, low/peak)
	}
	sl := by["slump"]
	if in, out := mean(sl, 0, 147, 154), mean(sl, 0, 175, 182); in/out < 0.5 || in/out > 0.6 {
		t.Errorf("slump: %.0f during, %.0f after: ratio %.2f, want about 0.55", in, out, in/out)
	}
	mg := by["migration"]
	if before, after := mean(mg, 0, 90, 97), mean(mg, 0, 140, 147); after != 0 || before < 30 {
		t.Errorf("migration: c4.xlarge %.1f before the move, %.1f after, want about 40 and 0", before, after)
	}
	if old, new := mean(mg, 0, 90, 97)+mean(mg, 1, 90, 97), mean(mg, 0, 140, 147)+mean(mg, 1, 140, 147); math.Abs(new/old-1) > 0.1 {
		t.Errorf("migration: the c4/c5 pair's total moved from %.1f to %.1f", old, new)
	}
	su := by["step-up"]
	if before, after := mean(su, 0, 90, 97), mean(su, 0, 110, 117); after/before < 1.55 || after/before > 1.8 {
		t.Errorf("step-up: %.0f before, %.0f after: ratio %.2f, want about 5/3", before, after, after/before)
	}
	la := by["launch"]
	if before, after := mean(la, 1, 110, 117), mean(la, 1, 150, 157); before != 0 || after < 150 || after > 170 {
		t.Errorf("launch: x2iedn %.1f before, %.1f after, want 0 and about 160", before, after)
	}
	if _, err := Traces(TraceConfig{Days: 10}); err == nil {
		t.Error("10-day traces accepted")
	}
}

func TestRandomTraces(t *testing.T) {
	const n = 100
	cfg := TraceConfig{Seed: 5, Days: 200}
	a, err := RandomTraces(cfg, n)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := RandomTraces(cfg, 3)
	c, _ := RandomTraces(TraceConfig{Seed: 6, Days: 200}, 3)
	if len(a) != n {
		t.Fatalf("%d traces, want %d", len(a), n)
	}
	book := PriceBook()
	priced := map[string]bool{}
	for _, od := range book.OnDemand {
		priced[od.Pool.String()] = true
	}
	table := func(tr Trace) []byte {
		var w bytes.Buffer
		if err := backtest.WriteUsageTable(&w, tr.Usage); err != nil {
			t.Fatal(err)
		}
		return w.Bytes()
	}
	for i := range b {
		// The first traces do not depend on how many are made.
		if !bytes.Equal(table(a[i]), table(b[i])) || a[i].Description != b[i].Description {
			t.Errorf("%s: the same seed gave different traces", a[i].Name)
		}
		if bytes.Equal(table(a[i]), table(c[i])) {
			t.Errorf("%s: another seed gave the same trace", a[i].Name)
		}
	}
	var launched, ended, pools int
	var up, down int // pools whose last week is above / below their first by half
	for k, tr := range a {
		if want := fmt.Sprintf("random-%d", k+1); tr.Name != want {
			t.Errorf("trace %d named %s, want %s", k, tr.Name, want)
		}
		if len(tr.Usage) != RandomTracePools {
			t.Fatalf("%s: %d pools, want %d", tr.Name, len(tr.Usage), RandomTracePools)
		}
		seen := map[string]bool{}
		for _, s := range tr.Usage {
			if !priced[s.Pool.String()] || seen[s.Pool.String()] {
				t.Errorf("%s: pool %s unpriced or twice", tr.Name, s.Pool)
			}
			seen[s.Pool.String()] = true
			if !strings.Contains(tr.Description, s.Pool.Region+" "+s.Pool.Family+" "+s.Pool.Platform) {
				t.Errorf("%s: the description does not name pool %s: %s", tr.Name, s.Pool, tr.Description)
			}
			if len(s.Quantity) != cfg.Days*24 || !s.Start.Equal(DefaultTraceStart) {
				t.Fatalf("%s: %d hours from %s", tr.Name, len(s.Quantity), s.Start)
			}
			var first, last float64
			for h, q := range s.Quantity {
				if q < 0 || math.IsNaN(q) || q != math.Round(q) {
					t.Fatalf("%s: quantity %v", tr.Name, q)
				}
				if h < 7*24 {
					first += q
				} else if h >= len(s.Quantity)-7*24 {
					last += q
				}
			}
			pools++
			switch {
			case first == 0 && last > 0:
				launched++
			case first > 0 && last == 0:
				ended++
			case last > 1.5*first:
				up++
			case last < first/1.5:
				down++
			}
		}
	}
	// The distribution's shares (12 % launches, 12 % decommissions; drift
	// and level changes moving pools both ways), loosely: 700 pools.
	share := func(k int) float64 { return float64(k) / float64(pools) }
	if s := share(launched); s < 0.07 || s > 0.17 {
		t.Errorf("%.1f %% of the pools launched, want about 12 %%", 100*s)
	}
	if s := share(ended); s < 0.07 || s > 0.17 {
		t.Errorf("%.1f %% of the pools decommissioned, want about 12 %%", 100*s)
	}
	if share(up) < 0.1 || share(down) < 0.05 {
		t.Errorf("%.1f %% of the pools grew by half, %.1f %% fell by a third: want both shapes", 100*share(up), 100*share(down))
	}
	if _, err := RandomTraces(cfg, MaxRandomTraces+1); err == nil {
		t.Error("too many random traces accepted")
	}
	if trs, err := RandomTraces(cfg, 0); err != nil || len(trs) != 0 {
		t.Errorf("no random traces: %d, %v", len(trs), err)
	}
	if _, err := RandomTraces(TraceConfig{Days: 10}, 1); err == nil {
		t.Error("10-day random traces accepted")
	}
}

// TestFleet checks the fleet of random traces side by side: every trace's
// pools, each in its trace's own account, the usage the same and copied.
func TestFleet(t *testing.T) {
	trs, err := RandomTraces(TraceConfig{Seed: 5, Days: 60}, 3)
	if err != nil {
		t.Fatal(err)
	}
	f := Fleet("fleet", trs)
	if f.Name != "fleet" || len(f.Usage) != 3*RandomTracePools {
		t.Fatalf("%s: %d pools, want %d", f.Name, len(f.Usage), 3*RandomTracePools)
	}
	seen := map[string]bool{}
	for i, u := range f.Usage {
		k, j := i/RandomTracePools, i%RandomTracePools
		orig := trs[k].Usage[j]
		want := orig.Pool
		want.Account = FleetAccount(k + 1)
		if u.Pool != want || len(want.Account) != 12 || seen[u.Pool.String()] {
			t.Fatalf("pool %d: %s, want %s, once", i, u.Pool, want)
		}
		seen[u.Pool.String()] = true
		if !slices.Equal(u.Quantity, orig.Quantity) || &u.Quantity[0] == &orig.Quantity[0] {
			t.Fatalf("pool %s: usage not an equal copy", u.Pool)
		}
	}
}
