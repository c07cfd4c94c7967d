package planner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/solver"
)

// A provider's own purchase recommendation (AWS Cost Explorer's), billed
// by the same simulator, on the same forecast, owned commitments and
// horizon as the plan, and shown beside it. The provider's figures are
// copied; every figure beside them is the simulator's.

// ProviderRecommendation is a provider's own purchase recommendation in
// the planner's terms (cmd/tranche converts AWS's file into it).
type ProviderRecommendation struct {
	Provider providers.Provider
	// Source names where it comes from; AsOf when it was read; Query what
	// was asked (term, payment option, lookback), in words.
	Source string
	AsOf   time.Time
	Query  string
	Lines  []ProviderLine
	// Skipped lists the provider's lines that could not be read, with why.
	Skipped []Exclusion
}

// ProviderLine is one line of a provider's recommendation. Lines of one
// kind are one recommendation, bought together; the kinds are
// alternatives (AWS answers for standard RIs, convertible RIs, Compute and
// EC2 Instance Savings Plans each as if nothing else were bought).
type ProviderLine struct {
	Kind          providers.Kind
	Term          providers.Term
	PaymentOption providers.PaymentOption
	Account       string
	// Scope is the pool a reservation is for, or the scope of a savings
	// plan (region and family for an EC2 Instance Savings Plan; the
	// provider alone for a Compute Savings Plan).
	Scope providers.PoolKey
	// InstanceType is the size of a reservation.
	InstanceType string
	// OfferingID is the provider's offering, when it names one.
	OfferingID string
	// Quantity is instances for reservations, currency per hour for
	// savings plans.
	Quantity float64
	// The provider's own figures: upfront, estimated savings per month,
	// expected utilization (0–100), in Currency.
	UpfrontCost                 float64
	EstimatedMonthlySavings     float64
	EstimatedAverageUtilization float64
	Currency                    string
}

// Comparison is the provider's recommendation billed beside the plan.
// Money in the plan's currency, percentages 0–100, months of 730 hours.
type Comparison struct {
	Provider  providers.Provider `json:"Provider"`
	Source    string             `json:"Source"`
	FetchedAt time.Time          `json:"FetchedAt"`
	Query     string             `json:"Query"`
	// Lines are the provider's lines that map onto the price book, each
	// billed with the other lines of its alternative.
	Lines []ComparisonLine `json:"Lines"`
	// Unmapped are the provider's lines that could not be billed (no
	// matching offering, unreadable), with why; they are in no total.
	Unmapped []Exclusion `json:"Unmapped"`
	// Tranche is the plan's own totals; Alternatives one per kind of the
	// provider's recommendation, each bought alone on top of the owned
	// commitments.
	Tranche      ComparisonTotals   `json:"Tranche"`
	Alternatives []ComparisonTotals `json:"Alternatives"`
	// RiskNote says why the scenarios could not be billed, when a risk
	// forecast was asked for and they could not.
	RiskNote string `json:"RiskNote,omitempty"`
}

// ComparisonLine is one line of the provider's recommendation: the
// provider's figures and the simulator's for the same purchase.
type ComparisonLine struct {
	LineNumber int `json:"LineNumber"`
	// Alternative is the name of the alternative the line belongs to.
	Alternative   string                  `json:"Alternative"`
	Kind          providers.Kind          `json:"Kind"`
	Term          providers.Term          `json:"Term"`
	PaymentOption providers.PaymentOption `json:"PaymentOption"`
	InstanceType  string                  `json:"InstanceType,omitempty"`
	Region        string                  `json:"Region,omitempty"`
	Quantity      float64                 `json:"Quantity"`
	QuantityUnit  string                  `json:"QuantityUnit"`
	// OfferingID is the price book's offering the line was mapped to.
	OfferingID string `json:"OfferingId"`
	// The provider's own figures, copied.
	ProviderUpfrontCost                 float64 `json:"ProviderUpfrontCost"`
	ProviderEstimatedMonthlySavings     float64 `json:"ProviderEstimatedMonthlySavings"`
	ProviderEstimatedAverageUtilization float64 `json:"ProviderEstimatedAverageUtilization"`
	// The simulator's figures for the purchase, from the price book.
	UpfrontCost                   float64   `json:"UpfrontCost"`
	HourlyCommitmentToPurchase    float64   `json:"HourlyCommitmentToPurchase"`
	EstimatedMonthlySavingsAmount float64   `json:"EstimatedMonthlySavingsAmount"`
	EstimatedAverageUtilization   float64   `json:"EstimatedAverageUtilization"`
	MonthlyWaste                  float64   `json:"MonthlyWaste"`
	Risk                          *LineRisk `json:"Risk,omitempty"`
}

// ComparisonTotals are one column of the comparison: the plan, or one
// alternative of the provider's recommendation.
type ComparisonTotals struct {
	Name string `json:"Name"`
	// Lines are the numbers of the comparison lines of an alternative.
	Lines     []int `json:"Lines"`
	Purchases int   `json:"Purchases"`
	// UpfrontCost is the cash needed now.
	UpfrontCost float64 `json:"UpfrontCost"`
	// MonthlyCommitment is the hourly commitment (upfront amortized plus
	// recurring) over a 730-hour month.
	MonthlyCommitment             float64 `json:"MonthlyCommitment"`
	EstimatedMonthlySavingsAmount float64 `json:"EstimatedMonthlySavingsAmount"`
	// EstimatedSavingsPercentage is over the current cost (owned
	// commitments only), as in the plan's totals.
	EstimatedSavingsPercentage  float64 `json:"EstimatedSavingsPercentage"`
	EstimatedAverageUtilization float64 `json:"EstimatedAverageUtilization"`
	MonthlyWaste                float64 `json:"MonthlyWaste"`
	CoverageAfter               float64 `json:"CoverageAfter"`
	// ProviderEstimatedMonthlySavings is the provider's own estimate of
	// the alternative's savings; null for the plan.
	ProviderEstimatedMonthlySavings *float64        `json:"ProviderEstimatedMonthlySavings"`
	Risk                            *ComparisonRisk `json:"Risk,omitempty"`
}

// ComparisonRisk is a column across the risk forecast's scenarios.
type ComparisonRisk struct {
	ExpectedMonthlySavings float64 `json:"ExpectedMonthlySavings"`
	MonthlySavingsP10      float64 `json:"MonthlySavingsP10"`
	ProbabilityOfLoss      float64 `json:"ProbabilityOfLoss"`
	ExpectedMonthlyWaste   float64 `json:"ExpectedMonthlyWaste"`
}

// compareProvider bills the provider's recommendation the way the plan's
// own figures are billed: the problem the plan was solved on (its forecast,
// owned commitments, horizon and cost of capital), the owned commitments
// plus the purchase, solver.Simulate against the plan's baseline (as
// curve does); and, with a risk forecast, the same scenarios through
// evaluateRisk. It sets p.ProviderComparison.
func (p *Plan) compareProvider(ctx context.Context, in Input, b *Built, res *solver.Result, owned []providers.Commitment, scen []Scenario) error {
	rec := in.ProviderRecommendation
	c := &Comparison{Provider: rec.Provider, Source: rec.Source, FetchedAt: rec.AsOf, Query: rec.Query,
		Lines: []ComparisonLine{}, Unmapped: []Exclusion{}, Alternatives: []ComparisonTotals{}}
	c.Unmapped = append(c.Unmapped, rec.Skipped...)
	t := p.Totals
	c.Tranche = ComparisonTotals{Name: "Tranche plan", Lines: []int{}, Purchases: t.Purchases, UpfrontCost: t.TotalUpfrontCost,
		MonthlyCommitment: t.TotalHourlyCommitment * hoursPerMonth, EstimatedMonthlySavingsAmount: t.EstimatedMonthlySavingsAmount,
		EstimatedSavingsPercentage: t.EstimatedSavingsPercentage, EstimatedAverageUtilization: t.EstimatedAverageUtilization,
		MonthlyWaste: t.MonthlyWaste, CoverageAfter: t.CoverageAfter}
	if r := p.Risk; r != nil {
		c.Tranche.Risk = &ComparisonRisk{ExpectedMonthlySavings: r.ExpectedMonthlySavings, MonthlySavingsP10: r.MonthlySavingsP10,
			ProbabilityOfLoss: r.ProbabilityOfLoss, ExpectedMonthlyWaste: r.ExpectedMonthlyWaste}
	}

	// Map each line onto an offering of the problem, grouped by kind.
	type mapped struct {
		line ProviderLine
		k    int // index in b.Offerings and b.Problem.Offerings
	}
	groups := map[providers.Kind][]mapped{}
	for _, l := range rec.Lines {
		o, why := mapProviderLine(in.Book, l)
		if why != "" {
			c.Unmapped = append(c.Unmapped, Exclusion{What: providerLineText(l), Reason: why})
			continue
		}
		k := slices.IndexFunc(b.Offerings, func(bo providers.Offering) bool { return bo.ID == o.ID })
		if k < 0 || b.Problem.Offerings[k].Start != 0 {
			c.Unmapped = append(c.Unmapped, Exclusion{What: providerLineText(l), Reason: fmt.Sprintf(
				"the price book's offering %s covers no pool with usage in the plan's forecast: it would cost %s a month and save nothing",
				o.ID, money(p.Currency, l.Quantity*o.EffectiveHourlyRate*hoursPerMonth))})
			continue
		}
		groups[l.Kind] = append(groups[l.Kind], mapped{l, k})
	}

	months := float64(p.Horizon.Hours) / hoursPerMonth
	var ownedHs []solver.Holding
	for _, oc := range b.Problem.Owned {
		ownedHs = append(ownedHs, solver.Holding{ID: oc.ID, Offering: oc.Offering, Quantity: oc.Quantity, Start: oc.Start, End: oc.End})
	}
	for _, kind := range providers.Kinds() {
		ms := groups[kind]
		if len(ms) == 0 {
			continue
		}
		alt := ComparisonTotals{Name: fmt.Sprintf("%s %s", strings.ToUpper(string(rec.Provider)), kind), Lines: []int{}, Purchases: len(ms)}
		hs := append([]solver.Holding(nil), ownedHs...)
		var provSavings float64
		for j, m := range ms {
			so := &b.Problem.Offerings[m.k]
			ws, we := so.Window(p.Horizon.Hours)
			hs = append(hs, solver.Holding{ID: fmt.Sprintf("provider-line-%d", j+1), Offering: m.k, Quantity: m.line.Quantity, Start: ws, End: we})
			provSavings += m.line.EstimatedMonthlySavings
		}
		bill, err := solver.Simulate(b.Problem, hs, solver.SimOptions{})
		if err != nil {
			return fmt.Errorf("planner: billing the provider's recommendation: %w", err)
		}
		shadow := &Plan{AsOf: p.AsOf, Currency: p.Currency, offerings: map[string]providers.Offering{}}
		var fees, used float64
		for j, m := range ms {
			o, so := b.Offerings[m.k], &b.Problem.Offerings[m.k]
			hb := bill.Holdings[len(ownedHs)+j]
			ws, we := so.Window(p.Horizon.Hours)
			lm := float64(we-ws) / hoursPerMonth
			u := hb.Utilization()
			cl := ComparisonLine{LineNumber: len(c.Lines) + 1, Alternative: alt.Name, Kind: o.Kind, Term: o.Term, PaymentOption: o.PaymentOption,
				InstanceType: o.InstanceType, Region: m.line.Scope.Region, Quantity: m.line.Quantity, OfferingID: o.ID,
				ProviderUpfrontCost: m.line.UpfrontCost, ProviderEstimatedMonthlySavings: m.line.EstimatedMonthlySavings,
				ProviderEstimatedAverageUtilization: m.line.EstimatedAverageUtilization,
				UpfrontCost:                         m.line.Quantity * so.Upfront, HourlyCommitmentToPurchase: m.line.Quantity * so.HourlyCost(),
				EstimatedAverageUtilization: 100 * u}
			if lm > 0 {
				cl.EstimatedMonthlySavingsAmount = (hb.CoveredValue - hb.Fees) / lm
				cl.MonthlyWaste = hb.Fees * (1 - u) / lm
			}
			cl.QuantityUnit = "instances"
			if o.Kind.Spend() {
				cl.QuantityUnit = p.Currency + "/hour"
			}
			c.Lines = append(c.Lines, cl)
			alt.Lines = append(alt.Lines, cl.LineNumber)
			alt.UpfrontCost += cl.UpfrontCost
			alt.MonthlyCommitment += cl.HourlyCommitmentToPurchase * hoursPerMonth
			fees += hb.Fees
			used += u * hb.Fees
			shadow.offerings[o.ID] = o
			shadow.Lines = append(shadow.Lines, Line{LineNumber: j + 1, OfferingID: o.ID, Provider: o.Provider, Kind: o.Kind, Term: o.Term,
				PaymentOption: o.PaymentOption, InstanceType: o.InstanceType, Quantity: m.line.Quantity, UpfrontCost: m.line.Quantity * o.UpfrontFee,
				RecurringStandardMonthlyCost: m.line.Quantity * o.RecurringHourlyFee * hoursPerMonth, Tranche: "now", StartsAt: p.AsOf})
		}
		alt.EstimatedMonthlySavingsAmount = (res.Baseline.Total - bill.Total) / months
		if res.Baseline.Total > 0 {
			alt.EstimatedSavingsPercentage = 100 * (res.Baseline.Total - bill.Total) / res.Baseline.Total
		}
		if fees > 0 {
			alt.EstimatedAverageUtilization = 100 * used / fees
			alt.MonthlyWaste = (fees - used) / months
		}
		alt.CoverageAfter = 100 * bill.Coverage()
		alt.ProviderEstimatedMonthlySavings = &provSavings
		if len(scen) > 0 && c.RiskNote == "" {
			// The same scenarios as the plan's risk, billed the same way.
			if _, err := shadow.evaluateRisk(ctx, in.RiskForecast, scen, in.Book, owned); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				c.RiskNote = fmt.Sprintf("the provider's recommendation could not be billed in the scenarios: %v", err)
			} else {
				r := shadow.Risk
				alt.Risk = &ComparisonRisk{ExpectedMonthlySavings: r.ExpectedMonthlySavings, MonthlySavingsP10: r.MonthlySavingsP10,
					ProbabilityOfLoss: r.ProbabilityOfLoss, ExpectedMonthlyWaste: r.ExpectedMonthlyWaste}
				for j, l := range alt.Lines {
					c.Lines[l-1].Risk = shadow.Lines[j].Risk
				}
			}
		}
		c.Alternatives = append(c.Alternatives, alt)
	}
	if c.RiskNote != "" {
		for i := range c.Alternatives {
			c.Alternatives[i].Risk = nil
		}
		for i := range c.Lines {
			c.Lines[i].Risk = nil
		}
	}
	p.ProviderComparison = c
	return nil
}

// mapProviderLine finds the price-book offering a provider's line buys,
// or says why there is none.
func mapProviderLine(book *providers.PriceBook, l ProviderLine) (providers.Offering, string) {
	if l.Currency != "" && l.Currency != book.Currency {
		return providers.Offering{}, fmt.Sprintf("the provider's figures are in %s but the price book is in %s", l.Currency, book.Currency)
	}
	if !(l.Quantity > 0) || math.IsInf(l.Quantity, 0) {
		return providers.Offering{}, fmt.Sprintf("quantity %v is not a positive number", l.Quantity)
	}
	same := func(o providers.Offering) bool {
		return o.Provider == l.Scope.Provider && o.Kind == l.Kind && o.Term == l.Term && o.PaymentOption == l.PaymentOption
	}
	var cands []providers.Offering
	if l.Kind.Spend() {
		if l.OfferingID != "" {
			for _, o := range book.Offerings {
				if o.ID == l.OfferingID && same(o) {
					return o, ""
				}
			}
		}
		// Every pool the offering covers lies in the plan's scope (a
		// region and family for an EC2 Instance Savings Plan).
		for _, o := range book.Offerings {
			if same(o) && len(o.Covers) > 0 && !slices.ContainsFunc(o.Covers, func(c providers.Coverage) bool { return !l.Scope.Contains(c.Pool) }) {
				cands = append(cands, o)
			}
		}
		// The widest first: a Compute Savings Plan covers every pool.
		sort.SliceStable(cands, func(i, j int) bool {
			if len(cands[i].Covers) != len(cands[j].Covers) {
				return len(cands[i].Covers) > len(cands[j].Covers)
			}
			return cands[i].ID < cands[j].ID
		})
	} else {
		for _, o := range book.Offerings {
			if same(o) && o.InstanceType == l.InstanceType &&
				slices.ContainsFunc(o.Covers, func(c providers.Coverage) bool { return priceKey(c.Pool) == priceKey(l.Scope) }) {
				cands = append(cands, o)
			}
		}
		sort.SliceStable(cands, func(i, j int) bool {
			if cands[i].EffectiveHourlyRate != cands[j].EffectiveHourlyRate {
				return cands[i].EffectiveHourlyRate < cands[j].EffectiveHourlyRate
			}
			return cands[i].ID < cands[j].ID
		})
	}
	if len(cands) == 0 {
		what := fmt.Sprintf("%s %s %s", l.Kind, l.Term, l.PaymentOption)
		if l.InstanceType != "" {
			what += " " + l.InstanceType
		}
		return providers.Offering{}, fmt.Sprintf("the price book has no %s offering for %s, so it cannot be billed", what, l.Scope)
	}
	return cands[0], ""
}

// providerLineText names a provider's line for a reviewer.
func providerLineText(l ProviderLine) string {
	s := fmt.Sprintf("%s %s %s", l.Kind, l.Term, l.PaymentOption)
	if l.Kind.Spend() {
		s = fmt.Sprintf("%.3f/hour of %s", l.Quantity, s)
	} else {
		s = fmt.Sprintf("%g × %s %s", l.Quantity, l.InstanceType, s)
	}
	if l.Scope.Region != "" {
		s += " in " + l.Scope.Region
	}
	if l.Kind == providers.KindEC2InstanceSP && l.Scope.Family != "" {
		s += " for " + l.Scope.Family
	}
	return s
}

// withProviderRecommendation extends the input digest with the provider's
// recommendation: a plan without one keeps the digest it had before.
func withProviderRecommendation(d string, rec *ProviderRecommendation) (string, error) {
	sum := sha256.New()
	sum.Write([]byte(d))
	if err := json.NewEncoder(sum).Encode(rec); err != nil {
		return "", fmt.Errorf("planner: digest: %w", err)
	}
	return "sha256:" + hex.EncodeToString(sum.Sum(nil)), nil
}

// Rendering: every format shows the same rows (render.go and html.go call
// these).

func comparisonLineHeads(c *Comparison) []string {
	pr := strings.ToUpper(string(c.Provider))
	return []string{"#", "Alternative", "Buy", "Offering", pr + " savings/mo", pr + " utilization",
		"Simulated savings/mo", "Simulated utilization", "Waste/mo", "p10 savings/mo", "Chance of losing money"}
}

func comparisonHeading(c *Comparison) string {
	return strings.ToUpper(string(c.Provider)) + "'s recommendation beside the plan"
}

func comparisonTitle(c *Comparison) string {
	return fmt.Sprintf("%s's own recommendation (%s; %s; read %s), billed by the same simulator on the plan's forecast, owned commitments and horizon",
		strings.ToUpper(string(c.Provider)), c.Source, c.Query, c.FetchedAt.UTC().Format("2006-01-02 15:04 MST"))
}

func comparisonLineCells(p *Plan, l ComparisonLine) []string {
	cur := p.Currency
	buy := fmt.Sprintf("%.3f %s", l.Quantity, l.QuantityUnit)
	if !l.Kind.Spend() {
		buy = fmt.Sprintf("%g × %s", l.Quantity, l.InstanceType)
	}
	off := fmt.Sprintf("%s %s %s", l.Kind, l.Term, l.PaymentOption)
	if l.Region != "" {
		off += " " + l.Region
	}
	p10, loss := "—", "—"
	if l.Risk != nil {
		p10, loss = money(cur, l.Risk.MonthlySavingsP10), pct(l.Risk.ProbabilityOfLoss)
	}
	return []string{strconv.Itoa(l.LineNumber), l.Alternative, buy, off, money(cur, l.ProviderEstimatedMonthlySavings),
		pct(l.ProviderEstimatedAverageUtilization), money(cur, l.EstimatedMonthlySavingsAmount), pct(l.EstimatedAverageUtilization),
		money(cur, l.MonthlyWaste), p10, loss}
}

// comparisonColumns are the plan and the provider's alternatives.
func comparisonColumns(c *Comparison) []ComparisonTotals {
	return append([]ComparisonTotals{c.Tranche}, c.Alternatives...)
}

func comparisonHeads(c *Comparison) []string {
	h := []string{"Figure"}
	for _, t := range comparisonColumns(c) {
		h = append(h, t.Name)
	}
	return h
}

// comparisonRows are the totals side by side, one row per figure.
func comparisonRows(p *Plan) [][]string {
	c, cur := p.ProviderComparison, p.Currency
	cols := comparisonColumns(c)
	row := func(name string, f func(t ComparisonTotals) string) []string {
		r := []string{name}
		for _, t := range cols {
			r = append(r, f(t))
		}
		return r
	}
	rows := [][]string{
		row("Purchases", func(t ComparisonTotals) string { return strconv.Itoa(t.Purchases) }),
		row("Upfront now", func(t ComparisonTotals) string { return money(cur, t.UpfrontCost) }),
		row("Commitment / month", func(t ComparisonTotals) string { return money(cur, t.MonthlyCommitment) }),
		row("Savings / month (simulated)", func(t ComparisonTotals) string { return money(cur, t.EstimatedMonthlySavingsAmount) }),
		row("Savings % of current cost", func(t ComparisonTotals) string { return pct(t.EstimatedSavingsPercentage) }),
		row(strings.ToUpper(string(c.Provider))+"'s own estimate / month", func(t ComparisonTotals) string {
			if t.ProviderEstimatedMonthlySavings == nil {
				return "—"
			}
			return money(cur, *t.ProviderEstimatedMonthlySavings)
		}),
		row("Utilization of the purchases", func(t ComparisonTotals) string { return pct(t.EstimatedAverageUtilization) }),
		row("Waste / month", func(t ComparisonTotals) string { return money(cur, t.MonthlyWaste) }),
		row("Coverage after", func(t ComparisonTotals) string { return pct(t.CoverageAfter) }),
	}
	if slices.ContainsFunc(cols, func(t ComparisonTotals) bool { return t.Risk != nil }) {
		opt := func(f func(r *ComparisonRisk) string) func(t ComparisonTotals) string {
			return func(t ComparisonTotals) string {
				if t.Risk == nil {
					return "—"
				}
				return f(t.Risk)
			}
		}
		rows = append(rows,
			row("Expected savings / month (scenarios)", opt(func(r *ComparisonRisk) string { return money(cur, r.ExpectedMonthlySavings) })),
			row("p10 savings / month", opt(func(r *ComparisonRisk) string { return money(cur, r.MonthlySavingsP10) })),
			row("Chance of losing money", opt(func(r *ComparisonRisk) string { return pct(r.ProbabilityOfLoss) })),
			row("Expected waste / month", opt(func(r *ComparisonRisk) string { return money(cur, r.ExpectedMonthlyWaste) })))
	}
	return rows
}

// comparisonNotes say how to read the comparison.
func comparisonNotes(c *Comparison) []string {
	pr := strings.ToUpper(string(c.Provider))
	n := []string{pr + "'s alternatives are each its answer on its own (it recommends standard RIs, convertible RIs and each kind of savings plan as if nothing else were bought): each column buys one of them on top of the owned commitments."}
	if c.RiskNote != "" {
		n = append(n, c.RiskNote)
	}
	return n
}

// writeComparisonTable writes the comparison section of the table format.
func writeComparisonTable(ew *errWriter, p *Plan) {
	c := p.ProviderComparison
	if c == nil {
		return
	}
	ew.printf("\n%s\n", comparisonTitle(c))
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	if len(c.Lines) > 0 {
		fmt.Fprintln(tw, "  "+strings.Join(comparisonLineHeads(c), "\t"))
		for _, l := range c.Lines {
			fmt.Fprintln(tw, "  "+strings.Join(comparisonLineCells(p, l), "\t"))
		}
		tw.Flush()
		ew.printf("\n")
		tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	}
	fmt.Fprintln(tw, "  "+strings.Join(comparisonHeads(c), "\t"))
	for _, r := range comparisonRows(p) {
		fmt.Fprintln(tw, "  "+strings.Join(r, "\t"))
	}
	tw.Flush()
	if len(c.Unmapped) > 0 {
		ew.printf("  Not billed (%d): in no total\n", len(c.Unmapped))
		for _, u := range c.Unmapped {
			ew.printf("  - %s: %s\n", u.What, u.Reason)
		}
	}
	for _, n := range comparisonNotes(c) {
		ew.printf("  %s\n", n)
	}
}

// writeComparisonMarkdown writes the comparison section of the Markdown
// format.
func writeComparisonMarkdown(ew *errWriter, p *Plan) {
	c := p.ProviderComparison
	if c == nil {
		return
	}
	ew.printf("\n## %s\n\n%s.\n\n", mdEscape(comparisonHeading(c)), mdEscape(comparisonTitle(c)))
	if len(c.Lines) > 0 {
		mdTable(ew, comparisonLineHeads(c), func(row func([]string)) {
			for _, l := range c.Lines {
				row(comparisonLineCells(p, l))
			}
		})
		ew.printf("\n")
	}
	mdTable(ew, comparisonHeads(c), func(row func([]string)) {
		for _, r := range comparisonRows(p) {
			row(r)
		}
	})
	if len(c.Unmapped) > 0 {
		ew.printf("\nNot billed (in no total):\n\n")
		for _, u := range c.Unmapped {
			ew.printf("- %s: %s\n", mdEscape(u.What), mdEscape(u.Reason))
		}
	}
	ew.printf("\n")
	for _, n := range comparisonNotes(c) {
		ew.printf("%s\n", mdEscape(n))
	}
}

// comparisonView is what the HTML template shows of the comparison; nil
// without one.
type comparisonView struct {
	Heading   string
	Title     string
	LineHeads []string
	Lines     [][]string
	Heads     []string
	Rows      [][]string
	Unmapped  []Exclusion
	Notes     []string
	Chart     template.HTML
}

func newComparisonView(p *Plan) (*comparisonView, error) {
	c := p.ProviderComparison
	if c == nil {
		return nil, nil
	}
	v := &comparisonView{Heading: comparisonHeading(c), Title: comparisonTitle(c), LineHeads: comparisonLineHeads(c), Heads: comparisonHeads(c), Rows: comparisonRows(p),
		Unmapped: c.Unmapped, Notes: comparisonNotes(c)}
	for _, l := range c.Lines {
		v.Lines = append(v.Lines, comparisonLineCells(p, l))
	}
	var err error
	v.Chart, err = chartComparison(p)
	return v, err
}

// chartComparison plots the monthly savings and waste of the plan and of
// each of the provider's alternatives, side by side.
func chartComparison(p *Plan) (template.HTML, error) {
	cols := comparisonColumns(p.ProviderComparison)
	pl := plot.New()
	pl.Title.Text = fmt.Sprintf("Monthly savings and waste: Tranche vs %s", strings.ToUpper(string(p.ProviderComparison.Provider)))
	pl.Y.Label.Text = fmt.Sprintf("%s per month", p.Currency)
	var sav, waste plotter.Values
	var names []string
	for _, t := range cols {
		sav = append(sav, t.EstimatedMonthlySavingsAmount)
		waste = append(waste, t.MonthlyWaste)
		names = append(names, t.Name)
	}
	w := vg.Points(14)
	b1, err := plotter.NewBarChart(sav, w)
	if err != nil {
		return "", err
	}
	b1.Color, b1.Offset = green, -w/2
	b2, err := plotter.NewBarChart(waste, w)
	if err != nil {
		return "", err
	}
	b2.Color, b2.Offset = grey, w/2
	pl.Add(plotter.NewGrid(), b1, b2)
	pl.Legend.Add("savings (simulated)", b1)
	pl.Legend.Add("waste", b2)
	pl.Legend.Top = true
	pl.NominalX(names...)
	return inlineSVG(pl, 16*vg.Centimeter, 8*vg.Centimeter)
}
