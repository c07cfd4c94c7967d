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
	// on-demand rates) that all commitments together may cover.
	MaxCoverage *float64 `json:"max_coverage,omitempty"`
	// MinUtilization is the least share, in [0, 1], of each new purchase's
	// capacity that must be used over its active hours in the horizon; 0
	// sets no floor.
	MinUtilization float64 `json:"min_utilization,omitempty"`
	// MaxThreeYearShare caps the share, in [0, 1], of the new purchases'
	// hourly cost in three-year terms, summed over all purchases whatever
	// their windows.
	MaxThreeYearShare *float64 `json:"max_three_year_share,omitempty"`
}

// Limit returns a pointer to v, for the optional limits of Policy.
func Limit(v float64) *float64 { return &v }

// Problem is one deterministic commitment problem: the usage of every pool
// over the horizon, what can be bought, what is owned and what is allowed.
type Problem struct {
	// Hours is the length of the horizon; every pool has this many hours.
	Hours     int          `json:"hours"`
	Pools     []Pool       `json:"pools"`
	Offerings []Offering   `json:"offerings"`
	Owned     []Commitment `json:"owned,omitempty"`
	Policy    Policy       `json:"policy"`
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
)

func invalid(field string, format string, args ...any) error {
	return &ValidationError{Field: field, Err: fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Magnitude limits. Real data is far inside them; beyond them the LP
// cannot be solved reliably in float64, so Validate rejects the value
// rather than returning a wrong plan.
const (
	maxHours    = 10 * 366 * 24 // ten years of hours
	maxUsage    = 1e9           // units per hour in one pool
	maxRate     = 1e6           // USD per unit-hour
	maxFee      = 1e9           // USD per unit (upfront) or per unit-hour
	minCover    = 1e-9          // smallest cover rate
	maxCover    = 1e6
	maxQuantity = 1e9
	maxLimit    = 1e15 // policy amounts, USD or USD per hour
)

// Validate checks the problem and returns a *ValidationError naming the
// first bad value.
func (p *Problem) Validate() error {
	if p.Hours <= 0 || p.Hours > maxHours {
		return invalid("hours", "must be in [1, %d], got %d", maxHours, p.Hours)
	}
	if len(p.Pools) == 0 {
		return invalid("pools", "no pools")
	}
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
		case o.Start < 0 || o.Start >= p.Hours:
			return invalid(f+".start", "must be in [0, %d), got %d", p.Hours, o.Start)
		case o.End < 0 || o.End > p.Hours:
			return invalid(f+".end", "must be in [0, %d] (0 is the end of the horizon), got %d", p.Hours, o.End)
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
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// couples reports whether a policy row links otherwise independent pools.
func (pol *Policy) couples() bool {
	return pol.MaxUpfront != nil || pol.MaxHourlyCommitment != nil || pol.MaxCoverage != nil || pol.MaxThreeYearShare != nil
}
