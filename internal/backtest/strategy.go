package backtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/tranchehq/tranche/internal/planner"
	"github.com/tranchehq/tranche/providers"
)

// StrategyName names a purchasing strategy of the backtest.
type StrategyName string

// The strategies (docs/backtest.md).
const (
	// Tranche plans with internal/planner at each decision date as
	// tranche plan does by default (--optimize auto): over the scenarios
	// of Options.Forecast (on every hour up to
	// planner.DefaultScenarioBudget pool-hours, on sampled weeks up to four
	// times that), else over the repeated lookback; over the repeated
	// lookback when Options.Forecast is nil.
	Tranche StrategyName = "tranche"
	// TrancheRepeat plans over the repeated lookback, as the providers'
	// recommenders assume (tranche plan --optimize repeat).
	TrancheRepeat StrategyName = "tranche-repeat"
	// None buys nothing: only the commitments owned at the start.
	None StrategyName = "none"
	// Recommender is the provider-style recommender: reserved instances
	// per pool, then one savings plan, each the amount that would have
	// saved most over the lookback, 1-year no upfront.
	Recommender StrategyName = "recommender"
	// Hindsight buys the optimum knowing the actual usage of the whole
	// window: the limit no strategy can beat.
	Hindsight StrategyName = "hindsight"
	// TrancheScenarios plans with internal/planner over the scenarios of
	// Options.Forecast (a two-stage stochastic plan within
	// Options.Policy's risk limits) whatever their size (tranche plan
	// --optimize scenarios).
	TrancheScenarios StrategyName = "tranche-scenarios"
)

var allStrategies = []StrategyName{Tranche, TrancheRepeat, TrancheScenarios, Recommender, Hindsight, None}

// defaultStrategies are run when none are named.
var defaultStrategies = []StrategyName{Tranche, Recommender, Hindsight, None}

var descriptions = map[StrategyName]string{
	Tranche:          "Tranche's plan at each decision date, from the history known then (over forecast scenarios where they are small enough, else the repeated lookback)",
	TrancheRepeat:    "Tranche's plan for the repeated lookback at each decision date (the providers' forecast, Tranche's optimization)",
	TrancheScenarios: "Tranche's plan over forecast scenarios (stochastic, within risk limits) at each decision date, whatever their size",
	None:             "buy nothing: the commitments owned at the start only",
	Recommender:      "provider-style: RIs per pool, then one savings plan, each what would have saved most over the lookback, 1-year no upfront",
	Hindsight:        "hindsight optimum: the best purchases at the same dates knowing the actual usage (one LP over the window)",
}

// Strategies lists every strategy, in the order results show them.
func Strategies() []StrategyName { return slices.Clone(allStrategies) }

// DefaultStrategies lists the strategies run when none are named.
func DefaultStrategies() []StrategyName { return slices.Clone(defaultStrategies) }

// ParseStrategy reads a strategy name.
func ParseStrategy(s string) (StrategyName, error) {
	n := StrategyName(strings.ToLower(strings.TrimSpace(s)))
	switch n {
	case "provider", "provider-style", "aws":
		return Recommender, nil
	case "nothing", "buy-nothing":
		return None, nil
	}
	if slices.Contains(allStrategies, n) {
		return n, nil
	}
	return "", fmt.Errorf("backtest: unknown strategy %q (want tranche, tranche-repeat, tranche-scenarios, recommender, hindsight or none)", s)
}

// normalizeStrategies puts the strategies in result order without
// duplicates and adds None.
func normalizeStrategies(in []StrategyName) ([]StrategyName, error) {
	if len(in) == 0 {
		return DefaultStrategies(), nil
	}
	var out []StrategyName
	for _, s := range allStrategies {
		if slices.Contains(in, s) || s == None {
			out = append(out, s)
		}
	}
	for _, s := range in {
		if !slices.Contains(allStrategies, s) {
			return nil, fmt.Errorf("backtest: unknown strategy %q (want tranche, tranche-repeat, tranche-scenarios, recommender, hindsight or none)", s)
		}
	}
	return out, nil
}

// noneStrategy buys nothing.
type noneStrategy struct{}

func (noneStrategy) decide(context.Context, decision) ([]held, error) { return nil, nil }

// planFunc makes Tranche's purchases at a decision date.
type planFunc func(ctx context.Context, in planner.Input, opt planner.Options, idPrefix string) ([]providers.Commitment, error)

func planWithPlanner(ctx context.Context, in planner.Input, opt planner.Options, idPrefix string) ([]providers.Commitment, error) {
	p, err := planner.MakePlan(ctx, in, opt)
	if err != nil {
		return nil, err
	}
	return p.Commitments(idPrefix, in.AsOf), nil
}

// trancheStrategy plans with the planner on the history before the
// decision date and the commitments held then.
type trancheStrategy struct {
	r *run
	// forecast, when set, is what the plans are optimized over, within
	// budget pool-hours when budget is positive (planner.Input).
	forecast planner.Forecaster
	budget   int
	name     StrategyName
}

func (s *trancheStrategy) decide(ctx context.Context, d decision) ([]held, error) {
	r := s.r
	owned := make([]providers.Commitment, len(d.owned))
	for i, h := range d.owned {
		owned[i] = h.c
	}
	in := planner.Input{Book: r.in.Book, History: r.slice(r.histStart, d.at), Owned: owned, AsOf: d.at,
		Lookback: r.opt.Lookback, Horizon: r.opt.Horizon, Forecast: s.forecast, ScenarioBudget: s.budget, Policy: r.opt.Policy}
	cs, err := r.opt.planner(ctx, in, planner.Options{Solver: r.opt.Solver}, fmt.Sprintf("%s/%s/", s.name, d.at.Format(time.DateOnly)))
	if errors.Is(err, planner.ErrNoUsage) {
		return nil, nil // nothing used in the lookback: nothing to buy
	}
	if err != nil {
		return nil, err
	}
	out := make([]held, 0, len(cs))
	for _, c := range cs {
		if c.Quantity <= 0 {
			continue
		}
		if !c.Kind.Spend() && c.InstanceType != "" {
			// The plan's quantities are instances of the size bought; say
			// so, so that the next plan does not read them as normalized
			// units of the pool.
			c.Unit = providers.UnitInstanceHour
		}
		out = append(out, held{c: c})
	}
	return out, nil
}

// commitmentFor is a purchase of q units of offering o at start.
func commitmentFor(id string, o providers.Offering, q float64, start time.Time) held {
	c := providers.Commitment{
		ID: id, Provider: o.Provider, Kind: o.Kind, PaymentOption: o.PaymentOption, Quantity: q,
		Start: start, End: start.Add(time.Duration(math.Round(o.Term.Hours())) * time.Hour),
		Scope: scopeOf(o), InstanceType: o.InstanceType,
		UpfrontFee: q * o.UpfrontFee, RecurringHourlyFee: q * o.RecurringHourlyFee, Currency: o.Currency,
		OfferingID: o.ID,
	}
	if !o.Kind.Spend() {
		// Counted in the offering's units: instances of its size.
		c.Unit = providers.UnitInstanceHour
		if o.InstanceType == "" && len(o.Covers) > 0 {
			c.Unit = o.Covers[0].Pool.Unit
		}
	}
	return held{c: c, offeringID: o.ID}
}

// scopeOf is the widest pool key shared by every pool the offering covers.
func scopeOf(o providers.Offering) providers.PoolKey {
	if len(o.Covers) == 0 {
		return providers.PoolKey{Provider: o.Provider}
	}
	s := o.Covers[0].Pool
	keep := func(a *string, b string) {
		if *a != b {
			*a = ""
		}
	}
	for _, c := range o.Covers[1:] {
		k := c.Pool
		keep(&s.BillingScope, k.BillingScope)
		keep(&s.Account, k.Account)
		keep(&s.Region, k.Region)
		keep(&s.Service, k.Service)
		keep(&s.Family, k.Family)
		keep(&s.Platform, k.Platform)
		keep(&s.Tenancy, k.Tenancy)
		if s.Unit != k.Unit {
			s.Unit = ""
		}
	}
	return s
}
