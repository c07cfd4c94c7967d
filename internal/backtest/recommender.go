package backtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tranchehq/tranche/internal/planner"
	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/solver"
)

// recommenderStrategy is the provider-style recommender, as AWS Cost
// Explorer describes its method: look at the last Lookback of usage left
// on demand and recommend the purchase that would have saved most over
// it, 1-year no upfront. The two recommenders combine in billing order:
//
//  1. reserved instances (and GCP resource CUDs, Azure reservations):
//     for each set of pools one offering covers, the offering with the
//     lowest cost per unit covered, and the number of units n that
//     maximises Σ_t covered value_t(n) − n·cost·T over the lookback's T
//     hours of on-demand usage (the quantile rule: a unit pays when the
//     usage it would cover is there more than cost / on-demand of the
//     time);
//  2. then one savings plan per provider (Compute Savings Plan, Azure
//     savings plan or GCP flexible CUD; another spend kind only when the
//     book has none of those), at the hourly commitment x that maximises
//     Σ_t covered value_t(x) − x·T on what the owned commitments and the
//     new reservations leave on demand, filled highest discount first as
//     the bill does.
//
// What is left on demand in each lookback hour comes from the simulator,
// with every commitment held at the decision counted as held over the
// whole lookback (so that the last decision's purchases are not bought
// again).
type recommenderStrategy struct{ r *run }

var (
	riKinds       = []providers.Kind{providers.KindRIStandard, providers.KindGCPResourceCUD, providers.KindAzureReservation}
	flexibleKinds = []providers.Kind{providers.KindComputeSP, providers.KindGCPFlexibleCUD, providers.KindAzureSavingsPlan}
)

func recommendable(o providers.Offering) bool {
	return o.Term == providers.Term1Year && o.PaymentOption == providers.NoUpfront
}

func (s *recommenderStrategy) decide(ctx context.Context, d decision) ([]held, error) {
	r := s.r
	from := d.at.Add(-r.opt.Lookback)
	if from.Before(r.histStart) {
		from = r.histStart
	}
	if !from.Before(d.at) {
		return nil, nil
	}
	b, err := r.problem(from, d.at, d.owned)
	if err != nil {
		if errors.Is(err, planner.ErrNoUsage) {
			return nil, nil
		}
		return nil, err
	}
	p := b.Problem
	// The commitments held now count as held over the whole lookback, so
	// that what was bought at the last decision is not bought again.
	hs := holdings(p)
	for i := range hs {
		hs[i].Start, hs[i].End = min(hs[i].Start, 0), max(hs[i].End, p.Hours)
	}
	resid, err := residual(ctx, p, hs)
	if err != nil {
		return nil, err
	}
	date := d.at.Format(time.DateOnly)
	var out []held

	// 1. Reservations, per set of pools covered.
	best := map[string]int{}
	for k, o := range b.Offerings {
		if !recommendable(o) || !slices.Contains(riKinds, o.Kind) {
			continue
		}
		sig := coverSignature(p.Offerings[k].Covers)
		if j, ok := best[sig]; !ok || unitCost(p, k) < unitCost(p, j)-1e-12 ||
			(math.Abs(unitCost(p, k)-unitCost(p, j)) <= 1e-12 && p.Offerings[k].HourlyCost() < p.Offerings[j].HourlyCost()) {
			best[sig] = k
		}
	}
	sigs := make([]string, 0, len(best))
	for sig := range best {
		sigs = append(sigs, sig)
	}
	sort.Strings(sigs)
	for _, sig := range sigs {
		k := best[sig]
		o := &p.Offerings[k]
		inc := o.Increment
		if inc <= 0 {
			inc = 1
		}
		n := bestQuantity(p, k, resid, inc)
		if n <= 0 {
			continue
		}
		out = append(out, commitmentFor(fmt.Sprintf("recommender/%s/%d", date, len(out)+1), b.Offerings[k], n, d.at))
		hs = append(hs, solver.Holding{ID: "new", Offering: k, Quantity: n, Start: 0, End: p.Hours})
		order := discountOrder(p, k)
		for t := range p.Hours {
			fill(p, order, resid, t, n, true)
		}
	}

	// 2. One savings plan per provider on what is left.
	if len(out) > 0 {
		if resid, err = residual(ctx, p, hs); err != nil {
			return nil, err
		}
	}
	byProvider := map[providers.Provider][]int{}
	for k, o := range b.Offerings {
		if recommendable(o) && o.Kind.Spend() {
			byProvider[o.Provider] = append(byProvider[o.Provider], k)
		}
	}
	provs := make([]string, 0, len(byProvider))
	for pv := range byProvider {
		provs = append(provs, string(pv))
	}
	sort.Strings(provs)
	for _, pv := range provs {
		cands := byProvider[providers.Provider(pv)]
		var flex []int
		for _, k := range cands {
			if slices.Contains(flexibleKinds, b.Offerings[k].Kind) {
				flex = append(flex, k)
			}
		}
		if len(flex) > 0 {
			cands = flex
		}
		bestK, bestX, bestSave := -1, 0.0, 0.0
		for _, k := range cands {
			x := bestCommitment(p, k, resid)
			if inc := p.Offerings[k].Increment; inc > 0 {
				x = math.Floor(x/inc+1e-9) * inc
			}
			if x <= 0 {
				continue
			}
			if sv := savingsAt(p, k, resid, x); sv > bestSave {
				bestK, bestX, bestSave = k, x, sv
			}
		}
		if bestK >= 0 {
			out = append(out, commitmentFor(fmt.Sprintf("recommender/%s/%d", date, len(out)+1), b.Offerings[bestK], bestX, d.at))
		}
	}
	return out, nil
}

// coverSignature names the set of pools an offering covers.
func coverSignature(cs []solver.Cover) string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = strconv.Itoa(c.Pool)
	}
	sort.Strings(ids)
	return strings.Join(ids, ",")
}

// unitCost is what offering k costs per unit of usage covered, averaged
// over its pools.
func unitCost(p *solver.Problem, k int) float64 {
	o := &p.Offerings[k]
	var s float64
	for _, c := range o.Covers {
		s += c.Rate
	}
	return o.HourlyCost() * s / float64(len(o.Covers))
}

// discountOrder is the order the bill fills offering k's pools: highest
// discount first (lowest Rate / on-demand rate), ties by pool index.
func discountOrder(p *solver.Problem, k int) []solver.Cover {
	cs := slices.Clone(p.Offerings[k].Covers)
	sort.SliceStable(cs, func(a, b int) bool {
		ra, rb := cs[a].Rate/p.Pools[cs[a].Pool].OnDemandRate, cs[b].Rate/p.Pools[cs[b].Pool].OnDemandRate
		if ra != rb {
			return ra < rb
		}
		return cs[a].Pool < cs[b].Pool
	})
	return cs
}

// fill returns the on-demand value that x units of offering k cover in
// hour t of the residual usage, filling highest discount first; with take
// set it removes the covered usage from resid.
func fill(p *solver.Problem, order []solver.Cover, resid [][]float64, t int, x float64, take bool) float64 {
	var v float64
	left := x
	for _, c := range order {
		if left <= 0 {
			break
		}
		q := min(resid[c.Pool][t], left/c.Rate)
		if q <= 0 {
			continue
		}
		left -= q * c.Rate
		v += q * p.Pools[c.Pool].OnDemandRate
		if take {
			resid[c.Pool][t] -= q
		}
	}
	return v
}

// savingsAt is Σ_t covered value_t(x) − x·cost·T for x units of offering k.
func savingsAt(p *solver.Problem, k int, resid [][]float64, x float64) float64 {
	var v float64
	order := discountOrder(p, k)
	for t := range p.Hours {
		v += fill(p, order, resid, t, x, false)
	}
	return v - x*p.Offerings[k].HourlyCost()*float64(p.Hours)
}

// bestQuantity is the number of increments of offering k that saves most
// over the residual usage: the savings are concave in the quantity, so it
// is the last increment whose marginal savings are positive (binary
// search).
func bestQuantity(p *solver.Problem, k int, resid [][]float64, inc float64) float64 {
	var most float64
	for t := range p.Hours {
		var need float64
		for _, c := range p.Offerings[k].Covers {
			need += resid[c.Pool][t] * c.Rate
		}
		most = max(most, need)
	}
	hi := int(math.Ceil(most/inc - 1e-9))
	marginal := func(n int) float64 {
		return savingsAt(p, k, resid, float64(n)*inc) - savingsAt(p, k, resid, float64(n-1)*inc)
	}
	lo := 0 // marginal(lo) > 0 holds for every n ≤ lo
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if marginal(mid) > 1e-9 {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return float64(lo) * inc
}

// bestCommitment is the hourly commitment of spend offering k that saves
// most over the residual usage. Each hour's covered value is concave and
// piecewise linear in the commitment (slopes: on-demand rate / rate of
// each pool, highest first), so the optimum is where the sum of the
// hours' slopes falls to the cost per hour of the lookback, cost·T.
func bestCommitment(p *solver.Problem, k int, resid [][]float64) float64 {
	type event struct{ x, drop float64 }
	var events []event
	var slope float64
	order := discountOrder(p, k)
	for t := range p.Hours {
		var at, last float64
		first := true
		for _, c := range order {
			l := resid[c.Pool][t] * c.Rate
			if l <= 0 {
				continue
			}
			s := p.Pools[c.Pool].OnDemandRate / c.Rate
			if first {
				slope += s
				first = false
			} else {
				events = append(events, event{at, last - s})
			}
			at += l
			last = s
		}
		if !first {
			events = append(events, event{at, last})
		}
	}
	target := p.Offerings[k].HourlyCost() * float64(p.Hours)
	if slope <= target {
		return 0
	}
	sort.Slice(events, func(a, b int) bool { return events[a].x < events[b].x })
	for _, e := range events {
		slope -= e.drop
		if slope <= target {
			return e.x
		}
	}
	return 0
}

// residual returns, per pool and hour, the usage the holdings leave on
// demand, as solver.Simulate bills it: each hour is simulated alone, since
// the simulator reports coverage per pool over the whole horizon.
func residual(ctx context.Context, p *solver.Problem, hs []solver.Holding) ([][]float64, error) {
	out := make([][]float64, len(p.Pools))
	for i := range p.Pools {
		out[i] = slices.Clone(p.Pools[i].Usage)
	}
	if len(hs) == 0 {
		return out, nil
	}
	sub := &solver.Problem{Hours: 1, Pools: make([]solver.Pool, len(p.Pools))}
	for i, pl := range p.Pools {
		sub.Pools[i] = solver.Pool{ID: pl.ID, OnDemandRate: pl.OnDemandRate, Usage: make([]float64, 1)}
	}
	idx := map[int]int{}
	shs := make([]solver.Holding, len(hs))
	for j, h := range hs {
		k, ok := idx[h.Offering]
		if !ok {
			k = len(sub.Offerings)
			idx[h.Offering] = k
			o := p.Offerings[h.Offering]
			o.Start, o.End = 0, 0
			sub.Offerings = append(sub.Offerings, o)
		}
		shs[j] = h
		shs[j].Offering = k
	}
	for t := range p.Hours {
		if t%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		active := false
		for j, h := range hs {
			shs[j].Start, shs[j].End = h.Start-t, h.End-t
			active = active || (h.Start <= t && t < h.End && h.Quantity > 0)
		}
		if !active {
			continue
		}
		for i := range p.Pools {
			sub.Pools[i].Usage[0] = p.Pools[i].Usage[t]
		}
		bill, err := solver.Simulate(sub, shs, solver.SimOptions{})
		if err != nil {
			return nil, err
		}
		for i := range p.Pools {
			out[i][t] = max(0, p.Pools[i].Usage[t]-bill.Pools[i].Covered)
		}
	}
	return out, nil
}
