package planner

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/solver"
)

// Risk is how the plan's purchases fare across the scenarios of a
// forecast: each scenario is billed by the simulator with and without the
// purchases. Monthly figures in the plan's currency; shares 0–100.
type Risk struct {
	Forecast  string `json:"Forecast"`
	Scenarios int    `json:"Scenarios"`
	// Savings of the purchases against buying nothing new, per month.
	ExpectedMonthlySavings float64 `json:"ExpectedMonthlySavings"`
	MonthlySavingsP10      float64 `json:"MonthlySavingsP10"`
	MonthlySavingsP50      float64 `json:"MonthlySavingsP50"`
	MonthlySavingsP90      float64 `json:"MonthlySavingsP90"`
	// ProbabilityOfLoss is the share of scenarios in which the purchases
	// cost more than they save.
	ProbabilityOfLoss float64 `json:"ProbabilityOfLoss"`
	// CVaR10Regret is the mean monthly regret (cost with the purchases
	// minus cost without) over the worst 10 % of scenarios: above 0, the
	// purchases lose money in those futures.
	CVaR10Regret float64 `json:"CVaR10Regret"`
	// Waste is the unused part of the purchases' cost, per month.
	ExpectedMonthlyWaste float64 `json:"ExpectedMonthlyWaste"`
	MonthlyWasteP90      float64 `json:"MonthlyWasteP90"`
}

// LineRisk is one purchase across the scenarios.
type LineRisk struct {
	MonthlySavingsP10    float64 `json:"MonthlySavingsP10"`
	MonthlySavingsP50    float64 `json:"MonthlySavingsP50"`
	MonthlySavingsP90    float64 `json:"MonthlySavingsP90"`
	ProbabilityOfLoss    float64 `json:"ProbabilityOfLoss"`
	ExpectedMonthlyWaste float64 `json:"ExpectedMonthlyWaste"`
	// Breaks lists the risk limits the line breaks on its own, billed in
	// the scenarios (limits.go), with the figures.
	Breaks []string `json:"Breaks,omitempty"`
}

// evaluateRisk bills every scenario with the owned commitments, with and
// without the plan's purchases to make now (later tranches are re-planned,
// so they are not part of what is decided), and fills p.Risk and each such
// line's Risk; it returns the bills scenario by scenario.
func (p *Plan) evaluateRisk(ctx context.Context, f Forecaster, scen []Scenario, book *providers.PriceBook, owned []providers.Commitment) (*scenarioBills, error) {
	if len(scen) == 0 {
		return nil, nil
	}
	bought := p.Commitments("plan-line-", p.AsOf)
	all := append(append([]providers.Commitment(nil), owned...), bought...)
	n := len(scen)
	savings := make([]float64, n)
	waste := make([]float64, n)
	lineSav := make([][]float64, len(p.Lines))
	lineWaste := make([]float64, len(p.Lines))
	for l := range lineSav {
		lineSav[l] = make([]float64, n)
	}
	bills := &scenarioBills{prob: make([]float64, n), savings: savings, fees: make([]float64, n), waste: waste,
		lineSav: lineSav, lineFees: make([][]float64, len(p.Lines)), lineWaste: make([][]float64, len(p.Lines))}
	for l := range p.Lines {
		bills.lineFees[l], bills.lineWaste[l] = make([]float64, n), make([]float64, n)
	}
	for s, sc := range scen {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		bills.prob[s] = sc.Probability
		b, err := BuildProblem(ProblemInput{Book: book, Usage: sc.Usage, Owned: all})
		if err != nil {
			return nil, fmt.Errorf("planner: scenario %s: %w", sc.Name, err)
		}
		months := float64(b.Problem.Hours) / hoursPerMonth
		var with, without []solver.Holding
		// The plan's lines among the holdings, in holding order: a slice,
		// not a map, so that the sums below add in the same order every
		// run and the same inputs give the same figures to the last bit.
		type lineOf struct{ h, l int }
		var line []lineOf
		for _, c := range b.Problem.Owned {
			h := solver.Holding{ID: c.ID, Offering: c.Offering, Quantity: c.Quantity, Start: c.Start, End: c.End}
			if num, ok := strings.CutPrefix(c.ID, "plan-line-"); ok {
				var k int
				fmt.Sscan(num, &k)
				line = append(line, lineOf{len(with), k - 1})
			} else {
				without = append(without, h)
			}
			with = append(with, h)
		}
		if len(line) != len(bought) {
			return nil, fmt.Errorf("planner: scenario %s: %d of the plan's %d purchases map onto the price book", sc.Name, len(line), len(bought))
		}
		bw, err := solver.Simulate(b.Problem, with, solver.SimOptions{})
		if err != nil {
			return nil, fmt.Errorf("planner: scenario %s: %w", sc.Name, err)
		}
		bo, err := solver.Simulate(b.Problem, without, solver.SimOptions{})
		if err != nil {
			return nil, fmt.Errorf("planner: scenario %s: %w", sc.Name, err)
		}
		savings[s] = (bo.Total - bw.Total) / months
		for _, hl := range line {
			l, hb := hl.l, bw.Holdings[hl.h]
			lineSav[l][s] = (hb.CoveredValue - hb.Fees) / months
			w := hb.Fees * (1 - hb.Utilization()) / months
			waste[s] += w
			lineWaste[l] += w / float64(n)
			bills.fees[s] += hb.Fees / months
			bills.lineFees[l][s], bills.lineWaste[l][s] = hb.Fees/months, w
		}
	}
	r := &Risk{Forecast: f.Name(), Scenarios: n}
	r.ExpectedMonthlySavings = mean1(savings)
	r.MonthlySavingsP10, r.MonthlySavingsP50, r.MonthlySavingsP90 = quantile(savings, 0.1), quantile(savings, 0.5), quantile(savings, 0.9)
	r.ProbabilityOfLoss = 100 * shareBelow(savings, 0)
	regret := make([]float64, n)
	for i, s := range savings {
		regret[i] = -s
	}
	r.CVaR10Regret = tailMean(regret, 0.1)
	r.ExpectedMonthlyWaste = mean1(waste)
	r.MonthlyWasteP90 = quantile(waste, 0.9)
	p.Risk = r
	for l := range p.Lines {
		if p.Lines[l].Tranche == "later" {
			continue // later tranches are re-planned, not bought: no risk of their own now
		}
		s := lineSav[l]
		p.Lines[l].Risk = &LineRisk{MonthlySavingsP10: quantile(s, 0.1), MonthlySavingsP50: quantile(s, 0.5), MonthlySavingsP90: quantile(s, 0.9),
			ProbabilityOfLoss: 100 * shareBelow(s, 0), ExpectedMonthlyWaste: lineWaste[l]}
	}
	var total float64
	for _, x := range bills.prob {
		total += x
	}
	for i := range bills.prob {
		bills.prob[i] /= total
	}
	for l := range p.Lines {
		if p.Lines[l].Risk == nil {
			bills.lineSav[l] = nil // not bought now: nothing to check
		}
	}
	return bills, nil
}

func mean1(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// quantile is the q-quantile of xs by linear interpolation between order
// statistics.
func quantile(xs []float64, q float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s) == 1 {
		return s[0]
	}
	pos := q * float64(len(s)-1)
	i := int(math.Floor(pos))
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[i] + (pos-float64(i))*(s[i+1]-s[i])
}

func shareBelow(xs []float64, v float64) float64 {
	n := 0
	for _, x := range xs {
		if x < v {
			n++
		}
	}
	return float64(n) / float64(len(xs))
}

// tailMean is the mean of the largest share of xs (at least one value):
// the conditional value at risk of the worst outcomes when xs are losses.
func tailMean(xs []float64, share float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Sort(sort.Reverse(sort.Float64Slice(s)))
	k := max(1, int(math.Ceil(share*float64(len(s)))))
	return mean1(s[:k])
}
