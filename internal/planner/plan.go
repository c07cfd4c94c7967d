package planner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/solver"
)

// PlanSchema versions the plan's JSON form (docs/plan-schema.json).
const PlanSchema = "tranche.plan/v1"

// hoursPerMonth is the month of every monthly figure: 730 hours, as AWS
// counts it.
const hoursPerMonth = 730

// ErrAsOf means the as-of time lies outside the usage history.
var ErrAsOf = errors.New("planner: as-of outside the history")

// Input is what a plan is made from.
type Input struct {
	Book *providers.PriceBook
	// History is the hourly usage per pool; every series has the same start
	// and length.
	History []providers.UsageSeries
	// Owned are the commitments owned, with their start and end; a zero End
	// means the end is not known.
	Owned []providers.Commitment
	// Policy is what the buyer accepts; DefaultPolicy when zero.
	Policy Policy
	// AsOf is the hour the plan is made at: only history before it is used
	// and the purchases start then. Zero means the end of the history.
	AsOf time.Time
	// Lookback and Horizon override the policy's when not zero.
	Lookback, Horizon time.Duration
	// Sources names the input files, for the record; they do not change
	// the plan's figures.
	Sources []string
	// Unpooled lists the usage the billing data has that makes no pool
	// (another unit, no instance type, another provider), with why; the
	// plan lists it among the exclusions.
	Unpooled []Exclusion
	// Forecast is what the purchases are optimized over: nil for Repeat;
	// a generator of several equiprobable scenarios makes the plan a
	// two-stage stochastic one, within the policy's risk limits.
	Forecast Forecaster
	// ScenarioBudget, when positive, makes Forecast a preference: when its
	// scenarios hold more than ScenarioBudget pool-hours in all (pools ×
	// horizon hours × scenarios), the purchases are optimized on one week
	// in 2 or 4 of them (solver.Options.SampleWeeks, when not set and the
	// horizon has eight weeks) while that fits the budget, and over the
	// repeat forecast beyond; the plan's notes say which and why. The
	// CLI's --optimize auto (the default) sets DefaultScenarioBudget.
	ScenarioBudget int
	// RiskForecast, when set, makes the scenarios the plan's purchases are
	// evaluated on (Plan.Risk, Line.Risk): the spread of their savings,
	// the probability they lose money, the waste to expect.
	RiskForecast Forecaster
	// RiskSource names where risk fields of Policy were set other than the
	// policy file, by policy field name (e.g. "max_regret": "--risk"),
	// for Plan.RiskLimits.
	RiskSource map[string]string

	// ProviderRecommendation, when set, is a provider's own purchase
	// recommendation, billed beside the plan (compare.go,
	// Plan.ProviderComparison).
	ProviderRecommendation *ProviderRecommendation
}

// Options controls how a plan is computed.
type Options struct {
	Solver solver.Options
	// Progress, when set, receives one line per step of long work.
	Progress io.Writer
	// Frontier, when set, re-solves the optimization over the scenarios
	// for a sweep of max_regret limits (frontier.go); otherwise the
	// frontier is the savings curve's points billed in the scenarios.
	Frontier *FrontierOptions
}

// Plan is the answer: the purchases to make now and everything a
// reviewer needs to judge them. Every money figure comes from the billing
// simulator. JSON names follow AWS's purchase recommendations where the
// meaning is the same; docs/plan-schema.json is the schema.
type Plan struct {
	Schema string `json:"Schema"`
	// AsOf is the hour the plan is made at; InputDigest the SHA-256 of
	// everything the plan was computed from (price book, the usage history
	// before the as-of time, the commitments, policy, as-of, lookback,
	// horizon, forecasts).
	AsOf        time.Time `json:"AsOf"`
	InputDigest string    `json:"InputDigest"`
	Currency    string    `json:"Currency"`
	// Scenario is the forecast planned for: "repeat" (the lookback
	// repeated over the horizon).
	Scenario string `json:"Scenario"`
	// Scenarios is how many scenarios the purchases were optimized over
	// (0: the one repeat path).
	Scenarios int      `json:"Scenarios,omitempty"`
	Lookback  Window   `json:"Lookback"`
	Horizon   Window   `json:"Horizon"`
	Policy    Policy   `json:"Policy"`
	Sources   []string `json:"Sources,omitempty"`
	Lines     []Line   `json:"Lines"`
	Totals    Totals   `json:"Totals"`
	// Curve is the savings-versus-commitment curve: the plan's purchases
	// scaled from 0 to 150 %, each point simulated.
	Curve []CurvePoint `json:"SavingsCurve"`
	// Pools is coverage before and after the plan, per pool.
	Pools []PoolLine `json:"Pools"`
	// Risk is how the purchases fare across the scenarios of the risk
	// forecast, when one was asked for.
	Risk *Risk `json:"Risk,omitempty"`
	// ProviderComparison is the provider's own recommendation billed
	// beside the plan, when one was given (compare.go).
	ProviderComparison *Comparison `json:"ProviderComparison,omitempty"`
	// RiskLimits are the risk limits in force, where each came from, and
	// whether the plan meets them on the scenario billing (limits.go).
	RiskLimits []RiskLimit `json:"RiskLimits"`
	// Frontier is expected savings against risk for a range of
	// purchases, each billed in the risk scenarios (frontier.go).
	Frontier *Frontier `json:"Frontier,omitempty"`
	// Owned are the commitments the plan counted on.
	Owned []OwnedLine `json:"Owned"`
	// Binding lists the policy limits that hold the plan back, with what
	// relaxing each would save.
	Binding []BindingLine `json:"Binding"`
	// Excluded lists usage and commitments left out, with the reason.
	Excluded []Exclusion `json:"Excluded"`
	Notes    []string    `json:"Notes"`
	Solver   SolverInfo  `json:"Solver"`
	// Status is the review status: always "proposed" when made.
	Status string `json:"Status"`

	// offerings are the price-book offerings of the lines, by ID.
	offerings map[string]providers.Offering
}

// Window is a stretch of hours.
type Window struct {
	Start time.Time `json:"Start"`
	End   time.Time `json:"End"`
	Hours int       `json:"Hours"`
}

// Line is one purchase. Money is in the plan's currency; percentages are
// 0–100; monthly figures use 730-hour months.
type Line struct {
	LineNumber    int                     `json:"LineNumber"`
	OfferingID    string                  `json:"OfferingId"`
	Offering      string                  `json:"Offering"`
	Provider      providers.Provider      `json:"Provider"`
	Kind          providers.Kind          `json:"Kind"`
	Term          providers.Term          `json:"Term"`
	PaymentOption providers.PaymentOption `json:"PaymentOption"`
	InstanceType  string                  `json:"InstanceType,omitempty"`
	Region        string                  `json:"Region,omitempty"`
	// Quantity is in the offering's units: instances for resource kinds,
	// currency per hour for savings plans.
	Quantity     float64 `json:"Quantity"`
	QuantityUnit string  `json:"QuantityUnit"`
	// RecommendedNumberOfInstancesToPurchase and
	// RecommendedNormalizedUnitsToPurchase are set for resource kinds.
	RecommendedNumberOfInstancesToPurchase *float64 `json:"RecommendedNumberOfInstancesToPurchase,omitempty"`
	RecommendedNormalizedUnitsToPurchase   *float64 `json:"RecommendedNormalizedUnitsToPurchase,omitempty"`
	// HourlyCommitmentToPurchase is the line's cost per hour: the upfront
	// amortized over the term plus the recurring fee.
	HourlyCommitmentToPurchase   float64 `json:"HourlyCommitmentToPurchase"`
	UpfrontCost                  float64 `json:"UpfrontCost"`
	RecurringStandardMonthlyCost float64 `json:"RecurringStandardMonthlyCost"`
	// EffectiveHourlyRate is per unit bought.
	EffectiveHourlyRate           float64 `json:"EffectiveHourlyRate"`
	EstimatedMonthlySavingsAmount float64 `json:"EstimatedMonthlySavingsAmount"`
	// EstimatedSavingsAmount is over the horizon.
	EstimatedSavingsAmount float64 `json:"EstimatedSavingsAmount"`
	// EstimatedSavingsPercentage is savings over the on-demand value of the
	// usage the line covers; EstimatedROI savings over what the line costs.
	EstimatedSavingsPercentage float64 `json:"EstimatedSavingsPercentage"`
	EstimatedROI               float64 `json:"EstimatedROI"`
	// EstimatedBreakEvenInMonths is when the line's savings before
	// amortization repay its upfront: 0 without upfront, null if never.
	EstimatedBreakEvenInMonths  *float64 `json:"EstimatedBreakEvenInMonths"`
	EstimatedAverageUtilization float64  `json:"EstimatedAverageUtilization"`
	// CoverageAdded is the share of all eligible usage the line covers;
	// CoverageBefore and CoverageAfter the coverage of the pools it can
	// cover, without and with the plan.
	CoverageAdded  float64 `json:"CoverageAdded"`
	CoverageBefore float64 `json:"CoverageBefore"`
	CoverageAfter  float64 `json:"CoverageAfter"`
	// NextUnitSavings is what one more unit would save over the horizon
	// (negative: it would cost more than it saves).
	NextUnitSavings float64 `json:"NextUnitSavings"`
	// Pools are the pools with usage the line can cover.
	Pools   []string `json:"Pools"`
	Reasons []string `json:"Reasons"`
	// Risk is the line across the risk forecast's scenarios, when asked.
	Risk *LineRisk `json:"Risk,omitempty"`
	// Tranche is "now" for a purchase to make now, "later" for one the
	// plan expects to make at StartsAt (when an owned commitment expires,
	// or, over scenarios, a month in which their usage rises):
	// later tranches are not executed; the next run re-plans them.
	Tranche  string    `json:"Tranche"`
	StartsAt time.Time `json:"StartsAt"`
}

// Totals are the plan-level figures. Monthly figures are averages over
// the horizon.
type Totals struct {
	// OnDemandMonthlyCost is what the usage would cost with no commitment.
	OnDemandMonthlyCost float64 `json:"OnDemandMonthlyCost"`
	// CurrentMonthlyCost is the cost with the owned commitments only;
	// PlannedMonthlyCost with the plan's purchases too.
	CurrentMonthlyCost            float64 `json:"CurrentMonthlyCost"`
	PlannedMonthlyCost            float64 `json:"PlannedMonthlyCost"`
	EstimatedMonthlySavingsAmount float64 `json:"EstimatedMonthlySavingsAmount"`
	EstimatedSavingsAmount        float64 `json:"EstimatedSavingsAmount"`
	// EstimatedSavingsPercentage is the savings over the current cost.
	EstimatedSavingsPercentage float64 `json:"EstimatedSavingsPercentage"`
	// TotalUpfrontCost is the cash the purchases to make now need;
	// LaterUpfrontCost that of the later tranches.
	TotalUpfrontCost      float64 `json:"TotalUpfrontCost"`
	LaterUpfrontCost      float64 `json:"LaterUpfrontCost"`
	LaterTranches         int     `json:"LaterTranches"`
	TotalHourlyCommitment float64 `json:"TotalHourlyCommitment"`
	RecurringMonthlyCost  float64 `json:"RecurringMonthlyCost"`
	// EstimatedROI is the savings over the cost of the purchases.
	EstimatedROI float64 `json:"EstimatedROI"`
	// Coverage of eligible usage at on-demand value, before and after.
	CoverageBefore float64 `json:"CoverageBefore"`
	CoverageAfter  float64 `json:"CoverageAfter"`
	// EffectiveSavingsRate is 1 − cost / on-demand cost, before and after.
	EffectiveSavingsRateBefore float64 `json:"EffectiveSavingsRateBefore"`
	EffectiveSavingsRateAfter  float64 `json:"EffectiveSavingsRateAfter"`
	// EstimatedAverageUtilization is of the purchases together.
	EstimatedAverageUtilization float64 `json:"EstimatedAverageUtilization"`
	// MonthlyWaste is the unused part of the purchases' cost.
	MonthlyWaste float64 `json:"MonthlyWaste"`
	Purchases    int     `json:"Purchases"`
}

// CurvePoint is one point of the savings-versus-commitment curve.
type CurvePoint struct {
	// Scale is the share of the plan's quantities bought (1 = the plan).
	Scale            float64 `json:"Scale"`
	HourlyCommitment float64 `json:"HourlyCommitment"`
	MonthlySavings   float64 `json:"MonthlySavings"`
	// MarginalSavingsPerCommitment is what each extra unit of hourly
	// commitment since the previous point saves per unit: above 0 the last
	// step paid for itself; below 0 it lost money.
	MarginalSavingsPerCommitment *float64 `json:"MarginalSavingsPerCommitment"`
}

// PoolLine is one pool's coverage before and after the plan.
type PoolLine struct {
	Pool                string  `json:"Pool"`
	Unit                string  `json:"Unit"`
	AverageHourlyUsage  float64 `json:"AverageHourlyUsage"`
	OnDemandRate        float64 `json:"OnDemandRate"`
	OnDemandMonthlyCost float64 `json:"OnDemandMonthlyCost"`
	CoverageBefore      float64 `json:"CoverageBefore"`
	CoverageAfter       float64 `json:"CoverageAfter"`
}

// OwnedLine is an owned commitment the plan counted on.
type OwnedLine struct {
	ID       string         `json:"Id"`
	Kind     providers.Kind `json:"Kind"`
	Quantity float64        `json:"Quantity"`
	End      *time.Time     `json:"End"`
	// Utilization is its expected utilization over the horizon with the
	// plan (0–100).
	Utilization float64 `json:"Utilization"`
}

// BindingLine is a policy limit that binds.
type BindingLine struct {
	// Constraint is the policy field; Offering the line it is about (for
	// min_utilization).
	Constraint string  `json:"Constraint"`
	Offering   string  `json:"Offering,omitempty"`
	Limit      float64 `json:"Limit"`
	// Value is what relaxing the limit by one step would save over the
	// horizon.
	Value float64 `json:"Value"`
	Text  string  `json:"Text"`
}

// SolverInfo is how the answer was found and how good it is proven.
type SolverInfo struct {
	Method    string `json:"Method"`
	Converged bool   `json:"Converged"`
	// BoundNote says why the bound is not a proof, when it is not.
	BoundNote string `json:"BoundNote,omitempty"`
	// DualBound says why the bound comes from the allocation's duals
	// (solver.Result.DualBound); Stopped, that the solver ended at its
	// iteration or time limit.
	DualBound string `json:"DualBound,omitempty"`
	Stopped   bool   `json:"Stopped,omitempty"`
	// SampleWeeks is solver.Options.SampleWeeks when the purchases were
	// optimized on sampled weeks (the bound is over every hour).
	SampleWeeks int `json:"SampleWeeks,omitempty"`
	// Objective and Bound are the model's cost and proven lower bound over
	// the horizon; ModelGap and RoundingGap as in solver.Result.
	Objective   float64 `json:"Objective"`
	Bound       float64 `json:"Bound"`
	ModelGap    float64 `json:"ModelGap"`
	RoundingGap float64 `json:"RoundingGap"`
	Iterations  int     `json:"Iterations"`
	Hours       int     `json:"Hours"`
	HourClasses int     `json:"HourClasses"`
	Pools       int     `json:"Pools"`
	Offerings   int     `json:"Offerings"`
}

// MakePlan computes the plan for the repeat scenario: the lookback before
// AsOf, repeated over the horizon.
func MakePlan(ctx context.Context, in Input, opt Options) (*Plan, error) {
	if in.Book == nil {
		return nil, errors.New("planner: no price book")
	}
	pol := in.Policy // a zero policy is DefaultPolicy once withDefaults fills it
	if in.Lookback != 0 {
		pol.Lookback = Duration(in.Lookback)
	}
	if in.Horizon != 0 {
		pol.Horizon = Duration(in.Horizon)
	}
	pol = pol.withDefaults()
	if err := pol.Validate(); err != nil {
		return nil, fmt.Errorf("planner: policy: %w", err)
	}
	progress := func(format string, args ...any) {
		if opt.Progress != nil {
			fmt.Fprintf(opt.Progress, format+"\n", args...)
		}
	}
	hist, err := alignedHistory(in.History)
	if err != nil {
		return nil, err
	}
	asOf := in.AsOf.UTC().Truncate(time.Hour)
	if asOf.IsZero() {
		asOf = hist.end
	}
	if !asOf.After(hist.start) {
		return nil, fmt.Errorf("%w: as-of %s is not after the first hour of usage (%s): there is no history to plan from",
			ErrAsOf, asOf.Format(time.RFC3339), hist.start.Format(time.RFC3339))
	}
	if asOf.After(hist.end) {
		return nil, fmt.Errorf("%w: as-of %s is after the end of the usage history (%s): the hours between are unknown; plan as of %s or earlier",
			ErrAsOf, asOf.Format(time.RFC3339), hist.end.Format(time.RFC3339), hist.end.Format(time.RFC3339))
	}
	p := &Plan{Schema: PlanSchema, AsOf: asOf, Currency: in.Book.Currency, Policy: pol, Sources: in.Sources,
		Status: "proposed", Lines: []Line{}, Excluded: []Exclusion{}, Notes: []string{}, Owned: []OwnedLine{}}
	lb := time.Duration(pol.Lookback)
	lbStart := asOf.Add(-lb)
	if lbStart.Before(hist.start) {
		p.Notes = append(p.Notes, fmt.Sprintf("PARTIAL HISTORY: the lookback is %s but only %.1f days of usage precede the as-of time; the plan repeats those",
			pol.Lookback, asOf.Sub(hist.start).Hours()/24))
		lbStart = hist.start
	}
	lbFrom := int(lbStart.Sub(hist.start).Hours())
	lbTo := int(asOf.Sub(hist.start).Hours())
	lbHours := lbTo - lbFrom
	p.Scenario = Repeat{}.Name()
	horizon := int(time.Duration(pol.Horizon).Hours())
	p.Lookback = Window{Start: lbStart, End: asOf, Hours: lbHours}
	p.Horizon = Window{Start: asOf, End: asOf.Add(time.Duration(horizon) * time.Hour), Hours: horizon}

	// The forecast the purchases are optimized over: the lookback
	// repeated, or the scenarios of a generator (a two-stage stochastic
	// problem: purchases shared, coverage per scenario).
	fc := in.Forecast
	if fc == nil {
		fc = Repeat{}
	}
	// With a budget, the most pool-hours it optimizes over (on one week in
	// four where the horizon has the weeks): a forecaster that can be
	// limited refuses more before drawing them.
	most := in.ScenarioBudget * max(1, opt.Solver.SampleWeeks)
	if opt.Solver.SampleWeeks <= 1 && horizon >= minSampledHorizon {
		most = in.ScenarioBudget * 4
	}
	if l, ok := fc.(Limiter); ok && in.ScenarioBudget > 0 {
		fc = l.WithMaxBytes(int64(most) * 8)
	}
	scen, err := fc.Forecast(hist.series, asOf, asOf.Sub(lbStart), horizon)
	var tooLarge *ForecastTooLargeError
	if in.ScenarioBudget > 0 && errors.As(err, &tooLarge) {
		// The budget is a preference: the repeat forecast is the answer.
		n := tooLarge.Scenarios * tooLarge.Pools * tooLarge.Hours
		why := fmt.Sprintf("more than --optimize auto solves (%d on every hour, four times that on one week in four)", in.ScenarioBudget)
		if n <= most {
			why = fmt.Sprintf("more than the forecaster holds in memory (%.1f MB)", float64(tooLarge.Limit)/(1<<20))
		}
		p.Notes = append(p.Notes, fmt.Sprintf("the purchases are optimized over the repeat forecast, not the %d scenarios of %s: they would hold %d pool-hours (%d pools × %d hours × %d scenarios), %s",
			tooLarge.Scenarios, fc.Name(), n, tooLarge.Pools, tooLarge.Hours, tooLarge.Scenarios, why))
		fc = Repeat{}
		scen, err = fc.Forecast(hist.series, asOf, asOf.Sub(lbStart), horizon)
	}
	if err != nil {
		return nil, fmt.Errorf("planner: forecast %s: %w", fc.Name(), err)
	}
	if n := scenarioSize(scen); in.ScenarioBudget > 0 && len(scen) > 1 && n > in.ScenarioBudget*max(1, opt.Solver.SampleWeeks) {
		// Over the budget: one week in 2 or 4 while that fits (and the
		// horizon has the weeks for it), else the repeat forecast.
		every := 0
		if opt.Solver.SampleWeeks <= 1 && horizon >= minSampledHorizon {
			for _, e := range []int{2, 4} {
				if n <= in.ScenarioBudget*e {
					every = e
					break
				}
			}
		}
		pools := n / horizon / len(scen)
		if every > 0 {
			opt.Solver.SampleWeeks = every
			p.Notes = append(p.Notes, fmt.Sprintf("the %d scenarios of %s hold %d pool-hours (%d pools × %d hours × %d scenarios), over the %d that --optimize auto optimizes on every hour (the demo's 11.4 million take about 45 s on two cores): the purchases are optimized on one week in %d of them (as --sample-weeks %d), then billed and bounded on every hour; --optimize scenarios optimizes on every hour, --optimize repeat over the repeated lookback",
				len(scen), fc.Name(), n, pools, horizon, len(scen), in.ScenarioBudget, every, every))
		} else {
			p.Notes = append(p.Notes, fmt.Sprintf("the purchases are optimized over the repeat forecast, not the %d scenarios of %s: they hold %d pool-hours (%d pools × %d hours × %d scenarios), more than --optimize auto solves (%d on every hour, four times that on one week in four); --optimize scenarios solves them anyway (--sample-weeks 4 makes that faster)",
				len(scen), fc.Name(), n, pools, horizon, len(scen), in.ScenarioBudget))
			fc = Repeat{}
			if scen, err = fc.Forecast(hist.series, asOf, asOf.Sub(lbStart), horizon); err != nil {
				return nil, fmt.Errorf("planner: forecast %s: %w", fc.Name(), err)
			}
		}
	}
	p.Scenario = fc.Name()
	usage, blocks, err := stack(scen, horizon)
	if err != nil {
		return nil, fmt.Errorf("planner: forecast %s: %w", fc.Name(), err)
	}
	if _, ok := fc.(Repeat); ok {
		if idle := len(hist.series) - len(usage); idle > 0 {
			p.Notes = append(p.Notes, fmt.Sprintf("%d pools had no usage in the lookback and are not planned for", idle))
		}
	}
	if len(usage) == 0 {
		return nil, fmt.Errorf("%w: no pool has usage in the lookback %s – %s", ErrNoUsage, lbStart.Format(time.RFC3339), asOf.Format(time.RFC3339))
	}
	if err := p.explain(fc, hist.series, asOf); err != nil {
		return nil, err
	}
	if len(blocks) > 1 {
		p.Scenarios = len(blocks)
		p.Notes = append(p.Notes, fmt.Sprintf("the purchases are optimized over %d scenarios of the %s forecast (expected cost, within the risk limits); every figure is the expectation over them", len(blocks), fc.Name()))
	}
	// Risk limits: the conservative defaults where none is given (limits.go).
	var riskLimits []RiskLimit
	pol, riskLimits = withRiskDefaults(pol, in.RiskSource, len(blocks) > 1)
	p.Policy = pol
	owned := ownedAt(in.Owned, asOf, p)
	progress("planning %d pools over a %d-hour horizon (lookback %s – %s, %d owned commitments)",
		len(usage), horizon, lbStart.Format("2006-01-02 15:04"), asOf.Format("2006-01-02 15:04"), len(owned))
	b, err := BuildProblem(ProblemInput{Book: in.Book, Usage: usage, Owned: owned, Scenarios: blocks})
	if err != nil {
		return nil, err
	}
	p.Excluded = append(append(p.Excluded, in.Unpooled...), b.Excluded...)
	p.Notes = append(p.Notes, b.Notes...)
	if !pol.NoLadder {
		ladder(b, p, horizon, len(blocks) > 1)
	}
	applyPolicy(b, pol, p)
	uncoverable(b, p)
	riskName := ""
	if in.RiskForecast != nil {
		riskName = in.RiskForecast.Name()
	}
	// The whole history before the as-of time: a scenario generator reads
	// further back than the lookback.
	p.InputDigest, err = digest(in.Book, hist, 0, lbTo, owned, pol, asOf, fc.Name()+"|"+riskName)
	if err != nil {
		return nil, err
	}
	if in.ProviderRecommendation != nil {
		if p.InputDigest, err = withProviderRecommendation(p.InputDigest, in.ProviderRecommendation); err != nil {
			return nil, err
		}
	}
	res, err := solver.Solve(ctx, b.Problem, opt.Solver)
	if err != nil {
		return nil, fmt.Errorf("planner: %w", err)
	}
	progress("solved with %s in %d iterations: %d purchases", res.Method, res.Iterations, len(res.Purchases))
	switch {
	case res.BoundNote != "":
		p.Notes = append(p.Notes, fmt.Sprintf("NOT PROVEN OPTIMAL: %s. The plan's figures are the billing rules' and exact; the gap to the decomposition's bound (%.2f %s) is indicative only",
			res.BoundNote, math.Max(0, res.Objective-res.Bound), p.Currency))
	case res.Compression.SampleWeeks > 1:
		p.Notes = append(p.Notes, fmt.Sprintf("Optimized on one week in %d of each scenario's hours (--sample-weeks, an approximation); billed on every hour, the purchase is proven within %.2f %s over the horizon (%.3f%% of the cost) of the best one",
			res.Compression.SampleWeeks, math.Max(0, res.Objective-res.Bound), p.Currency, 100*math.Max(0, res.Objective-res.Bound)/math.Max(1, res.Objective)))
	case res.DualBound != "" && !res.Stopped:
		p.Notes = append(p.Notes, fmt.Sprintf("Proven within %.2f %s over the horizon (%.3f%% of the cost) of the best purchase. The bound comes from the duals of each hour's cheapest allocation, not the billing rule's, because %s",
			math.Max(0, res.Objective-res.Bound), p.Currency, 100*math.Max(0, res.Objective-res.Bound)/math.Max(1, res.Objective), res.DualBound))
	case !res.Converged:
		p.Notes = append(p.Notes, fmt.Sprintf("NOT PROVEN OPTIMAL: the solver stopped at its limit; the best plan may save up to %.2f %s more over the horizon",
			res.Objective-res.Bound, p.Currency))
	}
	p.Solver = SolverInfo{Method: res.Method.String(), Converged: res.Converged, BoundNote: res.BoundNote, DualBound: res.DualBound, Stopped: res.Stopped, SampleWeeks: res.Compression.SampleWeeks, Objective: res.Objective, Bound: res.Bound,
		ModelGap: res.ModelGap, RoundingGap: res.RoundingGap, Iterations: res.Iterations, Hours: horizon,
		HourClasses: res.Compression.Classes, Pools: len(b.Problem.Pools), Offerings: len(b.Problem.Offerings)}
	p.fill(b, res)
	p.Binding = []BindingLine{}
	for _, bd := range res.Binding {
		p.Binding = append(p.Binding, BindingLine{Constraint: bd.Constraint, Offering: bd.Offering, Limit: bd.Limit, Value: bd.Value, Text: bd.Text})
	}
	if p.Curve, err = curve(b, res, horizon); err != nil {
		return nil, err
	}
	var bills *scenarioBills
	var riskScen []Scenario
	if in.RiskForecast != nil {
		rf := in.RiskForecast
		if riskScen, rf, err = p.riskScenarios(rf, hist.series, asOf, asOf.Sub(lbStart), horizon); err != nil {
			return nil, err
		}
		if _, done := fc.(Explainer); !done {
			if err := p.explain(rf, hist.series, asOf); err != nil {
				return nil, err
			}
		}
		if len(riskScen) > 0 {
			progress("evaluating the purchases on %d scenarios of %s", len(riskScen), rf.Name())
			bills, err = p.evaluateRisk(ctx, rf, riskScen, in.Book, owned)
			if err != nil {
				return nil, err
			}
			// The frontier: expected savings against risk (frontier.go).
			if err := p.frontier(ctx, frontierInput{built: b, res: res, scen: riskScen, book: in.Book, owned: owned, bills: bills, forecast: rf.Name()}, opt); err != nil {
				return nil, err
			}
		}
	}
	p.RiskLimits = riskLimits
	p.checkRiskLimits(bills)
	// The provider's own recommendation, billed beside the plan on the
	// same problem and, with a risk forecast, the same (seeded) scenarios
	// (compare.go).
	if in.ProviderRecommendation != nil {
		progress("billing %s's own recommendation beside the plan", in.ProviderRecommendation.Provider)
		if err := p.compareProvider(ctx, in, b, res, owned, riskScen); err != nil {
			return nil, err
		}
	}
	// A stage that notes a failure and goes on must not turn a
	// cancellation into a plan: cancelled is cancelled.
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("planner: %w", err)
	}
	return p, nil
}

// DefaultScenarioBudget is the most pool-hours (pools × horizon hours ×
// scenarios) that --optimize auto optimizes over scenarios on every hour:
// a little over the demo's 65 pools × 8,760 hours × 20 scenarios (11.4
// million), which took 2 min 9 s on two cores when it was set and 43 s
// on 2026-12-08 (docs/plan.md).
const DefaultScenarioBudget = 12_000_000

// minSampledHorizon is the shortest horizon --optimize auto optimizes on
// sampled weeks: eight weeks, so that one in four leaves two.
const minSampledHorizon = 8 * 7 * 24

// scenarioSize is the number of pool-hours in the scenarios.
func scenarioSize(scen []Scenario) int {
	n := 0
	for _, sc := range scen {
		for _, u := range sc.Usage {
			n += len(u.Quantity)
		}
	}
	return n
}

// riskScenarios are the scenarios the plan's risk figures come from: all
// of f's or, when they would take more memory than f holds and f is a
// Resizer, the first of them that fit (at least two), said in the notes;
// none, said in the notes, when not even two fit. It returns the
// forecaster that made them.
func (p *Plan) riskScenarios(f Forecaster, history []providers.UsageSeries, asOf time.Time, lookback time.Duration, horizon int) ([]Scenario, Forecaster, error) {
	scen, err := f.Forecast(history, asOf, lookback, horizon)
	var tl *ForecastTooLargeError
	if !errors.As(err, &tl) {
		if err != nil {
			return nil, f, fmt.Errorf("planner: risk forecast %s: %w", f.Name(), err)
		}
		return scen, f, nil
	}
	r, ok := f.(Resizer)
	if !ok || tl.Fits < 2 {
		p.Notes = append(p.Notes, fmt.Sprintf("NO RISK FIGURES: the purchases are not evaluated in the scenarios of %s — %d scenarios × %d pools × %d hours would take %d MB, more than it holds (%d MB); a shorter --horizon or fewer pools would fit",
			f.Name(), tl.Scenarios, tl.Pools, tl.Hours, tl.Bytes>>20, tl.Limit>>20))
		return nil, f, nil
	}
	fewer := r.WithScenarios(tl.Fits)
	if scen, err = fewer.Forecast(history, asOf, lookback, horizon); err != nil {
		return nil, f, fmt.Errorf("planner: risk forecast %s: %w", f.Name(), err)
	}
	p.Notes = append(p.Notes, fmt.Sprintf("the risk figures come from the first %d of the %d scenarios of %s: all %d × %d pools × %d hours would take %d MB, more than it holds (%d MB)",
		tl.Fits, tl.Scenarios, f.Name(), tl.Scenarios, tl.Pools, tl.Hours, tl.Bytes>>20, tl.Limit>>20))
	return scen, fewer, nil
}

// stack lays the scenarios' usage end to end, one block of horizon hours
// per scenario, pool by pool (a pool missing from a scenario has no usage
// there), and returns the blocks for solver.Problem.Scenarios (nil for a
// single scenario).
func stack(scen []Scenario, horizon int) ([]providers.UsageSeries, []solver.Scenario, error) {
	if len(scen) == 0 {
		return nil, nil, errors.New("no scenario")
	}
	if len(scen) == 1 {
		return scen[0].Usage, nil, nil
	}
	idx := map[providers.PoolKey]int{}
	var out []providers.UsageSeries
	var total float64
	blocks := make([]solver.Scenario, len(scen))
	for s, sc := range scen {
		if !(sc.Probability > 0) {
			return nil, nil, fmt.Errorf("scenario %s has probability %v", sc.Name, sc.Probability)
		}
		total += sc.Probability
		blocks[s] = solver.Scenario{Name: sc.Name, Hours: horizon, Probability: sc.Probability}
		for _, u := range sc.Usage {
			if len(u.Quantity) != horizon {
				return nil, nil, fmt.Errorf("scenario %s: pool %s has %d hours, want %d", sc.Name, u.Pool, len(u.Quantity), horizon)
			}
			i, ok := idx[u.Pool]
			if !ok {
				i = len(out)
				idx[u.Pool] = i
				out = append(out, providers.UsageSeries{Pool: u.Pool, Start: u.Start, OnDemandRate: u.OnDemandRate, Quantity: make([]float64, len(scen)*horizon)})
			}
			copy(out[i].Quantity[s*horizon:], u.Quantity)
		}
	}
	if math.Abs(total-1) > 1e-6 {
		return nil, nil, fmt.Errorf("the scenarios' probabilities sum to %v, not 1", total)
	}
	for s := range blocks {
		blocks[s].Probability /= total
	}
	return out, blocks, nil
}

// history is the usage series checked to share one start and length.
type history struct {
	series     []providers.UsageSeries
	start, end time.Time
}

// alignedHistory puts every series on the same hours: from the earliest
// start to the latest end of any series. A pool has no usage in the hours
// its series does not reach (billing data has no rows for idle pools).
func alignedHistory(series []providers.UsageSeries) (*history, error) {
	if len(series) == 0 {
		return nil, ErrNoUsage
	}
	h := &history{}
	for i, s := range series {
		st := s.Start.UTC().Truncate(time.Hour)
		en := st.Add(time.Duration(len(s.Quantity)) * time.Hour)
		if i == 0 || st.Before(h.start) {
			h.start = st
		}
		if i == 0 || en.After(h.end) {
			h.end = en
		}
	}
	n := int(h.end.Sub(h.start).Hours())
	if n > 10*366*24 {
		return nil, fmt.Errorf("planner: the usage history spans %d hours (%s – %s); more than ten years is not plausible hourly data",
			n, h.start.Format(time.RFC3339), h.end.Format(time.RFC3339))
	}
	seen := map[providers.PoolKey]bool{}
	for _, s := range series {
		if seen[s.Pool] {
			return nil, fmt.Errorf("planner: pool %s has two usage series", s.Pool)
		}
		seen[s.Pool] = true
		for _, q := range s.Quantity {
			if math.IsNaN(q) || math.IsInf(q, 0) || q < 0 {
				return nil, fmt.Errorf("planner: pool %s: usage %v is not a non-negative number", s.Pool, q)
			}
		}
		off := int(s.Start.UTC().Truncate(time.Hour).Sub(h.start).Hours())
		q := s.Quantity
		if off != 0 || len(q) != n {
			q = make([]float64, n)
			copy(q[off:], s.Quantity)
		}
		s.Quantity, s.Start = q, h.start
		h.series = append(h.series, s)
	}
	sort.SliceStable(h.series, func(i, j int) bool { return h.series[i].Pool.String() < h.series[j].Pool.String() })
	return h, nil
}

// ownedAt keeps the commitments still active at asOf, and says what it
// assumed about each.
func ownedAt(all []providers.Commitment, asOf time.Time, p *Plan) []providers.Commitment {
	var out []providers.Commitment
	for _, c := range all {
		if !c.End.IsZero() && !c.End.After(asOf) {
			continue
		}
		if c.Kind == "" {
			p.Excluded = append(p.Excluded, Exclusion{What: fmt.Sprintf("owned commitment %s (%g %s)", c.ID, c.Quantity, c.Unit),
				Reason: "its kind is not known, so what it covers cannot be modelled; the plan may buy what it already covers (give the inventory, or a CommitmentDiscountName that names the kind)"})
			continue
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// applyPolicy turns the plan policy into the solver's.
func applyPolicy(b *Built, pol Policy, p *Plan) {
	sp := &b.Problem.Policy
	for k, o := range b.Offerings {
		if !pol.allows(o) {
			sp.Exclude = append(sp.Exclude, k)
		}
	}
	if n := len(sp.Exclude); n > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("%d of %d offerings are not allowed by the policy's kinds, terms or payment options", n, len(b.Offerings)))
	}
	if pol.CostOfCapital > 0 {
		for k := range b.Problem.Offerings {
			o := &b.Problem.Offerings[k]
			// The financing cost of the upfront fee, spread over the term.
			o.Recurring += o.Upfront * (annuityFactor(pol.CostOfCapital, o.TermHours) - 1) / float64(o.TermHours)
		}
		p.Notes = append(p.Notes, fmt.Sprintf("cost of capital %.1f%% a year: upfront fees are costed as the annuity that repays them over the term, so costs, savings and the hourly commitment include the financing of upfront payments; the upfront and recurring fees shown are the price book's",
			100*pol.CostOfCapital))
	}
	sp.MaxUpfront, sp.MaxHourlyCommitment, sp.MaxCoverage = pol.MaxUpfront, pol.MaxHourlyCommitment, pol.MaxCoverage
	sp.MinUtilization, sp.MaxThreeYearShare = pol.MinUtilization, pol.MaxThreeYearShare
	if pol.MaxRegret != nil {
		v := *pol.MaxRegret * float64(p.Horizon.Hours) / hoursPerMonth // the solver's limit is over the horizon
		sp.MaxCVaRRegret = &v
	}
	sp.CVaRLevel = pol.RiskLevel
	sp.MaxExpectedWasteShare, sp.MaxTailWasteShare = pol.MaxWasteShare, pol.MaxTailWasteShare
	sp.UtilizationFloorPercentile, sp.MaxExpiringPerMonth = pol.UtilizationFloorPercentile, pol.MaxExpiringPerMonth
}

// ladderPoints is the most purchase dates the plan considers besides now.
const ladderPoints = 12

// replanMonths are the months (of 730 hours) from now at which a plan over
// scenarios may also buy: later tranches that let it buy growth when it
// arrives rather than pay for it now (DESIGN.md: later tranches x_k,m).
var replanMonths = []int{1, 2, 3, 6, 9}

// ladder adds, for every offering, copies that can be bought later: at each
// hour of the horizon where an owned commitment ends, so that the plan can
// wait for an expiry instead of buying now what would overlap with what is
// owned, and — when the forecast is over scenarios — at those of the
// replanMonths where some pool's expected usage rises above what it was in
// every month before, so that usage the scenarios expect only later is
// bought later (DESIGN.md, laddering). Where no pool's usage rises, a later
// tranche is worth no more than the same purchase made now, and it is not
// offered: the choice between the two would be arbitrary. The copies are
// the same in every scenario: a later tranche gains nothing from knowing
// which future came, so the option to wait and see is not counted and the
// plan does not defer a purchase for it. Copies are offerings with a
// purchase window; their lines are later tranches, not executed now.
func ladder(b *Built, p *Plan, h int, scenarios bool) {
	seen := map[int]bool{}
	var expiries, months []int
	add := func(list *[]int, t int) bool {
		// Inside the horizon, on a day boundary, a day apart at least.
		if t <= 24 || t >= h-24 {
			return false
		}
		t = t / 24 * 24
		if seen[t] {
			return false
		}
		seen[t] = true
		*list = append(*list, t)
		return true
	}
	for _, c := range b.Problem.Owned {
		add(&expiries, c.End)
	}
	var monthNums []int // months[i] is monthNums[i] months from now
	if scenarios {
		for _, m := range risingMonths(b.Problem) {
			if add(&months, m*solver.HoursPerMonth) {
				monthNums = append(monthNums, m)
			}
		}
	}
	sort.Ints(expiries)
	if len(expiries)+len(months) > ladderPoints {
		// Expiries first: buying what overlaps an owned commitment is the
		// costlier mistake.
		if len(expiries) > ladderPoints {
			expiries = expiries[:ladderPoints]
		}
		months = months[:ladderPoints-len(expiries)]
	}
	points := append(expiries, months...)
	sort.Ints(points)
	if len(points) == 0 {
		return
	}
	n := len(b.Problem.Offerings)
	for _, t := range points {
		for k := 0; k < n; k++ {
			o := b.Problem.Offerings[k]
			o.Start, o.End = t, 0
			o.ID = fmt.Sprintf("%s from %s", o.ID, p.AsOf.Add(time.Duration(t)*time.Hour).Format("2006-01-02"))
			b.Problem.Offerings = append(b.Problem.Offerings, o)
			b.Offerings = append(b.Offerings, b.Offerings[k])
		}
	}
	var why []string
	if len(expiries) > 0 {
		why = append(why, fmt.Sprintf("when an owned commitment expires (%d dates)", len(expiries)))
	}
	if len(months) > 0 {
		ms := make([]string, len(months))
		for i := range months {
			ms[i] = strconv.Itoa(monthNums[i])
		}
		why = append(why, fmt.Sprintf("%s months from now, where the scenarios' usage rises, so that it is bought when it comes", andList(ms)))
	}
	p.Notes = append(p.Notes, fmt.Sprintf("laddering: every offering may also be bought %s; such lines are later tranches, not executed now", strings.Join(why, " and ")))
}

// andList joins words as a sentence does: "a", "a and b", "a, b and c".
func andList(w []string) string {
	if len(w) < 2 {
		return strings.Join(w, "")
	}
	return strings.Join(w[:len(w)-1], ", ") + " and " + w[len(w)-1]
}

// risingMonths returns the replanMonths inside the horizon in whose month
// (730 hours from its start) some pool's usage, the mean over the
// scenarios, is more than 1 % above its mean in each earlier month of the
// horizon.
func risingMonths(pr *solver.Problem) []int {
	type block struct {
		off, hours int
		prob       float64
	}
	var blocks []block
	if len(pr.Scenarios) == 0 {
		blocks = []block{{0, pr.Hours, 1}}
	}
	off := 0
	for _, sc := range pr.Scenarios {
		blocks = append(blocks, block{off, sc.Hours, sc.Probability})
		off += sc.Hours
	}
	// mean is a pool's expected usage over hours [from, to) of each block.
	mean := func(u []float64, from, to int) float64 {
		var sum float64
		for _, b := range blocks {
			hi := min(to, b.hours)
			if from >= hi {
				continue
			}
			var s float64
			for _, q := range u[b.off+from : b.off+hi] {
				s += q
			}
			sum += b.prob * s / float64(hi-from)
		}
		return sum
	}
	month := int(solver.HoursPerMonth)
	horizon := 0
	for _, b := range blocks {
		horizon = max(horizon, b.hours)
	}
	// Months 0 to the last of replanMonths, those that start inside the
	// horizon.
	months := min(replanMonths[len(replanMonths)-1]+1, (horizon+month-1)/month)
	rises := make([]bool, len(replanMonths))
	means := make([]float64, months)
	for _, pool := range pr.Pools {
		if len(pool.Usage) != pr.Hours {
			continue
		}
		for k := range means {
			means[k] = mean(pool.Usage, k*month, (k+1)*month)
		}
		for i, m := range replanMonths {
			if m >= months {
				break
			}
			if cur := means[m]; cur > slices.Max(means[:m])*1.01 && cur > 1e-9 {
				rises[i] = true
			}
		}
	}
	var out []int
	for i, r := range rises {
		if r {
			out = append(out, replanMonths[i])
		}
	}
	return out
}

// annuityFactor is how much more than its face value an upfront fee costs
// when financed at the annual rate over termHours: the annuity that repays
// it, paid every hour of the term, summed (≥ 1).
func annuityFactor(rate float64, termHours int) float64 {
	if rate <= 0 || termHours <= 0 {
		return 1
	}
	r := math.Pow(1+rate, 1/float64(solver.HoursPerYear)) - 1 // hourly rate
	n := float64(termHours)
	return r * n / (1 - math.Pow(1+r, -n))
}

// uncoverable lists pools that no offering can cover: their usage is paid
// on demand whatever is bought.
func uncoverable(b *Built, p *Plan) {
	covered := make([]bool, len(b.Pools))
	for _, o := range b.Problem.Offerings {
		for _, c := range o.Covers {
			covered[c.Pool] = true
		}
	}
	for i, ok := range covered {
		if ok {
			continue
		}
		var total float64
		for _, q := range b.Problem.Pools[i].Usage {
			total += q
		}
		if n := len(b.Problem.Scenarios); n > 1 {
			total /= float64(n) // the mean over the scenarios
		}
		p.Excluded = append(p.Excluded, Exclusion{What: fmt.Sprintf("usage of %s (%.1f %s over the horizon)", b.Pools[i], total, b.Pools[i].Unit),
			Reason: "no offering in the price book covers this pool; it stays on demand"})
	}
}

// digest hashes what the plan is computed from.
func digest(book *providers.PriceBook, h *history, from, to int, owned []providers.Commitment, pol Policy, asOf time.Time, risk string) (string, error) {
	sum := sha256.New()
	enc := json.NewEncoder(sum)
	type window struct {
		Pool     providers.PoolKey
		Rate     float64
		Quantity []float64
	}
	used := make([]window, len(h.series))
	for i, s := range h.series {
		used[i] = window{s.Pool, s.OnDemandRate, s.Quantity[from:to]}
	}
	for _, v := range []any{PlanSchema, book, used, owned, pol, asOf, risk} {
		if err := enc.Encode(v); err != nil {
			return "", fmt.Errorf("planner: digest: %w", err)
		}
	}
	return "sha256:" + hex.EncodeToString(sum.Sum(nil)), nil
}

// fill builds the lines, totals, pools and owned lines from the result.
func (p *Plan) fill(b *Built, res *solver.Result) {
	months := float64(p.Horizon.Hours) / hoursPerMonth
	base, bill := res.Baseline, res.Bill
	nOwned := len(b.Problem.Owned)
	var fees, used, capacityValue float64
	p.offerings = map[string]providers.Offering{}
	for i, l := range res.Purchases {
		o := b.Offerings[l.Offering]
		so := b.Problem.Offerings[l.Offering]
		p.offerings[o.ID] = o
		line := Line{
			LineNumber: i + 1, OfferingID: o.ID, Offering: so.ID, Provider: o.Provider, Kind: o.Kind, Term: o.Term,
			PaymentOption: o.PaymentOption, InstanceType: o.InstanceType, Quantity: l.Quantity,
			HourlyCommitmentToPurchase: l.HourlyCost, UpfrontCost: l.Upfront, RecurringStandardMonthlyCost: l.Quantity * o.RecurringHourlyFee * hoursPerMonth,
			EffectiveHourlyRate: so.HourlyCost(), EstimatedMonthlySavingsAmount: l.MonthlySavings, EstimatedSavingsAmount: l.Savings,
			EstimatedAverageUtilization: 100 * l.Utilization, CoverageAdded: 100 * l.CoverageAdded,
			NextUnitSavings: l.NextUnitSavings, Reasons: l.Reasons,
		}
		if line.Reasons == nil {
			line.Reasons = []string{}
		}
		if !math.IsInf(l.BreakEvenMonths, 1) {
			v := l.BreakEvenMonths
			line.EstimatedBreakEvenInMonths = &v
		}
		hb := bill.Holdings[nOwned+i]
		if hb.CoveredValue > 0 {
			line.EstimatedSavingsPercentage = 100 * l.Savings / hb.CoveredValue
		}
		if hb.Fees > 0 {
			line.EstimatedROI = 100 * l.Savings / hb.Fees
		}
		fees += hb.Fees
		used += hb.Used / math.Max(hb.Capacity, 1e-300) * hb.Fees
		capacityValue += hb.Fees
		if o.Kind.Spend() {
			line.QuantityUnit = p.Currency + "/hour"
		} else {
			line.QuantityUnit = "instances"
			n := l.Quantity
			line.RecommendedNumberOfInstancesToPurchase = &n
			if len(o.Covers) > 0 && o.Covers[0].Pool.Unit == providers.UnitNormalizedHour {
				nu := l.Quantity * o.Covers[0].SizeFactor
				line.RecommendedNormalizedUnitsToPurchase = &nu
			}
		}
		regions := map[string]bool{}
		var before, after, value float64
		for _, c := range so.Covers {
			pk := b.Pools[c.Pool]
			regions[pk.Region] = true
			line.Pools = append(line.Pools, pk.String())
			rate := b.Problem.Pools[c.Pool].OnDemandRate
			before += base.Pools[c.Pool].Covered * rate
			after += bill.Pools[c.Pool].Covered * rate
			value += bill.Pools[c.Pool].Usage * rate
		}
		if len(regions) == 1 {
			for r := range regions {
				line.Region = r
			}
		}
		if value > 0 {
			line.CoverageBefore, line.CoverageAfter = 100*before/value, 100*after/value
		}
		line.Tranche, line.StartsAt = "now", p.AsOf
		if l.Start > 0 {
			line.Tranche, line.StartsAt = "later", p.AsOf.Add(time.Duration(l.Start)*time.Hour)
			p.Totals.LaterTranches++
			p.Totals.LaterUpfrontCost += line.UpfrontCost
		} else {
			p.Totals.TotalUpfrontCost += line.UpfrontCost
		}
		p.Lines = append(p.Lines, line)
		p.Totals.TotalHourlyCommitment += l.HourlyCost
		p.Totals.RecurringMonthlyCost += line.RecurringStandardMonthlyCost
	}
	t := &p.Totals
	t.Purchases = len(p.Lines)
	t.OnDemandMonthlyCost = bill.UsageValue / months
	t.CurrentMonthlyCost = base.Total / months
	t.PlannedMonthlyCost = bill.Total / months
	t.EstimatedSavingsAmount = base.Total - bill.Total
	t.EstimatedMonthlySavingsAmount = t.EstimatedSavingsAmount / months
	if base.Total > 0 {
		t.EstimatedSavingsPercentage = 100 * t.EstimatedSavingsAmount / base.Total
	}
	if fees > 0 {
		t.EstimatedROI = 100 * t.EstimatedSavingsAmount / fees
		t.EstimatedAverageUtilization = 100 * used / capacityValue
		t.MonthlyWaste = (capacityValue - used) / months
	}
	t.CoverageBefore, t.CoverageAfter = 100*base.Coverage(), 100*bill.Coverage()
	if bill.UsageValue > 0 {
		t.EffectiveSavingsRateBefore = 100 * (1 - base.Total/bill.UsageValue)
		t.EffectiveSavingsRateAfter = 100 * (1 - bill.Total/bill.UsageValue)
	}
	for i, pk := range b.Pools {
		pool := b.Problem.Pools[i]
		pb, bb := base.Pools[i], bill.Pools[i]
		line := PoolLine{Pool: pk.String(), Unit: string(pk.Unit), AverageHourlyUsage: bb.Usage / float64(p.Horizon.Hours),
			OnDemandRate: pool.OnDemandRate, OnDemandMonthlyCost: bb.Usage * pool.OnDemandRate / months}
		if bb.Usage > 0 {
			line.CoverageBefore, line.CoverageAfter = 100*pb.Covered/pb.Usage, 100*bb.Covered/bb.Usage
		}
		p.Pools = append(p.Pools, line)
	}
	for i, c := range b.Problem.Owned {
		ol := OwnedLine{ID: c.ID, Kind: b.Offerings[c.Offering].Kind, Quantity: c.Quantity, Utilization: 100 * bill.Holdings[i].Utilization()}
		if c.End <= p.Horizon.Hours {
			e := p.AsOf.Add(time.Duration(c.End) * time.Hour)
			ol.End = &e
		}
		p.Owned = append(p.Owned, ol)
	}
}

// curveScales are the points of the savings-versus-commitment curve.
var curveScales = []float64{0, 0.25, 0.5, 0.75, 0.9, 1, 1.1, 1.25, 1.5}

// curve simulates the plan's purchases scaled by each of curveScales.
func curve(b *Built, res *solver.Result, horizon int) ([]CurvePoint, error) {
	months := float64(horizon) / hoursPerMonth
	var owned []solver.Holding
	for _, c := range b.Problem.Owned {
		owned = append(owned, solver.Holding{ID: c.ID, Offering: c.Offering, Quantity: c.Quantity, Start: c.Start, End: c.End})
	}
	out := make([]CurvePoint, 0, len(curveScales))
	for i, s := range curveScales {
		hs := append([]solver.Holding(nil), owned...)
		var hourly float64
		for _, l := range res.Purchases {
			q := s * l.Quantity
			if q <= 0 {
				continue
			}
			ws, we := b.Problem.Offerings[l.Offering].Window(horizon)
			hs = append(hs, solver.Holding{ID: l.OfferingID, Offering: l.Offering, Quantity: q, Start: ws, End: we})
			hourly += q * b.Problem.Offerings[l.Offering].HourlyCost()
		}
		bill, err := solver.Simulate(b.Problem, hs, solver.SimOptions{})
		if err != nil {
			return nil, fmt.Errorf("planner: savings curve: %w", err)
		}
		pt := CurvePoint{Scale: s, HourlyCommitment: hourly, MonthlySavings: (res.Baseline.Total - bill.Total) / months}
		if i > 0 && hourly > out[i-1].HourlyCommitment {
			m := (pt.MonthlySavings - out[i-1].MonthlySavings) / hoursPerMonth / (hourly - out[i-1].HourlyCommitment)
			pt.MarginalSavingsPerCommitment = &m
		}
		out = append(out, pt)
	}
	return out, nil
}

// Commitments returns the plan's purchases to make now as commitments
// bought at start, ending a term later; their IDs are idPrefix followed by
// the line number. Later tranches are left out: they are re-planned.
func (p *Plan) Commitments(idPrefix string, start time.Time) []providers.Commitment {
	return p.commitments(idPrefix, start, false)
}

// commitments returns the lines as commitments bought at start; with
// later, the later tranches too, each bought at its own date.
func (p *Plan) commitments(idPrefix string, start time.Time, later bool) []providers.Commitment {
	var out []providers.Commitment
	for _, l := range p.Lines {
		if l.Tranche == "later" && !later {
			continue // re-planned by the next run
		}
		start := start
		if l.Tranche == "later" {
			start = l.StartsAt
		}
		o := p.offerings[l.OfferingID]
		c := providers.Commitment{
			ID: fmt.Sprintf("%s%d", idPrefix, l.LineNumber), Provider: l.Provider, Kind: l.Kind, PaymentOption: l.PaymentOption,
			Quantity: l.Quantity, Start: start, End: start.Add(time.Duration(l.Term.Hours()) * time.Hour),
			InstanceType: l.InstanceType, OfferingID: l.OfferingID, UpfrontFee: l.UpfrontCost, RecurringHourlyFee: l.RecurringStandardMonthlyCost / hoursPerMonth,
			Currency: p.Currency,
		}
		if len(o.Covers) > 0 {
			c.Scope = scopeOf(o)
		}
		if !o.Kind.Spend() {
			// Quantity is in instances of the offering's size.
			c.Unit = providers.UnitInstanceHour
		}
		out = append(out, c)
	}
	return out
}

// scopeOf is the widest pool key every pool the offering covers shares.
func scopeOf(o providers.Offering) providers.PoolKey {
	s := o.Covers[0].Pool
	for _, c := range o.Covers[1:] {
		k := c.Pool
		if k.BillingScope != s.BillingScope {
			s.BillingScope = ""
		}
		if k.Account != s.Account {
			s.Account = ""
		}
		if k.Region != s.Region {
			s.Region = ""
		}
		if k.Service != s.Service {
			s.Service = ""
		}
		if k.Family != s.Family {
			s.Family = ""
		}
		if k.Platform != s.Platform {
			s.Platform = ""
		}
		if k.Tenancy != s.Tenancy {
			s.Tenancy = ""
		}
		if k.Unit != s.Unit {
			s.Unit = ""
		}
	}
	return s
}

// MergeOwned combines the commitments billing data shows with an
// inventory from the providers' APIs, which knows what billing data does
// not (kind, end of term, size). An inventory entry replaces the billing
// record with the same ID; inventory entries without billing rows (bought,
// not yet used) are added; billing records missing from the inventory are
// kept as they are. The notes say what was done.
func MergeOwned(billing []providers.Commitment, inv *providers.Inventory) ([]providers.Commitment, []string) {
	if inv == nil {
		return billing, nil
	}
	// Billing data names commitments by ARN, the APIs by bare ID
	// (DescribeReservedInstances): match on the part after the last '/'.
	byID := map[string]providers.Commitment{}
	for _, c := range inv.Commitments {
		byID[idKey(c.ID)] = c
	}
	var out []providers.Commitment
	var notes []string
	matched, billingOnly := 0, 0
	seen := map[string]bool{}
	for _, c := range billing {
		if ic, ok := byID[idKey(c.ID)]; ok {
			out = append(out, ic)
			matched++
			seen[ic.ID] = true
		} else {
			out = append(out, c)
			billingOnly++
		}
		seen[c.ID] = true
	}
	added := 0
	for _, c := range inv.Commitments {
		if !seen[c.ID] {
			out = append(out, c)
			added++
		}
	}
	notes = append(notes, fmt.Sprintf("owned commitments: %d from the inventory (%d of them also in the billing data, %d not yet), %d from the billing data only",
		matched+added, matched, added, billingOnly))
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, notes
}

// idKey is a commitment ID without its ARN prefix.
func idKey(id string) string {
	if i := strings.LastIndexByte(id, '/'); i >= 0 && strings.HasPrefix(id, "arn:") {
		return id[i+1:]
	}
	return id
}

// explain adds to the notes what the forecast's scenarios assume, when it
// says (Explainer).
func (p *Plan) explain(fc Forecaster, history []providers.UsageSeries, asOf time.Time) error {
	e, ok := fc.(Explainer)
	if !ok {
		return nil
	}
	notes, err := e.Explain(history, asOf)
	if err != nil {
		return fmt.Errorf("planner: forecast %s: %w", fc.Name(), err)
	}
	p.Notes = append(p.Notes, notes...)
	return nil
}
