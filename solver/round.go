package solver

import (
	"context"
	"fmt"
	"math"
	"sort"
)

// maxRoundUpTrials bounds the greedy round-up of the repair step; each
// trial is one billing fill of the whole horizon.
const maxRoundUpTrials = 32

// roundRepair turns the continuous optimum into quantities the providers
// sell, without breaking the policy:
//
//  1. every offering with an Increment is rounded down to it (rounding down
//     can only lower upfront cash, hourly commitment and coverage, and only
//     raise utilization);
//  2. greedy repair: the offerings with the largest fractional parts are
//     tried one increment up, kept when the billed cost falls and the
//     policy still holds;
//  3. the offerings bought in any amount are re-optimized with the whole
//     ones fixed, then rounded down to their own increment;
//  4. a final check of the policy on the billed result; a purchase whose
//     utilization fell under the floor is cut back to where it meets it.
//
// The result is a restriction of the continuous problem, so it never saves
// more than the continuous optimum; the difference is Result.RoundingGap.
func roundRepair(ctx context.Context, p *Problem, c *compiled, rel *relaxed, opts *Options) ([]float64, error) {
	nk := len(p.Offerings)
	q := append([]float64(nil), rel.x...)
	whole := false
	fractional := false
	type frac struct {
		k int
		f float64
	}
	var fr []frac
	for k := range q {
		inc := p.Offerings[k].Increment
		if inc <= 0 || q[k] == 0 {
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
	sort.Slice(fr, func(a, b int) bool { return fr[a].f > fr[b].f })
	for i, f := range fr {
		if i >= maxRoundUpTrials {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("solver: rounding: %w", err)
		}
		k := f.k
		q[k] += p.Offerings[k].Increment
		if v := costOf(q); v < cur-1e-9 && policyOK(p, c, q) {
			cur = v
			continue
		}
		q[k] -= p.Offerings[k].Increment
	}
	// Re-optimize what is bought in any amount around the whole instances.
	if whole && fractional {
		lo := make([]float64, nk)
		hi := make([]float64, nk)
		for k := range hi {
			hi[k] = math.Inf(1)
			if p.Offerings[k].Increment > 0 && c.cands[k] >= 0 {
				lo[k], hi[k] = q[k], q[k]
			}
		}
		if r, err := solveRelaxed(ctx, c, bounds{lo: lo, hi: hi}, opts); err == nil {
			for k := range q {
				if p.Offerings[k].Increment <= 0 {
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
	if pol.MaxCoverage != nil && c != nil {
		covered := c.usageValue() - c.evaluate(q, 1, false).onDemand
		if covered > *pol.MaxCoverage*c.eligibleValue()*(1+tol)+tol {
			return fmt.Sprintf("the %.1f%% coverage ceiling", 100**pol.MaxCoverage)
		}
	}
	return ""
}
