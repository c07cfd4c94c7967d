package scenarios

import (
	"math"
	"testing"
	"time"

	"github.com/tranchehq/tranche/internal/planner"
	"github.com/tranchehq/tranche/providers"
)

// weekMean is the mean of q over the week starting at hour j.
func weekMean(q []float64, j int) float64 { return mean(q[j : j+week]) }

// TestBreaks checks future trend breaks on two histories: one that
// doubled over the fit window, one flat and steady. With breaks (the
// default), the risen pool ends the year below its as-of level in a real
// share of the scenarios, but not in all; the flat pool's scenarios stay
// within a narrow band of the unbroken ones. Without breaks (NoBreaks)
// every scenario keeps its trend. In both, each scenario is bit for bit
// the unbroken one up to its break, and a break never raises usage.
func TestBreaks(t *testing.T) {
	const (
		H = 8760
		n = 200
	)
	daily := func(h int) float64 { return 1 + 0.3*math.Sin(2*math.Pi*float64(h%24)/24) }
	for _, c := range []struct {
		name  string
		hours int
		// usage at hour h of the history, before the cycle and noise
		level func(h int) float64
		cycle func(h int) float64
		// every weekly mean of every scenario with breaks, as a share
		// of the as-of level
		band [2]float64
		// the share of scenarios whose last horizon week's mean is
		// below the history's last week's: [lo, hi]
		endBelow [2]float64
		// the largest drop of a weekly mean against the unbroken
		// scenario, as a share of the as-of level: at least minDrop, at
		// most maxDrop (the rise seen plus the growth drawn since)
		minDrop, maxDrop float64
	}{
		// Doubled in eight weeks: a break may stop the rise or give
		// part or all of it back.
		{name: "steep rise", hours: 8 * week, level: func(h int) float64 { return 50 + 50*float64(h)/(8*week) }, cycle: weekly,
			band: [2]float64{0.4, 2}, endBelow: [2]float64{0.2, 0.8}, minDrop: 0.3, maxDrop: 1.5},
		// Flat, with 3 % hourly noise: breaks move the level by about
		// the spread of its weekly means, a few per cent at most (the
		// band is mostly the growth drawn from the slope's error).
		{name: "flat steady", hours: 8 * week, level: func(int) float64 { return 100 }, cycle: weekly,
			band: [2]float64{0.8, 1.1}, endBelow: [2]float64{0, 1}, minDrop: 0, maxDrop: 0.04},
		// Ten days, daily periods: the trend's age is ten days, so
		// breaks come sooner (nine scenarios in ten), but a steady level
		// still moves little: at most the spread of the daily means and
		// the growth drawn since as-of. (The band is wide without breaks
		// too: ten days' slope error, drawn, takes some scenarios to 0
		// within the year and others up by half.)
		{name: "short flat steady", hours: 10 * 24, level: func(int) float64 { return 100 }, cycle: daily,
			band: [2]float64{0, 1.5}, endBelow: [2]float64{0, 1}, minDrop: 0, maxDrop: 0.1},
	} {
		t.Run(c.name, func(t *testing.T) {
			hours := c.hours
			asOf := t0.Add(time.Duration(hours) * time.Hour)
			nz := noise(31, hours, 0.03)
			hist := history([]providers.PoolKey{key("a", "m5")}, hours, func(i, h int) float64 { return c.level(h) * c.cycle(h) * (1 + nz[h]) })
			last := weekMean(hist[0].Quantity, hours-week)
			on := forecast(t, &Generator{Seed: 11, Scenarios: n}, hist, asOf, H)
			off := forecast(t, &Generator{Seed: 11, Scenarios: n, NoBreaks: true}, hist, asOf, H)
			below, belowOff, broken, worst := 0, 0, 0, 0.0
			lo, hi := math.Inf(1), math.Inf(-1)
			for s := range on {
				q, u := on[s].Usage[0].Quantity, off[s].Usage[0].Quantity
				if weekMean(q, H-week) < last {
					below++
				}
				if weekMean(u, H-week) < last {
					belowOff++
				}
				// Bit for bit the unbroken scenario up to the break,
				// never above it after.
				j := 0
				for j < H && math.Float64bits(q[j]) == math.Float64bits(u[j]) {
					j++
				}
				if j < H {
					broken++
				}
				for ; j < H; j++ {
					if q[j] > u[j] {
						t.Fatalf("%s hour %d: %v with the break, %v without", on[s].Name, j, q[j], u[j])
					}
				}
				for w := 0; w+week <= H; w += week {
					worst = max(worst, (weekMean(u, w)-weekMean(q, w))/last)
					lo, hi = min(lo, weekMean(q, w)/last), max(hi, weekMean(q, w)/last)
				}
				// Without breaks the trend is kept: never below the
				// as-of level at the year's end for the rising pool.
				if c.name == "steep rise" && weekMean(u, H-week) < last {
					t.Fatalf("%s without breaks: last week %.1f, below the as-of level %.1f", off[s].Name, weekMean(u, H-week), last)
				}
			}
			share := float64(below) / n
			t.Logf("%s: %d of %d scenarios broken within the year, %.0f%% end below the as-of level (%.0f%% without breaks), largest weekly drop %.1f%% of it, weekly means %.3f–%.3f of it",
				c.name, broken, n, 100*share, 100*float64(belowOff)/n, 100*worst, lo, hi)
			if share < c.endBelow[0] || share > c.endBelow[1] {
				t.Errorf("%.0f%% of the scenarios end below the as-of level, want %.0f%%–%.0f%%", 100*share, 100*c.endBelow[0], 100*c.endBelow[1])
			}
			if lo < c.band[0] || hi > c.band[1] {
				t.Errorf("weekly means %.3f–%.3f of the as-of level, want within %.2f–%.2f", lo, hi, c.band[0], c.band[1])
			}
			if worst < c.minDrop || worst > c.maxDrop {
				t.Errorf("largest weekly drop against the unbroken scenario %.1f%% of the as-of level, want %.0f%%–%.0f%%", 100*worst, 100*c.minDrop, 100*c.maxDrop)
			}
			// The chance of a break within the year is 8760/(1344 + 8760),
			// 87 %: the share of the scenarios broken is near it (the
			// flat pool's breaks may be too small to change an hour).
			if c.name == "steep rise" && math.Abs(float64(broken)/n-float64(H)/float64(H+hours)) > 0.08 {
				t.Errorf("%d of %d scenarios broken, want about %.0f%%", broken, n, 100*float64(H)/float64(H+hours))
			}
		})
	}
}

// TestBreaksReproducible: the break draws are part of the seeded stream —
// the same seed gives the same scenarios, Stream gives Forecast's — and
// turning breaks off gives other scenarios only where a trend can break.
func TestBreaksReproducible(t *testing.T) {
	keys := []providers.PoolKey{key("a", "m5"), key("b", "c5")}
	hours := 8 * week
	nz := noise(41, hours, 0.05)
	hist := history(keys, hours, func(i, h int) float64 {
		return float64(40*(i+1)) * (1 + 0.0005*float64(h)) * weekly(h) * (1 + nz[h])
	})
	asOf := t0.Add(time.Duration(hours) * time.Hour)
	a := forecast(t, &Generator{Seed: 3}, hist, asOf, 4000)
	if !sameBits(a, forecast(t, &Generator{Seed: 3}, hist, asOf, 4000)) {
		t.Fatal("same seed, different scenarios")
	}
	var streamed []planner.Scenario
	err := (&Generator{Seed: 3}).Stream(hist, asOf, 4000, func(s planner.Scenario) error {
		for i := range s.Usage {
			s.Usage[i].Quantity = append([]float64(nil), s.Usage[i].Quantity...)
		}
		streamed = append(streamed, s)
		return nil
	})
	if err != nil || !sameBits(a, streamed) {
		t.Fatalf("Stream differs from Forecast (err %v)", err)
	}
	if sameBits(a, forecast(t, &Generator{Seed: 3, NoBreaks: true}, hist, asOf, 4000)) {
		t.Fatal("growing history: breaks changed nothing")
	}
	if g := (&Generator{Seed: 3, NoBreaks: true}); g.Name() != "bootstrap (seed 3, no trend breaks)" {
		t.Errorf("Name %q", g.Name())
	}
	// A flat, noiseless history has nothing to break: breaks on or off,
	// the same bits.
	flat := history(keys, hours, func(i, h int) float64 { return float64(10*(i+1)) * weekly(h) })
	if !sameBits(forecast(t, &Generator{Seed: 3}, flat, asOf, 4000), forecast(t, &Generator{Seed: 3, NoBreaks: true}, flat, asOf, 4000)) {
		t.Fatal("flat deterministic history: breaks changed it")
	}
}

// TestBreaksFit: Fit reports the break rule's figures — the age of the
// trend, the chance of a break within a year, the floor — from the trend
// fitted.
func TestBreaksFit(t *testing.T) {
	keys := []providers.PoolKey{key("a", "m5"), key("a", "c5"), key("a", "r5"), key("a", "c6"), key("a", "m6"), key("a", "r6"), key("a", "c7")}
	hours := 8 * week
	hist := history(keys, hours, func(i, h int) float64 {
		x := float64(h)
		switch i {
		case 0: // a line from 50 to 100
			return (50 + 50*x/float64(hours)) * weekly(h)
		case 1: // rose for four weeks, then flat
			return (20 + 20*min(x, 4*week)/(4*week)) * weekly(h)
		case 3: // flat for four weeks, then rising
			return (20 + 20*max(0, x-4*week)/(4*week)) * weekly(h)
		case 4: // rose fast for four weeks, then slowly
			return (20 + 20*min(x, 4*week)/(4*week) + 4*max(0, x-4*week)/(4*week)) * weekly(h)
		case 5: // stepped up from 20 to 35 three weeks ago
			if h < 5*week {
				return 20 * weekly(h)
			}
			return 35 * weekly(h)
		case 6: // stepped down from 35 to 20 three weeks ago
			if h < 5*week {
				return 35 * weekly(h)
			}
			return 20 * weekly(h)
		}
		return 30 * weekly(h)
	})
	asOf := t0.Add(time.Duration(hours) * time.Hour)
	fits, err := (&Generator{}).Fit(hist, asOf)
	if err != nil {
		t.Fatal(err)
	}
	year := func(age float64) float64 { return 8760 / (age + 8760) }
	// The trend is of the deseasonalized usage: levels are × the mean of
	// the weekly cycle.
	var cycle float64
	for h := range week {
		cycle += weekly(h) / week
	}
	for _, c := range []struct {
		name        string
		age, floor  float64
		floorMargin float64
		bent        bool
		fit         PoolFit
	}{
		{name: "line", age: float64(hours), floor: 50 * cycle, floorMargin: 1e-6, fit: fits[0]},
		// The bend is placed at the centre of a week next to the knee
		// (here the fifth week's, 3.5 weeks before as-of). A rise bent
		// into a level is a plateau: its floor is the level less the
		// weekly means' deviation from the bent line (about 1 here), not
		// the level before the rise (18.3).
		{name: "plateau", age: 3.5 * week, floor: 40 * cycle, floorMargin: 1.2, bent: true, fit: fits[1]},
		// A rise that has just begun: the floor is the level before it
		// (less the deviation, larger here, about 1.5), as for a line.
		{name: "rising", age: 3.5 * week, floor: 20 * cycle, floorMargin: 1.6, bent: true, fit: fits[3]},
		{name: "flat", age: float64(hours), floor: 30 * cycle, floorMargin: 1e-9, fit: fits[2]},
		// A rise that bent into a slower rise is a plateau too: a break
		// gives back the slow rise (to 40 at the bend), not the step
		// before it (the level before the rise was 20).
		{name: "slower rise", age: 3.5 * week, floor: 40 * cycle, floorMargin: 1.2, bent: true, fit: fits[4]},
		// A level that stepped up is a plateau at its new level: a break
		// gives back what the new level strays (nothing here), not the
		// step. No single bend fits a step; a step between weekly means
		// does, exactly, three weeks (half an hour less) before as-of.
		{name: "step up", age: 3*week - 0.5, floor: 35 * cycle, floorMargin: 1e-6, bent: true, fit: fits[5]},
		// A step down: the floor is the new level.
		{name: "step down", age: 3*week - 0.5, floor: 20 * cycle, floorMargin: 1e-6, bent: true, fit: fits[6]},
	} {
		f := c.fit
		if f.Bent != c.bent || math.Abs(f.TrendAge.Hours()-c.age) > 1 || math.Abs(f.BreakChance-year(f.TrendAge.Hours())) > 1e-9 ||
			math.Abs(f.BreakFloor-c.floor) > c.floorMargin || f.BreakFloor > f.Level {
			t.Errorf("%s: bent %v, trend age %v, break chance %.3f, floor %.3f (level %.3f); want bent %v, age %.0f h, floor %.1f",
				c.name, f.Bent, f.TrendAge, f.BreakChance, f.BreakFloor, f.Level, c.bent, c.age, c.floor)
		}
	}
	// A step's level is the new one, with no growth.
	for i, want := range map[int]float64{5: 35 * cycle, 6: 20 * cycle} {
		if f := fits[i]; math.Abs(f.Level-want) > 1e-6 || math.Abs(f.Growth) > 1e-9 {
			t.Errorf("%s: level %.6f, growth %.3g a year; want %.6f, none", f.Pool.Family, f.Level, f.Growth, want)
		}
	}
	// Off: no figures.
	fits, _ = (&Generator{NoBreaks: true}).Fit(hist, asOf)
	if f := fits[0]; f.TrendAge != 0 || f.BreakChance != 0 || f.BreakFloor != 0 {
		t.Errorf("NoBreaks: %+v", f)
	}
}
