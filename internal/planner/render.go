package planner

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tranchehq/tranche/internal/format"
)

// WriteJSON writes the plan in its versioned JSON form.
func WriteJSON(w io.Writer, p *Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

func money(cur string, x float64) string {
	sign := ""
	if x < 0 {
		sign, x = "-", -x
	}
	sym := cur + " "
	if cur == "USD" || cur == "" {
		sym = "$"
	}
	return sign + sym + format.Amount(x)
}

// rate writes an hourly amount with enough digits for small commitments.
func rate(cur string, x float64) string {
	m := money(cur, x)
	if math.Abs(x) < 100 {
		m = money(cur, math.Trunc(x)) // sign, symbol and integer part
		frac := strconv.FormatFloat(math.Abs(x-math.Trunc(x)), 'f', 4, 64)
		m = strings.TrimSuffix(m, ".00") + strings.TrimPrefix(frac, "0")
		if x < 0 && math.Trunc(x) == 0 {
			m = "-" + m
		}
	}
	return m + "/h"
}

func pct(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) + "%" }

func qty(l Line) string {
	if l.Kind.Spend() {
		return strconv.FormatFloat(l.Quantity, 'f', 3, 64) + " " + l.QuantityUnit
	}
	s := strconv.FormatFloat(l.Quantity, 'f', -1, 64) + " × " + l.InstanceType
	if l.RecommendedNormalizedUnitsToPurchase != nil {
		s += fmt.Sprintf(" (%g NU)", *l.RecommendedNormalizedUnitsToPurchase)
	}
	return s
}

func breakEven(l Line) string {
	if l.EstimatedBreakEvenInMonths == nil {
		return "never"
	}
	if *l.EstimatedBreakEvenInMonths == 0 {
		return "no upfront"
	}
	return strconv.FormatFloat(*l.EstimatedBreakEvenInMonths, 'f', 1, 64) + " mo"
}

func offeringShort(l Line) string {
	s := fmt.Sprintf("%s %s %s", l.Kind, l.Term, l.PaymentOption)
	if l.Region != "" {
		s += " " + l.Region
	}
	return s
}

func limitText(cur string, v *float64, f func(float64) string) string {
	if v == nil {
		return "none"
	}
	return f(*v)
}

// PolicyText says the policy in one line per field, defaults included.
func PolicyText(p Policy, cur string) []string {
	list := func(n int, f func(i int) string) string {
		if n == 0 {
			return "all offered"
		}
		var s []string
		for i := 0; i < n; i++ {
			s = append(s, f(i))
		}
		return strings.Join(s, ", ")
	}
	share := func(x float64) string { return pct(100 * x) }
	return []string{
		"kinds: " + list(len(p.Kinds), func(i int) string { return string(p.Kinds[i]) }),
		"terms: " + list(len(p.Terms), func(i int) string { return string(p.Terms[i]) }),
		"payment options: " + list(len(p.PaymentOptions), func(i int) string { return string(p.PaymentOptions[i]) }),
		"max upfront: " + limitText(cur, p.MaxUpfront, func(x float64) string { return money(cur, x) }),
		"max hourly commitment: " + limitText(cur, p.MaxHourlyCommitment, func(x float64) string { return money(cur, x) + "/h" }),
		"max coverage: " + limitText(cur, p.MaxCoverage, share),
		"min utilization of each purchase: " + func() string {
			if p.MinUtilization == 0 {
				return "none"
			}
			return share(p.MinUtilization)
		}(),
		"max three-year share: " + limitText(cur, p.MaxThreeYearShare, share),
		"cost of capital: " + func() string {
			if p.CostOfCapital == 0 {
				return "none (upfront fees at face value)"
			}
			return pct(100*p.CostOfCapital) + " a year"
		}(),
		"lookback: " + p.Lookback.String() + ", horizon: " + p.Horizon.String(),
	}
}

func header(p *Plan) []string {
	h := []string{
		fmt.Sprintf("Tranche purchase plan — as of %s (%s)", p.AsOf.Format("2006-01-02 15:04 MST"), p.Status),
		fmt.Sprintf("Scenario: %s — the lookback %s → %s (%d h) repeated over a %d-day horizon",
			p.Scenario, p.Lookback.Start.Format("2006-01-02"), p.Lookback.End.Format("2006-01-02"), p.Lookback.Hours, p.Horizon.Hours/24),
		"Inputs: " + p.InputDigest,
	}
	if p.Scenarios > 1 {
		h[1] = fmt.Sprintf("Scenarios: %d of the %s forecast over a %d-day horizon, drawn from the usage history up to %s; the purchases minimize the expected cost within the risk limits",
			p.Scenarios, p.Scenario, p.Horizon.Hours/24, p.AsOf.Format("2006-01-02"))
	}
	switch {
	case p.Solver.BoundNote != "":
		h = append(h, "NOT PROVEN OPTIMAL: the optimizer's bound rests on an allocation the billing rule does not make here (see the notes); every figure is the billing rules' own")
	case p.Solver.SampleWeeks > 1:
		h = append(h, fmt.Sprintf("Optimized on one week in %d (an approximation); proven within %s over the horizon of the best purchase", p.Solver.SampleWeeks, money(p.Currency, math.Max(0, p.Solver.Objective-p.Solver.Bound))))
	case p.Solver.DualBound != "" && !p.Solver.Stopped:
		h = append(h, fmt.Sprintf("Proven within %s over the horizon of the best purchase (the bound: see the notes)", money(p.Currency, math.Max(0, p.Solver.Objective-p.Solver.Bound))))
	case !p.Solver.Converged:
		h = append(h, fmt.Sprintf("NOT PROVEN OPTIMAL: up to %s more could be saved over the horizon", money(p.Currency, p.Solver.Objective-p.Solver.Bound)))
	}
	return h
}

type kv struct{ K, V string }

func totalsRows(p *Plan) []kv {
	t, c := p.Totals, p.Currency
	return []kv{
		{"Purchases", strconv.Itoa(t.Purchases)},
		{"On-demand cost / month (no commitments)", money(c, t.OnDemandMonthlyCost)},
		{"Current cost / month (owned commitments)", fmt.Sprintf("%s (effective savings rate %s)", money(c, t.CurrentMonthlyCost), pct(t.EffectiveSavingsRateBefore))},
		{"Planned cost / month", fmt.Sprintf("%s (effective savings rate %s)", money(c, t.PlannedMonthlyCost), pct(t.EffectiveSavingsRateAfter))},
		{"Estimated savings / month", fmt.Sprintf("%s (%s of current cost; %s over the horizon)", money(c, t.EstimatedMonthlySavingsAmount), pct(t.EstimatedSavingsPercentage), money(c, t.EstimatedSavingsAmount))},
		{"Upfront cost now", money(c, t.TotalUpfrontCost)},
		{"Later tranches (not bought now)", fmt.Sprintf("%d, upfront %s", t.LaterTranches, money(c, t.LaterUpfrontCost))},
		{"Hourly commitment", rate(c, t.TotalHourlyCommitment) + " (recurring " + money(c, t.RecurringMonthlyCost) + " / month)"},
		{"Coverage of eligible usage", pct(t.CoverageBefore) + " → " + pct(t.CoverageAfter)},
		{"Utilization of the purchases", fmt.Sprintf("%s (unused: %s / month)", pct(t.EstimatedAverageUtilization), money(c, t.MonthlyWaste))},
		{"Return on the purchases", pct(t.EstimatedROI)},
	}
}

var lineHeads = []string{"#", "When", "Buy", "Offering", "Upfront", "Recurring/mo", "Commit/h", "Savings/mo", "Savings %", "ROI", "Break-even", "Utilization", "Coverage of its pools"}

func lineCells(p *Plan, l Line) []string {
	c := p.Currency
	when := "now"
	if l.Tranche == "later" {
		when = "later: " + l.StartsAt.Format("2006-01-02")
	}
	return []string{strconv.Itoa(l.LineNumber), when, qty(l), offeringShort(l), money(c, l.UpfrontCost), money(c, l.RecurringStandardMonthlyCost),
		rate(c, l.HourlyCommitmentToPurchase), money(c, l.EstimatedMonthlySavingsAmount), pct(l.EstimatedSavingsPercentage),
		pct(l.EstimatedROI), breakEven(l), pct(l.EstimatedAverageUtilization), pct(l.CoverageBefore) + " → " + pct(l.CoverageAfter)}
}

func curveCells(p *Plan, pt CurvePoint) []string {
	m := "—"
	if pt.MarginalSavingsPerCommitment != nil {
		m = strconv.FormatFloat(*pt.MarginalSavingsPerCommitment, 'f', 3, 64)
	}
	mark := ""
	if pt.Scale == 1 {
		mark = " ← the plan"
	}
	return []string{pct(100*pt.Scale) + mark, rate(p.Currency, pt.HourlyCommitment), money(p.Currency, pt.MonthlySavings), m}
}

var riskHeads = []string{"#", "Savings/mo p10", "p50", "p90", "Chance of losing money", "Expected waste/mo"}

// riskRows are the lines' risk figures, then the plan's.
func riskRows(p *Plan) [][]string {
	c := p.Currency
	var rows [][]string
	for _, l := range p.Lines {
		if r := l.Risk; r != nil {
			rows = append(rows, []string{strconv.Itoa(l.LineNumber), money(c, r.MonthlySavingsP10), money(c, r.MonthlySavingsP50),
				money(c, r.MonthlySavingsP90), pct(r.ProbabilityOfLoss), money(c, r.ExpectedMonthlyWaste)})
		}
	}
	r := p.Risk
	rows = append(rows, []string{"plan", money(c, r.MonthlySavingsP10), money(c, r.MonthlySavingsP50), money(c, r.MonthlySavingsP90),
		pct(r.ProbabilityOfLoss), money(c, r.ExpectedMonthlyWaste) + fmt.Sprintf(" (p90 %s); worst-10%% mean regret %s/mo", money(c, r.MonthlyWasteP90), money(c, r.CVaR10Regret))})
	return rows
}

var curveHeads = []string{"Purchases scaled", "Commitment", "Savings/mo", "Marginal savings per $ of commitment"}

// topPools returns the pools by on-demand cost, largest first, at most n.
func topPools(p *Plan, n int) []PoolLine {
	pools := append([]PoolLine(nil), p.Pools...)
	sort.SliceStable(pools, func(i, j int) bool { return pools[i].OnDemandMonthlyCost > pools[j].OnDemandMonthlyCost })
	if len(pools) > n {
		pools = pools[:n]
	}
	return pools
}

// maxTableExclusions is how many exclusions the terminal table lists.
const maxTableExclusions = 12

// WriteTable writes the plan for a terminal.
func WriteTable(w io.Writer, p *Plan) error {
	ew := &errWriter{w: w}
	for _, h := range header(p) {
		ew.printf("%s\n", h)
	}
	ew.printf("\nPolicy\n")
	for _, s := range PolicyText(p.Policy, p.Currency) {
		ew.printf("  %s\n", s)
	}
	for _, s := range RiskLimitsText(p) { // the risk limits in force and their sources (limits.go)
		ew.printf("  %s\n", s)
	}
	ew.printf("\nPurchases\n")
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	if len(p.Lines) == 0 {
		fmt.Fprintln(tw, "  (none: no purchase saves money under this policy)")
	} else {
		fmt.Fprintln(tw, "  "+strings.Join(lineHeads, "\t"))
		for _, l := range p.Lines {
			fmt.Fprintln(tw, "  "+strings.Join(lineCells(p, l), "\t"))
		}
	}
	tw.Flush()
	if p.Risk != nil {
		ew.printf("\nRisk: the purchases billed in %d scenarios of the %s forecast\n", p.Risk.Scenarios, p.Risk.Forecast)
		tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  "+strings.Join(riskHeads, "\t"))
		for _, row := range riskRows(p) {
			fmt.Fprintln(tw, "  "+strings.Join(row, "\t"))
		}
		tw.Flush()
	}
	writeRiskFlags(ew, p, "  ") // lines that break a risk limit (limits.go)
	writeFrontierTable(ew, p)   // expected savings against risk (frontierview.go)
	ew.printf("\nTotals\n")
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	for _, r := range totalsRows(p) {
		fmt.Fprintf(tw, "  %s\t%s\n", r.K, r.V)
	}
	tw.Flush()
	ew.printf("\nSavings versus commitment (the plan's purchases scaled, each point simulated)\n")
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  "+strings.Join(curveHeads, "\t"))
	for _, pt := range p.Curve {
		fmt.Fprintln(tw, "  "+strings.Join(curveCells(p, pt), "\t"))
	}
	tw.Flush()
	if len(p.Lines) > 0 {
		ew.printf("\nWhy\n")
		for _, l := range p.Lines {
			ew.printf("  %d. %s — covers %s\n", l.LineNumber, l.Offering, format.Count(len(l.Pools), "pool"))
			for _, r := range l.Reasons {
				ew.printf("     - %s\n", r)
			}
		}
	}
	writeComparisonTable(ew, p) // the provider's recommendation beside the plan (compare.go)
	if len(p.Binding) > 0 {
		ew.printf("\nPolicy limits that bind\n")
		for _, b := range p.Binding {
			ew.printf("  - %s\n", b.Text)
		}
	}
	if len(p.Owned) > 0 {
		ew.printf("\nOwned commitments counted on\n")
		tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  Id\tKind\tQuantity\tEnds\tUtilization")
		for _, o := range p.Owned {
			end := "after the horizon"
			if o.End != nil {
				end = o.End.Format("2006-01-02")
			}
			fmt.Fprintf(tw, "  %s\t%s\t%g\t%s\t%s\n", o.ID, o.Kind, o.Quantity, end, pct(o.Utilization))
		}
		tw.Flush()
	}
	ew.printf("\nLargest pools (of %d): coverage before → after\n", len(p.Pools))
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  Pool\tAvg usage/h\tOn-demand/mo\tCoverage")
	for _, pl := range topPools(p, 15) {
		fmt.Fprintf(tw, "  %s\t%.1f %s\t%s\t%s → %s\n", pl.Pool, pl.AverageHourlyUsage, pl.Unit, money(p.Currency, pl.OnDemandMonthlyCost), pct(pl.CoverageBefore), pct(pl.CoverageAfter))
	}
	tw.Flush()
	if len(p.Excluded) > 0 {
		ew.printf("\nExcluded (%d)\n", len(p.Excluded))
		for i, e := range p.Excluded {
			if i == maxTableExclusions && len(p.Excluded) > maxTableExclusions+1 {
				ew.printf("  … and %d more (every one is in --output json, markdown and html)\n", len(p.Excluded)-i)
				break
			}
			ew.printf("  - %s: %s\n", e.What, e.Reason)
		}
	}
	if len(p.Notes) > 0 {
		ew.printf("\nNotes\n")
		for _, n := range p.Notes {
			ew.printf("  - %s\n", n)
		}
	}
	s := p.Solver
	ew.printf("\nSolver: %s, %s; %d pools, %d offerings, %d hours in %d classes; model gap %s, rounding gap %s\n",
		s.Method, proof(p), s.Pools, s.Offerings, s.Hours, s.HourClasses,
		money(p.Currency, s.ModelGap), money(p.Currency, s.RoundingGap))
	return ew.err
}

// WriteMarkdown writes the plan as Markdown, for a ticket or a review.
func WriteMarkdown(w io.Writer, p *Plan) error {
	ew := &errWriter{w: w}
	h := header(p)
	ew.printf("# %s\n\n", h[0])
	for _, s := range h[1:] {
		ew.printf("%s  \n", mdEscape(s))
	}
	ew.printf("\n## Purchases\n\n")
	if len(p.Lines) == 0 {
		ew.printf("None: no purchase saves money under this policy.\n")
	} else {
		mdTable(ew, lineHeads, func(row func([]string)) {
			for _, l := range p.Lines {
				row(lineCells(p, l))
			}
		})
	}
	if p.Risk != nil {
		ew.printf("\n## Risk\n\nThe purchases billed in %d scenarios of the %s forecast.\n\n", p.Risk.Scenarios, p.Risk.Forecast)
		mdTable(ew, riskHeads, func(row func([]string)) {
			for _, r := range riskRows(p) {
				row(r)
			}
		})
	}
	writeRiskFlags(ew, p, "- ")  // lines that break a risk limit (limits.go)
	writeFrontierMarkdown(ew, p) // expected savings against risk (frontierview.go)
	ew.printf("\n## Totals\n\n")
	mdTable(ew, []string{"Figure", "Value"}, func(row func([]string)) {
		for _, r := range totalsRows(p) {
			row([]string{r.K, r.V})
		}
	})
	ew.printf("\n## Savings versus commitment\n\nThe plan's purchases scaled; each point simulated with the providers' billing rules.\n\n")
	mdTable(ew, curveHeads, func(row func([]string)) {
		for _, pt := range p.Curve {
			row(curveCells(p, pt))
		}
	})
	if len(p.Lines) > 0 {
		ew.printf("\n## Why\n\n")
		for _, l := range p.Lines {
			ew.printf("%d. **%s** — covers %s\n", l.LineNumber, mdEscape(l.Offering), format.Count(len(l.Pools), "pool"))
			for _, r := range l.Reasons {
				ew.printf("   - %s\n", mdEscape(r))
			}
		}
	}
	writeComparisonMarkdown(ew, p) // the provider's recommendation beside the plan (compare.go)
	if len(p.Binding) > 0 {
		ew.printf("\n## Policy limits that bind\n\n")
		for _, b := range p.Binding {
			ew.printf("- %s\n", mdEscape(b.Text))
		}
	}
	ew.printf("\n## Policy\n\n")
	for _, s := range PolicyText(p.Policy, p.Currency) {
		ew.printf("- %s\n", mdEscape(s))
	}
	for _, s := range RiskLimitsText(p) { // the risk limits in force and their sources (limits.go)
		ew.printf("- %s\n", mdEscape(s))
	}
	if len(p.Excluded) > 0 {
		ew.printf("\n## Excluded\n\n")
		for _, e := range p.Excluded {
			ew.printf("- %s: %s\n", mdEscape(e.What), mdEscape(e.Reason))
		}
	}
	if len(p.Notes) > 0 {
		ew.printf("\n## Notes\n\n")
		for _, n := range p.Notes {
			ew.printf("- %s\n", mdEscape(n))
		}
	}
	return ew.err
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "*", `\*`, "_", `\_`, "<", "&lt;", ">", "&gt;").Replace(s)
}

func mdTable(ew *errWriter, heads []string, rows func(func([]string))) {
	ew.printf("| %s |\n|%s\n", strings.Join(heads, " | "), strings.Repeat("---|", len(heads)))
	rows(func(cells []string) {
		esc := make([]string, len(cells))
		for i, c := range cells {
			esc[i] = mdEscape(c)
		}
		ew.printf("| %s |\n", strings.Join(esc, " | "))
	})
}

// orderSheetHeads are the columns of the CSV order sheet.
var orderSheetHeads = []string{"LineNumber", "Provider", "Kind", "OfferingId", "InstanceType", "Region", "Term", "PaymentOption",
	"Quantity", "QuantityUnit", "RecommendedNormalizedUnitsToPurchase", "UpfrontCost", "RecurringStandardMonthlyCost", "HourlyCommitmentToPurchase",
	"EstimatedMonthlySavingsAmount", "EstimatedSavingsPercentage", "EstimatedROI", "EstimatedBreakEvenInMonths", "EstimatedAverageUtilization",
	"Currency", "AsOf", "InputDigest", "Status", "Decision", "ReviewedBy"}

// WriteCSV writes the order sheet for procurement: one row per purchase to
// make now (later tranches are re-planned, not ordered), with empty
// Decision and ReviewedBy columns for the reviewer.
func WriteCSV(w io.Writer, p *Plan) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(orderSheetHeads); err != nil {
		return err
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	r2 := func(x float64) string { return strconv.FormatFloat(math.Round(x*100)/100, 'f', 2, 64) }
	for _, l := range p.Lines {
		if l.Tranche == "later" {
			continue // not to be bought now: the next run re-plans it
		}
		nu, be := "", ""
		if l.RecommendedNormalizedUnitsToPurchase != nil {
			nu = f(*l.RecommendedNormalizedUnitsToPurchase)
		}
		if l.EstimatedBreakEvenInMonths != nil {
			be = r2(*l.EstimatedBreakEvenInMonths)
		}
		rec := []string{strconv.Itoa(l.LineNumber), string(l.Provider), string(l.Kind), l.OfferingID, l.InstanceType, l.Region, string(l.Term),
			string(l.PaymentOption), f(l.Quantity), l.QuantityUnit, nu, r2(l.UpfrontCost), r2(l.RecurringStandardMonthlyCost),
			strconv.FormatFloat(l.HourlyCommitmentToPurchase, 'f', 4, 64), r2(l.EstimatedMonthlySavingsAmount), r2(l.EstimatedSavingsPercentage),
			r2(l.EstimatedROI), be, r2(l.EstimatedAverageUtilization), p.Currency, p.AsOf.Format(time.RFC3339), p.InputDigest, p.Status, "", ""}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }

// proof says how far the plan's purchase is proven from the best one.
func proof(p *Plan) string {
	s := p.Solver
	switch {
	case s.Converged:
		return "proven optimal"
	case s.BoundNote == "" && (s.SampleWeeks > 1 || (s.DualBound != "" && !s.Stopped)):
		return "proven within " + money(p.Currency, math.Max(0, s.Objective-s.Bound))
	}
	return "NOT proven optimal"
}
