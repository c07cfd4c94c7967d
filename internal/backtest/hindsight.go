package backtest

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/tranchehq/tranche/solver"
)

// maxHindsightOfferings bounds the offering copies of the hindsight LP;
// past it the LP takes hours rather than minutes.
const maxHindsightOfferings = 20000

// hindsight holds the purchases of the hindsight optimum, per decision.
type hindsight struct {
	buys    map[int][]held
	solve   HindsightSolve
	elapsed time.Duration
}

func (h *hindsight) decide(_ context.Context, d decision) ([]held, error) {
	return h.buys[d.index], nil
}

// solveHindsight finds the best purchases knowing the actual usage: one LP
// over the whole window, on the window's usage and the initial
// commitments, with one copy of every offering per decision date, active
// (and paid) from that date to the end of its term or of the window. The
// offerings themselves stay in the problem, for the owned commitments, but
// may not be bought.
func (r *run) solveHindsight(ctx context.Context) (*hindsight, error) {
	b, err := r.problem(r.start, r.end, r.initial)
	if err != nil {
		return nil, fmt.Errorf("backtest: hindsight: %w", err)
	}
	p := *b.Problem
	n := len(p.Offerings)
	if copies := n * len(r.decisions); copies > maxHindsightOfferings {
		return nil, fmt.Errorf("backtest: hindsight: the LP would hold %d offering copies (%d offerings × %d decision dates), more than %d: use a coarser --cadence, a shorter window, or leave hindsight out (--strategies tranche,recommender,none)",
			copies, n, len(r.decisions), maxHindsightOfferings)
	}
	type origin struct{ k, decision int }
	var from []origin
	offs := append([]solver.Offering(nil), p.Offerings...)
	p.Policy.Exclude = make([]int, n)
	for k := range n {
		p.Policy.Exclude[k] = k
	}
	for i, at := range r.decisions {
		h := int(at.Sub(r.start).Hours())
		for k := range n {
			o := p.Offerings[k]
			o.ID = fmt.Sprintf("%s@%s", o.ID, at.Format(time.DateOnly))
			o.Start, o.End = h, min(p.Hours, h+o.TermHours)
			offs = append(offs, o)
			from = append(from, origin{k, i})
		}
	}
	p.Offerings = offs
	res, err := solver.Solve(ctx, &p, r.opt.Solver)
	if err != nil {
		return nil, fmt.Errorf("backtest: hindsight: %w", err)
	}
	qty, billed, err := r.refineHindsight(ctx, &p, n, res)
	if err != nil {
		return nil, err
	}
	hs := &hindsight{buys: map[int][]held{}, solve: HindsightSolve{
		Objective: res.Objective, Bound: res.Bound, Converged: res.Converged, Offerings: len(offs) - n, Method: res.Method.String(),
		ModelGap: res.ModelGap, RoundingGap: billed - res.RelaxedCost, Billed: billed,
	}}
	for j, q := range qty[n:] {
		if q <= 0 {
			continue
		}
		o := from[j]
		at := r.decisions[o.decision]
		id := fmt.Sprintf("hindsight/%s/%d", at.Format(time.DateOnly), len(hs.buys[o.decision])+1)
		hs.buys[o.decision] = append(hs.buys[o.decision], commitmentFor(id, b.Offerings[o.k], q, at))
	}
	if billed < res.Bound-1e-6*max(1, res.Bound) {
		r.res.Notes = append(r.res.Notes, fmt.Sprintf("the hindsight purchases bill %.2f, below the LP's proven lower bound %.2f: the LP did not reach its optimum, so the hindsight figures are an approximation of the limit",
			billed, res.Bound))
	}
	switch {
	case res.BoundNote != "":
		r.res.Notes = append(r.res.Notes, fmt.Sprintf("the hindsight LP's bound is not a proof (%s): its purchases are the best the decomposition found, close to the limit but not proven to be it",
			res.BoundNote))
	case !res.Converged:
		r.res.Notes = append(r.res.Notes, fmt.Sprintf("the hindsight LP stopped at its iteration or time limit: its purchases are the best found, and no purchases could cost less than %.2f over the window",
			res.Bound))
	}
	return hs, nil
}

// refineHindsight improves on the solver's rounding of the hindsight LP.
// Reserved instances are whole; where the LP buys a fraction of a large
// one, rounding it up wastes much of it and rounding it down leaves usage
// that a savings plan could have covered. So for two roundings of the
// resource purchases — the solver's, and every continuous quantity
// rounded down — the resource purchases become owned commitments and a
// second LP buys only the spend offerings (bought in fractions of a cent
// per hour) around them. It returns the cheapest of the answers, by
// billed cost.
func (r *run) refineHindsight(ctx context.Context, p *solver.Problem, n int, res *solver.Result) ([]float64, float64, error) {
	best, bestCost := res.Quantity, res.Bill.Total
	spend := false
	for k := n; k < len(p.Offerings); k++ {
		spend = spend || p.Offerings[k].Type == solver.Spend
	}
	if !spend {
		return best, bestCost, nil
	}
	r.progress("hindsight: re-optimizing the savings plans around whole instances…")
	floor := make([]float64, len(res.Relaxed))
	for k, x := range res.Relaxed {
		if inc := p.Offerings[k].Increment; inc > 0 {
			floor[k] = math.Floor(x/inc+1e-7) * inc
		}
	}
	for _, q := range [][]float64{res.Quantity, floor} {
		p2 := *p
		p2.Owned = append([]solver.Commitment(nil), p.Owned...)
		p2.Policy.Exclude = append([]int(nil), p.Policy.Exclude...)
		for k := n; k < len(p.Offerings); k++ {
			o := &p.Offerings[k]
			if o.Type == solver.Spend {
				continue
			}
			p2.Policy.Exclude = append(p2.Policy.Exclude, k)
			if q[k] > 0 {
				p2.Owned = append(p2.Owned, solver.Commitment{ID: o.ID, Offering: k, Quantity: q[k], Start: o.Start, End: o.Start + o.TermHours})
			}
		}
		res2, err := solver.Solve(ctx, &p2, r.opt.Solver)
		if err != nil {
			return nil, 0, fmt.Errorf("backtest: hindsight: re-optimizing the savings plans: %w", err)
		}
		if res2.Bill.Total < bestCost-1e-9 {
			bestCost = res2.Bill.Total
			best = make([]float64, len(q))
			for k := n; k < len(q); k++ {
				if p.Offerings[k].Type == solver.Spend {
					best[k] = res2.Quantity[k]
				} else {
					best[k] = q[k]
				}
			}
		}
	}
	return best, bestCost, nil
}
