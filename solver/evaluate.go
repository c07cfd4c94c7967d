package solver

import (
	"context"
	"fmt"
	"math"
	"time"
)

// Evaluate bills a purchase chosen elsewhere — q gives the quantity per
// offering of p, as Result.Quantity does — on p, and explains its lines as
// Solve does. It is how a purchase optimized over one model of the future
// (another Problem over the same offerings) is shown on this one: every
// figure of the result is the simulator's on p. No LP is solved, so
// Objective and Bound are the simulated cost of q and Converged is false;
// note, when not empty, replaces the marginal-value sentence of a line
// whose next unit would still save money on p, saying why it was not
// bought.
func Evaluate(ctx context.Context, p *Problem, q []float64, note string) (*Result, error) {
	start := time.Now()
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if len(q) != len(p.Offerings) {
		return nil, fmt.Errorf("solver: evaluate: %d quantities for %d offerings", len(q), len(p.Offerings))
	}
	for k, v := range q {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return nil, fmt.Errorf("solver: evaluate: quantity of offering %d (%s) is %g, want a finite number ≥ 0", k, p.Offerings[k].ID, v)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q = append([]float64(nil), q...)
	res := &Result{Relaxed: q, Quantity: q, Method: Auto}
	c := compile(p, true)
	res.Compression = c.stats
	owned := ownedHoldings(p)
	var err error
	if res.Baseline, err = Simulate(p, owned, SimOptions{}); err != nil {
		return nil, err
	}
	if res.Bill, err = Simulate(p, append(owned, purchaseHoldings(p, q)...), SimOptions{}); err != nil {
		return nil, err
	}
	res.Objective, res.Bound, res.RelaxedCost = res.Bill.Total, res.Bill.Total, res.Bill.Total
	res.Savings = res.Baseline.Total - res.Bill.Total
	res.Purchases = purchaseLines(p, c, q, res.Bill, len(owned), &relaxed{note: note})
	res.Elapsed = time.Since(start)
	return res, nil
}
