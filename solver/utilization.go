package solver

import (
	"math"
	"sort"
)

// utilizationCaps returns, for each purchase in x whose utilization is
// below the floor phi, the largest quantity at which it meets the floor,
// the other quantities staying as they are. The floor holds in expectation
// and, with a percentile scenario (Policy.UtilizationFloorPercentile), in
// that scenario too. The billing rule gives a
// purchase all the usage it can reach when its turn comes, so over the
// classes of hours its use is Σ_c w_c·min(q, R_c), where R_c is what it
// could use in class c; utilization is that over q·hours, which falls as q
// grows, and the cap is where it meets phi.
func (c *compiled) utilizationCaps(x []float64, phi float64) map[int]float64 {
	ev := c.evaluate(x, 1, false)
	pb := c.pctBlock
	var low []int
	for k, si := range c.cands {
		if si < 0 || x[k] <= 0 {
			continue
		}
		if ev.used[k] < phi*x[k]*c.activeHours(si)*(1-1e-9) ||
			(pb >= 0 && ev.blockUsed[pb][k]/c.blocks[pb].prob < phi*x[k]*c.srcHours[si][pb]*(1-1e-9)) {
			low = append(low, k)
		}
	}
	if len(low) == 0 {
		return nil
	}
	want := make([]bool, len(c.srcs))
	for _, k := range low {
		want[c.cands[k]] = true
	}
	reach := make([][]float64, len(c.srcs)) // per source, per class
	for _, k := range low {
		reach[c.cands[k]] = make([]float64, len(c.weight))
	}
	prep := func(_ int, w *fillWork) {
		w.wantReach = want
		w.reach = make([]float64, len(c.srcs))
	}
	c.sweep(c.sweepWorkers(), x, false, prep, func(_ int, w *fillWork, cl, seg int) {
		for _, k := range low {
			si := c.cands[k]
			if c.active[seg][si] {
				reach[si][cl] = w.reach[si]
			}
		}
	}, nil)
	var pw []float64 // the classes' hours in the percentile scenario, 0 elsewhere
	if pb >= 0 {
		pw = make([]float64, len(c.weight))
		for cl, w := range c.weight {
			if c.classBlock(cl) == pb {
				pw[cl] = w / c.blocks[pb].prob
			}
		}
	}
	out := make(map[int]float64, len(low))
	for _, k := range low {
		si := c.cands[k]
		out[k] = utilizationCap(reach[si], c.weight, phi*c.activeHours(si), x[k])
		if pb >= 0 {
			out[k] = min(out[k], utilizationCap(reach[si], pw, phi*c.srcHours[si][pb], x[k]))
		}
	}
	return out
}

// utilizationCap is the largest q in [0, qmax] with
// Σ_c w_c·min(q, R_c) ≥ need·q, where need is phi × active hours. The left
// side is concave and piecewise linear in q, so the set where the
// inequality holds is an interval from 0; its end lies on a segment
// between two sorted values of R.
func utilizationCap(reach, weight []float64, need, qmax float64) float64 {
	type rw struct{ r, w float64 }
	rs := make([]rw, 0, len(reach))
	var wsum float64
	for c, r := range reach {
		if r > 0 {
			rs = append(rs, rw{r, weight[c]})
		}
	}
	sort.Slice(rs, func(a, b int) bool { return rs[a].r < rs[b].r })
	for _, v := range rs {
		wsum += v.w
	}
	// For q in [R_{i-1}, R_i]: used(q) = below + q·above, where below is
	// Σ w·R over the reaches under q and above the weight of the others.
	var below float64
	above := wsum
	prev := 0.0
	for _, v := range rs {
		// On [prev, v.r]: below + q·above ≥ need·q ⟺ q·(need − above) ≤ below.
		if above < need {
			q := below / (need - above)
			if q <= v.r {
				return math.Min(math.Max(q, prev), qmax)
			}
		}
		below += v.r * v.w
		above -= v.w
		prev = v.r
	}
	if need > 0 {
		return math.Min(math.Max(below/need, prev), qmax)
	}
	return qmax
}
