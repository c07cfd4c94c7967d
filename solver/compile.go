package solver

import (
	"context"
	"encoding/binary"
	"hash/maphash"
	"math"
	"slices"
	"sort"
	"sync"
)

// srcSpan locates a source's covers, entries covStart[offering] ..
// covStart[offering+1] (b .. e), and the first of its e − b entries in a
// fill's scratch space fillWork.take (base).
type srcSpan struct{ b, e, base int }

// source is one block of capacity in the billing fill: an owned commitment
// (fixed quantity) or the purchase of an offering (the decision variable).
type source struct {
	offering int
	owned    int     // index in Problem.Owned, or -1 for a purchase
	qty      float64 // owned quantity; unused for purchases
	start    int     // active hours [start, end) of each scenario's block, clipped to [0, span]
	end      int
}

// compiled is the problem in the form the optimizer works on: sources in
// billing order, covers in discount order, and the hours compressed exactly
// into classes of identical usage vectors inside segments where the set of
// active sources does not change.
type compiled struct {
	p *Problem
	// ctx is the solve's (compile's argument; nil in some tests): a sweep
	// stops handing out shards of classes once it is done, so that a
	// cancel is seen within a shard rather than a whole pass over the
	// hours. What such a sweep returns is partial; Solve returns the
	// cancellation instead of any answer.
	ctx   context.Context
	np    int       // pools
	d     []float64 // on-demand rate per pool
	srcs  []source  // in billing order
	cands []int     // source index of the purchase of each offering, -1 when not allowed
	// Covers of each offering in discount order, flattened: offering k's
	// entries are covStart[k] .. covStart[k+1].
	covStart []int
	covPool  []int32
	covRate  []float64
	// covGroup numbers the offerings by their covers: offerings with the
	// same pools at the same rates in the same order (one offering at
	// several purchase dates: a plan's later tranches, a backtest's
	// hindsight) share a number, 0 .. covGroups-1.
	covGroup  []int32
	covGroups int
	span      []srcSpan // per source: its covers and its entries in fillWork.take
	takeLen   int       // the length of fillWork.take

	segStart []int    // segment boundaries: segment g is hours [segStart[g], segStart[g+1])
	active   [][]bool // active[g][s]: source s is active in segment g
	segSrc   [][]int  // segSrc[g]: the sources active in segment g, in billing order
	segBuy   [][]int  // segBuy[g]: those of them that are purchases
	// Scenarios: the blocks of hours (one without Problem.Scenarios), the
	// block of each segment, and each source's active hours in each block.
	blocks   []block
	segBlock []int
	srcHours [][]float64 // per source, per block
	hours    []float64   // per source: expected active hours, Σ_b prob_b·srcHours
	// pctBlock is the scenario in which the utilization floor must also
	// hold (Policy.UtilizationFloorPercentile), -1 when none (or when there
	// is one scenario: the floor in expectation is the floor in it).
	pctBlock int
	// purchaseSet numbers the distinct sets of active purchases (ignoring
	// owned commitments), per segment: 0 .. purchaseSets-1. Without
	// purchase windows there is one set.
	purchaseSet  []int
	purchaseSets int

	weight   []float64 // hours each class stands for, times its scenario's probability
	classSeg []int     // segment of each class
	u        []float64 // class-major usage: class c is u[c*np : (c+1)*np]

	stats Compression
	// dualCuts makes fill compute compiled.dualValue as well (solveBenders
	// sets it before any fill when the billing fill's own cuts would not
	// be valid).
	dualCuts bool

	groupMu sync.Mutex
	groups  map[int]grouping // groupOf's partitions, by groups per set

	baseOnce sync.Once
	base     []float64 // per block: on-demand cost buying nothing new (baseCost)
}

// grouping is a partition of the classes into n groups (groupOf), and the
// block of each group.
type grouping struct {
	of    []int
	n     int
	block []int
}

// Compression reports how much exact compression reduced the problem.
type Compression struct {
	// Hours and Classes are the hours of the horizon and the classes of
	// identical hours they were merged into.
	Hours, Classes int
	// Segments is the number of stretches of hours with the same set of
	// active commitments; hours merge only inside a segment.
	Segments int
	// Components is the number of groups of pools that no offering links
	// and that were solved apart (1 when solved together).
	Components int
	// SampleWeeks is Options.SampleWeeks when the hours were sampled (an
	// approximation), 0 when every hour counted.
	SampleWeeks int
}

// Ratio is Hours / Classes.
func (c Compression) Ratio() float64 {
	if c.Classes == 0 {
		return 0
	}
	return float64(c.Hours) / float64(c.Classes)
}

func excluded(pol *Policy) map[int]bool {
	m := make(map[int]bool, len(pol.Exclude))
	for _, k := range pol.Exclude {
		m[k] = true
	}
	return m
}

// hoursPerWeek is the unit Options.SampleWeeks samples.
const hoursPerWeek = 168

// compile builds the compiled form. The problem must be valid. With merge
// false every hour is its own class. With sample > 1 only one week in
// sample of each scenario's hours is kept (the middle one of each run of
// sample weeks), each kept hour standing for its segment's hours / the
// segment's kept hours: an approximation, which Solve measures on the full
// data (Options.SampleWeeks). A segment with no kept hour keeps all.
func compile(ctx context.Context, p *Problem, merge bool, sample int) *compiled {
	c := &compiled{ctx: ctx, p: p, np: len(p.Pools), d: make([]float64, len(p.Pools))}
	for i := range p.Pools {
		c.d[i] = p.Pools[i].OnDemandRate
	}
	// Sources: owned first, then one purchase per allowed offering; then
	// the billing order of Simulate.
	excl := excluded(&p.Policy)
	for k := range dominated(p, excl) {
		excl[k] = true
	}
	holdings := ownedHoldings(p)
	var srcs []source
	for i, h := range holdings {
		srcs = append(srcs, source{offering: h.Offering, owned: i, qty: h.Quantity, start: h.Start, end: h.End})
	}
	span := p.span()
	for k := range p.Offerings {
		if excl[k] {
			continue
		}
		start, end := p.Offerings[k].Window(span)
		holdings = append(holdings, Holding{Offering: k, Start: start, End: end})
		srcs = append(srcs, source{offering: k, owned: -1, start: start, end: end})
	}
	order := billingOrder(p, holdings)
	c.srcs = make([]source, len(order))
	c.cands = make([]int, len(p.Offerings))
	for k := range c.cands {
		c.cands[k] = -1
	}
	for i, j := range order {
		s := srcs[j]
		s.start = max(0, min(s.start, span))
		s.end = max(0, min(s.end, span))
		c.srcs[i] = s
		if s.owned < 0 {
			c.cands[s.offering] = i
		}
	}
	c.covStart = make([]int, len(p.Offerings)+1)
	for k := range p.Offerings {
		for _, cv := range discountOrder(p, k) {
			c.covPool = append(c.covPool, int32(cv.Pool))
			c.covRate = append(c.covRate, cv.Rate)
		}
		c.covStart[k+1] = len(c.covPool)
	}
	c.covGroup = make([]int32, len(p.Offerings))
	groups := map[string]int32{}
	var ckey []byte
	for k := range p.Offerings {
		ckey = ckey[:0]
		for i := c.covStart[k]; i < c.covStart[k+1]; i++ {
			ckey = binary.LittleEndian.AppendUint32(ckey, uint32(c.covPool[i]))
			ckey = binary.LittleEndian.AppendUint64(ckey, math.Float64bits(c.covRate[i]))
		}
		g, ok := groups[string(ckey)]
		if !ok {
			g = int32(len(groups))
			groups[string(ckey)] = g
		}
		c.covGroup[k] = g
	}
	c.covGroups = len(groups)
	// Each source's covers and its place in a fill's scratch space, side
	// by side: the fill reads them for every source of every class.
	c.span = make([]srcSpan, len(c.srcs))
	base := 0
	for si, s := range c.srcs {
		b, e := c.covStart[s.offering], c.covStart[s.offering+1]
		c.span[si] = srcSpan{b: b, e: e, base: base}
		base += e - b
	}
	c.takeLen = base

	// Segments: split the horizon wherever a source starts or ends (owned
	// commitments and purchase windows alike), in each scenario's block,
	// and where a block starts, so that the set of active sources is
	// constant inside a segment, a segment lies in one scenario, and
	// merging stays exact.
	c.blocks = p.blocks()
	cuts := []int{0, p.Hours}
	for _, bl := range c.blocks {
		cuts = append(cuts, bl.start)
		for _, s := range c.srcs {
			cuts = append(cuts, bl.start+min(s.start, bl.hours), bl.start+min(s.end, bl.hours))
		}
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	c.segStart = cuts
	nseg := len(cuts) - 1
	c.active = make([][]bool, nseg)
	c.segSrc = make([][]int, nseg)
	c.segBuy = make([][]int, nseg)
	c.segBlock = make([]int, nseg)
	b := 0
	for g := 0; g < nseg; g++ {
		for b+1 < len(c.blocks) && c.blocks[b+1].start <= cuts[g] {
			b++
		}
		c.segBlock[g] = b
		rel := cuts[g] - c.blocks[b].start
		c.active[g] = make([]bool, len(c.srcs))
		for si, s := range c.srcs {
			c.active[g][si] = s.start <= rel && rel < s.end
			if !c.active[g][si] {
				continue
			}
			c.segSrc[g] = append(c.segSrc[g], si)
			if s.owned < 0 {
				c.segBuy[g] = append(c.segBuy[g], si)
			}
		}
	}
	c.srcHours = make([][]float64, len(c.srcs))
	c.hours = make([]float64, len(c.srcs))
	for si, s := range c.srcs {
		c.srcHours[si] = make([]float64, len(c.blocks))
		for bi, bl := range c.blocks {
			h := float64(max(0, min(s.end, bl.hours)-s.start))
			c.srcHours[si][bi] = h
			c.hours[si] += bl.prob * h
		}
	}
	c.pctBlock = -1
	if p.Policy.percentileFloor() && len(c.blocks) > 1 {
		c.pctBlock = percentileBlock(p, c.blocks, p.Policy.UtilizationFloorPercentile)
	}
	c.purchaseSet = make([]int, nseg)
	sets := map[string]int{}
	key := make([]byte, len(c.srcs))
	for g := range c.purchaseSet {
		for si, s := range c.srcs {
			key[si] = 0
			if s.owned < 0 && c.active[g][si] {
				key[si] = 1
			}
		}
		id, ok := sets[string(key)]
		if !ok {
			id = len(sets)
			sets[string(key)] = id
		}
		c.purchaseSet[g] = id
	}
	c.purchaseSets = len(sets)

	// Classes: identical usage vectors inside a segment. A first pass
	// finds the classes and an hour of each; the usage matrix is then
	// allocated once (growing it class by class copied it over and over:
	// 1.5 s of 1.6 s at 1,000 pools × 8,760 distinct hours).
	seed := maphash.MakeSeed()
	buf := make([]byte, 8*c.np)
	var first []int // an hour of each class
	same := func(a, b int) bool {
		for i := range p.Pools {
			if p.Pools[i].Usage[a] != p.Pools[i].Usage[b] {
				return false
			}
		}
		return true
	}
	for g := 0; g < nseg; g++ {
		index := make(map[uint64][]int)
		start := c.blocks[c.segBlock[g]].start
		kept := func(t int) bool { return sample <= 1 || ((t-start)/hoursPerWeek)%sample == sample/2 }
		n := 0
		for t := cuts[g]; t < cuts[g+1]; t++ {
			if kept(t) {
				n++
			}
		}
		factor := 1.0
		if n == 0 {
			kept = func(int) bool { return true }
		} else {
			factor = float64(cuts[g+1]-cuts[g]) / float64(n)
		}
		for t := cuts[g]; t < cuts[g+1]; t++ {
			if !kept(t) {
				continue
			}
			h := uint64(t)
			if merge {
				for i := range p.Pools {
					b := math.Float64bits(p.Pools[i].Usage[t])
					for j := 0; j < 8; j++ {
						buf[8*i+j] = byte(b >> (8 * j))
					}
				}
				h = maphash.Bytes(seed, buf)
			}
			found := -1
			for _, cl := range index[h] {
				if same(first[cl], t) {
					found = cl
					break
				}
			}
			if found < 0 {
				found = len(c.weight)
				c.weight = append(c.weight, 0)
				c.classSeg = append(c.classSeg, g)
				first = append(first, t)
				index[h] = append(index[h], found)
			}
			c.weight[found] += factor
		}
	}
	c.u = make([]float64, len(first)*c.np)
	for cl, t := range first {
		u := c.u[cl*c.np : (cl+1)*c.np]
		for i := range p.Pools {
			u[i] = p.Pools[i].Usage[t]
		}
	}
	if len(p.Scenarios) > 0 {
		for cl := range c.weight {
			c.weight[cl] *= c.blocks[c.segBlock[c.classSeg[cl]]].prob
		}
	}
	c.stats = Compression{Hours: p.Hours, Classes: len(c.weight), Segments: nseg, Components: 1}
	if sample > 1 {
		c.stats.SampleWeeks = sample
	}
	return c
}

// classUsage returns the usage vector of class cl.
func (c *compiled) classUsage(cl int) []float64 { return c.u[cl*c.np : (cl+1)*c.np] }

// activeHours is the number of horizon hours source s is active (the
// expectation over the scenarios).
func (c *compiled) activeHours(s int) float64 { return c.hours[s] }

// classBlock is the scenario of class cl.
func (c *compiled) classBlock(cl int) int { return c.segBlock[c.classSeg[cl]] }

// ownedFeesIn is what the owned commitments cost in scenario b, USD.
func (c *compiled) ownedFeesIn(b int) float64 {
	var f float64
	for si, s := range c.srcs {
		if s.owned >= 0 {
			f += s.qty * c.p.Offerings[s.offering].HourlyCost() * c.srcHours[si][b]
		}
	}
	return f
}

// feesIn is what purchase x costs in scenario b, USD.
func (c *compiled) feesIn(x []float64, b int) float64 {
	var f float64
	for k, si := range c.cands {
		if si >= 0 && x[k] > 0 {
			f += x[k] * c.p.Offerings[k].HourlyCost() * c.srcHours[si][b]
		}
	}
	return f
}

// baseCost returns, per scenario, the on-demand cost buying nothing new
// (the owned commitments only, billed by the fill), USD over the
// scenario's hours: with ownedFeesIn, the scenario's cost C⁰ that regret
// is measured from.
func (c *compiled) baseCost() []float64 {
	c.baseOnce.Do(func() {
		ev := c.evaluate(make([]float64, len(c.p.Offerings)), 1, false)
		c.base = make([]float64, len(c.blocks))
		for b, bl := range c.blocks {
			c.base[b] = ev.blockOD[b] / bl.prob
		}
	})
	return c.base
}

// usageValueIn is the on-demand value of the usage in scenario b, USD.
func (c *compiled) usageValueIn(b int) float64 {
	var v float64
	for cl, w := range c.weight {
		if c.classBlock(cl) != b {
			continue
		}
		for i, q := range c.classUsage(cl) {
			v += w * q * c.d[i]
		}
	}
	return v / c.blocks[b].prob
}

// percentileBlock is the scenario at percentile pct of total usage: the
// scenarios ranked by the on-demand value of their usage, lowest first
// (ties by index), the first at which the cumulative probability reaches
// pct.
func percentileBlock(p *Problem, blocks []block, pct float64) int {
	val := make([]float64, len(blocks))
	idx := make([]int, len(blocks))
	for b, bl := range blocks {
		idx[b] = b
		for i := range p.Pools {
			var u float64
			for _, q := range p.Pools[i].Usage[bl.start : bl.start+bl.hours] {
				u += q
			}
			val[b] += u * p.Pools[i].OnDemandRate
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return val[idx[a]] < val[idx[b]] })
	var acc float64
	for _, b := range idx {
		acc += blocks[b].prob
		if acc >= pct*(1-1e-12) {
			return b
		}
	}
	return idx[len(idx)-1]
}

// ownedFees is what the owned commitments cost inside the horizon, USD.
func (c *compiled) ownedFees() float64 {
	var f float64
	for si, s := range c.srcs {
		if s.owned >= 0 {
			f += s.qty * c.p.Offerings[s.offering].HourlyCost() * c.activeHours(si)
		}
	}
	return f
}

// usageValue is the on-demand value of all usage, USD.
func (c *compiled) usageValue() float64 {
	var v float64
	for cl, w := range c.weight {
		u := c.classUsage(cl)
		for i, q := range u {
			v += w * q * c.d[i]
		}
	}
	return v
}

// components groups pools linked by offerings (union-find) and returns, for
// each group with at least one offering, its pools and offerings in
// increasing order.
func components(p *Problem) [][2][]int {
	parent := make([]int, len(p.Pools))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for k := range p.Offerings {
		cs := p.Offerings[k].Covers
		for _, cv := range cs[1:] {
			a, b := find(cs[0].Pool), find(cv.Pool)
			if a != b {
				parent[a] = b
			}
		}
	}
	group := map[int]int{}
	var out [][2][]int
	for k := range p.Offerings {
		r := find(p.Offerings[k].Covers[0].Pool)
		g, ok := group[r]
		if !ok {
			g = len(out)
			group[r] = g
			out = append(out, [2][]int{})
		}
		out[g][1] = append(out[g][1], k)
	}
	for i := range p.Pools {
		if g, ok := group[find(i)]; ok {
			out[g][0] = append(out[g][0], i)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a][0][0] < out[b][0][0] })
	return out
}

// subproblem restricts p to the given pools and offerings (indices in
// increasing order); owned commitments of those offerings come along.
func subproblem(p *Problem, pools, offerings []int) *Problem {
	poolIdx := make(map[int]int, len(pools))
	sub := &Problem{Hours: p.Hours, Scenarios: p.Scenarios}
	for i, pi := range pools {
		poolIdx[pi] = i
		sub.Pools = append(sub.Pools, p.Pools[pi])
	}
	offIdx := make(map[int]int, len(offerings))
	for i, k := range offerings {
		offIdx[k] = i
		o := p.Offerings[k]
		o.Covers = make([]Cover, len(p.Offerings[k].Covers))
		for j, cv := range p.Offerings[k].Covers {
			o.Covers[j] = Cover{Pool: poolIdx[cv.Pool], Rate: cv.Rate}
		}
		sub.Offerings = append(sub.Offerings, o)
	}
	for _, c := range p.Owned {
		if i, ok := offIdx[c.Offering]; ok {
			c.Offering = i
			sub.Owned = append(sub.Owned, c)
		}
	}
	sub.Policy.MinUtilization = p.Policy.MinUtilization
	for _, k := range p.Policy.Exclude {
		if i, ok := offIdx[k]; ok {
			sub.Policy.Exclude = append(sub.Policy.Exclude, i)
		}
	}
	return sub
}
