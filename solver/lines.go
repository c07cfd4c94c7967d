package solver

import (
	"fmt"
	"math"
	"strings"
)

// purchaseLines builds the plan lines from the billed result. bill's
// holdings are the owned commitments (nOwned of them) followed by
// purchaseHoldings(p, q), in order.
func purchaseLines(p *Problem, c *compiled, q []float64, bill *Bill, nOwned int, rel *relaxed) []Purchase {
	ev := c.evaluate(q, 1, true)
	var lines []Purchase
	h := nOwned
	for k, qty := range q {
		if qty <= 0 {
			continue
		}
		o := &p.Offerings[k]
		hb := &bill.Holdings[h]
		h++
		start, end := o.Window(p.span())
		hours := float64(end - start) // active hours inside the horizon
		if si := c.cands[k]; si >= 0 {
			hours = c.activeHours(si) // in expectation over the scenarios
		}
		months := hours / HoursPerMonth
		l := Purchase{
			Offering:         k,
			OfferingID:       o.ID,
			Quantity:         qty,
			Start:            start,
			End:              end,
			Upfront:          qty * o.Upfront,
			HourlyCost:       qty * o.HourlyCost(),
			RecurringMonthly: qty * o.Recurring * HoursPerMonth,
			Utilization:      hb.Utilization(),
			Savings:          hb.CoveredValue - hb.Fees,
		}
		if bill.EligibleValue > 0 {
			l.CoverageAdded = hb.CoveredValue / bill.EligibleValue
		}
		if months > 0 {
			l.MonthlySavings = l.Savings / months
		}
		// Cash break-even: upfront repaid by covered value less recurring fees.
		gross := 0.0
		if months > 0 {
			gross = (hb.CoveredValue - qty*o.Recurring*hours) / months
		}
		switch {
		case l.Upfront == 0:
			l.BreakEvenMonths = 0
		case gross <= 0:
			l.BreakEvenMonths = math.Inf(1)
		default:
			l.BreakEvenMonths = l.Upfront / gross
		}
		if si := c.cands[k]; si >= 0 {
			var g float64
			for gi := range ev.grad {
				g += ev.grad[gi][k]
			}
			l.NextUnitSavings = -g - o.HourlyCost()*c.activeHours(si)
		}
		l.Reasons = lineReasons(p, c, q, k, &l, rel)
		lines = append(lines, l)
	}
	return lines
}

func lineReasons(p *Problem, c *compiled, q []float64, k int, l *Purchase, rel *relaxed) []string {
	o := &p.Offerings[k]
	var rs []string
	var pools []string
	for i, cv := range o.Covers {
		if i == 5 {
			pools = append(pools, fmt.Sprintf("and %d more", len(o.Covers)-5))
			break
		}
		pools = append(pools, poolName(p, cv.Pool))
	}
	if o.Start > 0 || o.End > 0 {
		rs = append(rs, fmt.Sprintf("Active from hour %d to hour %d of the horizon (%.1f months); the figures below are over those hours, except the upfront fee, which is paid in full.",
			l.Start, l.End, float64(l.End-l.Start)/HoursPerMonth))
	}
	rs = append(rs, fmt.Sprintf("Covers %s; in the simulated horizon it is %.1f%% used and covers %.2f%% of eligible usage.",
		strings.Join(pools, ", "), 100*l.Utilization, 100*l.CoverageAdded))
	if l.Savings > 0 {
		rs = append(rs, fmt.Sprintf("Saves $%.2f over the horizon ($%.2f a month) against paying on demand for the usage it covers.", l.Savings, l.MonthlySavings))
	} else {
		rs = append(rs, fmt.Sprintf("Costs $%.2f more than on demand for the usage it covers on its own; it is bought because it lets other commitments cover more.", -l.Savings))
	}
	// NextUnitSavings is a marginal value per unit: one instance of a
	// resource offering, but $1/h of a spend offering, far more than its
	// increment. Speak of the step the offering is bought in.
	inc := o.Increment
	wholeInstances := o.Type == Resource && inc >= 1
	step, stepText := 1.0, "one more unit"
	switch {
	case wholeInstances:
		step = inc
		stepText = "one more instance"
		if inc != 1 {
			stepText = fmt.Sprintf("%g more instances", inc)
		}
	case o.Type == Spend && inc > 0:
		step = inc
		stepText = fmt.Sprintf("the next $%g/h of commitment", inc)
	case o.Type == Spend:
		stepText = "each extra $1/h of commitment"
	case inc > 0:
		step = inc
		stepText = fmt.Sprintf("the next %g units", inc)
	}
	save := l.NextUnitSavings * step
	switch {
	case l.NextUnitSavings < -1e-6:
		rs = append(rs, fmt.Sprintf("Stopped here: %s would lose $%.2f over the horizon.", stepText, -save))
	case l.NextUnitSavings > 1e-6:
		more := append([]float64(nil), q...)
		more[k] += step
		if why := policyViolation(p, c, more); why != "" {
			rs = append(rs, fmt.Sprintf("%s would still save $%.2f over the horizon, but it would break %s.", capitalize(stepText), save, why))
		} else if p.Policy.MinUtilization > 0 {
			rs = append(rs, fmt.Sprintf("%s would still save $%.2f over the horizon, but its utilization would fall under the %.0f%% floor.", capitalize(stepText), save, 100*p.Policy.MinUtilization))
		} else if wholeInstances {
			rs = append(rs, fmt.Sprintf("%s would still save $%.2f over the horizon at the margin; whole-instance rounding stopped here.", capitalize(stepText), save))
		} else if inc > 0 {
			rs = append(rs, fmt.Sprintf("At the margin %s would still save $%.2f over the horizon; the quantity is rounded down to its increment.", stepText, save))
		} else {
			rs = append(rs, fmt.Sprintf("At the margin %s would save $%.2f over the horizon by the fill's subgradient, which is one-sided at a kink of the cost: the optimum stops here.", stepText, save))
		}
	}
	for _, b := range rel.binding {
		if b.Offering == "" || b.Offering == o.ID {
			rs = append(rs, b.Text)
		}
	}
	return rs
}

// capitalize upper-cases the first letter of an ASCII phrase.
func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
