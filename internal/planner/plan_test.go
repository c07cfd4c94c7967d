package planner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/internal/browser"
	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/solver"
)

// history is n days of the twoWeeks pattern for m5, from start.
func m5History(start time.Time, days int) []providers.UsageSeries {
	week := twoWeeks(start)
	q := make([]float64, days*24)
	for h := range q {
		q[h] = week[h%len(week)]
	}
	return []providers.UsageSeries{{Pool: m5, Start: start, Quantity: q}}
}

func loadBook(t *testing.T) *providers.PriceBook {
	t.Helper()
	book, err := providers.LoadPriceBook(bookPath)
	if err != nil {
		t.Fatal(err)
	}
	return book
}

// TestPlanReproducedBySimulator plans on 60 days of history and checks
// every plan-level figure against an independent simulation of the
// purchases, bought as commitments, on the repeat scenario.
func TestPlanReproducedBySimulator(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	hist := m5History(start, 60)
	asOf := start.AddDate(0, 0, 60)
	owned := []providers.Commitment{{ID: "ri-owned", Provider: providers.AWS, Kind: providers.KindRIStandard,
		PaymentOption: providers.NoUpfront, Quantity: 32, Unit: providers.UnitNormalizedHour, Scope: m5,
		Start: asOf.AddDate(-1, 0, 30), End: asOf.AddDate(0, 0, 30)}}
	p, err := MakePlan(context.Background(), Input{Book: book, History: hist, Owned: owned, AsOf: asOf}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Lines) == 0 || p.Totals.EstimatedSavingsAmount <= 0 {
		t.Fatalf("plan buys nothing: %+v", p.Totals)
	}
	if len(p.Owned) != 1 || p.Owned[0].Quantity != 8 {
		t.Fatalf("owned %+v: want the 32-NU RI counted as 8 m5.large", p.Owned)
	}
	// Independent check: the horizon's usage rebuilt by hand, the plan's
	// lines as owned commitments from the as-of time, simulated.
	h := p.Horizon.Hours
	week := twoWeeks(start)
	q := make([]float64, h)
	for i := range q {
		q[i] = week[(30*24+i%(30*24))%len(week)]
	}
	all := append(append([]providers.Commitment(nil), owned...), p.commitments("plan-", asOf, true)...)
	b, err := BuildProblem(ProblemInput{Book: book, Usage: []providers.UsageSeries{{Pool: m5, Start: asOf, Quantity: q}}, Owned: all})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Excluded) != 0 {
		t.Fatalf("the plan's commitments do not map back onto offerings: %+v", b.Excluded)
	}
	var hs []solver.Holding
	for _, c := range b.Problem.Owned {
		hs = append(hs, solver.Holding{ID: c.ID, Offering: c.Offering, Quantity: c.Quantity, Start: c.Start, End: c.End})
	}
	bill, err := solver.Simulate(b.Problem, hs, solver.SimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	months := float64(h) / hoursPerMonth
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Errorf("%s = %.6f, independent simulation gives %.6f", name, got, want)
		}
	}
	near("PlannedMonthlyCost", p.Totals.PlannedMonthlyCost, bill.Total/months)
	near("OnDemandMonthlyCost", p.Totals.OnDemandMonthlyCost, bill.UsageValue/months)
	near("CoverageAfter", p.Totals.CoverageAfter, 100*bill.Coverage())
	var fees, want float64
	for _, hb := range bill.Holdings[1:] {
		fees += hb.Fees
	}
	for _, l := range p.Lines {
		want += l.HourlyCommitmentToPurchase * asOf.Add(time.Duration(h)*time.Hour).Sub(l.StartsAt).Hours()
	}
	near("fees of the purchases", want, fees)
	// The owned RI expires after 30 days: the plan waits for it rather
	// than buy now what would overlap with it.
	later := 0
	for _, l := range p.Lines {
		if l.Tranche == "later" {
			later++
			if !l.StartsAt.Equal(asOf.AddDate(0, 0, 30)) {
				t.Errorf("later tranche starts %s, want the RI's expiry %s", l.StartsAt, asOf.AddDate(0, 0, 30))
			}
		}
	}
	if later == 0 {
		t.Error("no later tranche at the owned RI's expiry")
	}
	// The curve peaks at the plan: no scaled purchase saves more.
	var atPlan float64
	for _, c := range p.Curve {
		if c.Scale == 1 {
			atPlan = c.MonthlySavings
		}
	}
	near("curve at scale 1", atPlan, p.Totals.EstimatedMonthlySavingsAmount)
	for _, c := range p.Curve {
		if c.MonthlySavings > atPlan+1e-6 {
			t.Errorf("scale %.2f saves %.4f a month, more than the plan's %.4f", c.Scale, c.MonthlySavings, atPlan)
		}
	}
}

// TestPlanDeterministic: the same inputs give the same plan, byte for byte.
func TestPlanDeterministic(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	var out [2][]byte
	for i := range out {
		p, err := MakePlan(context.Background(), Input{Book: book, History: m5History(start, 45)}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if out[i], err = json.Marshal(p); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(out[0], out[1]) {
		t.Fatal("two plans from the same inputs differ")
	}
	other, err := MakePlan(context.Background(), Input{Book: book, History: m5History(start, 45), Lookback: 14 * 24 * time.Hour}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var first Plan
	if err := json.Unmarshal(out[0], &first); err != nil {
		t.Fatal(err)
	}
	if first.InputDigest == other.InputDigest {
		t.Error("a different lookback gives the same input digest")
	}
}

func TestPlanPartialHistoryIsSaid(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	p, err := MakePlan(context.Background(), Input{Book: book, History: m5History(start, 10)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Lookback.Hours != 240 || !strings.Contains(strings.Join(p.Notes, "\n"), "PARTIAL HISTORY") {
		t.Fatalf("lookback %d hours, notes %q: want 240 hours and a PARTIAL HISTORY note", p.Lookback.Hours, p.Notes)
	}
}

func TestPlanAsOfOutsideHistory(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	for _, asOf := range []time.Time{start, start.AddDate(0, 0, 31)} {
		_, err := MakePlan(context.Background(), Input{Book: book, History: m5History(start, 30), AsOf: asOf}, Options{})
		if err == nil || !strings.Contains(err.Error(), "as-of") {
			t.Errorf("as-of %s: err %v, want an as-of error", asOf, err)
		}
	}
	_, err := MakePlan(context.Background(), Input{Book: book}, Options{})
	if !errors.Is(err, ErrNoUsage) {
		t.Errorf("no history: err %v, want ErrNoUsage", err)
	}
}

// TestPlanPolicyRespected: kinds, terms and payment options restrict the
// lines; an hourly cap binds and is reported.
func TestPlanPolicyRespected(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	pol := DefaultPolicy()
	pol.Kinds = []providers.Kind{providers.KindComputeSP, providers.KindRIConvertible}
	pol.Terms = []providers.Term{providers.Term1Year}
	pol.PaymentOptions = []providers.PaymentOption{providers.NoUpfront}
	free, err := MakePlan(context.Background(), Input{Book: book, History: m5History(start, 30), Policy: pol}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(free.Lines) == 0 {
		t.Fatal("no purchase under the restricted policy")
	}
	for _, l := range free.Lines {
		if (l.Kind != providers.KindComputeSP && l.Kind != providers.KindRIConvertible) || l.Term != providers.Term1Year || l.PaymentOption != providers.NoUpfront {
			t.Errorf("line %s breaks the policy", l.Offering)
		}
	}
	cap := free.Totals.TotalHourlyCommitment / 2
	pol.MaxHourlyCommitment = &cap
	capped, err := MakePlan(context.Background(), Input{Book: book, History: m5History(start, 30), Policy: pol}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if capped.Totals.TotalHourlyCommitment > cap+1e-9 {
		t.Errorf("hourly commitment %.4f above the cap %.4f", capped.Totals.TotalHourlyCommitment, cap)
	}
	if capped.Totals.EstimatedSavingsAmount >= free.Totals.EstimatedSavingsAmount {
		t.Errorf("capped plan saves %.2f, uncapped %.2f: a binding cap must cost savings", capped.Totals.EstimatedSavingsAmount, free.Totals.EstimatedSavingsAmount)
	}
	if len(capped.Binding) == 0 || capped.Binding[0].Constraint != "max_hourly_commitment" || capped.Binding[0].Value <= 0 {
		t.Errorf("binding %+v: want max_hourly_commitment with a positive value", capped.Binding)
	}
}

func TestDecodePolicy(t *testing.T) {
	good := "kinds: [compute-sp, ri-standard]\nterms: [1yr]\npayment_options: [no-upfront]\nmax_upfront: 1000\nmax_coverage: 0.8\nmin_utilization: 0.9\nlookback: 60d\nhorizon: 2w\n"
	p, err := DecodePolicy(strings.NewReader(good), "good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(p.Lookback) != 60*24*time.Hour || time.Duration(p.Horizon) != 14*24*time.Hour || *p.MaxCoverage != 0.8 {
		t.Errorf("decoded %+v", p)
	}
	empty, err := DecodePolicy(strings.NewReader(""), "empty.yaml")
	if err != nil || time.Duration(empty.Lookback) != DefaultLookback {
		t.Errorf("empty policy: %+v, %v; want the defaults", empty, err)
	}
	for _, tc := range []struct{ in, want string }{
		{"max_coverge: 0.5\n", "max_coverge"},
		{"max_coverage: 1.5\n", "max_coverage"},
		{"kinds: [spot]\n", "kinds[0]"},
		{"terms: [5yr]\n", "terms[0]"},
		{"lookback: 3 weeks\n", "duration"},
		{"max_upfront: -1\n", "max_upfront"},
		{"horizon: 2000d\n", "horizon"},
		{"min_utilization: .nan\n", "min_utilization"},
		{"max_upfront: 1\n---\nmax_upfront: 2\n", "one YAML document"},
	} {
		_, err := DecodePolicy(strings.NewReader(tc.in), "bad.yaml")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "bad.yaml") {
			t.Errorf("%q: err %v, want one naming bad.yaml and %q", tc.in, err, tc.want)
		}
	}
}

func FuzzDecodePolicy(f *testing.F) {
	f.Add("kinds: [compute-sp]\nmax_coverage: 0.5\nlookback: 30d\n")
	f.Add("horizon: 1.5d\nmax_hourly_commitment: 1e308\n")
	f.Add("terms: [[1yr]]\n")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := DecodePolicy(strings.NewReader(s), "fuzz.yaml")
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("decoded policy fails validation: %v", err)
		}
	})
}

// TestPlanHTML renders the page and opens it in a real browser.
func TestPlanHTML(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	p, err := MakePlan(context.Background(), Input{Book: book, History: m5History(start, 40)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, p); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{"<svg", "Savings versus commitment", "Coverage of the largest pools", p.InputDigest, p.Lines[0].OfferingID} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "http://") && strings.Contains(page, `src="http`) {
		t.Error("page refers to an external resource")
	}
	path := filepath.Join(t.TempDir(), "plan.html")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	browser.Screenshot(t, path)
}

func TestRepeatForecast(t *testing.T) {
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	q := make([]float64, 10)
	for i := range q {
		q[i] = float64(i)
	}
	idle := providers.UsageSeries{Pool: providers.PoolKey{Provider: providers.AWS, Family: "idle"}, Start: start, Quantity: make([]float64, 10)}
	sc, err := Repeat{}.Forecast([]providers.UsageSeries{{Pool: m5, Start: start, Quantity: q}, idle}, start.Add(8*time.Hour), 3*time.Hour, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(sc) != 1 || sc[0].Probability != 1 || len(sc[0].Usage) != 1 {
		t.Fatalf("scenarios %+v: want one, with the idle pool left out", sc)
	}
	// The lookback is hours 5, 6, 7 (before the as-of hour 8), repeated;
	// hours 8 and 9 are after the as-of time and must not be read.
	want := []float64{5, 6, 7, 5, 6, 7, 5}
	for i, v := range sc[0].Usage[0].Quantity {
		if v != want[i] {
			t.Fatalf("forecast %v, want %v", sc[0].Usage[0].Quantity, want)
		}
	}
	if !sc[0].Usage[0].Start.Equal(start.Add(8 * time.Hour)) {
		t.Errorf("forecast starts %s, want the as-of hour", sc[0].Usage[0].Start)
	}
}

func TestMergeOwned(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	billing := []providers.Commitment{
		{ID: "arn:aws:ec2:us-east-1:1:reserved-instances/ri-1", Kind: providers.KindRIStandard, Quantity: 32},
		{ID: "arn:aws:savingsplans::1:savingsplan/sp-9", Kind: providers.KindComputeSP, Quantity: 2},
	}
	inv := &providers.Inventory{Schema: providers.InventorySchema, Commitments: []providers.Commitment{
		{ID: "ri-1", Kind: providers.KindRIConvertible, Quantity: 32, Unit: providers.UnitNormalizedHour, Start: start, End: start.AddDate(1, 0, 0)},
		{ID: "ri-2", Kind: providers.KindRIStandard, Quantity: 4, Start: start, End: start.AddDate(3, 0, 0)},
	}}
	got, notes := MergeOwned(billing, inv)
	if len(got) != 3 {
		t.Fatalf("merged %+v, want 3 commitments", got)
	}
	byID := map[string]providers.Commitment{}
	for _, c := range got {
		byID[c.ID] = c
	}
	if c := byID["ri-1"]; c.Kind != providers.KindRIConvertible || c.End.IsZero() {
		t.Errorf("ri-1 = %+v, want the inventory's record (matched to the billing ARN)", c)
	}
	if _, ok := byID["arn:aws:ec2:us-east-1:1:reserved-instances/ri-1"]; ok {
		t.Error("the billing record of ri-1 is kept beside the inventory's")
	}
	if _, ok := byID["ri-2"]; !ok {
		t.Error("ri-2, in the inventory only, is missing")
	}
	if _, ok := byID["arn:aws:savingsplans::1:savingsplan/sp-9"]; !ok {
		t.Error("sp-9, in the billing data only, is missing")
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "2 from the inventory (1 of them also in the billing data, 1 not yet), 1 from the billing data only") {
		t.Errorf("notes %q", notes)
	}
}

// TestPlanCommitmentsMapBack: a plan's purchases, bought as commitments,
// map back onto the very offerings and quantities of its lines.
func TestPlanCommitmentsMapBack(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	pol := DefaultPolicy()
	pol.Kinds = []providers.Kind{providers.KindRIStandard}
	p, err := MakePlan(context.Background(), Input{Book: book, History: m5History(start, 30), Policy: pol}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Lines) == 0 {
		t.Fatal("no reserved instance bought")
	}
	cs := p.Commitments("x-", p.AsOf)
	b, err := BuildProblem(ProblemInput{Book: book, Usage: m5History(p.AsOf, 2), Owned: cs})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Problem.Owned) != len(p.Lines) {
		t.Fatalf("%d of %d lines map back: %+v", len(b.Problem.Owned), len(p.Lines), b.Excluded)
	}
	for i, c := range b.Problem.Owned {
		if got := b.Offerings[c.Offering].ID; got != p.Lines[i].OfferingID || c.Quantity != p.Lines[i].Quantity {
			t.Errorf("line %d maps to %s × %v, want %s × %v", i+1, got, c.Quantity, p.Lines[i].OfferingID, p.Lines[i].Quantity)
		}
	}
}

// fixedForecast returns the scenarios it holds, cut to the horizon.
type fixedForecast struct{ usage [][]float64 }

func (fixedForecast) Name() string { return "fixed" }

func (f fixedForecast) Forecast(_ []providers.UsageSeries, asOf time.Time, _ time.Duration, hours int) ([]Scenario, error) {
	var out []Scenario
	for i, u := range f.usage {
		q := make([]float64, hours)
		for h := range q {
			q[h] = u[h%len(u)]
		}
		out = append(out, Scenario{Name: fmt.Sprint("s", i), Probability: 1 / float64(len(f.usage)),
			Usage: []providers.UsageSeries{{Pool: m5, Start: asOf, Quantity: q}}})
	}
	return out, nil
}

// TestPlanRisk evaluates a plan bought for steady usage on scenarios where
// the usage stays, halves or vanishes: the risk figures are those of the
// simulator in each, and a vanishing future is a loss.
func TestPlanRisk(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	flat := []providers.UsageSeries{{Pool: m5, Start: start, Quantity: make([]float64, 30*24)}}
	for h := range flat[0].Quantity {
		flat[0].Quantity[h] = 40 // 10 m5.large
	}
	f := fixedForecast{usage: [][]float64{{40}, {40}, {20}, {0}}}
	p, err := MakePlan(context.Background(), Input{Book: book, History: flat, RiskForecast: f}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := p.Risk
	if r == nil || r.Scenarios != 4 || len(p.Lines) == 0 || p.Lines[0].Risk == nil {
		t.Fatalf("risk %+v", r)
	}
	// Scenario "same as planned": the deterministic plan's savings.
	if math.Abs(r.MonthlySavingsP90-p.Totals.EstimatedMonthlySavingsAmount) > 1e-6 {
		t.Errorf("P90 savings %.4f, want the plan's %.4f (half the scenarios repeat the lookback)", r.MonthlySavingsP90, p.Totals.EstimatedMonthlySavingsAmount)
	}
	// Scenario "gone": the purchases' whole cost is lost, all of it waste.
	lost := p.Totals.TotalHourlyCommitment * hoursPerMonth
	if math.Abs(r.CVaR10Regret-lost) > 1e-6*lost {
		t.Errorf("CVaR regret %.4f, want the whole monthly commitment %.4f lost in the worst scenario", r.CVaR10Regret, lost)
	}
	if r.ProbabilityOfLoss < 25 || r.ProbabilityOfLoss > 50 {
		t.Errorf("probability of loss %.1f%%: want 25%% (usage gone) or 50%% (halved too, if that loses)", r.ProbabilityOfLoss)
	}
	if r.ExpectedMonthlyWaste <= 0 || r.MonthlyWasteP90 < r.ExpectedMonthlyWaste {
		t.Errorf("waste %+v", r)
	}
	// Same scenarios as the history → no risk.
	same, err := MakePlan(context.Background(), Input{Book: book, History: flat, RiskForecast: fixedForecast{usage: [][]float64{{40}, {40}}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if same.Risk.ProbabilityOfLoss != 0 || math.Abs(same.Risk.MonthlySavingsP10-same.Totals.EstimatedMonthlySavingsAmount) > 1e-6 {
		t.Errorf("scenarios equal to the history: risk %+v, plan savings %.4f", same.Risk, same.Totals.EstimatedMonthlySavingsAmount)
	}
}

func TestPlanRiskRendered(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	p, err := MakePlan(context.Background(), Input{Book: book, History: m5History(start, 30), RiskForecast: fixedForecast{usage: [][]float64{{40}, {0}}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range map[string]func(io.Writer, *Plan) error{"table": WriteTable, "markdown": WriteMarkdown, "html": WriteHTML} {
		var b bytes.Buffer
		if err := w(&b, p); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "2 scenarios of the fixed forecast") || !strings.Contains(b.String(), "Chance of losing money") {
			t.Errorf("%s lacks the risk table", name)
		}
	}
}

// TestCostOfCapital: financing upfront payments makes no-upfront terms
// win where, at face value, all upfront is cheaper; the upfront shown is
// still the price book's fee.
func TestCostOfCapital(t *testing.T) {
	// Paid every hour, the annuity tends to the continuous one:
	// rT / (1 − e^(−rT)) with r = ln 1.08 and T = 3 → 1.1197.
	if f := annuityFactor(0.08, 3*8760); math.Abs(f-1.1197) > 5e-4 {
		t.Errorf("annuity factor at 8%% over 3 years = %.4f, want 1.1197", f)
	}
	if annuityFactor(0, 8760) != 1 {
		t.Error("no cost of capital must leave fees at face value")
	}
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	pol := DefaultPolicy()
	pol.Kinds, pol.Terms = []providers.Kind{providers.KindRIStandard}, []providers.Term{providers.Term3Year}
	face, err := MakePlan(context.Background(), Input{Book: book, History: m5History(start, 30), Policy: pol}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pol.CostOfCapital = 0.5 // an extreme rate, to make the choice flip
	dear, err := MakePlan(context.Background(), Input{Book: book, History: m5History(start, 30), Policy: pol}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(face.Lines) == 0 || len(dear.Lines) == 0 {
		t.Fatal("no purchase")
	}
	if face.Lines[0].PaymentOption != providers.AllUpfront || dear.Lines[0].PaymentOption == providers.AllUpfront {
		t.Errorf("payment options: %s at face value, %s at 50%% cost of capital; want all upfront, then not", face.Lines[0].PaymentOption, dear.Lines[0].PaymentOption)
	}
	for _, l := range dear.Lines {
		o := dear.offerings[l.OfferingID]
		if math.Abs(l.UpfrontCost-l.Quantity*o.UpfrontFee) > 1e-9 {
			t.Errorf("upfront shown %.2f, want the book's fee × quantity %.2f", l.UpfrontCost, l.Quantity*o.UpfrontFee)
		}
	}
}

// TestStochasticEqualScenarios: scenarios all equal to the repeat path →
// exactly the deterministic plan.
func TestStochasticEqualScenarios(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	hist := m5History(start, 28)
	det, err := MakePlan(context.Background(), Input{Book: book, History: hist, Lookback: 14 * 24 * time.Hour}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	week := twoWeeks(start)
	f := fixedForecast{usage: [][]float64{week, week, week}}
	sto, err := MakePlan(context.Background(), Input{Book: book, History: hist, Lookback: 14 * 24 * time.Hour, Forecast: f}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sto.Scenarios != 3 || len(sto.Lines) != len(det.Lines) {
		t.Fatalf("stochastic plan: %d scenarios, %d lines; deterministic %d lines", sto.Scenarios, len(sto.Lines), len(det.Lines))
	}
	for i := range det.Lines {
		if sto.Lines[i].OfferingID != det.Lines[i].OfferingID || math.Abs(sto.Lines[i].Quantity-det.Lines[i].Quantity) > 1e-9 {
			t.Errorf("line %d: %s × %v, deterministic %s × %v", i+1, sto.Lines[i].OfferingID, sto.Lines[i].Quantity, det.Lines[i].OfferingID, det.Lines[i].Quantity)
		}
	}
	if sto.InputDigest == det.InputDigest {
		t.Error("plans over different forecasts share an input digest")
	}
	if math.Abs(sto.Totals.PlannedMonthlyCost-det.Totals.PlannedMonthlyCost) > 1e-6*det.Totals.PlannedMonthlyCost {
		t.Errorf("planned cost %.4f, deterministic %.4f", sto.Totals.PlannedMonthlyCost, det.Totals.PlannedMonthlyCost)
	}
}

// TestStochasticRegretLimit: one future in four has no usage at all. With
// no risk limit the plan buys for the likely futures and loses money in
// that one; a limit on the worst scenario's regret forbids the loss, and
// the simulated result respects it.
func TestStochasticRegretLimit(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	flat := []providers.UsageSeries{{Pool: m5, Start: start, Quantity: make([]float64, 30*24)}}
	for h := range flat[0].Quantity {
		flat[0].Quantity[h] = 40
	}
	f := fixedForecast{usage: [][]float64{{40}, {40}, {40}, {0}}}
	free := DefaultPolicy()
	free.NoRiskDefaults = true // no limit at all, not even the conservative default
	loose, err := MakePlan(context.Background(), Input{Book: book, History: flat, Forecast: f, Policy: free, RiskForecast: f}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(loose.Lines) == 0 || loose.Risk.CVaR10Regret <= 0 {
		t.Fatalf("without a limit: %d lines, worst-case regret %.2f; want purchases that lose money if usage goes", len(loose.Lines), loose.Risk.CVaR10Regret)
	}
	limited := DefaultPolicy()
	zero := 0.0
	limited.MaxRegret, limited.RiskLevel = &zero, 0.75 // the worst 25 %: the scenario with no usage
	safe, err := MakePlan(context.Background(), Input{Book: book, History: flat, Forecast: f, Policy: limited, RiskForecast: f}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if safe.Risk.CVaR10Regret > 1e-6 {
		t.Errorf("with the limit the worst scenario still loses %.4f a month", safe.Risk.CVaR10Regret)
	}
	if safe.Totals.TotalHourlyCommitment >= loose.Totals.TotalHourlyCommitment {
		t.Errorf("the limit did not reduce the commitment: %.4f vs %.4f", safe.Totals.TotalHourlyCommitment, loose.Totals.TotalHourlyCommitment)
	}
	if len(safe.Binding) == 0 {
		t.Error("the binding regret limit is not reported")
	}
	t.Logf("expected savings %.2f/month without the limit, %.2f with it", loose.Totals.EstimatedMonthlySavingsAmount, safe.Totals.EstimatedMonthlySavingsAmount)
}

// stepForecast: two equal scenarios in which m5 usage is 40 NU for the
// first `step` hours and 80 NU after.
type stepForecast struct{ step int }

func (stepForecast) Name() string { return "step" }

func (f stepForecast) Forecast(_ []providers.UsageSeries, asOf time.Time, _ time.Duration, hours int) ([]Scenario, error) {
	q := make([]float64, hours)
	for h := range q {
		q[h] = 40
		if h >= f.step {
			q[h] = 80
		}
	}
	s := Scenario{Probability: 0.5, Usage: []providers.UsageSeries{{Pool: m5, Start: asOf, Quantity: q}}}
	a, b := s, s
	a.Name, b.Name = "a", "b"
	return []Scenario{a, b}, nil
}

// TestLadderDefersGrowth: usage the scenarios expect only in three months is
// bought in three months, as a later tranche, not now — where an RI bought
// now for it would sit idle for a quarter of its year. With the later
// purchase dates off (no_ladder), the same plan buys it all now.
func TestLadderDefersGrowth(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	hist := m5History(start, 30)
	asOf := start.AddDate(0, 0, 30)
	pol := Policy{Kinds: []providers.Kind{providers.KindRIStandard}, Terms: []providers.Term{providers.Term1Year},
		PaymentOptions: []providers.PaymentOption{providers.NoUpfront}, NoRiskDefaults: true}
	const step = 3 * solver.HoursPerMonth // 2,190 hours
	units := func(p *Plan, tranche string) (nu float64, starts map[string]bool) {
		starts = map[string]bool{}
		for _, l := range p.Lines {
			if l.Tranche != tranche || l.RecommendedNormalizedUnitsToPurchase == nil {
				continue
			}
			nu += *l.RecommendedNormalizedUnitsToPurchase
			starts[l.StartsAt.Format("2006-01-02")] = true
		}
		return nu, starts
	}
	p, err := MakePlan(context.Background(), Input{Book: book, History: hist, Forecast: stepForecast{step}, Policy: pol}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	now, _ := units(p, "now")
	later, starts := units(p, "later")
	month3 := asOf.Add(time.Duration(int(step)/24*24) * time.Hour).Format("2006-01-02")
	if math.Abs(now-40) > 1e-6 || math.Abs(later-40) > 1e-6 || !starts[month3] || len(starts) != 1 {
		t.Errorf("bought %.2f NU now and %.2f later (from %v); want 40 now and 40 from %s", now, later, starts, month3)
	}
	if !strings.Contains(strings.Join(p.Notes, "\n"), "also be bought 3 months from now, where the scenarios' usage rises") {
		t.Errorf("notes lack the later purchase dates: %q", p.Notes)
	}
	pol.NoLadder = true
	all, err := MakePlan(context.Background(), Input{Book: book, History: hist, Forecast: stepForecast{step}, Policy: pol}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if now, _ := units(all, "now"); math.Abs(now-80) > 1e-6 {
		t.Errorf("no_ladder: bought %.2f NU now, want 80 (the step is worth buying now when it cannot be bought later)", now)
	}
}

// TestRisingMonths: a later purchase date is offered where a pool's
// expected usage rises above every earlier month's, not where it only
// recovers from a dip.
func TestRisingMonths(t *testing.T) {
	const month = int(solver.HoursPerMonth)
	hours := 12 * month
	flat, step, dip := make([]float64, 2*hours), make([]float64, 2*hours), make([]float64, 2*hours)
	for s := 0; s < 2; s++ {
		for h := 0; h < hours; h++ {
			flat[s*hours+h], step[s*hours+h], dip[s*hours+h] = 10, 10, 10
			if s == 1 && h >= 6*month {
				step[s*hours+h] = 20 // one scenario in two doubles at month 6
			}
			if h >= month && h < 3*month {
				dip[s*hours+h] = 5 // months 1 and 2 dip, month 3 is back
			}
		}
	}
	pr := &solver.Problem{Hours: 2 * hours, Scenarios: []solver.Scenario{{Name: "a", Hours: hours, Probability: 0.5}, {Name: "b", Hours: hours, Probability: 0.5}}}
	for _, u := range [][]float64{flat, dip} {
		pr.Pools = append(pr.Pools, solver.Pool{Usage: u})
	}
	if got := risingMonths(pr); len(got) != 0 {
		t.Errorf("flat and dipping pools: months %v, want none", got)
	}
	pr.Pools = append(pr.Pools, solver.Pool{Usage: step})
	if got := risingMonths(pr); !slices.Equal(got, []int{6}) {
		t.Errorf("with a pool doubling at month 6 in one scenario: months %v, want [6]", got)
	}
}

// TestOwnedInstanceSPOnInstanceTypePools: the AWS API lists an EC2
// Instance Savings Plan with its instance family (c5); usage without size
// flexibility (Windows) is pooled by instance type (c5.xlarge). The owned
// plan must be modelled as the book's c5 plan — not left out, and not the
// c4 one with the same fees.
func TestOwnedInstanceSPOnInstanceTypePools(t *testing.T) {
	key := func(family string) providers.PoolKey {
		return providers.PoolKey{Provider: providers.AWS, Region: "us-east-2", Service: "AmazonEC2", Family: family,
			Platform: "Windows", Tenancy: "Shared", Unit: providers.UnitInstanceHour}
	}
	sp := func(id, family string) providers.Offering {
		return providers.Offering{ID: id, Provider: providers.AWS, Kind: providers.KindEC2InstanceSP, Term: providers.Term1Year,
			PaymentOption: providers.NoUpfront, RecurringHourlyFee: 1, EffectiveHourlyRate: 1,
			Covers:            []providers.Coverage{{Pool: key(family), InstanceType: family, SizeFactor: 1, Rate: 0.2}},
			PurchaseIncrement: 0.001, Currency: "USD"}
	}
	book := &providers.PriceBook{Schema: providers.PriceBookSchema, Currency: "USD", Source: providers.PriceSource{Name: "test"},
		OnDemand: []providers.OnDemandRate{{Pool: key("c4.xlarge"), InstanceType: "c4.xlarge", SizeFactor: 1, HourlyRate: 0.38},
			{Pool: key("c5.xlarge"), InstanceType: "c5.xlarge", SizeFactor: 1, HourlyRate: 0.35}},
		Offerings: []providers.Offering{sp("sp-c4", "c4.xlarge"), sp("sp-c5", "c5.xlarge")}}
	if err := book.Validate(); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	var usage []providers.UsageSeries
	for _, f := range []string{"c4.xlarge", "c5.xlarge"} {
		q := make([]float64, 48)
		for h := range q {
			q[h] = 10
		}
		usage = append(usage, providers.UsageSeries{Pool: key(f), Start: start, Quantity: q})
	}
	owned := providers.Commitment{ID: "sp-1", Provider: providers.AWS, Kind: providers.KindEC2InstanceSP, PaymentOption: providers.NoUpfront,
		Quantity: 1, Start: start.AddDate(0, -1, 0), End: start.AddDate(1, -1, 0), RecurringHourlyFee: 1, Currency: "USD",
		Scope: providers.PoolKey{Provider: providers.AWS, Region: "us-east-2", Service: "AmazonEC2", Family: "c5"}}
	b, err := BuildProblem(ProblemInput{Book: book, Usage: usage, Owned: []providers.Commitment{owned}})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Excluded) != 0 || len(b.Problem.Owned) != 1 {
		t.Fatalf("owned %+v, excluded %+v", b.Problem.Owned, b.Excluded)
	}
	if id := b.Offerings[b.Problem.Owned[0].Offering].ID; id != "sp-c5" {
		t.Errorf("the owned c5 plan is modelled as %s", id)
	}
}
