package backtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/tranchehq/tranche/internal/planner"
	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/solver"
)

// Input is the history a backtest replays.
type Input struct {
	// Book prices the usage and lists what can be bought.
	Book *providers.PriceBook
	// Usage is the hourly usage per pool. Series may start and end at
	// different hours; Run aligns them (hours outside a series are zero).
	Usage []providers.UsageSeries
	// Owned are the commitments owned at the start of the history (from
	// the billing data), held by every strategy.
	Owned []providers.Commitment
	// Notes are assumptions made while loading the input; they are
	// carried into the result.
	Notes []string
}

// Options tune Run. The zero value backtests every strategy monthly with
// a 30-day lookback over the whole history after the first lookback.
type Options struct {
	// Cadence is how often strategies decide; zero means Monthly.
	Cadence Cadence
	// Lookback is the history the provider-style recommender looks at,
	// and Tranche's lookback; 0 means 30 days.
	Lookback time.Duration
	// Horizon is Tranche's planning horizon; 0 means the planner's default.
	Horizon time.Duration
	// Start is the first decision date (truncated to the hour); zero
	// means the first date the cadence picks at least one Lookback after
	// the start of the history. End ends the window; zero means the end
	// of the history.
	Start, End time.Time
	// Strategies lists the strategies to run; nil means all. None is run
	// in any case (the others' savings are measured against it).
	Strategies []StrategyName
	// Forecast is what the tranche strategy optimizes over where its
	// scenarios are small enough and tranche-scenarios always (nil: the
	// tranche strategy plans for the repeated lookback), and Policy the
	// policy (risk limits included) of the Tranche strategies;
	// the zero Policy is the planner's default.
	Forecast planner.Forecaster
	Policy   planner.Policy
	// Solver tunes every solve (Tranche's plans and the hindsight LP).
	Solver solver.Options
	// Progress receives a line per decision and strategy; nil is silent.
	Progress io.Writer
	// planner replaces planner.Plan in tests.
	planner planFunc
}

// ErrNoWindow means the history is too short for the window asked for.
var ErrNoWindow = errors.New("backtest: no window to backtest")

// held is a commitment a strategy holds, with the book offering it was
// bought from when known.
type held struct {
	c          providers.Commitment
	offeringID string
}

// run is the state shared by the strategies of one backtest.
type run struct {
	in        Input
	opt       Options
	histStart time.Time
	hours     int // of the aligned history
	usage     []providers.UsageSeries
	start     time.Time
	end       time.Time
	decisions []time.Time
	initial   []held
	res       *Result
	excluded  map[string]bool
}

// Run backtests the strategies on the input (docs/backtest.md): at each
// decision date every strategy decides with the data known then, its
// purchases join what it owns, and the period until the next decision is
// billed by solver.Simulate on the period's actual usage.
func Run(ctx context.Context, in Input, opt Options) (*Result, error) {
	r, err := prepare(in, opt)
	if err != nil {
		return nil, err
	}
	names := r.opt.Strategies
	var hs *hindsight
	if slices.Contains(names, Hindsight) {
		r.progress("hindsight: solving one LP over the window (%d hours, %d decision dates)…", r.res.Hours, len(r.decisions))
		t0 := time.Now()
		if hs, err = r.solveHindsight(ctx); err != nil {
			return nil, err
		}
		hs.elapsed = time.Since(t0)
	}
	for _, n := range names {
		var d decider
		switch n {
		case None:
			d = noneStrategy{}
		case Tranche:
			d = &trancheStrategy{r: r, name: Tranche, forecast: r.opt.Forecast, budget: planner.DefaultScenarioBudget}
		case TrancheRepeat:
			d = &trancheStrategy{r: r, name: TrancheRepeat}
		case TrancheScenarios:
			if r.opt.Forecast == nil {
				return nil, errors.New("backtest: the tranche-scenarios strategy needs a forecast (Options.Forecast)")
			}
			d = &trancheStrategy{r: r, name: TrancheScenarios, forecast: r.opt.Forecast}
		case Recommender:
			d = &recommenderStrategy{r: r}
		case Hindsight:
			d = hs
		}
		sr, err := r.walk(ctx, n, d)
		if err != nil {
			return nil, err
		}
		if n == Hindsight {
			sr.Hindsight = &hs.solve
			sr.ElapsedSeconds += hs.elapsed.Seconds()
		}
		r.res.Strategies = append(r.res.Strategies, *sr)
	}
	r.compare()
	return r.res, nil
}

func prepare(in Input, opt Options) (*run, error) {
	if in.Book == nil {
		return nil, errors.New("backtest: no price book")
	}
	if len(in.Usage) == 0 {
		return nil, fmt.Errorf("backtest: %w", planner.ErrNoUsage)
	}
	if opt.Cadence == (Cadence{}) {
		opt.Cadence = Monthly
	}
	if !opt.Cadence.valid() {
		return nil, fmt.Errorf("backtest: invalid cadence %+v", opt.Cadence)
	}
	if opt.Lookback <= 0 {
		opt.Lookback = 30 * 24 * time.Hour
	}
	if opt.planner == nil {
		opt.planner = planWithPlanner
	}
	names, err := normalizeStrategies(opt.Strategies)
	if err != nil {
		return nil, err
	}
	opt.Strategies = names
	usage, histStart, hours, err := align(in.Usage)
	if err != nil {
		return nil, err
	}
	histEnd := histStart.Add(time.Duration(hours) * time.Hour)
	r := &run{in: in, opt: opt, histStart: histStart, hours: hours, usage: usage, excluded: map[string]bool{}}
	r.start = opt.Start.UTC().Truncate(time.Hour)
	if opt.Start.IsZero() {
		r.start = opt.Cadence.firstDecision(histStart.Add(opt.Lookback))
	}
	r.end = opt.End.UTC().Truncate(time.Hour)
	if opt.End.IsZero() || r.end.After(histEnd) {
		r.end = histEnd
	}
	switch {
	case r.start.Before(histStart.Add(24 * time.Hour)):
		return nil, fmt.Errorf("%w: the first decision (%s) needs at least a day of history before it, and the usage starts %s; give a later start",
			ErrNoWindow, r.start.Format(time.DateOnly), histStart.Format(time.RFC3339))
	case !r.start.Before(r.end):
		return nil, fmt.Errorf("%w: the history runs %s – %s and the first decision would be %s (one %s lookback in, on the cadence's first date); give an earlier start, a shorter lookback or more history",
			ErrNoWindow, histStart.Format(time.DateOnly), histEnd.Format(time.DateOnly), r.start.Format(time.DateOnly), days(opt.Lookback))
	}
	for i := 0; ; i++ {
		d := opt.Cadence.step(r.start, i)
		if !d.Before(r.end) {
			break
		}
		r.decisions = append(r.decisions, d)
	}
	var later []string
	for _, c := range in.Owned {
		if c.Start.Before(r.start) {
			r.initial = append(r.initial, held{c: c})
		} else {
			later = append(later, fmt.Sprintf("%s (%s)", c.ID, c.Start.Format(time.DateOnly)))
		}
	}
	r.res = &Result{
		Schema: SchemaVersion, Currency: in.Book.Currency, HistoryStart: histStart, Start: r.start, End: r.end,
		Hours: int(r.end.Sub(r.start).Hours()), Cadence: opt.Cadence.String(), LookbackDays: opt.Lookback.Hours() / 24,
		Decisions: r.decisions, Pools: len(usage), InitialCommitments: len(r.initial), Accounting: Accounting,
		Notes: append([]string(nil), in.Notes...),
	}
	var endless []string
	for _, h := range r.initial {
		r.res.InitialLiabilityAtEnd += liability(h.c, r.end)
		if h.c.End.IsZero() {
			endless = append(endless, h.c.ID)
		}
	}
	if len(endless) > 0 {
		r.res.Notes = append(r.res.Notes, fmt.Sprintf("the billing data does not give the end of %d commitments owned at the start; they are held through the window and their liability after it is not counted: %s",
			len(endless), strings.Join(endless, ", ")))
	}
	if len(later) > 0 {
		r.res.Notes = append(r.res.Notes, fmt.Sprintf("%d commitments in the billing data start inside the window; they are purchases actually made then, and no strategy holds them (each makes its own decisions): %s",
			len(later), strings.Join(later, ", ")))
	}
	return r, nil
}

func days(d time.Duration) string { return fmt.Sprintf("%gd", math.Round(d.Hours()/24*10)/10) }

func (r *run) progress(format string, args ...any) {
	if r.opt.Progress != nil {
		fmt.Fprintf(r.opt.Progress, "backtest: "+format+"\n", args...)
	}
}

// align puts every series on the same hours: from the earliest start to
// the latest end, zero outside a series. Two series of one pool are an
// error.
func align(in []providers.UsageSeries) ([]providers.UsageSeries, time.Time, int, error) {
	var lo, hi time.Time
	seen := map[providers.PoolKey]bool{}
	for i, s := range in {
		if seen[s.Pool] {
			return nil, time.Time{}, 0, fmt.Errorf("backtest: usage series %d: pool %s appears twice", i, s.Pool)
		}
		seen[s.Pool] = true
		st := s.Start.UTC().Truncate(time.Hour)
		en := st.Add(time.Duration(len(s.Quantity)) * time.Hour)
		if i == 0 || st.Before(lo) {
			lo = st
		}
		if i == 0 || en.After(hi) {
			hi = en
		}
	}
	n := int(hi.Sub(lo).Hours())
	if n <= 0 {
		return nil, time.Time{}, 0, fmt.Errorf("backtest: %w: every usage series is empty", planner.ErrNoUsage)
	}
	out := make([]providers.UsageSeries, len(in))
	for i, s := range in {
		q := make([]float64, n)
		copy(q[int(s.Start.UTC().Truncate(time.Hour).Sub(lo).Hours()):], s.Quantity)
		out[i] = providers.UsageSeries{Pool: s.Pool, Start: lo, Quantity: q, OnDemandRate: s.OnDemandRate}
	}
	slices.SortFunc(out, func(a, b providers.UsageSeries) int { return strings.Compare(a.Pool.String(), b.Pool.String()) })
	return out, lo, n, nil
}

// slice returns the usage in [from, to), which must lie inside the
// history.
func (r *run) slice(from, to time.Time) []providers.UsageSeries {
	a, b := int(from.Sub(r.histStart).Hours()), int(to.Sub(r.histStart).Hours())
	a, b = max(a, 0), min(b, r.hours)
	out := make([]providers.UsageSeries, len(r.usage))
	for i, s := range r.usage {
		out[i] = providers.UsageSeries{Pool: s.Pool, Start: r.histStart.Add(time.Duration(a) * time.Hour), Quantity: s.Quantity[a:b], OnDemandRate: s.OnDemandRate}
	}
	return out
}

// periodEnd is the end of the period that starts at decision i.
func (r *run) periodEnd(i int) time.Time {
	if i+1 < len(r.decisions) {
		return r.decisions[i+1]
	}
	return r.end
}

// decision is what a strategy knows when it decides.
type decision struct {
	index int
	at    time.Time
	// owned are the commitments held at the decision (initial and bought
	// before), still active at or after it.
	owned []held
}

// decider is one strategy: what it buys at a decision.
type decider interface {
	decide(ctx context.Context, d decision) ([]held, error)
}

// walk runs one strategy through the window.
func (r *run) walk(ctx context.Context, name StrategyName, d decider) (*StrategyResult, error) {
	t0 := time.Now()
	if name != Tranche && name != TrancheRepeat && name != TrancheScenarios && name != Recommender {
		r.progress("%s: billing %d periods…", name, len(r.decisions))
	}
	sr := &StrategyResult{Name: name, Description: descriptions[name], Purchases: []Purchase{}}
	owned := slices.Clone(r.initial)
	for i, at := range r.decisions {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var active []held
		for _, h := range owned {
			if h.c.End.IsZero() || h.c.End.After(at) {
				active = append(active, h)
			}
		}
		if name != Hindsight && name != None {
			r.progress("%s %d/%d %s: deciding…", name, i+1, len(r.decisions), at.Format(time.DateOnly))
		}
		buy, err := d.decide(ctx, decision{index: i, at: at, owned: active})
		if err != nil {
			return nil, fmt.Errorf("backtest: %s at %s: %w", name, at.Format(time.DateOnly), err)
		}
		owned = append(owned, buy...)
		pe := r.periodEnd(i)
		f, err := r.bill(at, pe, owned)
		if err != nil {
			return nil, fmt.Errorf("backtest: %s: billing %s – %s: %w", name, at.Format(time.DateOnly), pe.Format(time.DateOnly), err)
		}
		for _, h := range owned[len(owned)-len(buy):] {
			if h.offeringID == "" {
				r.res.Notes = append(r.res.Notes, fmt.Sprintf("%s's purchase %s matches no book offering exactly by kind, payment option, term, size, scope and fees; it is billed as the cheapest offering of its kind, term and size covering its scope",
					name, h.c.ID))
			}
			sr.Purchases = append(sr.Purchases, purchaseLine(at, h))
			sr.UpfrontPaid += h.c.UpfrontFee
			sr.LiabilityAtEnd += liability(h.c, r.end)
		}
		sr.Periods = append(sr.Periods, Period{Start: at, End: pe, Figures: f})
		sr.Totals.add(f)
	}
	sr.Totals.derive()
	whole, err := r.bill(r.start, r.end, owned)
	if err != nil {
		return nil, fmt.Errorf("backtest: %s: billing the whole window: %w", name, err)
	}
	sr.AccountingCheck = sr.Totals.Cost - whole.Cost
	sr.ElapsedSeconds = time.Since(t0).Seconds()
	return sr, nil
}

func purchaseLine(at time.Time, h held) Purchase {
	c := h.c
	return Purchase{At: at, ID: c.ID, Offering: h.offeringID, Kind: c.Kind, PaymentOption: c.PaymentOption, InstanceType: c.InstanceType,
		Quantity: c.Quantity, End: c.End, Upfront: c.UpfrontFee, HourlyCost: hourlyCost(c)}
}

// hourlyCost is a commitment's amortized cost per hour for its whole
// quantity.
func hourlyCost(c providers.Commitment) float64 {
	h := c.End.Sub(c.Start).Hours()
	if h <= 0 {
		return c.RecurringHourlyFee
	}
	return c.UpfrontFee/h + c.RecurringHourlyFee
}

// liability is what a commitment costs after end: its amortized hourly
// cost for the hours of its term past end.
func liability(c providers.Commitment, end time.Time) float64 {
	if c.End.IsZero() || !c.End.After(end) {
		return 0
	}
	from := end
	if c.Start.After(end) {
		from = c.Start
	}
	return hourlyCost(c) * c.End.Sub(from).Hours()
}

// problem builds the solver problem of [from, to) with the commitments
// held, every commitment mapped to the book offering it was bought from;
// the offering found is recorded in owned.
func (r *run) problem(from, to time.Time, owned []held) (*planner.Built, error) {
	cs := make([]providers.Commitment, len(owned))
	for i, h := range owned {
		cs[i] = h.c
	}
	b, err := planner.BuildProblem(planner.ProblemInput{Book: r.in.Book, Usage: r.slice(from, to), Owned: cs})
	if err != nil {
		return nil, err
	}
	for _, e := range b.Excluded {
		key := e.What
		if i := strings.Index(key, " ("); i > 0 && strings.HasPrefix(key, "usage of ") {
			key = key[:i] // the amount differs from period to period
			e.What = key
		}
		if !r.excluded[key] {
			r.excluded[key] = true
			r.res.Excluded = append(r.res.Excluded, e)
		}
	}
	byID := map[string]*held{}
	for i := range owned {
		byID[owned[i].c.ID] = &owned[i]
	}
	for i := range b.Problem.Owned {
		pc := &b.Problem.Owned[i]
		h := byID[pc.ID]
		if h == nil {
			continue
		}
		if k := resolve(b, *h); k >= 0 {
			// The exact offering, and the quantity in its units.
			pc.Offering, pc.Quantity = k, h.c.Quantity
			h.offeringID = b.Offerings[k].ID
		}
	}
	return b, nil
}

// resolve finds the book offering a held commitment was bought from: by
// its offering ID when known, else by kind, payment option, term, size,
// scope and fees per unit. It returns -1 when nothing matches exactly,
// leaving planner.BuildProblem's choice (the cheapest offering of its
// kind, term and size covering its scope) in place.
func resolve(b *planner.Built, h held) int {
	id := h.offeringID
	if id == "" {
		id = h.c.OfferingID // a plan's commitments name the offering bought
	}
	if id != "" {
		for k, o := range b.Offerings {
			if o.ID == id {
				return k
			}
		}
	}
	c := h.c
	if c.Quantity <= 0 {
		return -1
	}
	days := c.End.Sub(c.Start).Hours() / 24
	for k, o := range b.Offerings {
		if o.Kind != c.Kind || o.PaymentOption != c.PaymentOption || math.Abs(o.Term.Hours()/24-days) > 31 {
			continue
		}
		if c.InstanceType != "" && o.InstanceType != c.InstanceType {
			continue
		}
		if !near(o.UpfrontFee*c.Quantity, c.UpfrontFee) || !near(o.RecurringHourlyFee*c.Quantity, c.RecurringHourlyFee) {
			continue
		}
		for _, cv := range o.Covers {
			if c.Scope.Contains(cv.Pool) {
				return k
			}
		}
	}
	return -1
}

// near compares fees that may have been rounded to the cent per month.
func near(a, b float64) bool { return math.Abs(a-b) <= 1e-4*math.Max(math.Abs(a), math.Abs(b))+1e-5 }

// holdings are the problem's owned commitments as simulator holdings.
func holdings(p *solver.Problem) []solver.Holding {
	hs := make([]solver.Holding, len(p.Owned))
	for i, c := range p.Owned {
		hs[i] = solver.Holding{ID: c.ID, Offering: c.Offering, Quantity: c.Quantity, Start: c.Start, End: c.End}
	}
	return hs
}

// bill simulates [from, to) with the commitments held and returns the
// figures.
func (r *run) bill(from, to time.Time, owned []held) (Figures, error) {
	b, err := r.problem(from, to, owned)
	if err != nil {
		return Figures{}, err
	}
	p := b.Problem
	bill, err := solver.Simulate(p, holdings(p), solver.SimOptions{})
	if err != nil {
		return Figures{}, err
	}
	f := Figures{Cost: bill.Total, Fees: bill.Fees, OnDemand: bill.OnDemand, CoveredValue: bill.CoveredValue,
		EligibleValue: bill.EligibleValue, UsageValue: bill.UsageValue}
	eligible := make([]bool, len(p.Pools))
	for _, o := range p.Offerings {
		for _, c := range o.Covers {
			eligible[c.Pool] = true
		}
	}
	for i, pb := range bill.Pools {
		if eligible[i] {
			f.EligibleOnDemand += pb.OnDemand
		}
	}
	for _, hb := range bill.Holdings {
		if hb.Capacity > 0 {
			f.Waste += hb.Fees * (1 - min(1, hb.Used/hb.Capacity))
		}
	}
	f.derive()
	return f, nil
}

// compare fills each strategy's savings against buying nothing and its
// share of the hindsight optimum's savings.
func (r *run) compare() {
	none := r.res.Strategy(None)
	hind := r.res.Strategy(Hindsight)
	for i := range r.res.Strategies {
		s := &r.res.Strategies[i]
		s.Savings = none.Totals.Cost - s.Totals.Cost
		s.SavingsRate = share(s.Savings, none.Totals.Cost)
	}
	if hind != nil && hind.Savings > 1e-9 {
		for i := range r.res.Strategies {
			s := &r.res.Strategies[i]
			s.ShareOfHindsight = share(s.Savings, hind.Savings)
		}
	}
	if hind != nil {
		for _, s := range r.res.Strategies {
			if s.Totals.Cost < hind.Totals.Cost-1e-6*max(1, hind.Totals.Cost) {
				r.res.Notes = append(r.res.Notes, fmt.Sprintf("%s cost %.2f less than the hindsight optimum: the hindsight LP stopped short of the optimum or its rounding to whole instances gave up more than %s's purchases did",
					s.Name, hind.Totals.Cost-s.Totals.Cost, s.Name))
			}
		}
	}
}
