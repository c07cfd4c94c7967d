package solver

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// dominated marks the purchases that can be left out without changing the
// optimum: another offering covers exactly the same pools at the same
// rates, in the same tier, is active for the same hours of the horizon
// (Offering.Window: an offering bought later or ending sooner is never
// dominated by one active at other hours, however cheap), has the same
// increment, costs no more per hour, and — where the policy limits upfront
// cash or three-year terms — needs no more upfront and is no more
// three-year. Ties keep the lower index. A real price book lists twelve RI
// offers per pool; usually one or two survive.
func dominated(p *Problem, excl map[int]bool) map[int]bool {
	groups := map[string][]int{}
	for k := range p.Offerings {
		if excl[k] {
			continue
		}
		o := &p.Offerings[k]
		var b strings.Builder
		start, end := o.Window(p.span())
		fmt.Fprintf(&b, "%d/%d/%d-%d/%v", o.Type, o.Tier, start, end, o.Increment)
		cs := append([]Cover(nil), o.Covers...)
		sort.Slice(cs, func(a, b int) bool { return cs[a].Pool < cs[b].Pool })
		for _, c := range cs {
			fmt.Fprintf(&b, "|%d:%v", c.Pool, c.Rate)
		}
		groups[b.String()] = append(groups[b.String()], k)
	}
	out := map[int]bool{}
	pol := &p.Policy
	for _, ks := range groups {
		for _, k := range ks {
			for _, j := range ks {
				if j == k {
					continue
				}
				a, b := &p.Offerings[j], &p.Offerings[k] // does a dominate b?
				if a.HourlyCost() > b.HourlyCost() {
					continue
				}
				if pol.MaxUpfront != nil && a.Upfront > b.Upfront {
					continue
				}
				if pol.MaxThreeYearShare != nil && a.ThreeYear() && !b.ThreeYear() {
					continue
				}
				// A cheaper purchase with slack under a waste limit leaves
				// less room for the others' waste: only equal costs are
				// interchangeable there.
				if pol.wasteRows() && a.HourlyCost() != b.HourlyCost() {
					continue
				}
				// Under the laddering cap, one that expires in another month
				// is not interchangeable.
				if pol.MaxExpiringPerMonth != nil {
					if ea := a.expiry(p.span()); ea >= 0 && (b.expiry(p.span()) < 0 || expiryMonth(ea) != expiryMonth(b.expiry(p.span()))) {
						continue
					}
				}
				strict := a.HourlyCost() < b.HourlyCost() ||
					(pol.MaxUpfront != nil && a.Upfront < b.Upfront) ||
					(pol.MaxThreeYearShare != nil && !a.ThreeYear() && b.ThreeYear())
				if strict || j < k {
					out[k] = true
					break
				}
			}
		}
	}
	return out
}

// warmStart proposes a purchase to start the decomposition from: the
// purchases are sized one after the other in billing order, each at the
// level where one more unit would be used in too few hours to pay for
// itself, given the ones before it and none after it. Purchases of one tier
// whose pools or windows do not overlap cannot affect each other, so they
// are sized together from one sweep over the hours. It is a heuristic; its
// only job is to start Benders near the optimum.
func (c *compiled) warmStart(lo, hi []float64) []float64 {
	x := append([]float64(nil), lo...)
	// Purchases that can only start later (later purchase dates, the
	// plan's later tranches) stay at their lower bounds: each would need
	// a sweep of its own, since it overlaps the earlier ones, and measured
	// on the demo (60 pools, 12 purchase dates) those sweeps were nine
	// tenths of the solve; the decomposition finds them from there.
	first := math.MaxInt
	for _, s := range c.srcs {
		if s.owned < 0 {
			first = min(first, s.start)
		}
	}
	var batch []int                   // sources sized together
	inBatch := make([][]source, c.np) // per pool: the batch's sources covering it
	var touched []int32
	flush := func() {
		if len(batch) == 0 {
			return
		}
		reach := make([][]float64, len(batch))
		value := make([][]float64, len(batch))
		for j := range batch {
			reach[j] = make([]float64, len(c.weight))
			value[j] = make([]float64, len(c.weight))
		}
		c.sweep(c.sweepWorkers(), x, false, nil, func(_ int, w *fillWork, cl, seg int) {
			for j, si := range batch {
				if !c.active[seg][si] {
					continue
				}
				// What the purchase could use is the usage still uncovered
				// once every source is applied (the batch at its lower
				// bounds), and one unit of it is worth Σ r·d / Σ r·rate
				// over its covers.
				k := c.srcs[si].offering
				var rv, rr float64
				for i := c.covStart[k]; i < c.covStart[k+1]; i++ {
					p := c.covPool[i]
					r := w.resid[p]
					rv += r * c.d[p]
					rr += r * c.covRate[i]
				}
				if rr > 0 {
					reach[j][cl] = rr
					value[j][cl] = rv / rr
				}
			}
		}, nil)
		for j, si := range batch {
			k := c.srcs[si].offering
			q := quantileLevel(reach[j], value[j], c.weight, c.p.Offerings[k].HourlyCost()*c.activeHours(si))
			x[k] = min(hi[k], max(lo[k], x[k]+q))
		}
		batch = batch[:0]
		for _, p := range touched {
			inBatch[p] = inBatch[p][:0]
		}
		touched = touched[:0]
	}
	tier := -1
	for si, s := range c.srcs {
		if s.owned >= 0 || s.start > first {
			continue
		}
		k := s.offering
		overlap := c.p.Offerings[k].Tier != tier
		for i := c.covStart[k]; i < c.covStart[k+1] && !overlap; i++ {
			for _, o := range inBatch[c.covPool[i]] {
				if o.start < s.end && s.start < o.end {
					overlap = true
					break
				}
			}
		}
		if overlap {
			flush()
			tier = c.p.Offerings[k].Tier
		}
		batch = append(batch, si)
		for i := c.covStart[k]; i < c.covStart[k+1]; i++ {
			p := c.covPool[i]
			if len(inBatch[p]) == 0 {
				touched = append(touched, p)
			}
			inBatch[p] = append(inBatch[p], s)
		}
	}
	flush()
	return x
}

// quantileLevel is the largest level q at which the classes that would
// use more than q are still worth the cost of one more unit:
// Σ_{c: reach_c > q} weight_c·value_c ≥ need.
func quantileLevel(reach, value, weight []float64, need float64) float64 {
	idx := make([]int, 0, len(reach))
	for cl, r := range reach {
		if r > 0 {
			idx = append(idx, cl)
		}
	}
	sort.Slice(idx, func(a, b int) bool { return reach[idx[a]] > reach[idx[b]] })
	var acc float64
	for _, cl := range idx {
		acc += weight[cl] * value[cl]
		if acc >= need {
			return reach[cl]
		}
	}
	return 0
}
