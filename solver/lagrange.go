package solver

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"sync"
)

// lagrangeBound is a lower bound on the continuous optimum (with the
// cheapest allocation of every hour, so below the billing rule's too) from
// Lagrangian relaxation, priced at the billing fill's marginal values at
// purchase x.
//
// The capacity row of every source that covers several pools (savings
// plans, size-flexible RIs), and of every owned commitment, is moved into
// the objective at price μ_s per unit in each class of hours. What is left
// separates by pool: in a class, a unit of pool p's usage that its own
// reserved instances do not cover costs π_p = min(d_p, min_s μ_s·r_sp) —
// on demand, or bought from a priced source — and the pool's own
// instances (purchases covering only p, active over the whole horizon) are
// sized exactly, by the quantile rule:
//
//	min_R  c*·R + Σ_classes w·π·(u − R)⁺,  c* the cheapest cost per unit covered.
//
// A priced purchase j costs (C_j − Σ w·μ_j)·x_j, least at a bound of x_j;
// with no upper bound the prices are scaled down until Σ w·μ_j ≤ C_j, as
// any μ ≥ 0 gives a valid bound. The policy rows (cash, commitment,
// coverage, risk) are left out, which only lowers the bound. At the
// optimum with optimal duals the bound equals the optimum (LP duality); at
// a near-optimal purchase the fill's marginal values are near those duals,
// and the pools' exact quantiles give back most of what a linear cut loses
// on the reserved instances — which is why it can prove more than the
// decomposition's cuts at fleet size (docs/solver.md).
func (c *compiled) lagrangeBound(x []float64, b bounds) (float64, []float64) {
	nsrc := len(c.srcs)
	nc := len(c.weight)
	// Exact sources: purchases of one pool, active in every segment, free
	// of bounds. Per pool: the cheapest cost of one unit of coverage.
	exact := make([]bool, nsrc)
	cstar := make([]float64, c.np)
	cheapest := make([]int, c.np) // the exact source of cstar, -1 when none
	for i := range cheapest {
		cheapest[i] = -1
	}
	for i := range cstar {
		cstar[i] = math.Inf(1)
	}
	for si, s := range c.srcs {
		k := s.offering
		if s.owned >= 0 || c.covStart[k+1]-c.covStart[k] != 1 {
			continue
		}
		if lo, hi := b.get(k); lo != 0 || !math.IsInf(hi, 1) {
			continue
		}
		all := true
		for g := range c.active {
			if !c.active[g][si] {
				all = false
				break
			}
		}
		if !all {
			continue
		}
		exact[si] = true
		i := c.covStart[k]
		cost := c.p.Offerings[k].HourlyCost() * c.activeHours(si) * c.covRate[i]
		if pl := c.covPool[i]; cost < cstar[pl] {
			cstar[pl], cheapest[pl] = cost, si
		}
	}

	// Two passes of the fill at x: the first sums each priced purchase's
	// prices to scale them, the second prices the pools.
	scale := make([]float64, nsrc)
	for si := range scale {
		scale[si] = 1
	}
	wpi := make([]float64, c.np*nc) // pool-major: w·π of pool p in class cl at p*nc+cl
	pass := func(second bool) (sums []float64, owned float64) {
		workers := c.sweepWorkers()
		parts := make([][]float64, workers)
		pis := make([][]float64, workers)
		ownedPart := make([]float64, workers)
		prep := func(wi int, _ *fillWork) {
			parts[wi] = make([]float64, nsrc)
			pis[wi] = make([]float64, c.np)
		}
		sums = make([]float64, nsrc)
		fold := func(wi int) { // in shard order: the same bits on any number of cores
			for si, v := range parts[wi] {
				sums[si] += v
			}
			clear(parts[wi])
			owned += ownedPart[wi]
			ownedPart[wi] = 0
		}
		c.sweep(workers, x, true, prep, func(wi int, w *fillWork, cl, seg int) {
			sum, pi := parts[wi], pis[wi]
			wt := c.weight[cl]
			if second {
				copy(pi, c.d)
			}
			for _, si := range c.segSrc[seg] {
				if exact[si] {
					continue
				}
				s := c.srcs[si]
				mu := scale[si] * w.lambda[si]
				sum[si] += wt * mu
				if !second {
					continue
				}
				if s.owned >= 0 {
					ownedPart[wi] -= wt * mu * w.caps[si]
				}
				c.lowerPrices(pi, s.offering, mu)
			}
			if second {
				for p := range pi {
					wpi[p*nc+cl] = wt * pi[p]
				}
			}
		}, fold)
		return sums, owned
	}
	sums, _ := pass(false)
	for si, s := range c.srcs {
		if exact[si] || s.owned >= 0 {
			continue
		}
		k := s.offering
		if _, hi := b.get(k); math.IsInf(hi, 1) {
			if cost := c.p.Offerings[k].HourlyCost() * c.activeHours(si); sums[si] > cost && sums[si] > 0 {
				scale[si] = cost / sums[si]
			}
		}
	}
	sums, bound := pass(true)
	bound += c.ownedFees()
	for si, s := range c.srcs {
		if exact[si] || s.owned >= 0 {
			continue
		}
		k := s.offering
		lo, hi := b.get(k)
		net := c.p.Offerings[k].HourlyCost()*c.activeHours(si) - sums[si]
		switch {
		case net >= 0:
			bound += net * lo
		case math.IsInf(hi, 1):
			// Scaled to net ≥ 0 above; rounding may leave a trace below.
			bound += 0
		default:
			bound += net * hi
		}
	}
	// xr is x with each pool's own instances at the argmin.
	xr := append([]float64(nil), x...)
	for si, s := range c.srcs {
		if exact[si] {
			xr[s.offering] = 0
		}
	}
	// The pools: the quantile rule over their classes, shared out among
	// the cores. The cost is piecewise linear in R with breaks at the usage
	// levels; between two levels its slope is c* less Σ w·π over the
	// classes above.
	type level struct{ u, wp float64 }
	workers := max(1, min(runtime.GOMAXPROCS(0), c.np))
	pools := make([]float64, c.np) // per pool: its cheapest cost, summed in pool order
	var wg sync.WaitGroup
	for wi := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lv := make([]level, nc)
			for p := wi; p < c.np; p += workers {
				row := wpi[p*nc : (p+1)*nc]
				var cost, above float64 // at R = 0
				for cl, wp := range row {
					u := c.u[cl*c.np+p]
					lv[cl] = level{u, wp}
					cost += wp * u
					above += wp
				}
				if math.IsInf(cstar[p], 1) {
					pools[p] = cost
					continue
				}
				slices.SortFunc(lv, func(a, b level) int { return cmp.Compare(a.u, b.u) })
				best, prev, at := cost, 0.0, 0.0
				for _, l := range lv {
					if l.u > prev {
						cost += (cstar[p] - above) * (l.u - prev)
						prev = l.u
						if cost < best {
							best, at = cost, l.u
						}
					}
					above -= l.wp
				}
				pools[p] = best
				k := c.srcs[cheapest[p]].offering
				xr[k] = at * c.covRate[c.covStart[k]]
			}
		}()
	}
	wg.Wait()
	for _, v := range pools {
		bound += v
	}
	return bound, xr
}
