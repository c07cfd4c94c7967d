package solver

import (
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
)

// fillWork is the scratch space of one fill; one per goroutine.
type fillWork struct {
	caps   []float64 // per source: capacity in the class's segment (sweep)
	od     float64   // the class's on-demand cost of one hour (sweep)
	resid  []float64 // per pool: usage not yet covered
	v      []float64 // per pool: value of one unit less residual (backward pass)
	take   []float64 // per cover entry of each source, flattened by source (compiled.span)
	stop   []int     // per source: first cover entry not processed
	marg   []int     // per source: marginal cover entry, -1 when capacity is left or nothing remains
	left   []float64 // per source: capacity left
	lambda []float64 // per source: marginal value of one more unit of capacity, USD per hour
	// With wantReach[s] set, fill sets reach[s] to the capacity source s
	// could use in the hour: Σ over its covers of the usage still
	// uncovered when its turn comes × rate.
	wantReach []bool
	reach     []float64
	// With compiled.dualCuts, fill sets dual to the value of a feasible
	// solution of the dual of the hour's allocation LP (see fill); pi is
	// its scratch space.
	dual   float64
	pi     []float64
	dualMu []float64 // per source: its μ in that solution (λ where it has capacity)
	// groupMu[g] is the least μ of a source without capacity whose
	// offering has covers g (compiled.covGroup), valid when groupAt[g] is
	// the stamp of the current dualValue call: offerings of one group share
	// it, so it is computed once per group and class.
	groupMu []float64
	groupAt []int
	stamp   int
}

func (c *compiled) newWork() *fillWork {
	w := &fillWork{
		caps:   make([]float64, len(c.srcs)),
		resid:  make([]float64, c.np),
		v:      make([]float64, c.np),
		stop:   make([]int, len(c.srcs)),
		marg:   make([]int, len(c.srcs)),
		left:   make([]float64, len(c.srcs)),
		lambda: make([]float64, len(c.srcs)),
		take:   make([]float64, c.takeLen),
	}
	if c.dualCuts {
		w.pi = make([]float64, c.np)
		w.dualMu = make([]float64, len(c.srcs))
		w.groupMu = make([]float64, c.covGroups)
		w.groupAt = make([]int, c.covGroups)
	}
	return w
}

// fill applies the sources to one class of hours by the billing rule of
// Simulate and returns the on-demand cost of one such hour. caps holds each
// source's capacity (zero where inactive). With grad it also sets
// w.lambda[s], the reduction of that hour's on-demand cost per extra unit of
// source s's capacity: the subgradient of the hour's cost that Benders cuts
// are built from.
//
// The marginal values come from a backward pass. v[p] is the value of one
// unit less residual usage in pool p at a point of the fill: after the last
// source it is the on-demand rate if usage is left, else 0. A source that
// used up its capacity would give one more unit to its marginal pool m (the
// one it covered in part, or the next one in its order with usage left),
// so λ = v[m] / rate(m). Going backward over a source that took the last of
// a pool's usage, one unit less usage there would free `rate` of its
// capacity, so v[p] = rate · λ.
//
// Only the sources active in the class's segment are filled: an inactive
// one has no capacity, takes nothing and changes no value, and what fill
// leaves for it in w (left, lambda, reach) is stale — callers read those
// of active sources only.
func (c *compiled) fill(cl int, caps []float64, w *fillWork, grad bool) float64 {
	copy(w.resid, c.classUsage(cl))
	active := c.segSrc[c.classSeg[cl]]
	for _, si := range active {
		sp := c.span[si]
		b, e := sp.b, sp.e
		take := w.take[sp.base : sp.base+e-b]
		left := caps[si]
		if w.wantReach != nil && w.wantReach[si] {
			var r float64
			for i := b; i < e; i++ {
				r += w.resid[c.covPool[i]] * c.covRate[i]
			}
			w.reach[si] = r
		}
		i := b
		for ; i < e && left > 0; i++ {
			p := c.covPool[i]
			r := w.resid[p]
			if r <= 0 {
				take[i-b] = 0
				continue
			}
			rate := c.covRate[i]
			if need := r * rate; need <= left {
				take[i-b] = r
				w.resid[p] = 0
				left -= need
			} else {
				t := left / rate
				take[i-b] = t
				w.resid[p] = r - t
				left = 0
			}
		}
		w.stop[si] = i
		w.left[si] = left
		if !grad {
			continue
		}
		w.marg[si] = -1
		if left > 0 {
			continue
		}
		if i > b && w.resid[c.covPool[i-1]] > 0 {
			w.marg[si] = i - 1
			continue
		}
		for ; i < e; i++ {
			if w.resid[c.covPool[i]] > 0 {
				w.marg[si] = i
				break
			}
		}
	}
	var od float64
	for p, r := range w.resid {
		if r > 0 {
			od += r * c.d[p]
		}
	}
	if !grad {
		return od
	}
	for p, r := range w.resid {
		if r > 0 {
			w.v[p] = c.d[p]
		} else {
			w.v[p] = 0
		}
	}
	for j := len(active) - 1; j >= 0; j-- {
		si := active[j]
		sp := c.span[si]
		b := sp.b
		lam := 0.0
		if m := w.marg[si]; m >= 0 {
			lam = w.v[c.covPool[m]] / c.covRate[m]
		}
		w.lambda[si] = lam
		take := w.take[sp.base:]
		for i := b; i < w.stop[si]; i++ {
			t := take[i-b]
			if t <= 0 {
				continue
			}
			p := c.covPool[i]
			if w.resid[p] <= 0 {
				w.v[p] = c.covRate[i] * lam
			}
			w.resid[p] += t
		}
	}
	if c.dualCuts {
		w.dual = c.dualValue(cl, caps, w)
	}
	return od
}

// dualValue bounds the hour's on-demand cost from below whatever the
// allocation. The cheapest allocation of one hour is the LP
//
//	minimize Σ_p d_p·y_p  subject to  y_p + Σ_s a_sp ≥ u_p,  Σ_p r_sp·a_sp ≤ cap_s,  a, y ≥ 0
//
// whose dual is: maximize Σ_p π_p·u_p − Σ_s μ_s·cap_s subject to
// 0 ≤ π_p ≤ d_p and π_p ≤ μ_s·r_sp. Taking μ_s = λ_s from the fill's
// backward pass and each π_p as large as that allows gives a feasible dual
// solution (a source without capacity takes instead the least μ its
// constraints allow, w.dualMu), so its value is at most the cheapest
// allocation's cost (weak duality), which is at most the billing rule's, for
// every capacity: the cut Σ_p π_p·u_p − Σ_s μ_s·cap_s(x) is linear in x and
// valid everywhere, even where the billing rule allocates worse than the LP
// (misallocation). Where it allocates optimally the fill's λ are optimal
// duals and the value equals the fill's cost.
func (c *compiled) dualValue(cl int, caps []float64, w *fillWork) float64 {
	pi := w.pi
	copy(pi, c.d)
	active := c.segSrc[c.classSeg[cl]]
	var v float64
	for _, si := range active {
		if caps[si] <= 0 {
			continue
		}
		lam := w.lambda[si]
		w.dualMu[si] = lam
		v -= lam * caps[si]
		c.lowerPrices(pi, c.srcs[si].offering, lam)
	}
	// A source without capacity costs nothing in the dual whatever its μ:
	// take the least μ that keeps its constraints, max_p π_p / r_sp — the
	// same for every offering with the same covers (the plan's later
	// tranches are one offering at many dates), so once per group.
	w.stamp++
	for _, si := range active {
		if caps[si] > 0 {
			continue
		}
		k := c.srcs[si].offering
		g := c.covGroup[k]
		if w.groupAt[g] != w.stamp {
			var mu float64
			for i := c.covStart[k]; i < c.covStart[k+1]; i++ {
				mu = max(mu, pi[c.covPool[i]]/c.covRate[i])
			}
			w.groupMu[g], w.groupAt[g] = mu, w.stamp
		}
		w.dualMu[si] = w.groupMu[g]
	}
	for p, u := range c.classUsage(cl) {
		v += pi[p] * u
	}
	return v
}

// lowerPrices lowers each price pi[p] of a pool offering k covers to what
// the offering's capacity, at mu per unit, charges for a unit of its usage.
func (c *compiled) lowerPrices(pi []float64, k int, mu float64) {
	for i := c.covStart[k]; i < c.covStart[k+1]; i++ {
		if q := mu * c.covRate[i]; q < pi[c.covPool[i]] {
			pi[c.covPool[i]] = q
		}
	}
}

// sweepTaken, when set (by a test), is called by a sweep's worker right
// after it takes shard sh.
var sweepTaken func(sh int)

// maxShards is the most runs of classes a sweep cuts the classes into.
const maxShards = 16

// sweepShards is the number of runs of classes a sweep cuts the classes
// into. It depends on the classes only, never on the cores, so that sums
// folded shard by shard in shard order (sweep's fold) are the same bits
// whatever the number of cores.
func (c *compiled) sweepShards() int {
	return max(1, min(maxShards, len(c.weight)/64+1))
}

// sweepWorkers is the number of goroutines a sweep should share the shards
// among: no more than the cores or the shards. A caller that keeps
// per-worker partials sizes them by it and passes the same count to sweep,
// so that a change of GOMAXPROCS between the two cannot index past them.
func (c *compiled) sweepWorkers() int {
	return max(1, min(runtime.GOMAXPROCS(0), c.sweepShards()))
}

// sweep fills every class for purchase x, with subgradients when grad, and
// calls visit after each fill with the worker, the fill's state (w.caps
// holds the capacities), the class and its segment. The classes are cut
// into sweepShards contiguous runs, handed out in order to workers
// goroutines (numbered 0 to workers-1; at least one), each with its own
// state, made by newWork and then prep when set; visit must only write
// what belongs to its class or to its worker.
// When fold is set it is called after each shard with the worker that
// filled it, one call at a time and in shard order: a caller that sums
// into per-worker partials adds the partial to its total there and clears
// it, so that the total does not depend on the number of workers.
func (c *compiled) sweep(workers int, x []float64, grad bool, prep func(wi int, w *fillWork), visit func(wi int, w *fillWork, cl, seg int), fold func(wi int)) {
	nc := len(c.weight)
	shards := c.sweepShards()
	workers = max(1, workers)
	var (
		next atomic.Int64 // the next shard to hand out
		mu   sync.Mutex
		turn int // the next shard to fold
		cond = sync.NewCond(&mu)
		wg   sync.WaitGroup
	)
	for wi := range workers {
		wg.Go(func() {
			w := c.newWork()
			if prep != nil {
				prep(wi, w)
			}
			for {
				// Cancelled: take no more shards. The check comes before
				// the taking, never between it and the filling: a shard
				// taken is filled and folded, or the folds after it would
				// wait for its turn for ever.
				if c.ctx != nil && c.ctx.Err() != nil {
					return
				}
				sh := int(next.Add(1) - 1)
				if sh >= shards {
					return
				}
				if sweepTaken != nil {
					sweepTaken(sh)
				}
				seg := -1
				for cl := sh * nc / shards; cl < (sh+1)*nc/shards; cl++ {
					if c.classSeg[cl] != seg {
						seg = c.classSeg[cl]
						c.caps(seg, x, w.caps)
					}
					w.od = c.fill(cl, w.caps, w, grad)
					visit(wi, w, cl, seg)
				}
				if fold == nil {
					continue
				}
				// Shards are handed out in order and each worker holds
				// one, so the ones before sh are all being filled or
				// folded: the wait is short and cannot deadlock.
				mu.Lock()
				for turn != sh {
					cond.Wait()
				}
				mu.Unlock()
				fold(wi)
				mu.Lock()
				turn++
				cond.Broadcast()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// caps returns the capacity of every source in segment g, given purchase
// quantities x (one per offering).
func (c *compiled) caps(g int, x []float64, out []float64) {
	for si, s := range c.srcs {
		switch {
		case !c.active[g][si]:
			out[si] = 0
		case s.owned >= 0:
			out[si] = s.qty
		default:
			out[si] = x[s.offering]
		}
	}
}

// evaluation is the optimizer's view of a purchase: the on-demand cost per
// group of classes and its subgradient, and the use of each purchase.
type evaluation struct {
	onDemand float64   // USD over the horizon
	groupOD  []float64 // per group
	// groupDual, with compiled.dualCuts, is per group a lower bound on the
	// cheapest allocation's on-demand cost (compiled.dualValue); the cut
	// groupDual + dualGrad·(x' − x) bounds it at every x'.
	groupDual []float64
	dualGrad  [][]float64 // per group, per offering: the dual cut's slope
	grad      [][]float64 // per group, per offering: d(on-demand)/d(x_k), USD per unit
	used      []float64   // per offering: capacity of the purchase used, unit-hours
	// Per scenario: the on-demand cost and the capacity of each purchase
	// used, weighted by the scenario's probability like the totals (divide
	// by it for the scenario's own figures).
	blockOD   []float64
	blockUsed [][]float64
}

// evaluate fills every class for purchase x, in parallel. Classes are split
// into groups, per groups per set of active purchases (groupOf); with grad
// it returns a subgradient per group.
func (c *compiled) evaluate(x []float64, groups int, grad bool) *evaluation {
	gof, groups := c.groupOf(groups)
	nk := len(c.p.Offerings)
	nb := len(c.blocks)
	dual := grad && c.dualCuts // read once: the loops below are the hot path
	type part struct {
		od    []float64
		dual  []float64
		dgrad [][]float64
		grad  [][]float64
		used  []float64
		bod   []float64
		bused [][]float64
		hit   []bool // per group: a class of it was filled since the last fold
	}
	workers := c.sweepWorkers()
	parts := make([]part, workers)
	prep := func(wi int, _ *fillWork) {
		pt := part{od: make([]float64, groups), dual: make([]float64, groups), hit: make([]bool, groups), used: make([]float64, nk), bod: make([]float64, nb), bused: make([][]float64, nb)}
		for b := range pt.bused {
			pt.bused[b] = make([]float64, nk)
		}
		if grad {
			pt.grad = make([][]float64, groups)
			for g := range pt.grad {
				pt.grad[g] = make([]float64, nk)
			}
			if dual {
				pt.dgrad = make([][]float64, groups)
				for g := range pt.dgrad {
					pt.dgrad[g] = make([]float64, nk)
				}
			}
		}
		parts[wi] = pt
	}
	ev := &evaluation{groupOD: make([]float64, groups), groupDual: make([]float64, groups), used: make([]float64, nk), blockOD: make([]float64, nb), blockUsed: make([][]float64, nb)}
	for b := range ev.blockUsed {
		ev.blockUsed[b] = make([]float64, nk)
	}
	if grad {
		ev.grad = make([][]float64, groups)
		for g := range ev.grad {
			ev.grad[g] = make([]float64, nk)
		}
		if dual {
			ev.dualGrad = make([][]float64, groups)
			for g := range ev.dualGrad {
				ev.dualGrad[g] = make([]float64, nk)
			}
		}
	}
	// Each shard's sums are added to the totals in shard order and the
	// worker's partial cleared for its next shard.
	fold := func(wi int) {
		pt := &parts[wi]
		for g, hit := range pt.hit {
			if !hit {
				continue // nothing to add: a group's classes lie in few shards
			}
			pt.hit[g] = false
			ev.groupOD[g] += pt.od[g]
			ev.groupDual[g] += pt.dual[g]
			ev.onDemand += pt.od[g]
			if grad {
				for k, v := range pt.grad[g] {
					ev.grad[g][k] += v
				}
				clear(pt.grad[g])
				if pt.dgrad != nil {
					for k, v := range pt.dgrad[g] {
						ev.dualGrad[g][k] += v
					}
					clear(pt.dgrad[g])
				}
			}
		}
		clear(pt.od)
		clear(pt.dual)
		for k, v := range pt.used {
			ev.used[k] += v
		}
		clear(pt.used)
		for b := range pt.bod {
			ev.blockOD[b] += pt.bod[b]
			for k, v := range pt.bused[b] {
				ev.blockUsed[b][k] += v
			}
			clear(pt.bused[b])
		}
		clear(pt.bod)
	}
	c.sweep(workers, x, grad, prep, func(wi int, w *fillWork, cl, seg int) {
		pt := &parts[wi]
		g := gof[cl]
		pt.hit[g] = true
		wt := c.weight[cl]
		b := c.segBlock[seg]
		od := wt * w.od
		pt.od[g] += od
		pt.bod[b] += od
		if dual {
			pt.dual[g] += wt * w.dual
		}
		bused := pt.bused[b]
		for _, si := range c.segBuy[seg] {
			k := c.srcs[si].offering
			// Most purchases the decomposition tries are not bought: no
			// capacity, no use, and nothing to add (adding 0 would change
			// no total).
			if u := wt * (w.caps[si] - w.left[si]); u != 0 {
				pt.used[k] += u
				bused[k] += u
			}
			if grad {
				pt.grad[g][k] -= wt * w.lambda[si]
				if dual {
					pt.dgrad[g][k] -= wt * w.dualMu[si]
				}
			}
		}
	}, fold)
	return ev
}

// purchaseCost is what purchase x costs inside the horizon, USD.
func (c *compiled) purchaseCost(x []float64) float64 {
	var f float64
	for k, si := range c.cands {
		if si >= 0 && x[k] > 0 {
			f += x[k] * c.p.Offerings[k].HourlyCost() * c.activeHours(si)
		}
	}
	return f
}

// groupOf assigns each class to one of n groups of similar hours per set
// of active purchases, and returns the assignment and the number of groups
// (n times the number of distinct sets of active purchases, at most the
// number of classes). Inside a set, classes are ranked by the on-demand
// value of their usage and cut into n groups of about equal weight. Any
// partition gives valid Benders cuts; grouping alike hours makes each
// group's cut describe its hours more closely, so fewer iterations are
// needed, and keeping hours with different purchases apart (purchase
// windows) gives each purchase cuts from its own hours only. With
// scenarios, the sets are per scenario too, and never merged across
// scenarios: every group lies in one scenario (groupBlocks), so that the
// master can tell each scenario's cost. The partition is cached per n.
func (c *compiled) groupOf(n int) ([]int, int) {
	g := c.grouping(n)
	return g.of, g.n
}

// groupBlocks returns the scenario of each of groupOf(n)'s groups.
func (c *compiled) groupBlocks(n int) []int { return c.grouping(n).block }

func (c *compiled) grouping(n int) grouping {
	c.groupMu.Lock()
	defer c.groupMu.Unlock()
	if g, ok := c.groups[n]; ok {
		return g
	}
	req := n
	nc := len(c.weight)
	n = max(1, min(n, nc))
	setOf := slices.Clone(c.purchaseSet)
	nsets := c.purchaseSets
	nb := len(c.blocks)
	if nb > 1 {
		// Sets per scenario: number the (scenario, purchase set) pairs.
		ids := map[[2]int]int{}
		for g := range setOf {
			key := [2]int{c.segBlock[g], c.purchaseSet[g]}
			id, ok := ids[key]
			if !ok {
				id = len(ids)
				ids[key] = id
			}
			setOf[g] = id
		}
		nsets = len(ids)
		if n*nsets > nc {
			// Too few classes to keep the purchase sets apart: keep the
			// scenarios apart only.
			for g := range setOf {
				setOf[g] = c.segBlock[g]
			}
			nsets = nb
			n = max(1, min(n, nc/nb))
		}
	} else if n*nsets > nc {
		nsets = 1 // too few classes to keep the sets apart
		clear(setOf)
	}
	val := make([]float64, nc)
	idx := make([]int, nc)
	total := make([]float64, nsets)
	setBlock := make([]int, nsets)
	for cl := range val {
		for i, q := range c.classUsage(cl) {
			val[cl] += q * c.d[i]
		}
		idx[cl] = cl
		set := setOf[c.classSeg[cl]]
		total[set] += c.weight[cl]
		setBlock[set] = c.classBlock(cl)
	}
	sort.SliceStable(idx, func(a, b int) bool { return val[idx[a]] < val[idx[b]] })
	g := make([]int, nc)
	acc := make([]float64, nsets)
	for _, cl := range idx {
		set := setOf[c.classSeg[cl]]
		g[cl] = set*n + min(n-1, int(acc[set]*float64(n)/total[set]))
		acc[set] += c.weight[cl]
	}
	blocks := make([]int, n*nsets)
	for gi := range blocks {
		blocks[gi] = setBlock[gi/n]
	}
	if c.groups == nil {
		c.groups = map[int]grouping{}
	}
	out := grouping{of: g, n: n * nsets, block: blocks}
	c.groups[req] = out
	return out
}
