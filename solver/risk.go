package solver

import (
	"fmt"
	"math"
	"sort"

	"github.com/tranchehq/tranche/solver/lp"
)

// The risk rows of the policy over the scenarios (doc.go):
//
//	CVaR of regret   η + 1/(1−β) Σ_s π_s z_s ≤ ρ,
//	                 z_s ≥ C_s − C⁰_s − η,  z_s ≥ 0
//	expected waste   Σ_k h_k (E[A_k] x_k − used_k) ≤ ω Σ_k h_k E[A_k] x_k
//	tail waste       η' + 1/(1−β) Σ_s π_s z'_s ≤ 0,
//	                 z'_s ≥ W_s − ω' F_s − η',  z'_s ≥ 0
//
// where C_s is scenario s's cost, C⁰_s its cost buying nothing new, F_s the
// new purchases' fees in s and W_s their unused part.

// riskRows holds the rows of the direct LP that the coverage columns enter.
type riskRows struct {
	rows []policyRow
	// Per scenario: the CVaR-of-regret row and the tail-waste row, -1
	// when not set.
	regret, tail []int
	waste        int // the expected-waste row, -1 when not set
}

// addRiskRows adds the risk rows and their auxiliary columns to the direct
// LP; the coverage columns are entered later with cover.
func addRiskRows(m *lp.Model, c *compiled, xcol []int) *riskRows {
	p := c.p
	pol := &p.Policy
	beta := pol.cvarLevel()
	nb := len(c.blocks)
	r := &riskRows{waste: -1}
	// feesIn(b) is Σ_k h_k A_kb x_k as columns and coefficients times f.
	feesIn := func(b int, f float64) ([]int, []float64) {
		var cols []int
		var vals []float64
		for k, j := range xcol {
			if j < 0 {
				continue
			}
			var h float64
			if b < 0 {
				h = c.activeHours(c.cands[k])
			} else {
				h = c.srcHours[c.cands[k]][b]
			}
			if v := f * p.Offerings[k].HourlyCost() * h; v != 0 {
				cols = append(cols, j)
				vals = append(vals, v)
			}
		}
		return cols, vals
	}
	cvar := func(kind string, limit float64, rhs func(b int) float64, fees float64) []int {
		eta := m.AddColumn(kind+".eta", 0, math.Inf(-1), math.Inf(1))
		main := []int{eta}
		mainVals := []float64{1}
		rows := make([]int, nb)
		for b, bl := range c.blocks {
			z := m.AddColumn(fmt.Sprintf("%s.z[%d]", kind, b), 0, 0, math.Inf(1))
			main = append(main, z)
			mainVals = append(mainVals, bl.prob/(1-beta))
			cols, vals := feesIn(b, -fees)
			rows[b] = m.AddRowWith(fmt.Sprintf("%s[%d]", kind, b), rhs(b), math.Inf(1),
				append([]int{z, eta}, cols...), append([]float64{1, 1}, vals...))
			if kind == "max_tail_waste_share" {
				cols, vals := feesIn(b, 1)
				r.rows = append(r.rows, policyRow{kind: kind, row: rows[b], limit: *pol.MaxTailWasteShare, offering: -1, cols: cols, scale: vals, block: b})
			}
		}
		row := m.AddRowWith(kind, math.Inf(-1), limit, main, mainVals)
		if kind == "max_cvar_regret" {
			r.rows = append(r.rows, policyRow{kind: kind, row: row, limit: limit, offering: -1})
		}
		return rows
	}
	if pol.MaxCVaRRegret != nil {
		// z_s + η − Σ h A_s x + Σ_{y in s} hours·d·y ≥ owned fees_s + usage
		// value_s − C⁰_s = usage value_s − on demand_s(0).
		base := c.baseCost()
		r.regret = cvar("max_cvar_regret", *pol.MaxCVaRRegret, func(b int) float64 { return c.usageValueIn(b) - base[b] }, 1)
	}
	if pol.MaxTailWasteShare != nil {
		// z'_s + η' − (1 − ω') F_s + Σ_{purchase y in s} h·hours·a·y ≥ 0.
		r.tail = cvar("max_tail_waste_share", 0, func(int) float64 { return 0 }, 1-*pol.MaxTailWasteShare)
	}
	if pol.MaxExpectedWasteShare != nil {
		om := *pol.MaxExpectedWasteShare
		cols, vals := feesIn(-1, 1-om)
		r.waste = m.AddRowWith("max_expected_waste_share", math.Inf(-1), 0, cols, vals)
		_, scale := feesIn(-1, 1)
		r.rows = append(r.rows, policyRow{kind: "max_expected_waste_share", row: r.waste, limit: om, offering: -1, cols: cols, scale: scale})
	}
	return r
}

// cover enters coverage column y of a class of scenario b into the risk
// rows: w is the class's weight (hours × probability), hours its hours in
// the scenario, d the pool's on-demand rate, purchase whether the source is
// a purchase, and fee the fee of the capacity one unit of y uses
// (h_k · rate).
func (r *riskRows) cover(m *lp.Model, y, b int, w, hours, d float64, purchase bool, fee float64) {
	if r.regret != nil {
		m.Set(r.regret[b], y, hours*d)
	}
	if !purchase {
		return
	}
	if r.tail != nil {
		m.Set(r.tail[b], y, hours*fee)
	}
	if r.waste >= 0 {
		m.Set(r.waste, y, -w*fee)
	}
}

// cvarOf is the conditional value at risk at level beta of losses with the
// given probabilities: the probability-weighted mean of the worst 1 − beta
// of them (Rockafellar & Uryasev 2000).
func cvarOf(losses, probs []float64, beta float64) float64 {
	idx := make([]int, len(losses))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return losses[idx[a]] > losses[idx[b]] })
	tail := 1 - beta
	var acc, sum float64
	for _, i := range idx {
		w := min(probs[i], tail-acc)
		if w <= 0 {
			break
		}
		sum += w * losses[i]
		acc += w
	}
	if acc <= 0 {
		return losses[idx[0]]
	}
	return sum / acc
}

// CVaR is the conditional value at risk at level beta in [0, 1) of losses
// with the given probabilities (summing to 1): the probability-weighted
// mean of the worst 1 − beta of the outcomes, splitting the outcome at the
// boundary. It panics when the slices differ in length or are empty.
func CVaR(losses, probs []float64, beta float64) float64 {
	if len(losses) != len(probs) || len(losses) == 0 {
		panic("solver: CVaR: losses and probabilities differ in length or are empty")
	}
	return cvarOf(losses, probs, beta)
}

// riskMeasures are the risk figures of a purchase by the fill: per
// scenario its cost and regret, the new purchases' fees and unused fees.
type riskMeasures struct {
	cost, regret, fees, unused []float64
	expFees, expUnused         float64
}

// measureRisk evaluates purchase x (ev its evaluation) scenario by
// scenario.
func (c *compiled) measureRisk(x []float64, ev *evaluation) *riskMeasures {
	nb := len(c.blocks)
	base := c.baseCost()
	r := &riskMeasures{cost: make([]float64, nb), regret: make([]float64, nb), fees: make([]float64, nb), unused: make([]float64, nb)}
	for b, bl := range c.blocks {
		fees := c.feesIn(x, b)
		own := c.ownedFeesIn(b)
		r.cost[b] = fees + own + ev.blockOD[b]/bl.prob
		r.regret[b] = r.cost[b] - own - base[b]
		r.fees[b] = fees
		var used float64
		for k, si := range c.cands {
			if si >= 0 && x[k] > 0 {
				used += c.p.Offerings[k].HourlyCost() * ev.blockUsed[b][k] / bl.prob
			}
		}
		r.unused[b] = fees - used
		r.expFees += bl.prob * fees
		r.expUnused += bl.prob * r.unused[b]
	}
	return r
}

// riskViolation names the first risk limit that purchase x breaks on the
// fill, in words, or returns "". tol is relative to the scale of the costs.
func (c *compiled) riskViolation(x []float64, ev *evaluation, tol float64) string {
	pol := &c.p.Policy
	if pol.MaxCVaRRegret == nil && !pol.wasteRows() {
		return ""
	}
	if ev == nil {
		ev = c.evaluate(x, 1, false)
	}
	m := c.measureRisk(x, ev)
	probs := make([]float64, len(c.blocks))
	var scale float64
	for b, bl := range c.blocks {
		probs[b] = bl.prob
		scale += bl.prob * math.Abs(m.cost[b])
	}
	slack := tol * max(1, scale)
	beta := pol.cvarLevel()
	if lim := pol.MaxCVaRRegret; lim != nil && cvarOf(m.regret, probs, beta) > *lim+slack {
		return fmt.Sprintf("the $%.2f limit on the CVaR%.0f of regret", *lim, 100*beta)
	}
	if om := pol.MaxExpectedWasteShare; om != nil && m.expUnused > *om*m.expFees+slack {
		return fmt.Sprintf("the %.1f%% cap on expected waste", 100**om)
	}
	if om := pol.MaxTailWasteShare; om != nil {
		ex := make([]float64, len(c.blocks))
		for b := range ex {
			ex[b] = m.unused[b] - *om*m.fees[b]
		}
		if cvarOf(ex, probs, beta) > slack {
			return fmt.Sprintf("the %.1f%% cap on waste in the worst %.0f%% of scenarios", 100**om, 100*(1-beta))
		}
	}
	return ""
}
