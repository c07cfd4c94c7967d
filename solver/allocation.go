package solver

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// misallocation says whether the billing rule may allocate some hour's
// usage worse than the model's best allocation of the same commitments,
// and why. The billing fill is Benders' subproblem: its cuts are valid
// lower bounds only where the fill allocates optimally (doc.go). It does
// when, within a tier, every two spend offerings that share pools charge
// proportional rates there — each savings plan then goes to the usage
// with the highest discount first, which is what the model does. It may
// not when two of them rank the shared pools differently (a three-year and
// a one-year Compute Savings Plan whose discounts differ by family): the
// rule applies one plan after the other, each greedily, while the model
// would split the usage between them. Resource offerings cover each pool
// at 1/size factor, always proportional within a family, and tiers are
// applied in order by the providers as by the model.
//
// offered reports whether an offering can hold capacity (bought or
// owned). The empty string means the fill allocates optimally.
func misallocation(p *Problem, offered func(k int) bool) string {
	type vec struct {
		k     int
		rates map[int]float64
	}
	byTier := map[int][]vec{}
	seen := map[string]bool{}
	for k := range p.Offerings {
		o := &p.Offerings[k]
		if o.Type != Spend || !offered(k) {
			continue
		}
		// Offerings with the same rates (copies at other dates, other
		// payment options) allocate alike: keep one of each.
		var b strings.Builder
		fmt.Fprintf(&b, "%d", o.Tier)
		cs := append([]Cover(nil), o.Covers...)
		sort.Slice(cs, func(i, j int) bool { return cs[i].Pool < cs[j].Pool })
		rates := make(map[int]float64, len(cs))
		for _, c := range cs {
			b.WriteString("|" + strconv.Itoa(c.Pool) + ":" + strconv.FormatFloat(c.Rate, 'g', -1, 64))
			rates[c.Pool] = c.Rate
		}
		if seen[b.String()] {
			continue
		}
		seen[b.String()] = true
		byTier[o.Tier] = append(byTier[o.Tier], vec{k, rates})
	}
	tiers := make([]int, 0, len(byTier))
	for t := range byTier {
		tiers = append(tiers, t)
	}
	sort.Ints(tiers)
	for _, t := range tiers {
		vs := byTier[t]
		for i := range vs {
			for j := i + 1; j < len(vs); j++ {
				lo, hi := math.Inf(1), math.Inf(-1)
				shared := 0
				for pool, r := range vs[i].rates {
					if q, ok := vs[j].rates[pool]; ok {
						ratio := r / q
						lo, hi = math.Min(lo, ratio), math.Max(hi, ratio)
						shared++
					}
				}
				if shared > 1 && hi > lo*(1+1e-9) {
					return fmt.Sprintf("%s and %s (tier %d) cover %d common pools at rates that are not proportional (ratio %.4g to %.4g): the billing rule applies one after the other, each to the highest discount first, which need not be the cheapest split, so the billing fill is not convex there and its own cuts bound nothing",
						p.Offerings[vs[i].k].ID, p.Offerings[vs[j].k].ID, t, shared, lo, hi)
				}
			}
		}
	}
	return ""
}
