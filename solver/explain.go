package solver

import (
	"fmt"
	"math"

	"github.com/tranchehq/tranche/solver/lp"
)

// Binding is a policy limit that holds the plan back, read from the duals
// of the LP.
type Binding struct {
	// Constraint is the policy field: max_upfront, max_hourly_commitment,
	// max_coverage, min_utilization, max_three_year_share, max_cvar_regret,
	// max_expected_waste_share, max_tail_waste_share or
	// max_expiring_per_month.
	Constraint string
	// Offering is the offering the row is about (min_utilization only).
	Offering string
	// Limit is the policy's value (USD, USD per hour, or a share).
	Limit float64
	// Value is what relaxing the limit by one step would save over the
	// horizon, USD (in expectation over the scenarios): one USD of upfront
	// or of CVaR of regret, one USD per hour of commitment, or one
	// percentage point of a share.
	Value float64
	// Text says it in words.
	Text string
}

const bindingTol = 1e-7

// explainRows turns the duals of the policy rows of a solved LP into
// Bindings. The lp package's convention is reduced cost = cost − Aᵀ·dual,
// so for a minimisation the dual of a row is the change of the objective
// per unit increase of the row's bound.
func explainRows(p *Problem, rows []policyRow, sol *lp.Solution) []Binding {
	var out []Binding
	summed := map[string]int{} // index in out of the bindings of rows summed per policy field
	for _, r := range rows {
		dual := sol.Dual[r.row]
		if math.Abs(dual) < bindingTol {
			continue
		}
		b := Binding{Constraint: r.kind, Limit: r.limit}
		switch r.kind {
		case "max_upfront":
			b.Value = -dual
			b.Text = fmt.Sprintf("The upfront cash cap of $%.2f binds: each extra $1 of upfront budget would save $%.2f over the horizon.", r.limit, b.Value)
		case "max_hourly_commitment":
			// With purchase windows the cap has a row per set of purchases
			// active together; raising the cap relaxes them all at once.
			b.Value = -dual
			if i, ok := summed[r.kind]; ok {
				b.Value += out[i].Value
			}
			b.Text = fmt.Sprintf("The hourly commitment cap of $%.4f/h binds: each extra $1/h of commitment allowed would save $%.2f over the horizon.", r.limit, b.Value)
		case "max_expiring_per_month":
			// A row per month in which purchases can expire.
			b.Value = -dual
			if i, ok := summed[r.kind]; ok {
				b.Value += out[i].Value
			}
			b.Text = fmt.Sprintf("The cap of $%.4f/h of commitment expiring in any one month binds (laddering): each extra $1/h allowed would save $%.2f over the horizon.", r.limit, b.Value)
		case "max_cvar_regret":
			b.Value = -dual
			b.Text = fmt.Sprintf("The $%.2f limit on the CVaR%.0f of regret (the mean of the worst %.0f%% of scenarios' extra cost against buying nothing new) binds: each extra $1 of accepted regret would save $%.2f in expectation.",
				r.limit, 100*p.Policy.cvarLevel(), 100*(1-p.Policy.cvarLevel()), b.Value)
		case "max_expected_waste_share":
			// The row is (1 − ω)·fees − used fees ≤ 0: one point more ω
			// moves its bound by 0.01 × fees.
			b.Value = -dual * r.base(sol) / 100
			b.Text = fmt.Sprintf("The %.1f%% cap on expected waste (unused commitment fees) binds: one percentage point more would save $%.2f in expectation.", 100*r.limit, b.Value)
		case "max_tail_waste_share":
			// A row per scenario z_s + η − (1 − ω)·F_s + used_s ≥ 0: one
			// point more ω lowers each bound by 0.01 × F_s.
			b.Value = dual * r.base(sol) / 100
			if i, ok := summed[r.kind]; ok {
				b.Value += out[i].Value
			}
			b.Text = fmt.Sprintf("The %.1f%% cap on waste in the worst %.0f%% of scenarios binds: one percentage point more would save $%.2f in expectation.", 100*r.limit, 100*(1-p.Policy.cvarLevel()), b.Value)
		case "max_coverage":
			// The row's bound is share × eligible value.
			b.Value = -dual * r.perPoint
			b.Text = fmt.Sprintf("The coverage ceiling of %.1f%% binds: one percentage point more would save $%.2f over the horizon.", 100*r.limit, b.Value)
		case "max_three_year_share":
			// The row is Σ 3-year cost − share × Σ cost ≤ 0: one point of share
			// moves its bound by 0.01 × Σ cost.
			b.Value = -dual * r.base(sol) / 100
			b.Text = fmt.Sprintf("The cap of %.1f%% on three-year terms binds: one percentage point more would save $%.2f over the horizon.", 100*r.limit, b.Value)
		case "min_utilization":
			b.Offering = p.Offerings[r.offering].ID
			// The row is used − φ·hours·x ≥ 0; one point lower φ lowers its
			// bound by 0.01·hours·x.
			b.Value = dual * r.base(sol) / 100
			b.Text = fmt.Sprintf("The %.0f%% minimum utilization limits the purchase of %s: accepting one point less would save $%.2f over the horizon.", 100*r.limit, b.Offering, b.Value)
			if r.pct {
				b.Text = fmt.Sprintf("The %.0f%% minimum utilization in %s (the scenario at the %.0fth percentile of usage) limits the purchase of %s: accepting one point less there would save $%.2f in expectation.",
					100*r.limit, p.scenarioName(r.block), 100*p.Policy.UtilizationFloorPercentile, b.Offering, b.Value)
			}
		}
		switch r.kind {
		case "max_hourly_commitment", "max_expiring_per_month", "max_tail_waste_share":
			if i, ok := summed[r.kind]; ok {
				out[i] = b
				continue
			}
			summed[r.kind] = len(out)
		}
		out = append(out, b)
	}
	return out
}

// base is Σ scale·x over the row's purchase columns: the quantity a
// share-valued limit multiplies.
func (r *policyRow) base(sol *lp.Solution) float64 {
	var v float64
	for i, j := range r.cols {
		v += r.scale[i] * sol.Primal[j]
	}
	return v
}
