package backtest

import (
	"math"
	"time"

	"github.com/tranchehq/tranche/internal/planner"
	"github.com/tranchehq/tranche/providers"
)

// SchemaVersion identifies the JSON form of a Result (docs/backtest.md).
// A change that an older reader would misread gets a new version.
const SchemaVersion = "tranche.backtest/v1"

// Accounting states how commitments are charged in a backtest; every
// Result carries it.
const Accounting = "A commitment is charged for each backtest hour it is active: its upfront fee amortized over its term plus its recurring fee. " +
	"The part of a term beyond the end of the backtest is charged to no strategy; liability_at_end reports it per strategy."

// Result is what a backtest found. Amounts are in Currency over the
// backtest window [Start, End) unless named otherwise; every amount comes
// from the billing simulator (solver.Simulate).
type Result struct {
	Schema   string `json:"schema"`
	Currency string `json:"currency"`
	// HistoryStart is the first hour of usage; Start and End bound the
	// backtest window, whose first decision is at Start.
	HistoryStart time.Time `json:"history_start"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	Hours        int       `json:"hours"`
	Cadence      string    `json:"cadence"`
	LookbackDays float64   `json:"lookback_days"`
	// Decisions are the decision dates; period i runs from Decisions[i] to
	// Decisions[i+1] (the last to End).
	Decisions []time.Time `json:"decisions"`
	Pools     int         `json:"pools"`
	// InitialCommitments counts the commitments owned before the window
	// (from the billing data); every strategy holds them, including none.
	// Commitments that start inside the window are left out, with a note.
	InitialCommitments int `json:"initial_commitments"`
	// InitialLiabilityAtEnd is what the initial commitments still cost
	// after End (amortized), the same for every strategy.
	InitialLiabilityAtEnd float64          `json:"initial_liability_at_end"`
	Accounting            string           `json:"accounting"`
	Strategies            []StrategyResult `json:"strategies"`
	// Excluded lists usage and commitments the simulation could not
	// price, with why; Notes the assumptions made.
	Excluded []planner.Exclusion `json:"excluded,omitempty"`
	Notes    []string            `json:"notes,omitempty"`
}

// Strategy returns the result of the named strategy, or nil.
func (r *Result) Strategy(name StrategyName) *StrategyResult {
	for i := range r.Strategies {
		if r.Strategies[i].Name == name {
			return &r.Strategies[i]
		}
	}
	return nil
}

// StrategyResult is one strategy's run through the window.
type StrategyResult struct {
	Name        StrategyName `json:"name"`
	Description string       `json:"description"`
	Totals      Figures      `json:"totals"`
	// Savings is the cost of buying nothing minus this strategy's cost;
	// SavingsRate divides it by the cost of buying nothing.
	Savings     float64  `json:"savings"`
	SavingsRate *float64 `json:"savings_rate"`
	// ShareOfHindsight is Savings divided by the hindsight optimum's
	// Savings: 1 captures all that could be saved. Nil without a hindsight
	// run or when the hindsight saves nothing.
	ShareOfHindsight *float64 `json:"share_of_hindsight"`
	// UpfrontPaid is the upfront fees of the strategy's purchases, paid in
	// full at purchase.
	UpfrontPaid float64 `json:"upfront_paid"`
	// LiabilityAtEnd is what the strategy's purchases still cost after End
	// (upfront amortized plus recurring, for the rest of their terms); it
	// is not in Totals.Cost.
	LiabilityAtEnd float64 `json:"liability_at_end"`
	// AccountingCheck is Totals.Cost minus the cost of one simulation of
	// the whole window with every commitment the strategy held: zero when
	// the period bills add up.
	AccountingCheck float64         `json:"accounting_check"`
	Purchases       []Purchase      `json:"purchases"`
	Periods         []Period        `json:"periods"`
	Hindsight       *HindsightSolve `json:"hindsight_solve,omitempty"`
	ElapsedSeconds  float64         `json:"elapsed_seconds"`
}

// HindsightSolve describes the one LP behind the hindsight optimum.
type HindsightSolve struct {
	// Objective is the LP's cost of its continuous optimum and Bound a
	// proven lower bound on the cost of any purchases from the same
	// options; Converged says whether Objective is within the solver's
	// tolerance of the optimum.
	Objective float64 `json:"objective"`
	Bound     float64 `json:"bound"`
	Converged bool    `json:"converged"`
	Offerings int     `json:"offerings"`
	Method    string  `json:"method"`
	// ModelGap is what the billing rules charge for the continuous
	// optimum beyond the LP's own allocation, RoundingGap what rounding to
	// whole instances gives up, and Billed the solver's simulated cost of
	// the rounded purchases over the window (equal to the strategy's cost).
	ModelGap    float64 `json:"model_gap"`
	RoundingGap float64 `json:"rounding_gap"`
	Billed      float64 `json:"billed"`
}

// Figures are the billing simulator's figures for a stretch of hours.
type Figures struct {
	// Cost is Fees + OnDemand: the realized cost.
	Cost float64 `json:"cost"`
	// Fees is what the commitments held cost in these hours (amortized
	// upfront + recurring); OnDemand the usage left uncovered.
	Fees     float64 `json:"fees"`
	OnDemand float64 `json:"on_demand"`
	// CoveredValue, EligibleValue and UsageValue are usage valued at
	// on-demand rates: covered by commitments, in pools some offering can
	// cover, and all.
	CoveredValue  float64 `json:"covered_value"`
	EligibleValue float64 `json:"eligible_value"`
	UsageValue    float64 `json:"usage_value"`
	// EligibleOnDemand is the on-demand cost of eligible usage left
	// uncovered.
	EligibleOnDemand float64 `json:"eligible_on_demand"`
	// Waste is the unused commitment cost: each commitment's fees times
	// the share of its capacity left unused.
	Waste float64 `json:"waste"`
	// ESR is the effective savings rate on eligible usage against on-demand
	// rates: (EligibleValue − Fees − EligibleOnDemand) / EligibleValue.
	// Coverage is CoveredValue / EligibleValue; Utilization is
	// (Fees − Waste) / Fees. Nil when the denominator is zero.
	ESR         *float64 `json:"esr"`
	Coverage    *float64 `json:"coverage"`
	Utilization *float64 `json:"utilization"`
}

func (f *Figures) add(g Figures) {
	f.Cost += g.Cost
	f.Fees += g.Fees
	f.OnDemand += g.OnDemand
	f.CoveredValue += g.CoveredValue
	f.EligibleValue += g.EligibleValue
	f.UsageValue += g.UsageValue
	f.EligibleOnDemand += g.EligibleOnDemand
	f.Waste += g.Waste
}

// derive fills the ratios from the sums.
func (f *Figures) derive() {
	f.ESR = share(f.EligibleValue-f.Fees-f.EligibleOnDemand, f.EligibleValue)
	f.Coverage = share(f.CoveredValue, f.EligibleValue)
	f.Utilization = share(f.Fees-f.Waste, f.Fees)
}

func share(num, den float64) *float64 {
	if den <= 0 || math.IsNaN(num) {
		return nil
	}
	v := num / den
	return &v
}

// Period is one strategy's figures for one period between decisions.
type Period struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Figures
}

// Purchase is a commitment a strategy bought at a decision date.
type Purchase struct {
	At            time.Time               `json:"at"`
	ID            string                  `json:"id"`
	Offering      string                  `json:"offering"`
	Kind          providers.Kind          `json:"kind"`
	PaymentOption providers.PaymentOption `json:"payment_option,omitempty"`
	InstanceType  string                  `json:"instance_type,omitempty"`
	// Quantity is in the offering's units: instances (or units) for
	// resource kinds, currency per hour for spend kinds.
	Quantity float64 `json:"quantity"`
	// End is the end of the term; Upfront the one-time fee and HourlyCost
	// the amortized cost per hour, for the whole quantity.
	End        time.Time `json:"end"`
	Upfront    float64   `json:"upfront"`
	HourlyCost float64   `json:"hourly_cost"`
}

// Rounded returns a copy with amounts rounded to the cent and ratios and
// quantities to six decimals: the form shown to people. It is the only
// place a backtest's figures are rounded.
func (r *Result) Rounded() *Result {
	out := *r
	out.InitialLiabilityAtEnd = money(r.InitialLiabilityAtEnd)
	out.Strategies = make([]StrategyResult, len(r.Strategies))
	for i, s := range r.Strategies {
		s.Totals = s.Totals.rounded()
		s.Savings, s.UpfrontPaid, s.LiabilityAtEnd = money(s.Savings), money(s.UpfrontPaid), money(s.LiabilityAtEnd)
		s.AccountingCheck = money(s.AccountingCheck)
		s.SavingsRate, s.ShareOfHindsight = ratio(s.SavingsRate), ratio(s.ShareOfHindsight)
		s.ElapsedSeconds = math.Round(s.ElapsedSeconds*1000) / 1000
		s.Periods = append([]Period(nil), s.Periods...)
		for j := range s.Periods {
			s.Periods[j].Figures = s.Periods[j].Figures.rounded()
		}
		s.Purchases = append([]Purchase(nil), s.Purchases...)
		for j := range s.Purchases {
			p := &s.Purchases[j]
			p.Quantity, p.Upfront, p.HourlyCost = fine(p.Quantity), money(p.Upfront), fine(p.HourlyCost)
		}
		if s.Hindsight != nil {
			h := *s.Hindsight
			h.Objective, h.Bound = money(h.Objective), money(h.Bound)
			h.ModelGap, h.RoundingGap, h.Billed = money(h.ModelGap), money(h.RoundingGap), money(h.Billed)
			s.Hindsight = &h
		}
		out.Strategies[i] = s
	}
	return &out
}

func (f Figures) rounded() Figures {
	return Figures{
		Cost: money(f.Cost), Fees: money(f.Fees), OnDemand: money(f.OnDemand), CoveredValue: money(f.CoveredValue),
		EligibleValue: money(f.EligibleValue), UsageValue: money(f.UsageValue), EligibleOnDemand: money(f.EligibleOnDemand),
		Waste: money(f.Waste), ESR: ratio(f.ESR), Coverage: ratio(f.Coverage), Utilization: ratio(f.Utilization),
	}
}

func money(x float64) float64 {
	r := math.Round(x*100) / 100
	if r == 0 {
		return 0
	}
	return r
}

func fine(x float64) float64 {
	r := math.Round(x*1e6) / 1e6
	if r == 0 {
		return 0
	}
	return r
}

func ratio(x *float64) *float64 {
	if x == nil || math.IsNaN(*x) || math.IsInf(*x, 0) {
		return nil
	}
	return new(fine(*x))
}
