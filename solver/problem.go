package solver

import (
	"errors"
	"fmt"
	"math"
)

// HoursPerYear is the number of hours in a one-year term as the providers
// count it (365 days).
const HoursPerYear = 8760

// HoursPerMonth is the average number of hours in a month (8760 / 12), used
// for monthly figures.
const HoursPerMonth = HoursPerYear / 12.0

// OfferingType says how an offering's quantity is measured and consumed.
type OfferingType int

const (
	// Resource offerings (reserved instances, resource CUDs, Azure
	// reservations) are bought in units of capacity; covering one unit-hour
	// of a pool consumes Cover.Rate units (the inverse of the size factor).
	Resource OfferingType = iota
	// Spend offerings (savings plans, flexible CUDs) are bought as a
	// currency amount per hour; covering one unit-hour of a pool consumes
	// Cover.Rate of it (the commitment's rate for that pool).
	Spend
)

func (t OfferingType) String() string {
	if t == Spend {
		return "spend"
	}
	return "resource"
}

// MarshalText writes "resource" or "spend".
func (t OfferingType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads "resource" or "spend".
func (t *OfferingType) UnmarshalText(b []byte) error {
	switch string(b) {
	case "resource":
		*t = Resource
	case "spend":
		*t = Spend
	default:
		return fmt.Errorf("solver: unknown offering type %q (want resource or spend)", b)
	}
	return nil
}

// Pool is the finest grain at which a commitment's price differs; the
// solver knows it only by its usage and its on-demand rate.
type Pool struct {
	// ID names the pool in explanations and error messages.
	ID string `json:"id"`
	// OnDemandRate is the on-demand price in USD per unit-hour. It must be
	// positive and finite.
	OnDemandRate float64 `json:"on_demand_rate"`
	// Usage is the quantity used in each hour of the horizon, in the pool's
	// unit; len(Usage) must equal Problem.Hours. Values must be finite and
	// non-negative.
	Usage []float64 `json:"usage"`
}

// Cover says that an offering can cover a pool, and at what rate.
type Cover struct {
	// Pool is the index of the pool in Problem.Pools.
	Pool int `json:"pool"`
	// Rate is the offering capacity consumed per unit-hour of the pool's
	// usage covered: 1/size-factor for resource offerings (an m5.xlarge RI
	// covers 8 normalized units, so 0.125 per NU-hour), the commitment's
	// rate in USD per unit-hour for spend offerings. Must be positive.
	Rate float64 `json:"rate"`
}

// Offering is something that can be bought.
type Offering struct {
	// ID names the offering in plans and explanations.
	ID   string       `json:"id"`
	Type OfferingType `json:"type"`
	// Tier is the order in which the provider's bill applies commitments
	// within an hour: lower tiers first (AWS: reserved instances 0, EC2
	// Instance Savings Plans 1, Compute Savings Plans 2).
	Tier int `json:"tier"`
	// TermHours is the length of the term (8760 for one year, 26280 for
	// three).
	TermHours int `json:"term_hours"`
	// Upfront is the one-time fee per unit in USD.
	Upfront float64 `json:"upfront"`
	// Recurring is the fee per unit per hour in USD, paid for every hour of
	// the term whether used or not.
	Recurring float64 `json:"recurring"`
	// Increment is the purchase quantum: 1 for whole instances; 0 means any
	// quantity. Quantities are rounded down to it, then repaired.
	Increment float64 `json:"increment"`
	// Covers lists the pools the offering can cover. Each pool at most once.
	Covers []Cover `json:"covers"`
	// Start and End bound the hours of the horizon in which a purchase of
	// this offering is active: it covers usage and pays HourlyCost per unit
	// only from hour Start, for at most TermHours hours, and not from hour
	// End on (0: the end of the horizon); see Window. The zero values buy
	// at the first hour of the horizon, as before windows existed. Validate
	// requires 0 <= Start < Hours and, when End > 0, Start < End <= Hours.
	// A window cut short by End or by the horizon still pays the whole
	// Upfront fee (Purchase.Upfront, Policy.MaxUpfront); the model charges
	// only the active hours' share of it, as it does for a term that
	// outlasts the horizon. A backtest's hindsight optimum offers one copy
	// per decision date, with Start the date's hour and End
	// min(Hours, Start+TermHours).
	Start int `json:"start,omitempty"`
	End   int `json:"end,omitempty"`
}

// Window returns the active hours [start, end) of a purchase of the
// offering in a horizon of the given length: from Start for TermHours
// hours, cut at End (0: at the end of the horizon) and at the end of the
// horizon. A Holding of a purchase should span these hours.
func (o *Offering) Window(hours int) (start, end int) {
	end = hours
	if o.End > 0 {
		end = min(end, o.End)
	}
	return o.Start, max(o.Start, min(end, o.Start+o.TermHours))
}

// HourlyCost is the cost of one unit for one hour of its term: the upfront
// fee spread evenly over the term plus the recurring fee, in USD.
func (o *Offering) HourlyCost() float64 {
	return o.Upfront/float64(o.TermHours) + o.Recurring
}

// ThreeYear reports whether the offering's term is longer than a year and a
// half (the providers' three-year terms).
func (o *Offering) ThreeYear() bool { return o.TermHours > HoursPerYear*3/2 }

// Commitment is an owned commitment: a quantity of an offering active over
// a window of hours.
type Commitment struct {
	// ID names the commitment (the provider's reservation or plan ID).
	ID string `json:"id"`
	// Offering is the index of what was bought in Problem.Offerings.
	Offering int `json:"offering"`
	// Quantity is in the offering's units (instances, or USD per hour).
	Quantity float64 `json:"quantity"`
	// Start and End bound the active hours [Start, End), relative to the
	// first hour of the horizon; they may lie outside it.
	Start int `json:"start"`
	End   int `json:"end"`
}

// Policy is what the buyer accepts. The zero value allows every offering
// and sets no limit.
type Policy struct {
	// Exclude lists offerings (by index) that may not be bought.
	Exclude []int `json:"exclude,omitempty"`
	// MaxUpfront caps the total upfront cash of the new purchases, in USD,
	// whatever their windows (the whole fee of each).
	MaxUpfront *float64 `json:"max_upfront,omitempty"`
	// MaxHourlyCommitment caps the hourly cost (upfront amortized plus
	// recurring) of the new purchases active in any one hour, in USD per
	// hour. Without purchase windows (Offering.Start and End) every purchase
	// is active in the first hour, and it caps their total.
	MaxHourlyCommitment *float64 `json:"max_hourly_commitment,omitempty"`
	// MaxCoverage caps the share, in [0, 1], of eligible usage (valued at
	// on-demand rates) that all commitments together may cover, in
	// expectation over the scenarios.
	MaxCoverage *float64 `json:"max_coverage,omitempty"`
	// MinUtilization is the least share, in [0, 1], of each new purchase's
	// capacity that must be used over its active hours in the horizon (in
	// expectation over the scenarios; see UtilizationFloorPercentile); 0
	// sets no floor.
	MinUtilization float64 `json:"min_utilization,omitempty"`
	// MaxThreeYearShare caps the share, in [0, 1], of the new purchases'
	// hourly cost in three-year terms, summed over all purchases whatever
	// their windows.
	MaxThreeYearShare *float64 `json:"max_three_year_share,omitempty"`

	// The risk limits below are about the spread of outcomes over
	// Problem.Scenarios; with a single scenario they apply to it alone.

	// MaxCVaRRegret caps the conditional value at risk, at level CVaRLevel,
	// of the regret over the scenarios, in USD over the horizon: the
	// probability-weighted mean of the worst (1 − CVaRLevel) of the
	// scenarios' regrets, where a scenario's regret is its cost with the
	// purchases minus its cost buying nothing new (the owned commitments
	// only). 0 allows no purchase that loses money in the tail.
	MaxCVaRRegret *float64 `json:"max_cvar_regret,omitempty"`
	// CVaRLevel is the level β in [0, 1) of the conditional values at risk
	// (MaxCVaRRegret, MaxTailWasteShare); 0 means 0.9, the worst 10%.
	CVaRLevel float64 `json:"cvar_level,omitempty"`
	// MaxExpectedWasteShare caps, in [0, 1], the expected unused
	// commitment of the new purchases — the fees of their unused capacity —
	// as a share of their expected fees.
	MaxExpectedWasteShare *float64 `json:"max_expected_waste_share,omitempty"`
	// MaxTailWasteShare caps, in [0, 1], the same share in the worst
	// scenarios: the conditional value at risk at level CVaRLevel, over the
	// scenarios, of the unused fees in excess of the share must be at most
	// 0 — the probability-weighted mean over the worst (1 − CVaRLevel) of
	// the scenarios of (unused fees − share × fees) is not positive. When
	// the scenarios are equally long (the new purchases cost the same in
	// each) this is exactly CVaR of the unused share ≤ the limit.
	MaxTailWasteShare *float64 `json:"max_tail_waste_share,omitempty"`
	// UtilizationFloorPercentile, in [0, 1], makes MinUtilization hold also
	// in one scenario, not only in expectation: the one at this percentile
	// of total usage, the scenarios ranked by the on-demand value of their
	// usage, lowest first (0.1: the scenario in which the cumulative
	// probability of the ones using less or as much first reaches 10%).
	// 0 sets nothing; without MinUtilization it has no effect.
	UtilizationFloorPercentile float64 `json:"utilization_floor_percentile,omitempty"`
	// MaxExpiringPerMonth caps the hourly commitment (upfront amortized
	// plus recurring, USD per hour) that expires in any one 730-hour month
	// of the horizon, owned and new together (laddering). A purchase
	// expires where its term ends inside the horizon or where its window
	// ends before the horizon does (End > 0 and End < the horizon); an owned
	// commitment at its End when that lies in (0, horizon]. Owned
	// commitments that already exceed the cap in a month leave no room for
	// new purchases expiring in it.
	MaxExpiringPerMonth *float64 `json:"max_expiring_per_month,omitempty"`
}

// cvarLevel returns β, with its default.
func (pol *Policy) cvarLevel() float64 {
	if pol.CVaRLevel == 0 {
		return 0.9
	}
	return pol.CVaRLevel
}

// Limit returns a pointer to v, for the optional limits of Policy.
func Limit(v float64) *float64 { return &v }

// Problem is one commitment problem: the usage of every pool over the
// horizon, in one or more scenarios, what can be bought, what is owned and
// what is allowed.
type Problem struct {
	// Hours is the length of the horizon; every pool has this many hours.
	// With Scenarios, it is the sum of their hours.
	Hours     int          `json:"hours"`
	Pools     []Pool       `json:"pools"`
	Offerings []Offering   `json:"offerings"`
	Owned     []Commitment `json:"owned,omitempty"`
	Policy    Policy       `json:"policy"`
	// Scenarios, when set, split the hours into possible futures laid end
	// to end: scenario 0 is hours [0, Scenarios[0].Hours) of every pool's
	// Usage, scenario 1 the next Scenarios[1].Hours, and so on. Purchases
	// are shared (bought once, before the future is known); coverage is
	// per scenario; the objective and every money figure is the
	// expectation over the scenarios. Windows (Offering.Start and End,
	// Commitment.Start and End) are relative to the start of each
	// scenario's hours: every scenario sees the same commitments over its
	// own hours. Empty: one scenario, the whole horizon.
	Scenarios []Scenario `json:"scenarios,omitempty"`
}

// Scenario is one possible future of usage, a block of Problem.Hours.
type Scenario struct {
	// Name names the scenario in bills and explanations.
	Name string `json:"name"`
	// Hours is the length of the scenario's block of hours; positive.
	Hours int `json:"hours"`
	// Probability is the scenario's weight in the expectation; positive,
	// and the probabilities sum to 1.
	Probability float64 `json:"probability"`
}

// block is a scenario's hours [start, start+hours) of the horizon.
type block struct {
	name         string
	start, hours int
	prob         float64
}

// blocks returns the scenarios' blocks, or the whole horizon as one.
func (p *Problem) blocks() []block {
	if len(p.Scenarios) == 0 {
		return []block{{name: "", start: 0, hours: p.Hours, prob: 1}}
	}
	bs := make([]block, len(p.Scenarios))
	t := 0
	for i, s := range p.Scenarios {
		bs[i] = block{name: s.Name, start: t, hours: s.Hours, prob: s.Probability}
		t += s.Hours
	}
	return bs
}

// span is the length against which windows are read: the longest
// scenario, or the horizon without scenarios.
func (p *Problem) span() int {
	if len(p.Scenarios) == 0 {
		return p.Hours
	}
	m := 0
	for _, s := range p.Scenarios {
		m = max(m, s.Hours)
	}
	return m
}

// scenarioName names scenario i in messages.
func (p *Problem) scenarioName(i int) string {
	if i < len(p.Scenarios) && p.Scenarios[i].Name != "" {
		return p.Scenarios[i].Name
	}
	return fmt.Sprintf("scenario %d", i)
}

// ValidationError reports invalid problem data, naming where it is.
type ValidationError struct {
	// Field is the path to the bad value, such as "pools[3].usage[17]".
	Field string
	Err   error
}

func (e *ValidationError) Error() string {
	return "solver: invalid problem: " + e.Field + ": " + e.Err.Error()
}
func (e *ValidationError) Unwrap() error { return e.Err }

// Sentinel causes wrapped in ValidationError and returned by Solve.
var (
	ErrInvalid = errors.New("invalid value")
	// ErrInfeasible means the policy cannot be met, not even by buying
	// nothing.
	ErrInfeasible = errors.New("solver: policy cannot be met")
	// ErrUnsupported means the method asked for (Options.Method) cannot
	// carry a policy row; Auto chooses one that can.
	ErrUnsupported = errors.New("solver: not supported by the chosen method")
)

func invalid(field string, format string, args ...any) error {
	return &ValidationError{Field: field, Err: fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Magnitude limits. Real data is far inside them; beyond them the LP
// cannot be solved reliably in float64, so Validate rejects the value
// rather than returning a wrong plan.
const (
	maxHours     = 10 * 366 * 24 // ten years of hours (per scenario)
	maxScenarios = 1000
	maxUsage     = 1e9  // units per hour in one pool
	maxRate      = 1e6  // USD per unit-hour
	maxFee       = 1e9  // USD per unit (upfront) or per unit-hour
	minCover     = 1e-9 // smallest cover rate
	maxCover     = 1e6
	maxQuantity  = 1e9
	maxLimit     = 1e15 // policy amounts, USD or USD per hour
)

// Validate checks the problem and returns a *ValidationError naming the
// first bad value.
func (p *Problem) Validate() error {
	// Scenarios lay their blocks end to end: each is at most maxHours
	// long, and there are at most maxScenarios of them.
	limit := maxHours
	if len(p.Scenarios) > 0 {
		if len(p.Scenarios) > maxScenarios {
			return invalid("scenarios", "at most %d scenarios, got %d", maxScenarios, len(p.Scenarios))
		}
		limit = maxHours * len(p.Scenarios)
	}
	if p.Hours <= 0 || p.Hours > limit {
		return invalid("hours", "must be in [1, %d], got %d", limit, p.Hours)
	}
	if len(p.Pools) == 0 {
		return invalid("pools", "no pools")
	}
	if len(p.Scenarios) > 0 {
		sumH, sumP := 0, 0.0
		for i, s := range p.Scenarios {
			f := fmt.Sprintf("scenarios[%d]", i)
			if s.Name != "" {
				f = fmt.Sprintf("scenarios[%d] (%s)", i, s.Name)
			}
			if s.Hours <= 0 || s.Hours > min(p.Hours, maxHours) {
				return invalid(f+".hours", "must be in [1, %d], got %d", min(p.Hours, maxHours), s.Hours)
			}
			if !finite(s.Probability) || s.Probability <= 0 || s.Probability > 1 {
				return invalid(f+".probability", "must be in (0, 1], got %v", s.Probability)
			}
			sumH += s.Hours
			sumP += s.Probability
		}
		if sumH != p.Hours {
			return invalid("scenarios", "hours sum to %d, want the horizon's %d", sumH, p.Hours)
		}
		if math.Abs(sumP-1) > 1e-6 {
			return invalid("scenarios", "probabilities sum to %v, want 1", sumP)
		}
	}
	span := p.span()
	for i := range p.Pools {
		pl := &p.Pools[i]
		f := fmt.Sprintf("pools[%d]", i)
		if pl.ID != "" {
			f = fmt.Sprintf("pools[%d] (%s)", i, pl.ID)
		}
		if !finite(pl.OnDemandRate) || pl.OnDemandRate <= 0 || pl.OnDemandRate > maxRate {
			return invalid(f+".on_demand_rate", "must be positive and at most %g, got %v", maxRate, pl.OnDemandRate)
		}
		if len(pl.Usage) != p.Hours {
			return invalid(f+".usage", "has %d hours, want %d", len(pl.Usage), p.Hours)
		}
		for t, u := range pl.Usage {
			if !finite(u) || u < 0 || u > maxUsage {
				return invalid(fmt.Sprintf("%s.usage[%d]", f, t), "must be in [0, %g], got %v", maxUsage, u)
			}
		}
	}
	for k := range p.Offerings {
		o := &p.Offerings[k]
		f := fmt.Sprintf("offerings[%d]", k)
		if o.ID != "" {
			f = fmt.Sprintf("offerings[%d] (%s)", k, o.ID)
		}
		switch {
		case o.Type != Resource && o.Type != Spend:
			return invalid(f+".type", "unknown type %d", o.Type)
		case o.TermHours <= 0:
			return invalid(f+".term_hours", "must be positive, got %d", o.TermHours)
		case o.TermHours > maxHours:
			return invalid(f+".term_hours", "must be at most %d, got %d", maxHours, o.TermHours)
		case !finite(o.Upfront) || o.Upfront < 0 || o.Upfront > maxFee:
			return invalid(f+".upfront", "must be in [0, %g], got %v", maxFee, o.Upfront)
		case !finite(o.Recurring) || o.Recurring < 0 || o.Recurring > maxFee:
			return invalid(f+".recurring", "must be in [0, %g], got %v", maxFee, o.Recurring)
		case o.Upfront == 0 && o.Recurring == 0:
			return invalid(f, "costs nothing (upfront and recurring are both 0)")
		case !finite(o.Increment) || o.Increment < 0 || o.Increment > maxQuantity:
			return invalid(f+".increment", "must be finite and non-negative, got %v", o.Increment)
		case len(o.Covers) == 0:
			return invalid(f+".covers", "covers no pool")
		case o.Start < 0 || o.Start >= span:
			return invalid(f+".start", "must be in [0, %d), got %d", span, o.Start)
		case o.End < 0 || o.End > span:
			return invalid(f+".end", "must be in [0, %d] (0 is the end of the horizon), got %d", span, o.End)
		case o.End > 0 && o.End <= o.Start:
			return invalid(f+".end", "ends (%d) at or before it starts (%d)", o.End, o.Start)
		}
		seen := make(map[int]bool, len(o.Covers))
		for j, c := range o.Covers {
			cf := fmt.Sprintf("%s.covers[%d]", f, j)
			if c.Pool < 0 || c.Pool >= len(p.Pools) {
				return invalid(cf+".pool", "index %d out of range [0, %d)", c.Pool, len(p.Pools))
			}
			if seen[c.Pool] {
				return invalid(cf+".pool", "pool %d listed twice", c.Pool)
			}
			seen[c.Pool] = true
			if !finite(c.Rate) || c.Rate < minCover || c.Rate > maxCover {
				return invalid(cf+".rate", "must be in [%g, %g], got %v", minCover, maxCover, c.Rate)
			}
		}
	}
	for i, c := range p.Owned {
		f := fmt.Sprintf("owned[%d]", i)
		if c.ID != "" {
			f = fmt.Sprintf("owned[%d] (%s)", i, c.ID)
		}
		switch {
		case c.Offering < 0 || c.Offering >= len(p.Offerings):
			return invalid(f+".offering", "index %d out of range [0, %d)", c.Offering, len(p.Offerings))
		case !finite(c.Quantity) || c.Quantity < 0 || c.Quantity > maxQuantity:
			return invalid(f+".quantity", "must be in [0, %g], got %v", maxQuantity, c.Quantity)
		case c.End < c.Start:
			return invalid(f+".end", "ends (%d) before it starts (%d)", c.End, c.Start)
		}
	}
	return p.Policy.validate(len(p.Offerings))
}

func (pol *Policy) validate(offerings int) error {
	for i, k := range pol.Exclude {
		if k < 0 || k >= offerings {
			return invalid(fmt.Sprintf("policy.exclude[%d]", i), "offering index %d out of range [0, %d)", k, offerings)
		}
	}
	nonNeg := func(name string, v *float64) error {
		if v != nil && (!finite(*v) || *v < 0 || *v > maxLimit) {
			return invalid("policy."+name, "must be in [0, %g], got %v", maxLimit, *v)
		}
		return nil
	}
	share := func(name string, v *float64) error {
		if v != nil && (!finite(*v) || *v < 0 || *v > 1) {
			return invalid("policy."+name, "must be a share in [0, 1], got %v", *v)
		}
		return nil
	}
	for _, err := range []error{
		nonNeg("max_upfront", pol.MaxUpfront),
		nonNeg("max_hourly_commitment", pol.MaxHourlyCommitment),
		share("max_coverage", pol.MaxCoverage),
		share("min_utilization", &pol.MinUtilization),
		share("max_three_year_share", pol.MaxThreeYearShare),
		nonNeg("max_cvar_regret", pol.MaxCVaRRegret),
		share("max_expected_waste_share", pol.MaxExpectedWasteShare),
		share("max_tail_waste_share", pol.MaxTailWasteShare),
		share("utilization_floor_percentile", &pol.UtilizationFloorPercentile),
		nonNeg("max_expiring_per_month", pol.MaxExpiringPerMonth),
	} {
		if err != nil {
			return err
		}
	}
	if b := pol.CVaRLevel; !finite(b) || b < 0 || b >= 1 {
		return invalid("policy.cvar_level", "must be in [0, 1) (0 means 0.9), got %v", b)
	}
	return nil
}

// couples reports whether a policy row links otherwise independent pools.
func (pol *Policy) couples() bool {
	return pol.MaxUpfront != nil || pol.MaxHourlyCommitment != nil || pol.MaxCoverage != nil || pol.MaxThreeYearShare != nil ||
		pol.MaxCVaRRegret != nil || pol.MaxExpectedWasteShare != nil || pol.MaxTailWasteShare != nil ||
		pol.MaxExpiringPerMonth != nil || pol.percentileFloor()
}

// percentileFloor reports whether the utilization floor must also hold in
// a percentile scenario. The scenario is chosen by the usage of all pools,
// so it couples them.
func (pol *Policy) percentileFloor() bool {
	return pol.MinUtilization > 0 && pol.UtilizationFloorPercentile > 0
}

// wasteRows reports whether the policy limits the unused commitment.
func (pol *Policy) wasteRows() bool {
	return pol.MaxExpectedWasteShare != nil || pol.MaxTailWasteShare != nil
}

// expiry returns the hour at which a purchase of o expires inside a
// horizon of span hours (its term ends, or its window ends before the
// horizon does), or -1 when it does not expire inside it.
func (o *Offering) expiry(span int) int {
	_, end := o.Window(span)
	if o.Start+o.TermHours <= span || (o.End > 0 && o.End < span) {
		return end
	}
	return -1
}

// expiryMonth is the 730-hour month of the horizon that holds hour e − 1,
// the last active hour of a commitment expiring at hour e.
func expiryMonth(e int) int { return int(float64(e-1) / HoursPerMonth) }
