package solver

import (
	"fmt"
	"sort"
)

// Holding is a commitment held during a simulation, owned or proposed: a
// quantity of an offering active over the hours [Start, End).
type Holding struct {
	ID       string
	Offering int
	Quantity float64
	Start    int
	End      int
}

// Bill is what the provider's billing rules charge for the horizon.
type Bill struct {
	// Total is Fees + OnDemand, USD over the horizon.
	Total float64
	// Fees is what the holdings cost over their active hours inside the
	// horizon (upfront amortized over the term plus recurring), USD.
	Fees float64
	// OnDemand is the usage left uncovered, at on-demand rates, USD.
	OnDemand float64
	// CoveredValue is the covered usage valued at on-demand rates, USD.
	CoveredValue float64
	// EligibleValue is the usage of pools some offering can cover, valued at
	// on-demand rates, USD: the denominator of coverage.
	EligibleValue float64
	// UsageValue is all usage valued at on-demand rates, USD: what buying
	// nothing at all would cost.
	UsageValue float64
	Holdings   []HoldingBill
	Pools      []PoolBill
	// Hourly is filled only when SimOptions.Hourly is set.
	Hourly []HourBill
	// Scenarios holds each scenario's own bill when the problem has
	// Scenarios (the figures above are then their expectation); nil
	// otherwise.
	Scenarios []ScenarioBill
}

// Coverage is CoveredValue / EligibleValue, or 0 with no eligible usage.
func (b *Bill) Coverage() float64 {
	if b.EligibleValue <= 0 {
		return 0
	}
	return b.CoveredValue / b.EligibleValue
}

// HoldingBill is one holding's part of the bill.
type HoldingBill struct {
	ID string
	// Capacity is the holding's capacity over its active hours inside the
	// horizon, in unit-hours (USD for spend offerings).
	Capacity float64
	// Used is the part of Capacity applied to usage.
	Used float64
	// Fees is the holding's cost inside the horizon, USD.
	Fees float64
	// CoveredValue is the usage it covered, valued at on-demand rates, USD.
	CoveredValue float64
}

// Utilization is Used / Capacity, or 0 without capacity.
func (h *HoldingBill) Utilization() float64 {
	if h.Capacity <= 0 {
		return 0
	}
	return h.Used / h.Capacity
}

// PoolBill is one pool's part of the bill.
type PoolBill struct {
	// Usage and Covered are in unit-hours; OnDemand in USD.
	Usage, Covered, OnDemand float64
}

// HourBill is one hour's bill, USD.
type HourBill struct {
	Fees, OnDemand, CoveredValue float64
}

// SimOptions controls what Simulate reports.
type SimOptions struct {
	// Hourly asks for the bill of every hour.
	Hourly bool
}

// ScenarioBill is the bill of one scenario of Problem.Scenarios, over its
// own hours.
type ScenarioBill struct {
	Name        string
	Probability float64
	// Total, Fees, OnDemand, CoveredValue, EligibleValue and UsageValue
	// are as in Bill, for this scenario alone, USD.
	Total, Fees, OnDemand, CoveredValue, EligibleValue, UsageValue float64
	// Holdings are the holdings' parts of this scenario's bill, in the
	// order of the holdings.
	Holdings []HoldingBill
}

// Coverage is CoveredValue / EligibleValue, or 0 with no eligible usage.
func (b *ScenarioBill) Coverage() float64 {
	if b.EligibleValue <= 0 {
		return 0
	}
	return b.CoveredValue / b.EligibleValue
}

// Simulate applies holdings to the problem's usage the way the providers
// bill, hour by hour:
//
//   - holdings are applied in order of their offering's Tier (AWS: reserved
//     instances, then EC2 Instance Savings Plans, then Compute Savings Plans;
//     GCP: resource CUDs, then flexible CUDs; Azure: reservations, then
//     savings plans), then by start hour (older first), then by position;
//   - each holding covers the usage its offering can cover that is still
//     uncovered, pool by pool, in order of the discount it gives there
//     (highest percentage first: the lowest Rate / OnDemandRate), until its
//     hourly capacity is spent;
//   - what is left is charged at on-demand rates; every holding pays its fee
//     for each of its active hours whether used or not.
//
// With Problem.Scenarios, each scenario's hours are billed on their own,
// the holdings' Start and End read from the scenario's first hour, and
// every figure of the Bill (totals, holdings, pools) is the expectation over
// the scenarios; Bill.Scenarios holds each scenario's own bill, and
// Bill.Hourly each hour's bill in its scenario, unweighted.
//
// Simulate is deliberately simple and independent of the optimizer: it is
// the check on the optimizer and the source of every figure shown to a user.
func Simulate(p *Problem, holdings []Holding, opts SimOptions) (*Bill, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	for i, h := range holdings {
		if h.Offering < 0 || h.Offering >= len(p.Offerings) {
			return nil, invalid(fmt.Sprintf("holdings[%d].offering", i), "index %d out of range", h.Offering)
		}
		if !finite(h.Quantity) || h.Quantity < 0 {
			return nil, invalid(fmt.Sprintf("holdings[%d].quantity", i), "must be finite and non-negative, got %v", h.Quantity)
		}
	}
	order := billingOrder(p, holdings)
	coverOrder := make([][]Cover, len(p.Offerings))
	for k := range p.Offerings {
		coverOrder[k] = discountOrder(p, k)
	}
	eligible := eligiblePools(p)
	var hourly []HourBill
	if opts.Hourly {
		hourly = make([]HourBill, p.Hours)
	}
	blocks := p.blocks()
	if len(p.Scenarios) == 0 {
		b := simulateBlock(p, holdings, order, coverOrder, eligible, blocks[0], hourly)
		b.Hourly = hourly
		return b, nil
	}
	b := &Bill{Holdings: make([]HoldingBill, len(holdings)), Pools: make([]PoolBill, len(p.Pools)), Hourly: hourly}
	for i := range holdings {
		b.Holdings[i].ID = holdings[i].ID
	}
	for _, bl := range blocks {
		sb := simulateBlock(p, holdings, order, coverOrder, eligible, bl, hourly)
		w := bl.prob
		b.Fees += w * sb.Fees
		b.OnDemand += w * sb.OnDemand
		b.CoveredValue += w * sb.CoveredValue
		b.EligibleValue += w * sb.EligibleValue
		b.UsageValue += w * sb.UsageValue
		for i, h := range sb.Holdings {
			hb := &b.Holdings[i]
			hb.Capacity += w * h.Capacity
			hb.Used += w * h.Used
			hb.Fees += w * h.Fees
			hb.CoveredValue += w * h.CoveredValue
		}
		for i, pb := range sb.Pools {
			b.Pools[i].Usage += w * pb.Usage
			b.Pools[i].Covered += w * pb.Covered
			b.Pools[i].OnDemand += w * pb.OnDemand
		}
		b.Scenarios = append(b.Scenarios, ScenarioBill{Name: bl.name, Probability: bl.prob,
			Total: sb.Total, Fees: sb.Fees, OnDemand: sb.OnDemand, CoveredValue: sb.CoveredValue,
			EligibleValue: sb.EligibleValue, UsageValue: sb.UsageValue, Holdings: sb.Holdings})
	}
	b.Total = b.Fees + b.OnDemand
	return b, nil
}

// simulateBlock bills the hours of one block, the holdings' windows read
// from its first hour; hourly, when not nil, receives each hour's bill at
// its hour of the horizon.
func simulateBlock(p *Problem, holdings []Holding, order []int, coverOrder [][]Cover, eligible []bool, bl block, hourly []HourBill) *Bill {
	b := &Bill{Holdings: make([]HoldingBill, len(holdings)), Pools: make([]PoolBill, len(p.Pools))}
	resid := make([]float64, len(p.Pools))
	for rt := 0; rt < bl.hours; rt++ {
		t := bl.start + rt
		for i := range p.Pools {
			resid[i] = p.Pools[i].Usage[t]
		}
		var hour HourBill
		for _, hi := range order {
			h := &holdings[hi]
			if rt < h.Start || rt >= h.End || h.Quantity == 0 {
				continue
			}
			o := &p.Offerings[h.Offering]
			hb := &b.Holdings[hi]
			fee := h.Quantity * o.HourlyCost()
			hb.Fees += fee
			hb.Capacity += h.Quantity
			hour.Fees += fee
			left := h.Quantity
			for _, c := range coverOrder[h.Offering] {
				if left <= 0 {
					break
				}
				if resid[c.Pool] <= 0 {
					continue
				}
				take := min(resid[c.Pool], left/c.Rate)
				resid[c.Pool] -= take
				left -= take * c.Rate
				if left < 0 {
					left = 0
				}
				hb.Used += take * c.Rate
				v := take * p.Pools[c.Pool].OnDemandRate
				hb.CoveredValue += v
				hour.CoveredValue += v
				b.Pools[c.Pool].Covered += take
			}
		}
		for i := range p.Pools {
			pl := &p.Pools[i]
			od := resid[i] * pl.OnDemandRate
			hour.OnDemand += od
			b.Pools[i].OnDemand += od
			b.Pools[i].Usage += pl.Usage[t]
			val := pl.Usage[t] * pl.OnDemandRate
			b.UsageValue += val
			if eligible[i] {
				b.EligibleValue += val
			}
		}
		b.Fees += hour.Fees
		b.OnDemand += hour.OnDemand
		b.CoveredValue += hour.CoveredValue
		if hourly != nil {
			hourly[t] = hour
		}
	}
	for i := range holdings {
		b.Holdings[i].ID = holdings[i].ID
	}
	b.Total = b.Fees + b.OnDemand
	return b
}

// billingOrder returns the indices of holdings in the order the bill
// applies them: by tier, then start hour, then position.
func billingOrder(p *Problem, holdings []Holding) []int {
	order := make([]int, len(holdings))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ha, hb := &holdings[order[a]], &holdings[order[b]]
		ta, tb := p.Offerings[ha.Offering].Tier, p.Offerings[hb.Offering].Tier
		if ta != tb {
			return ta < tb
		}
		return ha.Start < hb.Start
	})
	return order
}

// discountOrder returns the covers of offering k, highest discount first:
// the lowest ratio of commitment rate to on-demand rate, ties by pool index.
func discountOrder(p *Problem, k int) []Cover {
	cs := append([]Cover(nil), p.Offerings[k].Covers...)
	sort.SliceStable(cs, func(a, b int) bool {
		ra := cs[a].Rate / p.Pools[cs[a].Pool].OnDemandRate
		rb := cs[b].Rate / p.Pools[cs[b].Pool].OnDemandRate
		if ra != rb {
			return ra < rb
		}
		return cs[a].Pool < cs[b].Pool
	})
	return cs
}

// eligiblePools marks the pools that at least one offering can cover.
func eligiblePools(p *Problem) []bool {
	e := make([]bool, len(p.Pools))
	for k := range p.Offerings {
		for _, c := range p.Offerings[k].Covers {
			e[c.Pool] = true
		}
	}
	return e
}

// ownedHoldings turns the owned commitments into holdings.
func ownedHoldings(p *Problem) []Holding {
	hs := make([]Holding, len(p.Owned))
	for i, c := range p.Owned {
		hs[i] = Holding{ID: c.ID, Offering: c.Offering, Quantity: c.Quantity, Start: c.Start, End: c.End}
	}
	return hs
}

// purchaseHoldings turns purchase quantities (one per offering) into
// holdings active over the offering's window (Offering.Window), relative to
// each scenario's first hour.
func purchaseHoldings(p *Problem, qty []float64) []Holding {
	var hs []Holding
	for k, q := range qty {
		if q > 0 {
			o := &p.Offerings[k]
			start, end := o.Window(p.span())
			hs = append(hs, Holding{ID: "new:" + o.ID, Offering: k, Quantity: q, Start: start, End: end})
		}
	}
	return hs
}
