package solver

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/tranchehq/tranche/solver/lp"
)

// solveBenders solves the continuous problem by Benders decomposition
// (L-shaped method) over the purchase variables, stabilised with a trust
// region (Linderoth & Wright, "Decomposition algorithms for stochastic
// programming on a computational grid", 2003).
//
// For a purchase x the on-demand cost of the horizon is
//
//	Q(x) = Σ_g Q_g(x),  Q_g(x) = Σ_{classes c in group g} w_c · fill_c(x)
//
// where fill_c is the billing fill of one hour of class c (compiled.fill),
// which returns its value and a subgradient λ. The master problem is
//
//	minimize   Σ_k cost_k·hours_k·x_k + Σ_g θ_g + owned fees
//	subject to θ_g ≥ Q_g(x̂) + Σ_k ∂Q_g/∂x_k(x̂)·(x_k − x̂_k)   for every x̂ visited
//	           the linear policy rows, lo ≤ x ≤ hi, |x − x̂| ≤ Δ (trust region)
//
// and it stops when the incumbent's true cost is within opts.Tolerance of
// the master's value without the trust region, a lower bound as long as
// Q is convex (it is whenever the billing fill is the optimal allocation,
// see doc.go).
func solveBenders(ctx context.Context, c *compiled, b bounds, opts *Options) (*relaxed, error) {
	p := c.p
	nk := len(p.Offerings)
	// Cut groups per set of active purchases: with purchase windows there are
	// several sets, each with its own cuts, and half as many groups each
	// (measured: 20 pools × 8,760 h, 12 purchase dates: 2 per set solved in
	// 109 iterations and 0.6× the time of 4 per set, 93 iterations; the
	// master's re-solves dominate).
	per := opts.Groups
	if c.purchaseSets > 1 {
		per = (per + 1) / 2
	}
	_, groups := c.groupOf(per) // cuts per iteration
	xcol := make([]int, nk)
	var cands []int
	lo := make([]float64, nk)
	hi := make([]float64, nk)
	for k := range xcol {
		xcol[k] = -1
		if si := c.cands[k]; si >= 0 {
			lo[k], hi[k] = b.get(k)
			cands = append(cands, k)
		}
	}
	theta := make([]int, groups)
	// build makes the master without cuts: the purchase and epigraph
	// columns (the same indices every time) and the policy rows.
	build := func(name string) (*lp.Model, []policyRow) {
		m := lp.NewModel(name)
		for _, k := range cands {
			o := &p.Offerings[k]
			xcol[k] = m.AddColumn("buy["+o.ID+"]", o.HourlyCost()*c.activeHours(c.cands[k]), lo[k], hi[k])
		}
		for g := range theta {
			theta[g] = m.AddColumn(fmt.Sprintf("theta[%d]", g), 1, 0, math.Inf(1))
		}
		rows := policyRows(m, p, xcol)
		if lim := p.Policy.MaxCVaRRegret; lim != nil {
			// The CVaR of regret, with each scenario's on-demand cost read from
			// its groups' epigraph variables: a relaxation of the true row
			// that tightens as cuts accumulate (Kelley); incumbents are checked
			// on the fill.
			beta := p.Policy.cvarLevel()
			gblock := c.groupBlocks(per)
			base := c.baseCost()
			eta := m.AddColumn("cvar.eta", 0, math.Inf(-1), math.Inf(1))
			main, mainVals := []int{eta}, []float64{1}
			for b, bl := range c.blocks {
				z := m.AddColumn(fmt.Sprintf("cvar.z[%d]", b), 0, 0, math.Inf(1))
				main = append(main, z)
				mainVals = append(mainVals, bl.prob/(1-beta))
				cols, vals := []int{z, eta}, []float64{1, 1}
				for _, k := range cands {
					if v := p.Offerings[k].HourlyCost() * c.srcHours[c.cands[k]][b]; v != 0 {
						cols = append(cols, xcol[k])
						vals = append(vals, -v)
					}
				}
				for g, gb := range gblock {
					if gb == b {
						cols = append(cols, theta[g])
						vals = append(vals, -1/bl.prob)
					}
				}
				m.AddRowWith(fmt.Sprintf("max_cvar_regret[%d]", b), -base[b], math.Inf(1), cols, vals)
			}
			r := m.AddRowWith("max_cvar_regret", math.Inf(-1), *lim, main, mainVals)
			rows = append(rows, policyRow{kind: "max_cvar_regret", row: r, limit: *lim, offering: -1})
		}
		m.SetObjectiveOffset(c.ownedFees())
		return m, rows
	}
	m, rows := build("tranche-master")
	fixedRows := m.NumRows()
	master, err := lp.Load(m, opts.LP)
	if err != nil {
		return nil, fmt.Errorf("solver: benders master: %w", err)
	}
	defer master.Close()

	// Rows after the policy rows are managed: cuts, and the linearised
	// coverage ceiling.
	type managed struct {
		coverage bool
		lower    float64
		slack    int // consecutive iterations with slack
	}
	var mrows []managed
	addRow := func(name string, lower float64, cols []int, vals []float64, coverage bool) {
		master.AddRow(name, lower, math.Inf(1), cols, vals)
		mrows = append(mrows, managed{coverage: coverage, lower: lower})
	}
	cut := func(value float64, grad []float64, x []float64, g int) (rhs float64, cols []int, vals []float64) {
		cols = []int{theta[g]}
		vals = []float64{1}
		rhs = value
		for _, k := range cands {
			if gk := grad[k]; gk != 0 {
				cols = append(cols, xcol[k])
				vals = append(vals, -gk)
				rhs -= gk * x[k]
			}
		}
		return rhs, cols, vals
	}
	// Where the billing rule may allocate worse than the model
	// (misallocation), the billing fill's cuts bound nothing. The fill then
	// also values a feasible dual of each hour's allocation LP
	// (compiled.dualValue), whose cuts are valid at every purchase; a
	// second master collects them, taken at the same points, and solved
	// once at the end, without the trust region (and without the
	// linearised coverage ceiling, which is not a relaxation), its optimum
	// is a proven lower bound. The billing cuts still steer the search.
	var shadow *lp.Model
	why := misallocation(p, c.offered())
	if why != "" && !opts.noBound {
		shadow, _ = build("tranche-bound")
		c.dualCuts = true
		defer func() { c.dualCuts = false }()
	}
	addCuts := func(ev *evaluation, x []float64) {
		for g := 0; g < groups; g++ {
			rhs, cols, vals := cut(ev.groupOD[g], ev.grad[g], x, g)
			addRow("", rhs, cols, vals, false)
			if shadow != nil {
				rhs, cols, vals := cut(ev.groupDual[g], ev.dualGrad[g], x, g)
				shadow.AddRowWith("", rhs, math.Inf(1), cols, vals)
			}
		}
	}
	usageValue := c.usageValue()
	covTarget := math.Inf(-1) // on-demand cost must stay at or above this
	if p.Policy.MaxCoverage != nil {
		covTarget = usageValue - *p.Policy.MaxCoverage*c.eligibleValue()
	}
	setCoverage := func(ev *evaluation, x []float64) {
		if math.IsInf(covTarget, -1) || covTarget <= 0 {
			return
		}
		var del []int
		for i, r := range mrows {
			if r.coverage {
				del = append(del, fixedRows+i)
			}
		}
		if len(del) > 0 {
			master.DeleteRows(del)
			mrows = dropRows(mrows, del, fixedRows)
		}
		var cols []int
		var vals []float64
		rhs := covTarget - ev.onDemand
		for _, k := range cands {
			var gk float64
			for g := range ev.grad {
				gk += ev.grad[g][k]
			}
			if gk != 0 {
				cols = append(cols, xcol[k])
				vals = append(vals, gk)
				rhs += gk * x[k]
			}
		}
		addRow("max_coverage", rhs, cols, vals, true)
	}
	cost := func(x []float64, ev *evaluation) float64 {
		return c.purchaseCost(x) + c.ownedFees() + ev.onDemand
	}

	// Trust-region scale per offering: the capacity that would cover the
	// largest hour of the pools it can cover, in its active hours.
	scale := make([]float64, nk)
	for cl := range c.weight {
		u := c.classUsage(cl)
		g := c.classSeg[cl]
		for _, k := range cands {
			if !c.active[g][c.cands[k]] {
				continue
			}
			var need float64
			for i := c.covStart[k]; i < c.covStart[k+1]; i++ {
				need += u[c.covPool[i]] * c.covRate[i]
			}
			scale[k] = max(scale[k], need)
		}
	}
	for _, k := range cands {
		if scale[k] == 0 {
			scale[k] = 1
		}
		if !math.IsInf(hi[k], 1) {
			scale[k] = min(scale[k], max(hi[k]-lo[k], 1e-9))
		}
	}

	// Risk rows the master holds only as a relaxation are checked on the
	// fill: an infeasible candidate is never made the incumbent.
	const featol = 1e-9
	feasible := func(x []float64, ev *evaluation) bool { return c.riskViolation(x, ev, featol) == "" }
	xhat := c.warmStart(lo, hi)
	if !policyOK(p, c, xhat) {
		xhat = append([]float64(nil), lo...)
	}
	evhat := c.evaluate(xhat, per, true)
	fhat := cost(xhat, evhat)
	if !feasible(xhat, evhat) {
		addCuts(evhat, xhat) // valid cuts all the same
		xhat = append([]float64(nil), lo...)
		evhat = c.evaluate(xhat, per, true)
		fhat = cost(xhat, evhat)
		if !feasible(xhat, evhat) {
			fhat = math.Inf(1) // no incumbent yet
		}
	}
	addCuts(evhat, xhat)
	setCoverage(evhat, xhat)
	// Start with a small trust region around the warm start.
	delta := 0.25
	nulls := 0
	lower := math.Inf(-1)
	tol := opts.Tolerance
	converged := func() bool { return fhat-lower <= tol*max(1, math.Abs(fhat)) }
	covDual := 0.0 // dual of the linearised coverage ceiling at the last bound
	globalBound := func() (*lp.Solution, error) {
		for _, k := range cands {
			master.SetColumnBounds(xcol[k], lo[k], hi[k])
		}
		sol, err := master.Solve(ctx)
		if err != nil {
			return nil, err
		}
		if sol.Objective > lower {
			lower = sol.Objective
		}
		covDual = 0
		for i, r := range mrows {
			if r.coverage {
				covDual = sol.Dual[fixedRows+i]
			}
		}
		return sol, nil
	}
	var lastGlobal *lp.Solution
	var deadline time.Time
	if opts.TimeLimit > 0 {
		deadline = time.Now().Add(opts.TimeLimit)
	}
	iter := 0
	for ; iter < opts.MaxIterations; iter++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("solver: benders: %w", err)
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			break
		}
		if opts.Progress != nil {
			opts.Progress(Progress{Stage: "benders", Iteration: iter, Upper: fhat, Lower: lower})
		}
		for _, k := range cands {
			d := delta * scale[k]
			master.SetColumnBounds(xcol[k], max(lo[k], xhat[k]-d), min(hi[k], xhat[k]+d))
		}
		sol, err := master.Solve(ctx)
		if err != nil {
			return nil, fmt.Errorf("solver: benders master (iteration %d, %d rows): %w", iter, master.NumRows(), err)
		}
		pred := fhat - sol.Objective
		if !math.IsInf(fhat, 1) && pred <= tol*max(1, math.Abs(fhat)) {
			g, err := globalBound()
			if err != nil {
				return nil, fmt.Errorf("solver: benders bound (iteration %d): %w", iter, err)
			}
			lastGlobal = g
			if converged() {
				break
			}
			delta = min(delta*4, 1e6)
			continue
		}
		xt := make([]float64, nk)
		onBoundary := false
		for _, k := range cands {
			xt[k] = max(0, sol.Primal[xcol[k]])
			d := delta * scale[k]
			if math.Abs(xt[k]-xhat[k]) >= d*(1-1e-9) {
				onBoundary = true
			}
		}
		evt := c.evaluate(xt, per, true)
		ft := cost(xt, evt)
		addCuts(evt, xt)
		ok := feasible(xt, evt)
		if !ok && !math.IsInf(fhat, 1) {
			// Out of the risk limit: the limit's set is convex and holds
			// the incumbent, so the segment from it to the candidate
			// crosses the limit once. Try the last point inside it
			// (bisection) as the candidate instead: measured on three
			// 2,920-hour scenarios of 20 pools (BenchmarkSolveScenarios),
			// 79 iterations and 3.4 s instead of 1,014 and 13.9 s.
			if xs, evs, fs := c.feasibleStep(xhat, xt, per, feasible, cost); evs != nil && fs < fhat {
				addCuts(evs, xs)
				xt, evt, ft, ok = xs, evs, fs, true
			}
		}
		if ok && (math.IsInf(fhat, 1) || fhat-ft >= 0.1*pred) {
			xhat, evhat, fhat = xt, evt, ft
			setCoverage(evhat, xhat)
			if onBoundary {
				delta = min(delta*2, 1e6)
			}
			nulls = 0
		} else {
			nulls++
			if nulls >= 3 {
				delta = max(delta/2, 1e-6)
				nulls = 0
			}
		}
		// Forget cuts that have been slack for a long time.
		act := sol.RowActivity
		var del []int
		for i := range mrows {
			r := fixedRows + i
			if r >= len(act) || mrows[i].coverage {
				continue
			}
			if act[r]-mrows[i].lower > 1e-9*max(1, math.Abs(mrows[i].lower)) {
				mrows[i].slack++
			} else {
				mrows[i].slack = 0
			}
			if mrows[i].slack > 30 {
				del = append(del, r)
			}
		}
		if len(del) > 0 {
			master.DeleteRows(del)
			mrows = dropRows(mrows, del, fixedRows)
		}
		if iter%5 == 4 {
			g, err := globalBound()
			if err != nil {
				return nil, fmt.Errorf("solver: benders bound (iteration %d): %w", iter, err)
			}
			lastGlobal = g
			if converged() {
				break
			}
		}
	}
	if math.IsInf(fhat, 1) {
		return nil, fmt.Errorf("solver: benders: no purchase within the risk limits found: %w", ErrInfeasible)
	}
	done := converged()
	if !done {
		// Out of iterations or time: the incumbent is a feasible purchase;
		// make sure the bound is current, and report both.
		if _, err := globalBound(); err != nil {
			return nil, fmt.Errorf("solver: benders bound: %w", err)
		}
		done = converged()
	}
	r := &relaxed{x: xhat, objective: fhat, bound: lower, method: Benders, iters: iter, rows: master.NumRows(), cols: m.NumColumns(), converged: done, stopped: !done}
	if shadow != nil {
		r.dualBound = why
		bound, err := shadowBound(ctx, shadow, opts)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("solver: benders dual bound: %w", err)
			}
			r.converged = false
			r.boundNote = fmt.Sprintf("%s, and the bound from the allocation's duals could not be solved (%v)", why, err)
		} else {
			r.bound = min(bound, fhat)
			r.converged = fhat-r.bound <= tol*max(1, math.Abs(fhat))
		}
	}
	if !r.converged && !opts.noBound && ctx.Err() == nil {
		// The Lagrangian bound priced at the incumbent (lagrange.go) holds
		// whatever the billing rule does, and at fleet size proves far more
		// than the cuts do in the same time (1,000 pools after 10 s: 0.05 %
		// against 1.0 %, docs/benchmarks.md).
		l, xr := c.lagrangeBound(xhat, b)
		// Its argmin sizes the pools' own instances anew: a second
		// candidate, kept when it bills less within the policy (1,000
		// pools after 10 s: 0.002 % less).
		if policyOK(p, c, xr) {
			if evr := c.evaluate(xr, per, false); feasible(xr, evr) {
				if fr := cost(xr, evr); fr < fhat {
					xhat, fhat = xr, fr
					r.x, r.objective = xr, fr
				}
			}
		}
		if r.boundNote != "" || l > r.bound {
			r.bound, r.boundNote = min(l, fhat), ""
		}
		r.converged = fhat-r.bound <= tol*max(1, math.Abs(fhat))
	}
	if lastGlobal != nil {
		r.binding = explainRows(p, rows, lastGlobal)
	}
	if covDual > bindingTol {
		// The row is Σ g·x ≥ target − …; one point more ceiling lowers the
		// target by 1% of the eligible value.
		lim := *p.Policy.MaxCoverage
		v := covDual * c.eligibleValue() / 100
		r.binding = append(r.binding, Binding{Constraint: "max_coverage", Limit: lim, Value: v,
			Text: fmt.Sprintf("The coverage ceiling of %.1f%% binds: one percentage point more would save $%.2f over the horizon.", 100*lim, v)})
	}
	return r, nil
}

// shadowBound solves the master of the dual cuts (compiled.dualValue).
func shadowBound(ctx context.Context, m *lp.Model, opts *Options) (float64, error) {
	s, err := lp.Load(m, opts.LP)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	sol, err := s.Solve(ctx)
	if err != nil {
		return 0, err
	}
	return sol.Objective, nil
}

// offered returns whether each offering can hold capacity in the compiled
// problem — bought (a candidate) or owned — as misallocation asks it.
func (c *compiled) offered() func(k int) bool {
	held := make([]bool, len(c.p.Offerings))
	for _, s := range c.srcs {
		held[s.offering] = true
	}
	return func(k int) bool { return held[k] }
}

// feasibleStep returns the point x = a + λ(b − a) with the largest λ in
// (0, 1) found by bisection at which the risk limits hold (a must meet
// them), its evaluation and cost, or a nil evaluation when none is found
// within 8 halvings.
func (c *compiled) feasibleStep(a, b []float64, per int, feasible func([]float64, *evaluation) bool, cost func([]float64, *evaluation) float64) ([]float64, *evaluation, float64) {
	lo, hi := 0.0, 1.0
	var best []float64
	var bestEv *evaluation
	for range 8 {
		mid := (lo + hi) / 2
		x := make([]float64, len(a))
		for k := range x {
			x[k] = max(0, a[k]+mid*(b[k]-a[k]))
		}
		ev := c.evaluate(x, per, true)
		if feasible(x, ev) {
			lo, best, bestEv = mid, x, ev
		} else {
			hi = mid
		}
	}
	if bestEv == nil {
		return nil, nil, 0
	}
	return best, bestEv, cost(best, bestEv)
}

// dropRows removes the managed rows whose model indices are in del.
func dropRows[T any](rows []T, del []int, offset int) []T {
	sort.Ints(del)
	out := rows[:0]
	j := 0
	for i, r := range rows {
		if j < len(del) && del[j] == offset+i {
			j++
			continue
		}
		out = append(out, r)
	}
	return out
}
