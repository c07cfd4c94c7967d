package solver

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// withScenarios returns a copy of p whose horizon is the given scenarios'
// usage paths laid end to end: paths[s][i] is pool i's usage in scenario s
// (each path as long as p.Hours), with probabilities probs.
func withScenarios(p *Problem, paths [][][]float64, probs []float64) *Problem {
	q := *p
	q.Pools = slices.Clone(p.Pools)
	q.Hours = 0
	q.Scenarios = nil
	for i := range q.Pools {
		q.Pools[i].Usage = nil
	}
	for s, path := range paths {
		q.Scenarios = append(q.Scenarios, Scenario{Name: fmt.Sprintf("s%d", s), Hours: len(path[0]), Probability: probs[s]})
		q.Hours += len(path[0])
		for i := range q.Pools {
			q.Pools[i].Usage = append(q.Pools[i].Usage, path[i]...)
		}
	}
	return &q
}

// usagePaths returns p's usage, one path per pool.
func usagePaths(p *Problem) [][]float64 {
	out := make([][]float64, len(p.Pools))
	for i := range p.Pools {
		out[i] = p.Pools[i].Usage
	}
	return out
}

// scaledPaths returns p's usage scaled per pool by f(i), rounded to a
// quarter unit.
func scaledPaths(p *Problem, f func(i int) float64) [][]float64 {
	out := make([][]float64, len(p.Pools))
	for i := range p.Pools {
		out[i] = make([]float64, p.Hours)
		for t, u := range p.Pools[i].Usage {
			out[i][t] = math.Round(u*f(i)*4) / 4
		}
	}
	return out
}

// multiFleet is a generated fleet with three scenarios: the history
// repeated, a slump (usage × 0.5, one family gone) and growth (× 1.3),
// with probabilities 0.5, 0.2 and 0.3.
func multiFleet(s fleetSpec) *Problem {
	p := genFleet(s)
	r := rand.New(rand.NewPCG(s.Seed, 99))
	gone := r.IntN(max(1, s.Pools/max(1, s.PoolsPerFamily)))
	return withScenarios(p, [][][]float64{
		usagePaths(p),
		scaledPaths(p, func(i int) float64 {
			if i/max(1, s.PoolsPerFamily) == gone {
				return 0
			}
			return 0.5
		}),
		scaledPaths(p, func(int) float64 { return 1.3 }),
	}, []float64{0.5, 0.2, 0.3})
}

// regrets returns each scenario's simulated regret: its cost with the plan
// minus its cost with the owned commitments only.
func regrets(r *Result) []float64 {
	out := make([]float64, len(r.Bill.Scenarios))
	for s := range out {
		out[s] = r.Bill.Scenarios[s].Total - r.Baseline.Scenarios[s].Total
	}
	return out
}

func probsOf(p *Problem) []float64 {
	out := make([]float64, len(p.Scenarios))
	for s, sc := range p.Scenarios {
		out[s] = sc.Probability
	}
	return out
}

// wasteOf returns, from a bill whose holdings are the nOwned owned ones
// followed by the new purchases, the new purchases' fees and unused fees
// in expectation and per scenario.
func wasteOf(b *Bill, nOwned int) (fees, unused float64, sFees, sUnused []float64) {
	add := func(hs []HoldingBill) (f, u float64) {
		for _, h := range hs[nOwned:] {
			f += h.Fees
			if h.Capacity > 0 {
				u += h.Fees * (1 - h.Used/h.Capacity)
			}
		}
		return f, u
	}
	fees, unused = add(b.Holdings)
	for _, s := range b.Scenarios {
		f, u := add(s.Holdings)
		sFees = append(sFees, f)
		sUnused = append(sUnused, u)
	}
	return
}

// TestScenariosEqualCopies: k copies of one usage path with equal
// probabilities are the deterministic problem: the same purchase, the same
// cost in expectation and in every scenario.
func TestScenariosEqualCopies(t *testing.T) {
	cases := []fleetSpec{
		{Pools: 4, PoolsPerFamily: 2, Hours: 48, Seed: 1},
		{Pools: 6, PoolsPerFamily: 3, Hours: 24 * 7, Seed: 7, Dates: 4, Increment: 1},
		{Pools: 6, PoolsPerFamily: 3, Hours: 24 * 5, Seed: 13, NoSP: true, Increment: 1},
	}
	for _, s := range cases {
		det := genFleet(s)
		det.Owned = []Commitment{{ID: "own", Offering: 0, Quantity: 2, Start: -10, End: s.Hours / 2}}
		ks := []int{2, 3}
		if testing.Short() {
			ks = ks[:1]
		}
		for _, k := range ks {
			paths := make([][][]float64, k)
			probs := make([]float64, k)
			for i := range paths {
				paths[i] = usagePaths(det)
				probs[i] = 1 / float64(k)
			}
			sp := withScenarios(det, paths, probs)
			for _, m := range []Method{Direct, Benders} {
				t.Run(fmt.Sprintf("%d/%d/%v", s.Seed, k, m), func(t *testing.T) {
					a := mustSolve(t, det, Options{Method: m})
					b := mustSolve(t, sp, Options{Method: m})
					if !near(a.Objective, b.Objective, 1e-6) || !near(a.Bill.Total, b.Bill.Total, 1e-6) || !near(a.Baseline.Total, b.Baseline.Total, 1e-9) {
						t.Errorf("objective %v/%v, bill %v/%v, baseline %v/%v", a.Objective, b.Objective, a.Bill.Total, b.Bill.Total, a.Baseline.Total, b.Baseline.Total)
					}
					for i := range a.Quantity {
						if !near(a.Quantity[i], b.Quantity[i], 1e-6) {
							t.Errorf("quantity[%d] %v, with %d copies %v", i, a.Quantity[i], k, b.Quantity[i])
						}
					}
					if len(b.Bill.Scenarios) != k {
						t.Fatalf("%d scenario bills, want %d", len(b.Bill.Scenarios), k)
					}
					for _, sb := range b.Bill.Scenarios {
						if !near(sb.Total, b.Bill.Total, 1e-9) {
							t.Errorf("scenario %s costs %v, the expectation %v", sb.Name, sb.Total, b.Bill.Total)
						}
					}
					if !near(b.RelaxedCost, b.Objective, 1e-6) {
						t.Errorf("simulated %v, objective %v", b.RelaxedCost, b.Objective)
					}
				})
			}
		}
	}
}

// TestScenariosDirectMatchesBenders solves seeded three-scenario fleets
// both ways, with and without the risk limits the decomposition carries:
// the decomposition matches the reference, its bound is below it, and the
// simulator reproduces the LP objective in expectation.
func TestScenariosDirectMatchesBenders(t *testing.T) {
	cases := []fleetSpec{
		{Pools: 4, PoolsPerFamily: 2, Hours: 48, Seed: 1},
		{Pools: 6, PoolsPerFamily: 3, Hours: 24 * 4, Seed: 2},
		{Pools: 6, PoolsPerFamily: 3, Hours: 24 * 4, Seed: 3, Dates: 3},
		{Pools: 6, PoolsPerFamily: 2, Hours: 24 * 3, Seed: 4, NoSP: true},
		{Pools: 8, PoolsPerFamily: 4, Hours: 24 * 5, Seed: 5, Increment: 1},
	}
	if testing.Short() {
		cases = cases[:3]
	}
	for _, s := range cases {
		p := multiFleet(s)
		free := mustSolve(t, p, Options{Method: Direct})
		var worst float64
		for _, r := range regrets(free) {
			worst = max(worst, r)
		}
		policies := map[string]Policy{
			"expected": {},
			"cvar":     {MaxCVaRRegret: Limit(worst / 4)},
			"cvar0":    {MaxCVaRRegret: Limit(0), CVaRLevel: 0.5},
			"pct":      {MinUtilization: 0.8, UtilizationFloorPercentile: 0.1},
		}
		for name, pol := range policies {
			t.Run(fmt.Sprintf("%d/%s", s.Seed, name), func(t *testing.T) {
				q := *p
				q.Policy = pol
				d := mustSolve(t, &q, Options{Method: Direct})
				b := mustSolve(t, &q, Options{Method: Benders})
				if name == "pct" {
					// The decomposition meets utilization floors by capping
					// purchases on the fill (a restriction of the direct LP,
					// which allocates usage freely): it may cost more.
					if b.Objective < d.Objective*(1-1e-7)-1e-7 {
						t.Errorf("direct %v, benders %v below it", d.Objective, b.Objective)
					}
					for _, r := range []*Result{d, b} {
						checkPercentileFloor(t, &q, r)
					}
					return
				}
				if !near(d.Objective, b.Objective, 1e-5) {
					t.Errorf("direct %v, benders %v", d.Objective, b.Objective)
				}
				if b.Bound > d.Objective*(1+1e-7)+1e-7 {
					t.Errorf("benders bound %v above the optimum %v", b.Bound, d.Objective)
				}
				for _, r := range []*Result{d, b} {
					if name != "pct" && !near(r.RelaxedCost, r.Objective, 1e-6) {
						t.Errorf("%v: simulated %v, LP %v (gap %v)", r.Method, r.RelaxedCost, r.Objective, r.ModelGap)
					}
					if r.Savings < -1e-7 {
						t.Errorf("%v: negative savings %v", r.Method, r.Savings)
					}
					if lim := pol.MaxCVaRRegret; lim != nil {
						if got := CVaR(regrets(r), probsOf(&q), q.Policy.cvarLevel()); got > *lim+1e-6*math.Abs(r.Baseline.Total) {
							t.Errorf("%v: simulated CVaR of regret %v above the limit %v", r.Method, got, *lim)
						}
					}
				}
			})
		}
	}
}

// TestScenariosBruteForce compares the LP with an exhaustive search over
// purchase levels on tiny two- and three-scenario problems, as
// TestBruteForce does for one: the expected cost, and with a CVaR limit on
// regret, where the grid's best feasible point bounds the optimum from
// above and the LP's purchase must be feasible on the bill.
func TestScenariosBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for trial := 0; trial < 12; trial++ {
		ns := 2 + trial%2
		hours := 4 + r.IntN(6)
		p := &Problem{Hours: hours, Pools: []Pool{{OnDemandRate: 1}, {OnDemandRate: 1}}}
		p.Offerings = []Offering{
			{ID: "ri0", TermHours: hours, Recurring: 0.3 + 0.4*r.Float64(), Covers: []Cover{{Pool: 0, Rate: 1}}},
			{ID: "ri1", TermHours: hours, Recurring: 0.3 + 0.4*r.Float64(), Covers: []Cover{{Pool: 1, Rate: 1}}},
			{ID: "sp", Type: Spend, Tier: 1, TermHours: hours, Recurring: 1, Covers: []Cover{{Pool: 0, Rate: 0.5}, {Pool: 1, Rate: 0.5}}},
		}
		var paths [][][]float64
		probs := make([]float64, ns)
		var sum float64
		for s := 0; s < ns; s++ {
			path := make([][]float64, 2)
			for i := range path {
				path[i] = make([]float64, hours)
				for t := range path[i] {
					path[i][t] = float64(r.IntN(5))
				}
			}
			paths = append(paths, path)
			probs[s] = float64(1 + r.IntN(4))
			sum += probs[s]
		}
		for s := range probs {
			probs[s] /= sum
		}
		sp := withScenarios(p, paths, probs)
		type point struct {
			cost, cvar float64
		}
		var grid []point
		base, err := Simulate(sp, nil, SimOptions{})
		if err != nil {
			t.Fatal(err)
		}
		beta := 0.5
		for a := 0.0; a <= 4; a++ {
			for b := 0.0; b <= 4; b++ {
				for s := 0.0; s <= 4; s += 0.5 {
					bill, err := Simulate(sp, []Holding{
						{Offering: 0, Quantity: a, End: hours}, {Offering: 1, Quantity: b, End: hours}, {Offering: 2, Quantity: s, End: hours},
					}, SimOptions{})
					if err != nil {
						t.Fatal(err)
					}
					reg := make([]float64, ns)
					for i := range reg {
						reg[i] = bill.Scenarios[i].Total - base.Scenarios[i].Total
					}
					grid = append(grid, point{bill.Total, CVaR(reg, probs, beta)})
				}
			}
		}
		best := func(limit float64) float64 {
			b := math.Inf(1)
			for _, g := range grid {
				if g.cvar <= limit+1e-9 {
					b = math.Min(b, g.cost)
				}
			}
			return b
		}
		for _, m := range []Method{Direct, Benders} {
			res := mustSolve(t, sp, Options{Method: m})
			if want := best(math.Inf(1)); !near(res.Objective, want, 1e-7) || !near(res.RelaxedCost, want, 1e-7) {
				t.Errorf("trial %d %v: LP %v, simulated %v, brute force %v", trial, m, res.Objective, res.RelaxedCost, want)
			}
			// With a CVaR limit halfway between 0 and the free plan's.
			free := CVaR(regrets(res), probs, beta)
			lim := max(0, free/2)
			q := *sp
			q.Policy = Policy{MaxCVaRRegret: Limit(lim), CVaRLevel: beta}
			rc := mustSolve(t, &q, Options{Method: m})
			if want := best(lim); rc.Objective > want+1e-7*math.Max(1, want) {
				t.Errorf("trial %d %v: LP with the CVaR limit %v costs %v, above the grid's best feasible %v", trial, m, lim, rc.Objective, want)
			}
			relBill, err := Simulate(&q, purchaseHoldings(&q, rc.Relaxed), SimOptions{})
			if err != nil {
				t.Fatal(err)
			}
			reg := make([]float64, ns)
			for i := range reg {
				reg[i] = relBill.Scenarios[i].Total - base.Scenarios[i].Total
			}
			if got := CVaR(reg, probs, beta); got > lim+1e-7*math.Max(1, base.Total) {
				t.Errorf("trial %d %v: the LP's purchase has CVaR %v on the bill, above the limit %v", trial, m, got, lim)
			}
			if !near(relBill.Total, rc.Objective, 1e-7) {
				t.Errorf("trial %d %v: simulated %v, LP %v", trial, m, relBill.Total, rc.Objective)
			}
		}
	}
}

// checkPercentileFloor checks on the bill that every purchase meets the
// utilization floor in expectation and in the percentile scenario.
func checkPercentileFloor(t *testing.T, p *Problem, r *Result) {
	t.Helper()
	phi := p.Policy.MinUtilization
	pb := percentileBlock(p, p.blocks(), p.Policy.UtilizationFloorPercentile)
	n := len(p.Owned)
	for i, l := range r.Purchases {
		if l.Utilization < phi-1e-7 {
			t.Errorf("%v: %s utilization %v under the floor %v", r.Method, l.OfferingID, l.Utilization, phi)
		}
		if u := r.Bill.Scenarios[pb].Holdings[n+i].Utilization(); r.Bill.Scenarios[pb].Holdings[n+i].Capacity > 0 && u < phi-1e-7 {
			t.Errorf("%v: %s utilization %v in %s (the percentile scenario), under the floor %v", r.Method, l.OfferingID, u, p.Scenarios[pb].Name, phi)
		}
	}
}

// TestRegretLimit: usage of 10 units every hour in the likely scenario
// (0.8), none in the other (0.2, the workload is gone). An RI at 60% of
// the on-demand rate saves 0.4 an hour per unit in the first and loses 0.6
// in the second: 0.8 × 0.4 − 0.2 × 0.6 = 0.2 expected, so without a limit
// all 10 are bought. The CVaR at 0.9 of regret is the worst 10% of
// outcomes, all in the second scenario: 0.6 × hours × x. A limit ρ allows
// x = ρ / (0.6 × hours).
func TestRegretLimit(t *testing.T) {
	const hours = 24
	ten := make([]float64, hours)
	for i := range ten {
		ten[i] = 10
	}
	p := withScenarios(&Problem{Hours: hours, Pools: []Pool{{ID: "db", OnDemandRate: 1}},
		Offerings: []Offering{{ID: "ri", TermHours: hours, Recurring: 0.6, Covers: []Cover{{Pool: 0, Rate: 1}}}}},
		[][][]float64{{ten}, {make([]float64, hours)}}, []float64{0.8, 0.2})
	p.Scenarios[1].Name = "gone"
	for _, m := range []Method{Direct, Benders} {
		free := mustSolve(t, p, Options{Method: m})
		if !near(free.Quantity[0], 10, 1e-9) || !near(free.Savings, 0.2*10*hours, 1e-9) {
			t.Fatalf("%v: without a limit bought %v saving %v, want 10 saving %v", m, free.Quantity, free.Savings, 0.2*10*hours)
		}
		for _, rho := range []float64{0, 36, 72} {
			q := *p
			q.Policy = Policy{MaxCVaRRegret: Limit(rho)}
			r := mustSolve(t, &q, Options{Method: m})
			want := rho / (0.6 * hours)
			if !near(r.Quantity[0], want, 1e-7) {
				t.Errorf("%v ρ=%v: bought %v, want %v", m, rho, r.Quantity[0], want)
			}
			reg := regrets(r)
			if got := CVaR(reg, probsOf(&q), 0.9); got > rho+1e-7 {
				t.Errorf("%v ρ=%v: simulated CVaR of regret %v", m, rho, got)
			}
			if !near(reg[1], rho, 1e-7) {
				t.Errorf("%v ρ=%v: the regret where usage is gone is %v", m, rho, reg[1])
			}
			if r.Quantity[0] >= free.Quantity[0] {
				t.Errorf("%v ρ=%v: the limit does not make the plan buy less", m, rho)
			}
			if rho > 0 && !slices.ContainsFunc(r.Binding, func(b Binding) bool { return b.Constraint == "max_cvar_regret" && b.Value > 0 }) {
				t.Errorf("%v ρ=%v: max_cvar_regret not reported binding: %+v", m, rho, r.Binding)
			}
		}
	}
}

// TestEfficientFrontier sweeps the CVaR limit on regret from 0 upward on a
// three-scenario fleet bought in any amount: the expected cost never rises
// and the billed savings never fall as the limit loosens, and every plan
// keeps its limit on the bill.
func TestEfficientFrontier(t *testing.T) {
	p := multiFleet(fleetSpec{Pools: 6, PoolsPerFamily: 3, Hours: 24 * 3, Seed: 17})
	free := mustSolve(t, p, Options{Method: Direct})
	top := CVaR(regrets(free), probsOf(p), 0.9)
	if top <= 0 {
		t.Fatalf("the free plan has no regret in the tail (%v): nothing to sweep", top)
	}
	for _, m := range []Method{Direct, Benders} {
		prevObj, prevSave := math.Inf(1), math.Inf(-1)
		for i := 0; i <= 6; i++ {
			lim := top * float64(i) / 5 // the last one does not bind
			q := *p
			q.Policy = Policy{MaxCVaRRegret: Limit(lim)}
			r := mustSolve(t, &q, Options{Method: m})
			if r.Objective > prevObj*(1+1e-7)+1e-7 {
				t.Errorf("%v limit %v: expected cost %v above the tighter limit's %v", m, lim, r.Objective, prevObj)
			}
			if r.Savings < prevSave*(1-1e-5)-1e-6 { // Benders stops within 1e-6 of the optimum
				t.Errorf("%v limit %v: savings %v below the tighter limit's %v", m, lim, r.Savings, prevSave)
			}
			if got := CVaR(regrets(r), probsOf(&q), 0.9); got > lim+1e-6*math.Abs(r.Baseline.Total) {
				t.Errorf("%v limit %v: simulated CVaR %v", m, lim, got)
			}
			prevObj, prevSave = r.Objective, r.Savings
		}
		if !near(prevSave, free.Savings, 1e-5) {
			t.Errorf("%v: the loosest limit saves %v, the free plan %v", m, prevSave, free.Savings)
		}
	}
}

// TestRiskPolicy checks that each new limit holds on the simulated bill of
// a three-scenario fleet with whole instances and is reported binding; the
// waste limits are the direct LP's only, and asking the decomposition for
// them fails with ErrUnsupported.
func TestRiskPolicy(t *testing.T) {
	base := multiFleet(fleetSpec{Pools: 6, PoolsPerFamily: 3, Hours: 24 * 2, Seed: 23, Increment: 1, Dates: 4})
	base.Owned = []Commitment{{ID: "old", Offering: 0, Quantity: 1, Start: -100, End: 30}}
	free := mustSolve(t, base, Options{Method: Direct})
	n := len(base.Owned)
	_, _, sFees, sUnused := wasteOf(free.Bill, n)
	fees, unused, _, _ := wasteOf(free.Bill, n)
	if unused <= 0 {
		t.Fatalf("the free plan wastes nothing")
	}
	freeShare := unused / fees
	var worstShare float64
	for s := range sFees {
		worstShare = max(worstShare, sUnused[s]/sFees[s])
	}
	// Owned commitments expiring per month, and the most the new purchases
	// may add in each month under a cap.
	owned := map[int]float64{}
	var ownedPeak float64
	for _, c := range base.Owned {
		if c.End > 0 && c.End <= base.span() {
			owned[expiryMonth(c.End)] += c.Quantity * base.Offerings[c.Offering].HourlyCost()
			ownedPeak = max(ownedPeak, owned[expiryMonth(c.End)])
		}
	}
	// expiring returns the worst excess over the cap of the new purchases
	// expiring in a month, and (without a cap) their peak.
	expiring := func(r *Result, limit float64) float64 {
		month := map[int]float64{}
		for _, l := range r.Purchases {
			if e := base.Offerings[l.Offering].expiry(base.span()); e >= 0 {
				month[expiryMonth(e)] += l.HourlyCost
			}
		}
		worst := math.Inf(-1)
		for m, v := range month {
			worst = max(worst, v-max(0, limit-owned[m]))
		}
		return worst
	}
	peak := expiring(free, 0)
	if peak <= 0 {
		t.Fatalf("nothing new expires in the free plan")
	}
	capExp := ownedPeak + peak/2
	cases := []struct {
		name    string
		policy  Policy
		benders bool
		check   func(r *Result) (got, limit float64)
	}{
		{"max_expected_waste_share", Policy{MaxExpectedWasteShare: Limit(freeShare / 2)}, false, func(r *Result) (float64, float64) {
			f, u, _, _ := wasteOf(r.Bill, n)
			return u, f * freeShare / 2
		}},
		{"max_tail_waste_share", Policy{MaxTailWasteShare: Limit(worstShare / 2), CVaRLevel: 0.6}, false, func(r *Result) (float64, float64) {
			_, _, f, u := wasteOf(r.Bill, n)
			ex := make([]float64, len(f))
			for s := range ex {
				ex[s] = u[s] - worstShare/2*f[s]
			}
			return CVaR(ex, probsOf(base), 0.6), 0
		}},
		{"max_expiring_per_month", Policy{MaxExpiringPerMonth: Limit(capExp)}, true, func(r *Result) (float64, float64) {
			return expiring(r, capExp), 0
		}},
		{"min_utilization", Policy{MinUtilization: 0.9, UtilizationFloorPercentile: 0.2}, true, func(r *Result) (float64, float64) {
			t.Run("floor", func(t *testing.T) {
				checkPercentileFloor(t, &Problem{Hours: base.Hours, Pools: base.Pools, Scenarios: base.Scenarios, Owned: base.Owned, Policy: Policy{MinUtilization: 0.9, UtilizationFloorPercentile: 0.2}}, r)
			})
			return 0, 0
		}},
	}
	for _, tc := range cases {
		for _, m := range []Method{Direct, Benders, Auto} {
			t.Run(tc.name+"/"+m.String(), func(t *testing.T) {
				p := *base
				p.Policy = tc.policy
				r, err := Solve(context.Background(), &p, Options{Method: m})
				if m == Benders && !tc.benders {
					if !errors.Is(err, ErrUnsupported) {
						t.Fatalf("got %v, want ErrUnsupported", err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got, limit := tc.check(r); got > limit+1e-7*math.Max(1, math.Abs(r.Baseline.Total)) {
					t.Errorf("%v above the limit %v", got, limit)
				}
				if r.Savings > free.Savings+1e-6 {
					t.Errorf("constrained plan saves %v, more than the free one %v", r.Savings, free.Savings)
				}
				if !slices.ContainsFunc(r.Binding, func(b Binding) bool { return b.Constraint == tc.name && b.Text != "" }) {
					t.Errorf("%s not reported binding: %+v", tc.name, r.Binding)
				}
			})
		}
	}
}

// TestScenarioBendersLimits: a decomposition with a CVaR limit stopped by
// its iteration or time limit returns a plan within the limit on the bill,
// with an honest bound, not an error.
func TestScenarioBendersLimits(t *testing.T) {
	p := multiFleet(fleetSpec{Pools: 8, PoolsPerFamily: 4, Hours: 24 * 3, Seed: 31, Increment: 1})
	free := mustSolve(t, p, Options{Method: Direct})
	p.Policy.MaxCVaRRegret = Limit(CVaR(regrets(free), probsOf(p), 0.9) / 3)
	exact := mustSolve(t, p, Options{Method: Direct})
	for name, opts := range map[string]Options{
		"iterations": {Method: Benders, MaxIterations: 2},
		"time":       {Method: Benders, TimeLimit: 1},
	} {
		t.Run(name, func(t *testing.T) {
			r := mustSolve(t, p, opts)
			if r.Converged {
				t.Fatalf("converged after the limit: objective %v bound %v", r.Objective, r.Bound)
			}
			if r.Bound > exact.Objective*(1+1e-9)+1e-9 {
				t.Errorf("bound %v above the optimum %v", r.Bound, exact.Objective)
			}
			if r.Objective < exact.Objective*(1-1e-9)-1e-9 {
				t.Errorf("objective %v below the optimum %v", r.Objective, exact.Objective)
			}
			if got := CVaR(regrets(r), probsOf(p), 0.9); got > *p.Policy.MaxCVaRRegret+1e-7*r.Baseline.Total {
				t.Errorf("simulated CVaR %v above the limit %v", got, *p.Policy.MaxCVaRRegret)
			}
		})
	}
}
