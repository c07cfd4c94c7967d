package solver

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"
)

// The round-up trials of the repair step: at least roundUpEvals, and more
// while their work — one fill of the horizon each, measured as hour
// classes × covers — stays under roundUpWork. A count, not a clock: the
// same problem gets the same trials on a loaded machine, so the same
// inputs give the same plan.
const (
	roundUpEvals = 64
	roundUpWork  = 50_000_000
)

// roundUpTrials is the number of round-up trials c gets.
func roundUpTrials(c *compiled) int {
	covers := 0
	for k := range c.p.Offerings {
		covers += len(c.p.Offerings[k].Covers)
	}
	work := max(1, len(c.weight)*max(1, covers))
	return max(roundUpEvals, roundUpWork/work)
}

// roundRepair turns the continuous optimum into quantities the providers
// sell, without breaking the policy:
//
//  1. every offering with an Increment is rounded down to it (rounding down
//     can only lower upfront cash, hourly commitment and coverage, and only
//     raise utilization);
//  2. greedy repair: the rounded-down offerings are tried one increment up,
//     in order of what the increment is expected to save (the fractional
//     part dropped × the marginal saving of one increment, from the fill's
//     subgradient at the rounded-down purchase), kept when the billed cost
//     falls and the policy still holds; the marginal savings are measured
//     again after each pass, and the trials stop when none is expected to
//     save or the trial budget (roundUpTrials: a count, so that the same
//     inputs always give the same plan) is spent;
//  3. the offerings bought in any amount — and, when whole instances are
//     bought, the spend offerings (bought in cents per hour) — are
//     re-optimized with the whole ones fixed, then rounded down to their
//     own increment;
//  4. a final check of the policy on the billed result; a purchase whose
//     utilization fell under the floor is cut back to where it meets it,
//     and should the risk limits (CVaR of regret, waste) fail on the bill
//     — the LP allocates usage more freely than the bill does — all new
//     purchases are scaled back together to the largest share that meets
//     them (bisection; buying nothing always does).
//
// The result is a restriction of the continuous problem, so it never saves
// more than the continuous optimum; the difference is Result.RoundingGap.
func roundRepair(ctx context.Context, p *Problem, c *compiled, rel *relaxed, opts *Options) ([]float64, error) {
	nk := len(p.Offerings)
	q := append([]float64(nil), rel.x...)
	whole := false
	fractional := false
	// With whole instances bought, spend offerings (savings plans, bought
	// in cents per hour) are re-optimized around them like the ones bought
	// in any amount, and rounded down to their increment only then: the
	// instances rounded take usage the relaxed plans were sized for.
	resWhole := false
	for k, v := range q {
		if o := &p.Offerings[k]; v > 0 && o.Increment > 0 && o.Type == Resource {
			resWhole = true
		}
	}
	flex := func(k int) bool {
		o := &p.Offerings[k]
		return o.Increment <= 0 || (resWhole && o.Type == Spend)
	}
	var fr []frac
	for k := range q {
		inc := p.Offerings[k].Increment
		if flex(k) || q[k] == 0 {
			if q[k] > 0 {
				fractional = true
			}
			continue
		}
		whole = true
		n := math.Floor(q[k]/inc + 1e-7)
		if f := q[k]/inc - n; f > 1e-7 {
			fr = append(fr, frac{k, f})
		}
		q[k] = n * inc
	}
	if !whole && !fractional {
		return q, nil
	}
	if opts.Progress != nil {
		opts.Progress(Progress{Stage: "rounding", Upper: rel.objective, Lower: rel.bound})
	}
	costOf := func(x []float64) float64 {
		return c.purchaseCost(x) + c.ownedFees() + c.evaluate(x, 1, false).onDemand
	}
	cur := costOf(q)
	if len(fr) > 0 {
		var err error
		if _, err = roundUp(ctx, p, c, q, fr, cur, costOf); err != nil {
			return nil, err
		}
	}
	// Re-optimize what is bought in any amount (and the spend offerings)
	// around the whole instances. (A second round-up against the
	// re-optimized plans was measured to gain nothing on generated fleets.)
	if whole && fractional {
		lo := make([]float64, nk)
		hi := make([]float64, nk)
		for k := range hi {
			hi[k] = math.Inf(1)
			if !flex(k) && c.cands[k] >= 0 {
				lo[k], hi[k] = q[k], q[k]
			}
		}
		ro := *opts
		ro.noBound = true
		if opts.TimeLimit > 0 && !opts.started.IsZero() {
			// What is left of the time limit, and at least a quarter of it
			// (measured at 1,000 pools with a 10 s limit: the whole limit
			// again made the solve 33 s; none, 21 s and 0.044 % more
			// cost for the plans left as relaxed).
			ro.TimeLimit = max(opts.TimeLimit-time.Since(opts.started), opts.TimeLimit/4)
		}
		if r, err := solveRelaxed(ctx, c, bounds{lo: lo, hi: hi}, &ro); err == nil {
			for k := range q {
				if flex(k) {
					q[k] = r.x[k]
				}
			}
		}
	}
	for k := range q {
		if inc := p.Offerings[k].Increment; inc > 0 {
			q[k] = math.Floor(q[k]/inc+1e-7) * inc
		} else if q[k] < 1e-9 {
			q[k] = 0
		}
	}
	// Utilization floor on the billed result.
	if phi := p.Policy.MinUtilization; phi > 0 {
		for range 10 {
			caps := c.utilizationCaps(q, phi)
			if len(caps) == 0 {
				break
			}
			for k, v := range caps {
				if inc := p.Offerings[k].Increment; inc > 0 {
					v = math.Floor(v/inc+1e-7) * inc
				}
				q[k] = min(q[k], v)
			}
		}
	}
	// Risk limits on the bill, and the utilization floor again after any
	// scaling back.
	for range 3 {
		if c.riskViolation(q, nil, 1e-9) == "" {
			break
		}
		q = riskScaleBack(c, q)
		phi := p.Policy.MinUtilization
		if phi <= 0 {
			break
		}
		caps := c.utilizationCaps(q, phi)
		if len(caps) == 0 {
			break
		}
		for k, v := range caps {
			if inc := p.Offerings[k].Increment; inc > 0 {
				v = math.Floor(v/inc+1e-7) * inc
			}
			q[k] = min(q[k], v)
		}
	}
	// Three-year share: rounding the one-year lines down can raise it.
	if th := p.Policy.MaxThreeYearShare; th != nil {
		for !policyOK(p, nil, q) {
			best := -1
			for k := range q {
				if q[k] > 0 && p.Offerings[k].ThreeYear() && (best < 0 || q[k]*p.Offerings[k].HourlyCost() > q[best]*p.Offerings[best].HourlyCost()) {
					best = k
				}
			}
			if best < 0 {
				break
			}
			inc := p.Offerings[best].Increment
			if inc <= 0 {
				inc = q[best] / 100
			}
			q[best] = max(0, q[best]-inc)
		}
	}
	return q, nil
}

// frac is an offering rounded down, with the fraction of an increment
// dropped.
type frac struct {
	k int
	f float64
}

// roundUp is the greedy repair of roundRepair: it tries the offerings in fr
// one increment up, best expected first, and keeps each that lowers the
// billed cost cur within the policy. It returns the new cost.
func roundUp(ctx context.Context, p *Problem, c *compiled, q []float64, fr []frac, cur float64, costOf func([]float64) float64) (float64, error) {
	ev := c.evaluate(q, 1, true)
	maxTrials := roundUpTrials(c)
	tried := make(map[int]bool, len(fr))
	trials := 0
	for pass := 0; pass < 4; pass++ {
		// Expected saving of one increment up: the fraction dropped times
		// the marginal saving, from the subgradient at q.
		type cand struct {
			k     int
			pos   bool // expected to save
			score float64
		}
		var cs []cand
		for _, f := range fr {
			k := f.k
			si := c.cands[k]
			if si < 0 {
				continue
			}
			var g float64
			for gi := range ev.grad {
				g += ev.grad[gi][k]
			}
			save := (-g - p.Offerings[k].HourlyCost()*c.activeHours(si)) * p.Offerings[k].Increment
			switch {
			case pass == 0 && save > 0:
				cs = append(cs, cand{k, true, f.f * save})
			case pass == 0:
				// The subgradient is one-sided: the first pass tries every
				// fraction, the ones not expected to save last, largest
				// first.
				cs = append(cs, cand{k, false, f.f})
			case save > 0 && !tried[k]:
				cs = append(cs, cand{k, true, save})
			}
		}
		if len(cs) == 0 {
			break
		}
		sort.SliceStable(cs, func(a, b int) bool {
			if cs[a].pos != cs[b].pos {
				return cs[a].pos
			}
			return cs[a].score > cs[b].score
		})
		changed := false
		for _, cd := range cs {
			if trials >= maxTrials {
				return cur, nil
			}
			if err := ctx.Err(); err != nil {
				return 0, fmt.Errorf("solver: rounding: %w", err)
			}
			trials++
			k := cd.k
			tried[k] = true
			q[k] += p.Offerings[k].Increment
			if v := costOf(q); v < cur-1e-9 && policyOK(p, c, q) {
				cur = v
				changed = true
				tried[k] = false // may go up once more
				continue
			}
			// The instance takes usage a savings plan of a later tier was
			// sized for: try it with that plan lowered by what it displaces.
			if j, d := displaced(p, c, q, k); j >= 0 {
				q[j] -= d
				if v := costOf(q); v < cur-1e-9 && policyOK(p, c, q) {
					cur = v
					changed = true
					tried[k] = false
					continue
				}
				q[j] += d
			}
			q[k] -= p.Offerings[k].Increment
		}
		if !changed {
			break
		}
		ev = c.evaluate(q, 1, true)
	}
	return cur, nil
}

// displaced returns the spend offering of a later tier, bought in q, that
// covers the pool one more increment of offering k covers first, and the
// commitment of it that increment displaces (the usage it covers, at the
// plan's rate); -1 when there is none.
func displaced(p *Problem, c *compiled, q []float64, k int) (int, float64) {
	o := &p.Offerings[k]
	cb := c.covStart[k]
	if cb == c.covStart[k+1] {
		return -1, 0
	}
	pool, rate := c.covPool[cb], c.covRate[cb] // the first pool in k's discount order
	units := o.Increment / rate                // usage one increment covers
	best, bestTier := -1, math.MaxInt
	var d float64
	for j := range p.Offerings {
		oj := &p.Offerings[j]
		if oj.Type != Spend || q[j] <= 0 || oj.Tier <= o.Tier || oj.Tier >= bestTier || c.cands[j] < 0 {
			continue
		}
		for i := c.covStart[j]; i < c.covStart[j+1]; i++ {
			if c.covPool[i] == pool {
				best, bestTier, d = j, oj.Tier, min(q[j], units*c.covRate[i])
				break
			}
		}
	}
	return best, d
}

// riskScaleBack scales all new purchases in q down together, each to its
// increment, to the largest share of q (bisection over [0, 1]) at which the
// risk limits hold on the fill.
func riskScaleBack(c *compiled, q []float64) []float64 {
	p := c.p
	at := func(a float64) []float64 {
		x := make([]float64, len(q))
		for k, v := range q {
			x[k] = a * v
			if inc := p.Offerings[k].Increment; inc > 0 {
				x[k] = math.Floor(x[k]/inc+1e-7) * inc
			}
		}
		return x
	}
	lo, hi := 0.0, 1.0
	best := at(0)
	for range 30 {
		mid := (lo + hi) / 2
		x := at(mid)
		if c.riskViolation(x, nil, 1e-9) == "" {
			lo, best = mid, x
		} else {
			hi = mid
		}
	}
	return best
}

// policyOK checks the rows of the policy that are linear in the purchase,
// and, given a compiled problem, the coverage ceiling.
func policyOK(p *Problem, c *compiled, q []float64) bool { return policyViolation(p, c, q) == "" }

// policyViolation names the first policy limit that purchase q breaks, in
// words, or returns "". The coverage ceiling is checked only given c.
func policyViolation(p *Problem, c *compiled, q []float64) string {
	const tol = 1e-7
	pol := &p.Policy
	var upfront, hourly, three float64
	for k, v := range q {
		o := &p.Offerings[k]
		upfront += v * o.Upfront
		hourly += v * o.HourlyCost()
		if o.ThreeYear() {
			three += v * o.HourlyCost()
		}
	}
	if pol.MaxUpfront != nil && upfront > *pol.MaxUpfront*(1+tol)+tol {
		return fmt.Sprintf("the upfront cash cap of $%.2f", *pol.MaxUpfront)
	}
	if pol.MaxHourlyCommitment != nil {
		for _, set := range concurrent(p, func(k int) bool { return q[k] > 0 }) {
			var h float64
			for k := range set.active {
				h += q[k] * p.Offerings[k].HourlyCost()
			}
			if h > *pol.MaxHourlyCommitment*(1+tol)+tol {
				return fmt.Sprintf("the hourly commitment cap of $%.4f/h", *pol.MaxHourlyCommitment)
			}
		}
	}
	if pol.MaxThreeYearShare != nil && three > *pol.MaxThreeYearShare*hourly*(1+tol)+tol {
		return fmt.Sprintf("the %.1f%% cap on three-year terms", 100**pol.MaxThreeYearShare)
	}
	if lim := pol.MaxExpiringPerMonth; lim != nil {
		owned, _ := expiringByMonth(p, nil)
		month := map[int]float64{}
		for k, v := range q {
			if v > 0 {
				if m := expiryMonthOf(p, k); m >= 0 {
					month[m] += v * p.Offerings[k].HourlyCost()
				}
			}
		}
		for m, h := range month {
			if h > max(0, *lim-owned[m])*(1+tol)+tol {
				return fmt.Sprintf("the cap of $%.4f/h expiring in any one month", *lim)
			}
		}
	}
	if c != nil {
		if why := c.riskViolation(q, nil, 1e-9); why != "" {
			return why
		}
	}
	if pol.MaxCoverage != nil && c != nil {
		covered := c.usageValue() - c.evaluate(q, 1, false).onDemand
		if covered > *pol.MaxCoverage*c.eligibleValue()*(1+tol)+tol {
			return fmt.Sprintf("the %.1f%% coverage ceiling", 100**pol.MaxCoverage)
		}
	}
	return ""
}
