package planner

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/solver"
)

// ProblemInput is what one deterministic problem is built from.
type ProblemInput struct {
	Book *providers.PriceBook
	// Usage holds one series per pool; every series starts at the same
	// hour and has the same length, which is the horizon.
	Usage []providers.UsageSeries
	// Owned are the commitments already owned.
	Owned []providers.Commitment
	// Scenarios, when set, splits the usage's hours into scenario blocks
	// (solver.Problem.Scenarios); commitment windows are then read from
	// each block's first hour.
	Scenarios []solver.Scenario
}

// Exclusion is usage or a commitment left out of the problem, with why.
// Plans list them; nothing is dropped silently.
type Exclusion struct {
	What   string `json:"What"`
	Reason string `json:"Reason"`
}

// Built is a problem and the way back from its indices to the providers'
// names.
type Built struct {
	Problem *solver.Problem
	// Start is the first hour of the horizon.
	Start time.Time
	// Pools[i] is the pool of Problem.Pools[i]; Offerings[k] the price-book
	// offering of Problem.Offerings[k].
	Pools     []providers.PoolKey
	Offerings []providers.Offering
	// Excluded lists usage and commitments left out, with the reason.
	Excluded []Exclusion
	// Notes record choices made while building (averaged rates, …).
	Notes []string
}

// ErrNoUsage means there is nothing to plan for.
var ErrNoUsage = errors.New("planner: no usage to plan for")

// BuildProblem maps usage, prices and owned commitments onto the
// optimizer's terms:
//
//   - a pool's on-demand rate is the price book's rate per unit of the pool
//     (HourlyRate / SizeFactor); where the book prices several sizes of a
//     size-flexible pool, their per-unit rates are averaged and a note says
//     so when they differ by more than 1%;
//   - usage of a pool the book has no on-demand price for is excluded, and
//     listed;
//   - each offering covering at least one pool with usage becomes a solver
//     offering: resource offerings consume 1/SizeFactor of a unit per
//     unit-hour covered, spend offerings their rate per unit-hour
//     (Rate / SizeFactor, averaged over the sizes priced, as above); the
//     billing tier is the kind's (providers.Kind.BillingTier);
//   - an owned commitment becomes capacity of the cheapest book offering of
//     its kind, term and instance type that covers its scope pool, active
//     from its start to its end; one without such an offering is excluded
//     and listed, since the plan would otherwise count it wrongly.
func BuildProblem(in ProblemInput) (*Built, error) {
	if in.Book == nil {
		return nil, errors.New("planner: no price book")
	}
	if len(in.Usage) == 0 {
		return nil, ErrNoUsage
	}
	start := in.Usage[0].Start.UTC().Truncate(time.Hour)
	hours := len(in.Usage[0].Quantity)
	b := &Built{Problem: &solver.Problem{Hours: hours}, Start: start}
	poolIdx := map[providers.PoolKey]int{}
	// byPrice finds the pools a price-book pool stands for: the book
	// prices pools without billing scope or account, which then match the
	// usage of every account.
	byPrice := map[providers.PoolKey][]int{}
	for i, s := range in.Usage {
		if !s.Start.UTC().Truncate(time.Hour).Equal(start) || len(s.Quantity) != hours {
			return nil, fmt.Errorf("planner: usage series %d (%s) starts %s with %d hours; series %d starts %s with %d hours: every series must cover the same hours",
				i, s.Pool, s.Start.Format(time.RFC3339), len(s.Quantity), 0, start.Format(time.RFC3339), hours)
		}
		if _, dup := poolIdx[s.Pool]; dup {
			return nil, fmt.Errorf("planner: usage series %d: pool %s appears twice", i, s.Pool)
		}
		rates := onDemandFor(in.Book, s.Pool)
		if len(rates) == 0 {
			var total float64
			for _, q := range s.Quantity {
				total += q
			}
			b.Excluded = append(b.Excluded, Exclusion{What: fmt.Sprintf("usage of %s (%.1f %s)", s.Pool, total, s.Pool.Unit),
				Reason: "the price book has no on-demand price for this pool; it is paid on demand and not planned for"})
			continue
		}
		unit := make([]float64, len(rates))
		for j, r := range rates {
			unit[j] = r.UnitRate()
		}
		rate, spread := mean(unit)
		if spread > 0.01 {
			b.Notes = append(b.Notes, fmt.Sprintf("pool %s: the on-demand rates per %s of its sizes differ by %.1f%%; their mean %.6f is used",
				s.Pool, s.Pool.Unit, 100*spread, rate))
		}
		poolIdx[s.Pool] = len(b.Pools)
		byPrice[priceKey(s.Pool)] = append(byPrice[priceKey(s.Pool)], len(b.Pools))
		b.Pools = append(b.Pools, s.Pool)
		b.Problem.Pools = append(b.Problem.Pools, solver.Pool{ID: s.Pool.String(), OnDemandRate: rate, Usage: append([]float64(nil), s.Quantity...)})
	}
	if len(b.Pools) == 0 {
		return nil, fmt.Errorf("%w: no pool with usage has an on-demand price in the price book (%d excluded)", ErrNoUsage, len(b.Excluded))
	}
	for _, o := range in.Book.Offerings {
		byPool := map[int][]float64{}
		for _, c := range o.Covers {
			for _, i := range byPrice[priceKey(c.Pool)] {
				if !scopeMatches(c.Pool, b.Pools[i]) {
					continue
				}
				if o.Kind.Spend() {
					byPool[i] = append(byPool[i], c.UnitRate())
				} else {
					byPool[i] = append(byPool[i], 1/c.SizeFactor)
				}
			}
		}
		if len(byPool) == 0 {
			continue
		}
		so := solver.Offering{
			ID: offeringName(o), TermHours: int(math.Round(o.Term.Hours())), Tier: o.Kind.BillingTier(),
			Upfront: o.UpfrontFee, Recurring: o.RecurringHourlyFee, Increment: o.PurchaseIncrement,
		}
		if o.Kind.Spend() {
			so.Type = solver.Spend
		}
		pools := make([]int, 0, len(byPool))
		for i := range byPool {
			pools = append(pools, i)
		}
		sort.Ints(pools)
		for _, i := range pools {
			r, spread := mean(byPool[i])
			if spread > 0.01 {
				b.Notes = append(b.Notes, fmt.Sprintf("offering %s: its rates per %s in pool %s differ by %.1f%% across sizes; their mean is used",
					o.ID, b.Pools[i].Unit, b.Pools[i], 100*spread))
			}
			so.Covers = append(so.Covers, solver.Cover{Pool: i, Rate: r})
		}
		b.Offerings = append(b.Offerings, o)
		b.Problem.Offerings = append(b.Problem.Offerings, so)
	}
	for _, c := range in.Owned {
		endKnown := !c.End.IsZero()
		if !endKnown {
			// Active through the horizon, of whatever term matches.
			if c.Start.IsZero() {
				c.Start = start
			}
			c.End = start.Add(time.Duration(hours+1) * time.Hour)
			if !c.End.After(c.Start) {
				c.End = c.Start.Add(time.Hour) // starts after the horizon: never active in it
			}
			b.Notes = append(b.Notes, fmt.Sprintf("owned commitment %s: its end is not known from the data; it is assumed active through the horizon", c.ID))
		}
		k, factor := matchOwned(b, c, endKnown)
		if k < 0 {
			b.Excluded = append(b.Excluded, Exclusion{What: fmt.Sprintf("owned commitment %s (%s, %g)", c.ID, c.Kind, c.Quantity),
				Reason: "no offering in the price book matches its kind, term, size and scope, so its coverage cannot be modelled; the plan may buy what it already covers"})
			continue
		}
		qty := c.Quantity
		if c.Unit == providers.UnitNormalizedHour && !c.Kind.Spend() && factor > 0 {
			// Billing data counts a size-flexible reservation in normalized
			// units; the offering in instances of its size.
			qty /= factor
		}
		b.Problem.Owned = append(b.Problem.Owned, solver.Commitment{
			ID: c.ID, Offering: k, Quantity: qty,
			Start: hoursBetween(start, c.Start), End: hoursBetween(start, c.End),
		})
	}
	b.Problem.Scenarios = in.Scenarios
	if err := b.Problem.Validate(); err != nil {
		return nil, fmt.Errorf("planner: %w", err)
	}
	return b, nil
}

// matchOwned finds the cheapest offering of the commitment's kind and size
// whose coverage includes its scope pool, with a term as long as the
// commitment's when termKnown. It returns the offering's index (−1 when
// none matches) and the size factor of its cover of the scope pool.
func matchOwned(b *Built, c providers.Commitment, termKnown bool) (int, float64) {
	best, factor := -1, 0.0
	days := c.End.Sub(c.Start).Hours() / 24
	if c.OfferingID != "" {
		// Bought from this book: the offering itself.
		for k, o := range b.Offerings {
			if o.ID == c.OfferingID {
				f := 0.0
				for _, cv := range o.Covers {
					if priceKey(c.Scope).Contains(cv.Pool) {
						f = cv.SizeFactor
						break
					}
				}
				return k, f
			}
		}
	}
	for k, o := range b.Offerings {
		if o.Kind != c.Kind || (c.InstanceType != "" && o.InstanceType != "" && o.InstanceType != c.InstanceType) {
			continue
		}
		if termKnown && math.Abs(o.Term.Hours()/24-days) > 31 {
			continue
		}
		f := 0.0
		for _, cv := range o.Covers {
			// The book prices pools without account: compare the rest.
			if priceKey(c.Scope).Contains(cv.Pool) {
				f = cv.SizeFactor
				break
			}
		}
		if f > 0 && (best < 0 || o.EffectiveHourlyRate < b.Offerings[best].EffectiveHourlyRate) {
			best, factor = k, f
		}
	}
	return best, factor
}

// priceKey is the part of a pool key prices depend on: the pool without
// its billing scope and account.
func priceKey(k providers.PoolKey) providers.PoolKey {
	k.BillingScope, k.Account = "", ""
	return k
}

// onDemandFor returns the book's on-demand rates for a pool: those of its
// price key, or of the pool itself where the book prices by account.
func onDemandFor(book *providers.PriceBook, pool providers.PoolKey) []providers.OnDemandRate {
	var out []providers.OnDemandRate
	for _, r := range book.OnDemand {
		if priceKey(r.Pool) == priceKey(pool) && scopeMatches(r.Pool, pool) {
			out = append(out, r)
		}
	}
	return out
}

// scopeMatches reports whether pool lies inside scope with the same
// family: providers.PoolKey.Contains, without its rule that an instance
// family contains the pools named by its instance types. Between a book's
// pools (an offering's covers, the on-demand rates) and the usage's,
// families must be equal; an owned commitment's or a recommendation's
// scope may name an instance family whose pools are instance types, and is
// matched with Contains.
func scopeMatches(scope, pool providers.PoolKey) bool {
	return scope.Contains(pool) && (scope.Family == "" || scope.Family == pool.Family)
}

func hoursBetween(start, t time.Time) int {
	return int(math.Floor(t.Sub(start).Hours()))
}

// offeringName is the plan's name for an offering: kind, term, payment
// option and size, then the provider's ID.
func offeringName(o providers.Offering) string {
	name := fmt.Sprintf("%s/%s/%s", o.Kind, o.Term, o.PaymentOption)
	if o.InstanceType != "" {
		name = o.InstanceType + "/" + name
	}
	return name + " (" + o.ID + ")"
}

// mean returns the mean of vs and their relative spread (max−min)/mean.
func mean(vs []float64) (float64, float64) {
	lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
	for _, v := range vs {
		sum += v
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	m := sum / float64(len(vs))
	if m == 0 {
		return 0, 0
	}
	return m, (hi - lo) / m
}
