package solver

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/tranchehq/tranche/solver/lp"
)

// bounds restricts purchase quantities, per offering; nil slices mean
// [0, +Inf).
type bounds struct{ lo, hi []float64 }

func (b bounds) get(k int) (float64, float64) {
	lo, hi := 0.0, math.Inf(1)
	if b.lo != nil {
		lo = b.lo[k]
	}
	if b.hi != nil {
		hi = b.hi[k]
	}
	return lo, hi
}

// relaxed is a solution of the continuous problem.
type relaxed struct {
	x         []float64 // purchase per offering
	objective float64   // the model's total cost over the horizon, USD
	bound     float64   // a lower bound on the optimum of the model, USD
	method    Method
	iters     int
	rows      int // size of the (largest) LP solved
	cols      int
	binding   []Binding
	// converged is false when the decomposition stopped on its iteration
	// or time limit before proving x optimal within the tolerance.
	converged bool
	// dualBound, when set, says why the bound comes from the allocation's
	// duals (compiled.dualValue): the billing fill's cuts are not valid;
	// boundNote says why there is no proven bound at all; stopped, that
	// the search ended at its iteration or time limit.
	dualBound string
	stopped   bool
	boundNote string
	// whole is the compiled problem when it was solved whole (not split
	// into components), for the later stages to reuse.
	whole *compiled
}

// policyRows adds the policy rows that are linear in the purchase
// variables: upfront cash, hourly commitment and three-year share. xcol maps
// an offering to its column (-1 when it cannot be bought). The hourly
// commitment is capped in every hour, over the purchases active then: one
// row per maximal set of purchases active together (concurrent), a single
// row over all purchases when none has a window.
func policyRows(m *lp.Model, p *Problem, xcol []int) []policyRow {
	var rows []policyRow
	add := func(kind, name string, limit float64, in func(k int) bool, coef func(o *Offering) float64, upper float64) {
		var cols []int
		var vals []float64
		for k, j := range xcol {
			if j < 0 || !in(k) {
				continue
			}
			if v := coef(&p.Offerings[k]); v != 0 {
				cols = append(cols, j)
				vals = append(vals, v)
			}
		}
		r := m.AddRowWith(name, math.Inf(-1), upper, cols, vals)
		pr := policyRow{kind: kind, row: r, limit: limit, offering: -1}
		if kind == "max_three_year_share" {
			for k, j := range xcol {
				if j >= 0 {
					pr.cols = append(pr.cols, j)
					pr.scale = append(pr.scale, p.Offerings[k].HourlyCost())
				}
			}
		}
		rows = append(rows, pr)
	}
	all := func(int) bool { return true }
	pol := &p.Policy
	if pol.MaxUpfront != nil {
		add("max_upfront", "max_upfront", *pol.MaxUpfront, all, func(o *Offering) float64 { return o.Upfront }, *pol.MaxUpfront)
	}
	if pol.MaxHourlyCommitment != nil {
		sets := concurrent(p, func(k int) bool { return xcol[k] >= 0 })
		for _, set := range sets {
			name := "max_hourly_commitment"
			if len(sets) > 1 {
				name = fmt.Sprintf("max_hourly_commitment[h%d]", set.hour)
			}
			add("max_hourly_commitment", name, *pol.MaxHourlyCommitment, func(k int) bool { return set.active[k] },
				func(o *Offering) float64 { return o.HourlyCost() }, *pol.MaxHourlyCommitment)
		}
	}
	if pol.MaxExpiringPerMonth != nil {
		lim := *pol.MaxExpiringPerMonth
		owned, months := expiringByMonth(p, xcol)
		for _, m := range months {
			room := max(0, lim-owned[m])
			add("max_expiring_per_month", fmt.Sprintf("max_expiring_per_month[m%d]", m), lim,
				func(k int) bool { return expiryMonthOf(p, k) == m },
				func(o *Offering) float64 { return o.HourlyCost() }, room)
		}
	}
	if pol.MaxThreeYearShare != nil {
		th := *pol.MaxThreeYearShare
		add("max_three_year_share", "max_three_year_share", th, all, func(o *Offering) float64 {
			if o.ThreeYear() {
				return (1 - th) * o.HourlyCost()
			}
			return -th * o.HourlyCost()
		}, 0)
	}
	return rows
}

// activeSet is a set of offerings whose purchases are active together, from
// a given hour.
type activeSet struct {
	hour   int
	active map[int]bool
}

// concurrent returns the maximal sets of offerings (among those with in(k))
// whose purchases are active in the same hour, in order of that hour. The
// purchases active in any hour t are a subset of those active at the
// latest window start at or before t, so it is enough to look at the
// starts. Without windows every purchase starts at hour 0 and there is one
// set.
func concurrent(p *Problem, in func(k int) bool) []activeSet {
	var starts []int
	span := p.span()
	for k := range p.Offerings {
		if in(k) {
			s, _ := p.Offerings[k].Window(span)
			starts = append(starts, s)
		}
	}
	slices.Sort(starts)
	starts = slices.Compact(starts)
	var sets []activeSet
	for _, t := range starts {
		set := activeSet{hour: t, active: map[int]bool{}}
		for k := range p.Offerings {
			if s, e := p.Offerings[k].Window(span); in(k) && s <= t && t < e {
				set.active[k] = true
			}
		}
		sets = append(sets, set)
	}
	// Drop the sets contained in another: their rows are implied.
	var out []activeSet
	for i, a := range sets {
		sub := false
		for j, b := range sets {
			if i == j || len(a.active) > len(b.active) || (len(a.active) == len(b.active) && j > i) {
				continue
			}
			sub = true
			for k := range a.active {
				if !b.active[k] {
					sub = false
					break
				}
			}
			if sub {
				break
			}
		}
		if !sub {
			out = append(out, a)
		}
	}
	return out
}

// expiryMonthOf is the month of the horizon in which a purchase of
// offering k expires, or -1 when it does not expire inside the horizon.
func expiryMonthOf(p *Problem, k int) int {
	if e := p.Offerings[k].expiry(p.span()); e > 0 {
		return expiryMonth(e)
	}
	return -1
}

// expiringByMonth returns the hourly commitment of the owned commitments
// expiring in each month of the horizon, and the months in which a
// purchase (an offering with a column in xcol) can expire, in order.
func expiringByMonth(p *Problem, xcol []int) (map[int]float64, []int) {
	span := p.span()
	owned := map[int]float64{}
	for _, c := range p.Owned {
		if c.End > 0 && c.End <= span && c.End > c.Start {
			owned[expiryMonth(c.End)] += c.Quantity * p.Offerings[c.Offering].HourlyCost()
		}
	}
	var months []int
	for k, j := range xcol {
		if j >= 0 {
			if m := expiryMonthOf(p, k); m >= 0 {
				months = append(months, m)
			}
		}
	}
	slices.Sort(months)
	return owned, slices.Compact(months)
}

// policyRow remembers a policy row of an LP, to explain it when it binds.
type policyRow struct {
	kind     string
	row      int
	limit    float64
	offering int // for per-offering rows (utilization floor), else -1
	// cols and scale give the quantity a share-valued limit multiplies
	// (Σ scale·x), to express its dual per percentage point.
	cols  []int
	scale []float64
	// perPoint is how far one percentage point moves the bound of a row
	// whose bound is share × a constant (max_coverage).
	perPoint float64
	// block is the scenario a per-scenario row is about (the percentile
	// utilization floor, the tail waste rows); pct marks the percentile
	// utilization floor.
	block int
	pct   bool
}

// solveDirect solves the LP of doc.go over every class of hours at once.
// It is the reference the decomposition is checked against, and the method
// of choice while the model is small.
func solveDirect(ctx context.Context, c *compiled, b bounds, opts *Options) (*relaxed, error) {
	p := c.p
	m := lp.NewModel("tranche")
	tw := c.twins(p.Policy.wasteRows(), opts.noTwins)
	named := c.coverColumns(tw) <= 20000
	xcol := make([]int, len(p.Offerings))
	for k := range xcol {
		xcol[k] = -1
		si := c.cands[k]
		if si < 0 {
			continue
		}
		lo, hi := b.get(k)
		o := &p.Offerings[k]
		xcol[k] = m.AddColumn("buy["+o.ID+"]", o.HourlyCost()*c.activeHours(si), lo, hi)
	}
	rows := policyRows(m, p, xcol)
	risk := addRiskRows(m, c, xcol)
	rows = append(rows, risk.rows...)

	// Coverage and utilization rows collect their coefficients as the
	// coverage columns are made.
	var covCols []int
	var covVals []float64
	utilCols := make([][]int, len(p.Offerings))
	utilVals := make([][]float64, len(p.Offerings))
	pctCols := make([][]int, len(p.Offerings))
	pctVals := make([][]float64, len(p.Offerings))

	offset := c.ownedFees()
	demand := make([]int, c.np)
	for cl, w := range c.weight {
		g := c.classSeg[cl]
		u := c.classUsage(cl)
		blk := c.segBlock[g]
		count := w / c.blocks[blk].prob // the class's hours in its scenario
		for i := range demand {
			demand[i] = -1
		}
		for _, members := range tw {
			// The group's capacity in the class: owned quantities and
			// purchase columns of its active members, in the units of its
			// first member's rates.
			si := -1
			var ownedCap float64
			var buyCols []int
			var buyVals []float64
			for _, mb := range members {
				if !c.active[g][mb.src] {
					continue
				}
				if si < 0 {
					si = mb.src
				}
				if s := c.srcs[mb.src]; s.owned >= 0 {
					ownedCap += s.qty / mb.alpha
				} else {
					buyCols = append(buyCols, xcol[s.offering])
					buyVals = append(buyVals, -1/mb.alpha)
				}
			}
			if si < 0 {
				continue
			}
			s := c.srcs[si]
			base := members[0].src
			var capCols []int
			var capVals []float64
			for i := c.covStart[s.offering]; i < c.covStart[s.offering+1]; i++ {
				pi := int(c.covPool[i])
				if u[pi] <= 0 {
					continue
				}
				if demand[pi] < 0 {
					name := ""
					if named {
						name = fmt.Sprintf("demand[c%d,%s]", cl, poolName(p, pi))
					}
					demand[pi] = m.AddRow(name, math.Inf(-1), u[pi])
				}
				name := ""
				if named {
					name = fmt.Sprintf("cover[c%d,s%d,%s]", cl, si, poolName(p, pi))
				}
				y := m.AddColumnWith(name, -w*c.d[pi], 0, math.Inf(1), []int{demand[pi]}, []float64{1})
				// The rate of the group's first member: the members' rates
				// are the same up to each one's alpha.
				rate := c.covRate[c.covStart[c.srcs[base].offering]+i-c.covStart[s.offering]]
				capCols = append(capCols, y)
				capVals = append(capVals, rate)
				if p.Policy.MaxCoverage != nil {
					covCols = append(covCols, y)
					covVals = append(covVals, w*c.d[pi])
				}
				if s.owned < 0 && p.Policy.MinUtilization > 0 {
					utilCols[s.offering] = append(utilCols[s.offering], y)
					utilVals[s.offering] = append(utilVals[s.offering], w*c.covRate[i])
					if blk == c.pctBlock {
						pctCols[s.offering] = append(pctCols[s.offering], y)
						pctVals[s.offering] = append(pctVals[s.offering], count*c.covRate[i])
					}
				}
				risk.cover(m, y, blk, w, count, c.d[pi], s.owned < 0, p.Offerings[s.offering].HourlyCost()*c.covRate[i])
			}
			if len(capCols) == 0 {
				continue
			}
			name := ""
			if named {
				name = fmt.Sprintf("capacity[c%d,s%d]", cl, si)
			}
			m.AddRowWith(name, math.Inf(-1), ownedCap, append(capCols, buyCols...), append(capVals, buyVals...))
		}
		for i, q := range u {
			offset += w * q * c.d[i]
		}
	}
	if p.Policy.MaxCoverage != nil {
		e := c.eligibleValue()
		r := m.AddRowWith("max_coverage", math.Inf(-1), *p.Policy.MaxCoverage*e, covCols, covVals)
		rows = append(rows, policyRow{kind: "max_coverage", row: r, limit: *p.Policy.MaxCoverage, offering: -1, perPoint: e / 100})
	}
	if phi := p.Policy.MinUtilization; phi > 0 {
		for k, j := range xcol {
			if j < 0 {
				continue
			}
			cols := append(utilCols[k], j)
			vals := append(utilVals[k], -phi*c.activeHours(c.cands[k]))
			r := m.AddRowWith("min_utilization["+p.Offerings[k].ID+"]", 0, math.Inf(1), cols, vals)
			rows = append(rows, policyRow{kind: "min_utilization", row: r, limit: phi, offering: k,
				cols: []int{j}, scale: []float64{c.activeHours(c.cands[k])}})
			if b := c.pctBlock; b >= 0 {
				hours := c.srcHours[c.cands[k]][b]
				cols := append(pctCols[k], j)
				vals := append(pctVals[k], -phi*hours)
				r := m.AddRowWith("min_utilization_percentile["+p.Offerings[k].ID+"]", 0, math.Inf(1), cols, vals)
				rows = append(rows, policyRow{kind: "min_utilization", row: r, limit: phi, offering: k,
					cols: []int{j}, scale: []float64{hours}, block: b, pct: true})
			}
		}
	}
	m.SetObjectiveOffset(offset)
	sol, err := lp.Solve(ctx, m, opts.LP)
	if err != nil {
		return nil, fmt.Errorf("solver: direct LP (%d rows, %d columns): %w", m.NumRows(), m.NumColumns(), err)
	}
	r := &relaxed{
		x:         make([]float64, len(p.Offerings)),
		objective: sol.Objective,
		bound:     sol.Objective,
		method:    Direct,
		converged: true,
		iters:     sol.Iterations,
		rows:      m.NumRows(),
		cols:      m.NumColumns(),
	}
	for k, j := range xcol {
		if j >= 0 {
			r.x[k] = max(0, sol.Primal[j])
		}
	}
	r.binding = explainRows(p, rows, sol)
	return r, nil
}

// twin is a member of a group of sources the direct LP gives one set of
// coverage columns: src is the source, alpha its rates over the group's
// first member's (1 for the first).
type twin struct {
	src   int
	alpha float64
}

// twins groups the sources whose coverage is the same up to scale — the
// same pools in the same order, each at alpha times the first member's
// rate: the same offering bought at several dates (a plan's later
// tranches, a backtest's hindsight), the sizes of one size-flexible RI —
// and that the LP's other rows treat alike (all owned or all purchases;
// with the waste rows, the same fee per unit of usage covered). In a
// class, a group's usage can be split among its active members in any way
// that fits each one's capacity, so one set of coverage columns under one
// capacity row, Σ_p rate_p·y_p ≤ Σ owned quantity/alpha + Σ x_k/alpha_k,
// gives the same optimum as one set per member, with fewer columns and
// rows: the LP over a backtest's window with its offerings at eight dates
// has about an eighth of them. A utilization floor is per purchase, so
// under one (or with off) every source is its own group. Groups are in the
// order of their first member.
func (c *compiled) twins(waste, off bool) [][]twin {
	p := c.p
	off = off || p.Policy.MinUtilization > 0
	var out [][]twin
	index := map[string]int{}
	var key strings.Builder
	for si, s := range c.srcs {
		b, e := c.covStart[s.offering], c.covStart[s.offering+1]
		if off || b == e {
			out = append(out, []twin{{si, 1}})
			continue
		}
		r0 := c.covRate[b]
		key.Reset()
		fmt.Fprintf(&key, "%t", s.owned >= 0)
		if waste && s.owned < 0 {
			fmt.Fprintf(&key, "|%.12g", p.Offerings[s.offering].HourlyCost()*r0)
		}
		for i := b; i < e; i++ {
			fmt.Fprintf(&key, "|%d:%.12g", c.covPool[i], c.covRate[i]/r0)
		}
		g, ok := index[key.String()]
		if !ok {
			index[key.String()] = len(out)
			out = append(out, []twin{{si, 1}})
			continue
		}
		first := c.srcs[out[g][0].src]
		out[g] = append(out[g], twin{si, r0 / c.covRate[c.covStart[first.offering]]})
	}
	return out
}

// coverColumns counts the coverage columns the direct LP would have with
// the groups of twins tw: in each class, one per pool with usage for each
// group with an active member.
func (c *compiled) coverColumns(tw [][]twin) int {
	n := 0
	for cl := range c.weight {
		g := c.classSeg[cl]
		u := c.classUsage(cl)
		for _, members := range tw {
			si := -1
			for _, mb := range members {
				if c.active[g][mb.src] {
					si = mb.src
					break
				}
			}
			if si < 0 {
				continue
			}
			s := c.srcs[si]
			for i := c.covStart[s.offering]; i < c.covStart[s.offering+1]; i++ {
				if u[c.covPool[i]] > 0 {
					n++
				}
			}
		}
	}
	return n
}

// eligibleValue is the on-demand value of the usage of pools some offering
// can cover, USD.
func (c *compiled) eligibleValue() float64 {
	el := eligiblePools(c.p)
	var v float64
	for cl, w := range c.weight {
		u := c.classUsage(cl)
		for i, q := range u {
			if el[i] {
				v += w * q * c.d[i]
			}
		}
	}
	return v
}

func poolName(p *Problem, i int) string {
	if id := p.Pools[i].ID; id != "" {
		return id
	}
	return fmt.Sprintf("pool%d", i)
}
