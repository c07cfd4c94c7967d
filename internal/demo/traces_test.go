package demo

import (
	"bytes"
	"math"
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
