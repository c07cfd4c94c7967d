package demo

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/tranchehq/tranche/providers"
)

// Random traces: usage histories whose shapes are drawn, not chosen, so
// that a planner can be measured on futures nobody picked for it (the eight
// traces of TraceNames each show one known shape; a planner's rules were
// written looking at them). Every pool of a random trace follows a drift and
// a few level changes drawn from one fixed distribution, and may start late
// or stop early — growth, cuts, launches and decommissions in combinations
// and at times no rule anticipates. docs/backtest.md describes the
// distribution and shows the table they give.

// MaxRandomTraces is the most random traces RandomTraces makes.
const MaxRandomTraces = 100

// RandomTracePools is the number of the demo price book's pools in each
// random trace.
const RandomTracePools = 7

// RandomTraces makes n traces of random shapes, named random-1 to random-n,
// in pools of the demo price book. Each has RandomTracePools pools drawn
// from the book's without replacement, and each pool
//
//   - a base level log-uniform on 60–600 normalized units (5–60 instances
//     in pools counted in instances);
//   - a drift of N(+10 %, 40 %) a year, on the log of the level;
//   - 0, 0, 1, 1 or 2 level changes (equally likely), each at a day uniform
//     on [30, days−20), multiplying the level by e^N(0, 0.5) over a ramp of
//     1–30 days;
//   - with probability 0.12 a launch (no usage before a day uniform on
//     [40, days−60)), with probability 0.12 a decommission (none from a
//     day uniform on [60, days−10)), never both (on traces under 100 days
//     at the ranges' first day);
//   - a weekday business-hours peak U(0, 35 %), a weekend dip U(0, 30 %)
//     and AR(1) log-noise of standard deviation U(2 %, 12 %).
//
// The same config and n give the same traces; the description of each
// says what was drawn.
func RandomTraces(cfg TraceConfig, n int) ([]Trace, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	if n < 0 || n > MaxRandomTraces {
		return nil, fmt.Errorf("demo: %d random traces (want 0 to %d)", n, MaxRandomTraces)
	}
	pools := bookPools()
	keys := make([]string, 0, len(pools))
	for k := range pools {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	days := float64(cfg.Days)
	out := make([]Trace, 0, n)
	for ti := range n {
		// One stream for the shapes, one per pool for the noise: a trace's
		// shapes do not depend on its length of noise, nor on other traces.
		rng := rand.New(rand.NewPCG(cfg.Seed, 1<<32+uint64(ti)))
		tr := Trace{Name: fmt.Sprintf("random-%d", ti+1)}
		var desc []string
		for pi, j := range rng.Perm(len(keys))[:RandomTracePools] {
			key := pools[keys[j]]
			lo, hi, unit := 60.0, 600.0, "NU"
			if key.Unit != providers.UnitNormalizedHour {
				lo, hi, unit = 5, 60, "instances"
			}
			base := lo * math.Exp(rng.Float64()*math.Log(hi/lo))
			drift := 0.1 + 0.4*rng.NormFloat64()
			type change struct{ day, jump, ramp float64 }
			var changes []change
			for range []int{0, 0, 1, 1, 2}[rng.IntN(5)] {
				changes = append(changes, change{
					day:  30 + rng.Float64()*(days-50),
					jump: 0.5 * rng.NormFloat64(),
					ramp: 1 + rng.Float64()*29,
				})
			}
			slices.SortFunc(changes, func(a, b change) int { return cmp.Compare(a.day, b.day) })
			on, off := 0.0, days
			life := ""
			switch u := rng.Float64(); {
			case u < 0.12:
				on = math.Floor(40 + rng.Float64()*max(0, days-100))
				life = fmt.Sprintf(", launched on day %.0f", on)
			case u < 0.24:
				off = math.Floor(60 + rng.Float64()*max(0, days-70))
				life = fmt.Sprintf(", decommissioned on day %.0f", off)
			}
			p := tracePool{
				base:    base,
				peak:    0.35 * rng.Float64(),
				weekend: 0.3 * rng.Float64(),
				noise:   0.02 + 0.1*rng.Float64(),
				shape: func(d float64) float64 {
					if d < on || d >= off {
						return 0
					}
					x := drift * d / 365
					for _, c := range changes {
						x += c.jump * math.Min(1, math.Max(0, (d-c.day)/c.ramp))
					}
					return math.Exp(x)
				},
			}
			var what []string
			for _, c := range changes {
				what = append(what, fmt.Sprintf("×%.2f from day %.0f over %.0f days", math.Exp(c.jump), c.day, c.ramp))
			}
			desc = append(desc, fmt.Sprintf("%s %s %s %.0f %s, %+.0f %%/yr%s%s", key.Region, key.Family, key.Platform, base, unit,
				100*(math.Exp(drift)-1), prefixed(", ", strings.Join(what, ", ")), life))
			tr.Usage = append(tr.Usage, p.render(key, cfg, rand.New(rand.NewPCG(cfg.Seed, 1<<40+uint64(ti)*100+uint64(pi)))))
		}
		tr.Description = strings.Join(desc, "; ")
		out = append(out, tr)
	}
	return out, nil
}

// prefixed is s after prefix, or "" when s is empty.
func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

// FleetAccount is the account of the kth trace (from 1) in Fleet: twelve
// digits, as AWS account IDs are.
func FleetAccount(k int) string { return fmt.Sprintf("%012d", 100000000000+k) }

// Fleet puts traces side by side as one fleet of several accounts, named
// name: the kth trace's pools move to account FleetAccount(k), in the
// same billing scope, so that savings plans and size-flexible RIs cover
// them all as they would one organization's. Usage is copied.
func Fleet(name string, traces []Trace) Trace {
	f := Trace{Name: name, Description: fmt.Sprintf("%d random traces side by side, each in an account of its own", len(traces))}
	for k, tr := range traces {
		for _, u := range tr.Usage {
			u.Pool.Account = FleetAccount(k + 1)
			u.Quantity = append([]float64(nil), u.Quantity...)
			f.Usage = append(f.Usage, u)
		}
	}
	return f
}
