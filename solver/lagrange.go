package solver

import (
	"cmp"
	"encoding/binary"
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
		if c.covStart[k+1]-c.covStart[k] != 1 || !c.sizable(si, b) {
			continue
		}
		exact[si] = true
		i := c.covStart[k]
		cost := c.p.Offerings[k].HourlyCost() * c.activeHours(si) * c.covRate[i]
		if pl := c.covPool[i]; cost < cstar[pl] {
			cstar[pl], cheapest[pl] = cost, si
		}
	}

	// Shared sources: purchases covering several pools (one family's pools
	// in several accounts, size-flexible RIs of any size, savings plans),
	// free of bounds and active in every segment, are sized exactly too,
	// per group of offerings covering the same pools at proportional
	// rates, when no exact source and no group before them reaches their
	// pools: in each class the capacity goes to the pools with the most
	// w·π per unit of it first (the cheapest allocation), and the group's
	// cost is least at one of the breaks (sizeShared). A group's capacity
	// is counted in the units of its first offering's; offering k's rates
	// are a_k times those, so a unit of the group's capacity costs C_k·a_k
	// from k, and X units of it are X·a_k of k.
	type group struct {
		first int     // its first source: the unit of capacity
		cstar float64 // cheapest cost of a unit of capacity over the horizon
		src   int     // its source
		scale float64 // a_k of that source
		ok    bool
	}
	byPools := map[string]int32{}
	var groups []*group // in source order: sums in the same order every run
	inGroup := make([]int32, nsrc)
	var key []byte
	for si, s := range c.srcs {
		inGroup[si] = -1
		k := s.offering
		if c.covStart[k+1]-c.covStart[k] < 2 || !c.sizable(si, b) {
			continue
		}
		key = key[:0]
		for i := c.covStart[k]; i < c.covStart[k+1]; i++ {
			key = binary.LittleEndian.AppendUint32(key, uint32(c.covPool[i]))
		}
		gid, seen := byPools[string(key)]
		if !seen {
			gid = int32(len(groups))
			byPools[string(key)] = gid
			groups = append(groups, &group{first: si, cstar: math.Inf(1), src: -1, ok: true})
		}
		gr := groups[gid]
		f := c.srcs[gr.first].offering
		a := c.covRate[c.covStart[k]] / c.covRate[c.covStart[f]]
		proportional := true
		for i, j := c.covStart[k], c.covStart[f]; i < c.covStart[k+1]; i, j = i+1, j+1 {
			if math.Abs(c.covRate[i]-a*c.covRate[j]) > 1e-12*c.covRate[i] {
				proportional = false
				break
			}
		}
		if !proportional {
			continue // priced
		}
		inGroup[si] = gid
		if cost := c.p.Offerings[k].HourlyCost() * c.activeHours(si) * a; cost < gr.cstar {
			gr.cstar, gr.src, gr.scale = cost, si, a
		}
	}
	owner := make([]int32, c.np) // the group sizing the pool, -1 none
	for p := range owner {
		owner[p] = -1
	}
	// In billing order (reserved instances before savings plans), each
	// group whose pools are all still free claims them; the others stay
	// priced. Any such choice gives a valid bound.
	for gid, gr := range groups {
		k := c.srcs[gr.first].offering
		for i := c.covStart[k]; i < c.covStart[k+1]; i++ {
			if p := c.covPool[i]; owner[p] != -1 || !math.IsInf(cstar[p], 1) {
				gr.ok = false
				break
			}
		}
		if gr.ok {
			for i := c.covStart[k]; i < c.covStart[k+1]; i++ {
				owner[c.covPool[i]] = int32(gid)
			}
		}
	}
	for si, gid := range inGroup {
		if gid >= 0 && groups[gid].ok {
			exact[si] = true
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
				if owner[p] >= 0 {
					continue // in its group's cost
				}
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
	// The groups, one per worker at a time.
	gcost := make([]float64, len(groups))
	next := make(chan int, len(groups))
	for i, gr := range groups {
		if gr.ok {
			next <- i
		}
	}
	close(next)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []shareEvent // reused from group to group
			for i := range next {
				gr := groups[i]
				var at float64
				gcost[i], at, buf = c.sizeShared(c.srcs[gr.first].offering, gr.cstar, wpi, buf[:0])
				xr[c.srcs[gr.src].offering] = at * gr.scale
			}
		}()
	}
	wg.Wait()
	for _, v := range pools {
		bound += v
	}
	for _, v := range gcost {
		bound += v
	}
	return bound, xr
}

// sizeShared is the least cost, and the capacity at which it is reached,
// of the pools that offering k's group covers when the group's capacity X
// costs cstar a unit and a unit of pool p's usage not covered costs
// wpi[p·classes+cl] in class cl (weight included): in each class the
// capacity covers the pools with the most of that cost per unit of
// capacity (w·π_p / rate_p) first, so the cost is convex and piecewise
// linear in X, with breaks where a pool of some class is covered, and
// least at one of them. events is scratch space, returned for reuse.
func (c *compiled) sizeShared(k int, cstar float64, wpi []float64, events []shareEvent) (float64, float64, []shareEvent) {
	nc := len(c.weight)
	type piece struct{ dens, capacity float64 }
	var base float64 // the cost at X = 0
	pieces := make([]piece, 0, c.covStart[k+1]-c.covStart[k])
	for cl := range nc {
		pieces = pieces[:0]
		for i := c.covStart[k]; i < c.covStart[k+1]; i++ {
			p, r := int(c.covPool[i]), c.covRate[i]
			u, wp := c.u[cl*c.np+p], wpi[p*nc+cl]
			base += wp * u
			if u > 0 && wp > 0 {
				pieces = append(pieces, piece{wp / r, u * r})
			}
		}
		slices.SortFunc(pieces, func(a, b piece) int { return cmp.Compare(b.dens, a.dens) })
		var x float64
		for _, q := range pieces {
			events = append(events, shareEvent{x, -q.dens}, shareEvent{x + q.capacity, q.dens})
			x += q.capacity
		}
	}
	slices.SortFunc(events, func(a, b shareEvent) int { return cmp.Compare(a.x, b.x) })
	cost, slope, prev := base, cstar, 0.0
	best, at := base, 0.0
	for _, e := range events {
		cost += slope * (e.x - prev)
		prev = e.x
		if cost < best {
			best, at = cost, e.x
		}
		slope += e.dslope
	}
	return best, at, events
}

// shareEvent is a break of a shared group's cost (sizeShared): at capacity
// x its slope changes by dslope.
type shareEvent struct{ x, dslope float64 }

// sizable reports whether source si can be sized exactly in the
// Lagrangian bound: a purchase, free of bounds, active in every segment.
func (c *compiled) sizable(si int, b bounds) bool {
	s := c.srcs[si]
	if s.owned >= 0 {
		return false
	}
	if lo, hi := b.get(s.offering); lo != 0 || !math.IsInf(hi, 1) {
		return false
	}
	for g := range c.active {
		if !c.active[g][si] {
			return false
		}
	}
	return true
}
