package solver

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// fleetSpec describes a generated AWS-like fleet: pools grouped in families,
// a one-year no-upfront and a three-year all-upfront RI per pool, an EC2
// Instance Savings Plan per family and a Compute Savings Plan over all.
type fleetSpec struct {
	Pools, PoolsPerFamily, Hours int
	Seed                         uint64
	NoSP, NoRI                   bool
	Increment                    float64 // RI increment (0: continuous)
	// Scheduled fleets run whole instances on a weekly schedule (a
	// weekday business-hours step, a weekend level) that changes only
	// every four weeks, with no noise: hours repeat, as they do in fleets
	// whose capacity is scheduled rather than autoscaled.
	Scheduled bool
	// Dates adds purchase windows, as a backtest's hindsight optimum sees
	// them: every offering is offered again at each of Dates-1 later
	// decision dates spread over the horizon, starting there; odd dates'
	// copies end two periods later (as if their term ran out), the others
	// at the end of the horizon.
	Dates int
	// SharedRI > 1 makes each reserved instance cover that many pools of
	// a family (one family's pools in several accounts, or the sizes of a
	// size-flexible family) at rates 1, 2, ½ in turn, instead of one pool.
	SharedRI int
}

// genFleet builds the problem. Discounts are consistent across tiers (a
// pool's EC2 Instance SP discount and Compute SP discount rank the pools the
// same way), so the billing fill allocates optimally and the LP objective
// equals the simulated cost.
func genFleet(s fleetSpec) *Problem {
	r := rand.New(rand.NewPCG(s.Seed, 7))
	p := &Problem{Hours: s.Hours}
	type fam struct{ pools []int }
	var fams []fam
	for i := 0; i < s.Pools; i++ {
		f := i / s.PoolsPerFamily
		if f == len(fams) {
			fams = append(fams, fam{})
		}
		fams[f].pools = append(fams[f].pools, i)
		d := 0.02 + 0.2*r.Float64()
		base := 5 + 40*r.Float64()
		amp := base * 0.6 * r.Float64()
		trend := (r.Float64() - 0.4) * base / float64(s.Hours)
		u := make([]float64, s.Hours)
		if s.Scheduled {
			size := float64(int(1) << r.IntN(5)) // NU per instance: 1..16
			baseN, peakN, wkN := 1+r.IntN(8), r.IntN(6), r.IntN(4)
			for t := range u {
				period := t / (24 * 28)
				n := baseN + (period*(1+i%3))%3 // drifts every four weeks
				h, day := t%24, (t/24)%7
				switch {
				case day >= 5:
					n += wkN
				case h >= 9 && h < 18:
					n += peakN
				}
				u[t] = float64(n) * size
			}
			p.Pools = append(p.Pools, Pool{ID: fmt.Sprintf("pool%04d", i), OnDemandRate: d / size, Usage: u})
			continue
		}
		for t := range u {
			day := math.Sin(2 * math.Pi * float64(t%24) / 24)
			week := 1.0
			if (t/24)%7 >= 5 {
				week = 0.7
			}
			v := (base+trend*float64(t))*week + amp*day + r.NormFloat64()*base*0.1
			u[t] = math.Max(0, math.Round(v*4)/4)
		}
		p.Pools = append(p.Pools, Pool{ID: fmt.Sprintf("pool%04d", i), OnDemandRate: d, Usage: u})
	}
	if !s.NoRI && s.SharedRI > 1 {
		rates := []float64{1, 2, 0.5}
		for g := 0; g < len(p.Pools); g += s.SharedRI {
			var cs []Cover
			var perCap float64 // mean on-demand cost of a unit of capacity
			for i := g; i < min(g+s.SharedRI, len(p.Pools)); i++ {
				r := rates[(i-g)%len(rates)]
				cs = append(cs, Cover{Pool: i, Rate: r})
				perCap += p.Pools[i].OnDemandRate / r / float64(min(s.SharedRI, len(p.Pools)-g))
			}
			disc1 := 0.30 + 0.1*r.Float64()
			disc3 := 0.50 + 0.1*r.Float64()
			p.Offerings = append(p.Offerings,
				Offering{ID: fmt.Sprintf("ri-1y-nu/group%04d", g), Type: Resource, TermHours: HoursPerYear,
					Recurring: perCap * (1 - disc1), Increment: s.Increment, Covers: cs},
				Offering{ID: fmt.Sprintf("ri-3y-au/group%04d", g), Type: Resource, TermHours: 3 * HoursPerYear,
					Upfront: perCap * (1 - disc3) * 3 * HoursPerYear, Increment: s.Increment, Covers: cs})
			// A larger size of the same family: a unit of it is worth two,
			// at a price within a few per cent of two of the smaller.
			half := make([]Cover, len(cs))
			for i, c := range cs {
				half[i] = Cover{Pool: c.Pool, Rate: c.Rate / 2}
			}
			p.Offerings = append(p.Offerings, Offering{ID: fmt.Sprintf("ri-3y-au-2x/group%04d", g), Type: Resource, TermHours: 3 * HoursPerYear,
				Upfront: 2 * perCap * (1 - disc3) * (0.97 + 0.06*r.Float64()) * 3 * HoursPerYear, Increment: s.Increment, Covers: half})
		}
	}
	if !s.NoRI && s.SharedRI <= 1 {
		for i := range p.Pools {
			d := p.Pools[i].OnDemandRate
			disc1 := 0.30 + 0.1*r.Float64()
			disc3 := 0.50 + 0.1*r.Float64()
			p.Offerings = append(p.Offerings,
				Offering{ID: fmt.Sprintf("ri-1y-nu/pool%04d", i), Type: Resource, TermHours: HoursPerYear,
					Recurring: d * (1 - disc1), Increment: s.Increment, Covers: []Cover{{Pool: i, Rate: 1}}},
				Offering{ID: fmt.Sprintf("ri-3y-au/pool%04d", i), Type: Resource, TermHours: 3 * HoursPerYear,
					Upfront: d * (1 - disc3) * 3 * HoursPerYear, Increment: s.Increment, Covers: []Cover{{Pool: i, Rate: 1}}})
		}
	}
	if !s.NoSP {
		// A pool's SP discount: a per-pool depth, shallower for Compute.
		depth := make([]float64, len(p.Pools))
		for i := range depth {
			depth[i] = 0.15 + 0.2*r.Float64()
		}
		var all []Cover
		for fi, f := range fams {
			var cs []Cover
			for _, i := range f.pools {
				cs = append(cs, Cover{Pool: i, Rate: p.Pools[i].OnDemandRate * (1 - depth[i] - 0.1)})
				all = append(all, Cover{Pool: i, Rate: p.Pools[i].OnDemandRate * (1 - depth[i])})
			}
			p.Offerings = append(p.Offerings, Offering{ID: fmt.Sprintf("ec2sp-1y/fam%03d", fi), Type: Spend, Tier: 1,
				TermHours: HoursPerYear, Recurring: 1, Increment: 0.001, Covers: cs})
		}
		p.Offerings = append(p.Offerings, Offering{ID: "csp-1y", Type: Spend, Tier: 2, TermHours: HoursPerYear, Recurring: 1, Increment: 0.001, Covers: all})
	}
	n := len(p.Offerings)
	for d := 1; d < s.Dates; d++ {
		start := d * s.Hours / s.Dates
		end := s.Hours
		if d%2 == 1 {
			end = min(s.Hours, start+2*s.Hours/s.Dates)
		}
		for _, o := range p.Offerings[:n] {
			o.ID = fmt.Sprintf("%s@%d", o.ID, start)
			o.Start, o.End = start, end
			p.Offerings = append(p.Offerings, o)
		}
	}
	return p
}
