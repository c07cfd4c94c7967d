package solver

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"
)

func mustSolve(t *testing.T, p *Problem, opts Options) *Result {
	t.Helper()
	r, err := Solve(context.Background(), p, opts)
	if err != nil {
		t.Fatalf("Solve: %v", err)
	}
	return r
}

func near(a, b, rel float64) bool {
	return math.Abs(a-b) <= rel*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// TestQuantileRule checks the single-pool answer against the known rule:
// with one RI of hourly cost c against an on-demand rate d, an extra RI
// pays when the usage exceeds its level in more than a share c/d of the
// hours, so the optimum is the level exceeded in exactly that share: the
// (1 − c/d) quantile of the hourly usage.
func TestQuantileRule(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 20; trial++ {
		hours := 50 + r.IntN(300)
		u := make([]float64, hours)
		for i := range u {
			u[i] = float64(r.IntN(40))
		}
		d := 0.1 + r.Float64()
		ratio := 0.2 + 0.6*r.Float64()
		p := &Problem{Hours: hours, Pools: []Pool{{ID: "p", OnDemandRate: d, Usage: u}},
			Offerings: []Offering{{ID: "ri", TermHours: hours, Recurring: ratio * d, Increment: 1, Covers: []Cover{{Pool: 0, Rate: 1}}}}}
		// Independent answer: the smallest level exceeded in at most a share
		// `ratio` of the hours.
		sorted := slices.Clone(u)
		sort.Float64s(sorted)
		want := 0.0
		for _, lvl := range sorted {
			exceed := 0
			for _, v := range u {
				if v > lvl {
					exceed++
				}
			}
			if float64(exceed) <= ratio*float64(hours) {
				want = lvl
				break
			}
		}
		cost := func(x float64) float64 {
			c := x * ratio * d * float64(hours)
			for _, v := range u {
				c += math.Max(0, v-x) * d
			}
			return c
		}
		for _, m := range []Method{Direct, Benders} {
			res := mustSolve(t, p, Options{Method: m})
			// Any level with the optimal cost is right (ties happen on flat
			// stretches); the quantile is one of them.
			if !near(cost(res.Relaxed[0]), cost(want), 1e-9) {
				t.Errorf("trial %d %v: relaxed x=%v cost %v, quantile %v cost %v", trial, m, res.Relaxed[0], cost(res.Relaxed[0]), want, cost(want))
			}
			if !near(res.Bill.Total, cost(res.Quantity[0]), 1e-9) {
				t.Errorf("trial %d %v: simulated %v, hand %v", trial, m, res.Bill.Total, cost(res.Quantity[0]))
			}
			if res.Quantity[0] != math.Floor(res.Quantity[0]) {
				t.Errorf("trial %d %v: not a whole instance: %v", trial, m, res.Quantity[0])
			}
			if !near(res.Bill.Total, cost(want), 1e-9) {
				t.Errorf("trial %d %v: rounded cost %v, optimum %v", trial, m, res.Bill.Total, cost(want))
			}
		}
	}
}

// TestSimulateHandComputed checks the billing rule against bills worked by
// hand.
func TestSimulateHandComputed(t *testing.T) {
	// Two pools: A (on-demand $1/unit-h), B ($2/unit-h). An RI covering A
	// (tier 0, $0.5/h), a savings plan covering A at $0.8 and B at $1.2
	// (discounts 20% and 40%: B first), tier 1, $1/h per unit.
	p := &Problem{
		Hours: 2,
		Pools: []Pool{
			{ID: "A", OnDemandRate: 1, Usage: []float64{3, 1}},
			{ID: "B", OnDemandRate: 2, Usage: []float64{1, 0}},
		},
		Offerings: []Offering{
			{ID: "ri", Type: Resource, TermHours: 100, Recurring: 0.5, Covers: []Cover{{Pool: 0, Rate: 1}}},
			{ID: "sp", Type: Spend, Tier: 1, TermHours: 100, Recurring: 1, Covers: []Cover{{Pool: 0, Rate: 0.8}, {Pool: 1, Rate: 1.2}}},
		},
	}
	hs := []Holding{
		{ID: "sp", Offering: 1, Quantity: 2, Start: 0, End: 100}, // listed first, applied second (tier 1)
		{ID: "ri", Offering: 0, Quantity: 1, Start: 0, End: 100},
	}
	b, err := Simulate(p, hs, SimOptions{Hourly: true})
	if err != nil {
		t.Fatal(err)
	}
	// Hour 0: RI covers 1 of A (A left 2). SP ($2): B first, 1 unit × 1.2 =
	// 1.2; 0.8 left covers 1 unit of A. A left 1 → on demand $1.
	// Fees: RI 0.5 + SP 2 = 2.5. Hour cost 3.5. Covered value 1 + 2 + 1 = 4.
	// Hour 1: RI covers A's 1. SP unused. Fees 2.5, on demand 0.
	// Total: 3.5 + 2.5 = 6.
	want := []HourBill{{Fees: 2.5, OnDemand: 1, CoveredValue: 4}, {Fees: 2.5, OnDemand: 0, CoveredValue: 1}}
	for i, h := range want {
		if !near(b.Hourly[i].Fees, h.Fees, 1e-12) || !near(b.Hourly[i].OnDemand, h.OnDemand, 1e-12) || !near(b.Hourly[i].CoveredValue, h.CoveredValue, 1e-12) {
			t.Errorf("hour %d: got %+v, want %+v", i, b.Hourly[i], h)
		}
	}
	if !near(b.Total, 6, 1e-12) {
		t.Errorf("total %v, want 6", b.Total)
	}
	// SP: capacity 4 ($2 × 2 h), used 2 in hour 0 → 50%. RI: 2 of 2 → 100%.
	if u := b.Holdings[0].Utilization(); !near(u, 0.5, 1e-12) {
		t.Errorf("sp utilization %v, want 0.5", u)
	}
	if u := b.Holdings[1].Utilization(); !near(u, 1, 1e-12) {
		t.Errorf("ri utilization %v, want 1", u)
	}
	// Eligible value: A 4 units × $1 + B 1 × $2 = 6; covered 5 → 83.3%.
	if !near(b.Coverage(), 5.0/6, 1e-12) {
		t.Errorf("coverage %v, want %v", b.Coverage(), 5.0/6)
	}
	// A holding outside its window neither pays nor covers.
	b2, err := Simulate(p, []Holding{{ID: "ri", Offering: 0, Quantity: 1, Start: 1, End: 2}}, SimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Hour 0: all on demand 3 + 2 = 5. Hour 1: RI covers A: fee 0.5. Total 5.5.
	if !near(b2.Total, 5.5, 1e-12) {
		t.Errorf("windowed total %v, want 5.5", b2.Total)
	}
}

// TestBruteForce compares the LP optimum with an exhaustive search over
// purchase levels on tiny multi-pool problems. Usage is integer and the
// rates are chosen so that every breakpoint of the cost lies on the grid,
// so the grid's minimum is the exact optimum.
func TestBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 15; trial++ {
		hours := 6 + r.IntN(10)
		p := &Problem{Hours: hours}
		for i := 0; i < 2; i++ {
			u := make([]float64, hours)
			for t := range u {
				u[t] = float64(r.IntN(5))
			}
			p.Pools = append(p.Pools, Pool{OnDemandRate: 1, Usage: u})
		}
		// RI on each pool and a savings plan over both at rate 0.5 (so one
		// $ of commitment covers 2 units: breakpoints at halves).
		p.Offerings = []Offering{
			{ID: "ri0", TermHours: hours, Recurring: 0.3 + 0.4*r.Float64(), Covers: []Cover{{Pool: 0, Rate: 1}}},
			{ID: "ri1", TermHours: hours, Recurring: 0.3 + 0.4*r.Float64(), Covers: []Cover{{Pool: 1, Rate: 1}}},
			{ID: "sp", Type: Spend, Tier: 1, TermHours: hours, Recurring: 1, Covers: []Cover{{Pool: 0, Rate: 0.5}, {Pool: 1, Rate: 0.5}}},
		}
		best := math.Inf(1)
		for a := 0.0; a <= 4; a++ {
			for b := 0.0; b <= 4; b++ {
				for s := 0.0; s <= 4; s += 0.5 {
					bill, err := Simulate(p, []Holding{
						{Offering: 0, Quantity: a, End: hours}, {Offering: 1, Quantity: b, End: hours}, {Offering: 2, Quantity: s, End: hours},
					}, SimOptions{})
					if err != nil {
						t.Fatal(err)
					}
					best = math.Min(best, bill.Total)
				}
			}
		}
		for _, m := range []Method{Direct, Benders} {
			res := mustSolve(t, p, Options{Method: m})
			if !near(res.Objective, best, 1e-7) {
				t.Errorf("trial %d %v: LP %v, brute force %v", trial, m, res.Objective, best)
			}
			if !near(res.RelaxedCost, best, 1e-7) {
				t.Errorf("trial %d %v: simulated LP purchase %v, brute force %v", trial, m, res.RelaxedCost, best)
			}
		}
	}
}

// TestDirectMatchesBenders solves seeded fleets both ways: the
// decomposition must match the reference, and the simulator must
// reproduce the LP objective (the generated discounts are consistent).
func TestDirectMatchesBenders(t *testing.T) {
	cases := []fleetSpec{
		{Pools: 4, PoolsPerFamily: 2, Hours: 48, Seed: 1},
		{Pools: 9, PoolsPerFamily: 3, Hours: 24 * 7, Seed: 2},
		{Pools: 12, PoolsPerFamily: 4, Hours: 24 * 14, Seed: 3},
		{Pools: 6, PoolsPerFamily: 3, Hours: 24 * 7, Seed: 4, NoRI: true},
		{Pools: 6, PoolsPerFamily: 2, Hours: 24 * 7, Seed: 5, NoSP: true},
		{Pools: 30, PoolsPerFamily: 6, Hours: 24 * 10, Seed: 6},
		// Purchase windows: every offering again at later decision dates.
		{Pools: 6, PoolsPerFamily: 3, Hours: 24 * 7, Seed: 7, Dates: 4},
		{Pools: 9, PoolsPerFamily: 3, Hours: 24 * 14, Seed: 8, Dates: 3},
		{Pools: 8, PoolsPerFamily: 4, Hours: 24 * 12, Seed: 9, Dates: 6, NoSP: true},
		{Pools: 12, PoolsPerFamily: 4, Hours: 24 * 10, Seed: 10, Dates: 5, NoRI: true},
		{Pools: 15, PoolsPerFamily: 5, Hours: 24 * 10, Seed: 12, Dates: 4, Increment: 1},
	}
	if testing.Short() {
		cases = append(cases[:3:3], cases[6])
	}
	for _, s := range cases {
		p := genFleet(s)
		d := mustSolve(t, p, Options{Method: Direct})
		b := mustSolve(t, p, Options{Method: Benders})
		if !near(d.Objective, b.Objective, 1e-5) {
			t.Errorf("%+v: direct %v, benders %v", s, d.Objective, b.Objective)
		}
		if b.Bound > d.Objective*(1+1e-7)+1e-7 {
			t.Errorf("%+v: benders bound %v above the optimum %v", s, b.Bound, d.Objective)
		}
		for _, r := range []*Result{d, b} {
			if !near(r.RelaxedCost, r.Objective, 1e-6) {
				t.Errorf("%+v %v: simulated %v, LP %v (gap %v)", s, r.Method, r.RelaxedCost, r.Objective, r.ModelGap)
			}
			// The continuous problem's proven bound is below any purchase,
			// rounded or not.
			if r.Bill.Total < r.Bound*(1-1e-9)-1e-7 {
				t.Errorf("%+v %v: rounded plan %v beats the proven bound %v", s, r.Method, r.Bill.Total, r.Bound)
			}
			if r.Savings < -1e-7 {
				t.Errorf("%+v %v: negative savings %v", s, r.Method, r.Savings)
			}
		}
	}
}

// TestPolicy checks that every policy limit holds on the simulated bill,
// and that a binding limit is reported.
func TestPolicy(t *testing.T) {
	base := genFleet(fleetSpec{Pools: 6, PoolsPerFamily: 3, Hours: 24 * 7, Seed: 11, Increment: 1})
	free := mustSolve(t, base, Options{Method: Direct})
	var upfront, hourly float64
	for _, l := range free.Purchases {
		upfront += l.Upfront
		hourly += l.HourlyCost
	}
	if upfront == 0 || hourly == 0 {
		t.Fatalf("unconstrained plan buys no upfront (%v) or nothing (%v)", upfront, hourly)
	}
	type check func(t *testing.T, r *Result)
	sum := func(r *Result, f func(l Purchase) float64) float64 {
		var s float64
		for _, l := range r.Purchases {
			s += f(l)
		}
		return s
	}
	cases := []struct {
		name   string
		policy Policy
		bind   string
		check  check
	}{
		{"max_upfront", Policy{MaxUpfront: Limit(upfront / 3)}, "max_upfront", func(t *testing.T, r *Result) {
			if got := sum(r, func(l Purchase) float64 { return l.Upfront }); got > upfront/3+1e-6 {
				t.Errorf("upfront %v above cap %v", got, upfront/3)
			}
		}},
		{"max_hourly_commitment", Policy{MaxHourlyCommitment: Limit(hourly / 2)}, "max_hourly_commitment", func(t *testing.T, r *Result) {
			if got := sum(r, func(l Purchase) float64 { return l.HourlyCost }); got > hourly/2+1e-6 {
				t.Errorf("hourly %v above cap %v", got, hourly/2)
			}
		}},
		{"max_coverage", Policy{MaxCoverage: Limit(free.Bill.Coverage() * 0.7)}, "max_coverage", func(t *testing.T, r *Result) {
			if got := r.Bill.Coverage(); got > free.Bill.Coverage()*0.7+1e-6 {
				t.Errorf("coverage %v above ceiling %v", got, free.Bill.Coverage()*0.7)
			}
		}},
		{"min_utilization", Policy{MinUtilization: 0.95}, "min_utilization", func(t *testing.T, r *Result) {
			for _, l := range r.Purchases {
				if l.Utilization < 0.95-1e-6 {
					t.Errorf("%s utilization %v under the floor", l.OfferingID, l.Utilization)
				}
			}
		}},
		{"max_three_year_share", Policy{MaxThreeYearShare: Limit(0.2)}, "max_three_year_share", func(t *testing.T, r *Result) {
			var three, all float64
			for _, l := range r.Purchases {
				all += l.HourlyCost
				if base.Offerings[l.Offering].ThreeYear() {
					three += l.HourlyCost
				}
			}
			if three > 0.2*all+1e-6 {
				t.Errorf("three-year share %v above 0.2", three/all)
			}
		}},
	}
	for _, tc := range cases {
		for _, m := range []Method{Direct, Benders} {
			t.Run(tc.name+"/"+m.String(), func(t *testing.T) {
				p := *base
				p.Policy = tc.policy
				r := mustSolve(t, &p, Options{Method: m})
				tc.check(t, r)
				if r.Savings > free.Savings+1e-6 {
					t.Errorf("constrained plan saves %v, more than the free one %v", r.Savings, free.Savings)
				}
				found := false
				for _, b := range r.Binding {
					if b.Constraint == tc.bind && b.Text != "" {
						found = true
					}
				}
				if !found {
					t.Errorf("binding %s not reported: %+v", tc.bind, r.Binding)
				}
			})
		}
	}
}

// TestModelGap shows a case where the billing rule is not cost-optimal:
// the EC2 Instance Savings Plan's deepest discount is on A1, but A1 is also
// where the Compute Savings Plan is deep, while A2 is cheap only under the
// EC2 plan. The bill gives A1 to the EC2 plan; the LP gives it A2. The
// simulated cost of the same purchase is then above the LP's objective, and
// Result.ModelGap says by how much.
func TestModelGap(t *testing.T) {
	p := &Problem{
		Hours: 1,
		Pools: []Pool{{ID: "A1", OnDemandRate: 1, Usage: []float64{1}}, {ID: "A2", OnDemandRate: 1, Usage: []float64{1}}},
		Offerings: []Offering{
			{ID: "ec2sp", Type: Spend, Tier: 1, TermHours: 1, Recurring: 1, Covers: []Cover{{Pool: 0, Rate: 0.60}, {Pool: 1, Rate: 0.61}}},
			{ID: "csp", Type: Spend, Tier: 2, TermHours: 1, Recurring: 1, Covers: []Cover{{Pool: 0, Rate: 0.65}, {Pool: 1, Rate: 0.90}}},
		},
		Owned: []Commitment{{ID: "own-ec2", Offering: 0, Quantity: 0.6, Start: 0, End: 1}, {ID: "own-csp", Offering: 1, Quantity: 0.65, Start: 0, End: 1}},
		// Nothing new may be bought: the case is about the allocation.
		Policy: Policy{Exclude: []int{0, 1}},
	}
	r := mustSolve(t, p, Options{Method: Direct})
	// Bill: EC2 plan covers A1 (0.6), Compute covers 0.65/0.9 of A2;
	// on demand 1 − 0.7222 = 0.2778. LP: EC2 plan covers 0.6/0.61 of A2,
	// Compute covers A1 fully: on demand 1 − 0.9836 = 0.0164.
	wantBill := 1.25 + (1 - 0.65/0.90)
	wantLP := 1.25 + (1 - 0.6/0.61)
	if !near(r.Bill.Total, wantBill, 1e-9) || !near(r.Objective, wantLP, 1e-7) {
		t.Fatalf("bill %v (want %v), LP %v (want %v)", r.Bill.Total, wantBill, r.Objective, wantLP)
	}
	if !near(r.ModelGap, wantBill-wantLP, 1e-7) {
		t.Errorf("model gap %v, want %v", r.ModelGap, wantBill-wantLP)
	}
}

// TestComponents checks that pools no offering links are solved apart with
// the same answer as together.
func TestComponents(t *testing.T) {
	a := genFleet(fleetSpec{Pools: 4, PoolsPerFamily: 2, Hours: 72, Seed: 21, NoSP: true})
	r1 := mustSolve(t, a, Options{Method: Direct})
	r2 := mustSolve(t, a, Options{Method: Direct, NoComponents: true})
	if r1.Compression.Components != 4 {
		t.Errorf("components %d, want 4 (one per pool: RIs only)", r1.Compression.Components)
	}
	if !near(r1.Objective, r2.Objective, 1e-9) || !near(r1.Bill.Total, r2.Bill.Total, 1e-9) {
		t.Errorf("apart %v/%v, together %v/%v", r1.Objective, r1.Bill.Total, r2.Objective, r2.Bill.Total)
	}
}

// TestCompression checks exact compression: a week that repeats the same
// day merges into 24 classes, split where an owned commitment ends, and
// the answer is the same as without merging.
func TestCompression(t *testing.T) {
	day := []float64{1, 1, 1, 1, 1, 2, 4, 6, 8, 8, 8, 8, 8, 8, 8, 8, 8, 6, 4, 2, 1, 1, 1, 1}
	var u []float64
	for range 7 {
		u = append(u, day...)
	}
	p := &Problem{Hours: len(u), Pools: []Pool{{ID: "p", OnDemandRate: 1, Usage: u}},
		Offerings: []Offering{{ID: "ri", TermHours: 1000, Recurring: 0.6, Increment: 1, Covers: []Cover{{Pool: 0, Rate: 1}}}},
		Owned:     []Commitment{{ID: "old", Offering: 0, Quantity: 2, Start: -100, End: 60}},
	}
	c := compile(context.Background(), p, true, 1)
	// Segments [0,60) and [60,168); the day has 5 distinct values (1, 2, 4,
	// 6, 8), each a class in each segment.
	if c.stats.Segments != 2 || c.stats.Classes != 10 {
		t.Errorf("segments %d classes %d, want 2 and 10", c.stats.Segments, c.stats.Classes)
	}
	var w float64
	for _, x := range c.weight {
		w += x
	}
	if w != float64(len(u)) {
		t.Errorf("weights sum to %v, want %d", w, len(u))
	}
	r := mustSolve(t, p, Options{Method: Direct})
	// Hand: with 2 owned RIs until hour 60 and a new RI costing 0.6 of
	// on demand, the new level k pays while usage exceeds it in more than
	// 60% of the hours. Simulate a few levels and compare.
	best := math.Inf(1)
	for k := 0.0; k <= 8; k++ {
		b, _ := Simulate(p, append(ownedHoldings(p), Holding{Offering: 0, Quantity: k, End: 1000}), SimOptions{})
		best = math.Min(best, b.Total)
	}
	if !near(r.Bill.Total, best, 1e-9) {
		t.Errorf("plan %v, best level %v", r.Bill.Total, best)
	}
}

func TestValidate(t *testing.T) {
	good := func() *Problem {
		return &Problem{Hours: 2, Pools: []Pool{{ID: "p", OnDemandRate: 1, Usage: []float64{1, 2}}},
			Offerings: []Offering{{ID: "ri", TermHours: 10, Recurring: 0.5, Covers: []Cover{{Pool: 0, Rate: 1}}}}}
	}
	cases := []struct {
		name  string
		edit  func(p *Problem)
		field string
	}{
		{"nan usage", func(p *Problem) { p.Pools[0].Usage[1] = math.NaN() }, "pools[0] (p).usage[1]"},
		{"negative usage", func(p *Problem) { p.Pools[0].Usage[0] = -1 }, "pools[0] (p).usage[0]"},
		{"short usage", func(p *Problem) { p.Pools[0].Usage = p.Pools[0].Usage[:1] }, "pools[0] (p).usage"},
		{"zero rate", func(p *Problem) { p.Pools[0].OnDemandRate = 0 }, "pools[0] (p).on_demand_rate"},
		{"inf rate", func(p *Problem) { p.Pools[0].OnDemandRate = math.Inf(1) }, "pools[0] (p).on_demand_rate"},
		{"no hours", func(p *Problem) { p.Hours = 0 }, "hours"},
		{"free offering", func(p *Problem) { p.Offerings[0].Recurring = 0 }, "offerings[0] (ri)"},
		{"bad cover", func(p *Problem) { p.Offerings[0].Covers[0].Pool = 5 }, "offerings[0] (ri).covers[0].pool"},
		{"zero cover rate", func(p *Problem) { p.Offerings[0].Covers[0].Rate = 0 }, "offerings[0] (ri).covers[0].rate"},
		{"owned bad offering", func(p *Problem) { p.Owned = []Commitment{{Offering: 3}} }, "owned[0].offering"},
		{"owned ends early", func(p *Problem) { p.Owned = []Commitment{{Offering: 0, Start: 5, End: 1}} }, "owned[0].end"},
		{"window starts before the horizon", func(p *Problem) { p.Offerings[0].Start = -1 }, "offerings[0] (ri).start"},
		{"window starts after the horizon", func(p *Problem) { p.Offerings[0].Start = 2 }, "offerings[0] (ri).start"},
		{"window ends after the horizon", func(p *Problem) { p.Offerings[0].End = 3 }, "offerings[0] (ri).end"},
		{"window ends at its start", func(p *Problem) { p.Offerings[0].Start, p.Offerings[0].End = 1, 1 }, "offerings[0] (ri).end"},
		{"window ends before its start", func(p *Problem) { p.Offerings[0].Start, p.Offerings[0].End = 1, -1 }, "offerings[0] (ri).end"},
		{"coverage > 1", func(p *Problem) { p.Policy.MaxCoverage = Limit(1.5) }, "policy.max_coverage"},
		{"negative upfront cap", func(p *Problem) { p.Policy.MaxUpfront = Limit(-1) }, "policy.max_upfront"},
		// Scenarios: hours [0, 1) and [1, 2) of the horizon.
		{"scenario without hours", func(p *Problem) {
			p.Scenarios = []Scenario{{Name: "a", Hours: 0, Probability: 0.5}, {Hours: 2, Probability: 0.5}}
		}, "scenarios[0] (a).hours"},
		{"scenario hours short of the horizon", func(p *Problem) {
			p.Scenarios = []Scenario{{Hours: 1, Probability: 1}}
		}, "scenarios"},
		{"scenario hours past the horizon", func(p *Problem) {
			p.Scenarios = []Scenario{{Hours: 1, Probability: 0.5}, {Hours: 2, Probability: 0.5}}
		}, "scenarios"},
		{"zero probability", func(p *Problem) {
			p.Scenarios = []Scenario{{Hours: 1, Probability: 1}, {Name: "b", Hours: 1, Probability: 0}}
		}, "scenarios[1] (b).probability"},
		{"nan probability", func(p *Problem) {
			p.Scenarios = []Scenario{{Hours: 1, Probability: math.NaN()}, {Hours: 1, Probability: 0.5}}
		}, "scenarios[0].probability"},
		{"probabilities sum under 1", func(p *Problem) {
			p.Scenarios = []Scenario{{Hours: 1, Probability: 0.5}, {Hours: 1, Probability: 0.4}}
		}, "scenarios"},
		{"window past a scenario", func(p *Problem) {
			p.Scenarios = []Scenario{{Hours: 1, Probability: 0.5}, {Hours: 1, Probability: 0.5}}
			p.Offerings[0].Start = 1
		}, "offerings[0] (ri).start"},
		{"negative CVaR limit", func(p *Problem) { p.Policy.MaxCVaRRegret = Limit(-1) }, "policy.max_cvar_regret"},
		{"CVaR level 1", func(p *Problem) { p.Policy.CVaRLevel = 1 }, "policy.cvar_level"},
		{"waste share > 1", func(p *Problem) { p.Policy.MaxExpectedWasteShare = Limit(1.5) }, "policy.max_expected_waste_share"},
		{"tail waste share < 0", func(p *Problem) { p.Policy.MaxTailWasteShare = Limit(-0.1) }, "policy.max_tail_waste_share"},
		{"percentile > 1", func(p *Problem) { p.Policy.UtilizationFloorPercentile = 2 }, "policy.utilization_floor_percentile"},
		{"negative expiring cap", func(p *Problem) { p.Policy.MaxExpiringPerMonth = Limit(math.Inf(-1)) }, "policy.max_expiring_per_month"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := good()
			tc.edit(p)
			_, err := Solve(context.Background(), p, Options{})
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field || !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want a ValidationError on %s", err, tc.field)
			}
		})
	}
}

// TestBendersLimits checks that a decomposition stopped by its iteration or
// time limit returns a feasible plan with an honest bound, not an error.
func TestBendersLimits(t *testing.T) {
	p := genFleet(fleetSpec{Pools: 12, PoolsPerFamily: 4, Hours: 24 * 14, Seed: 31, Increment: 1})
	exact := mustSolve(t, p, Options{Method: Direct})
	for name, opts := range map[string]Options{
		"iterations": {Method: Benders, MaxIterations: 2},
		"time":       {Method: Benders, TimeLimit: time.Nanosecond},
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
			if r.Bill.Total > r.Baseline.Total {
				t.Errorf("plan %v dearer than buying nothing %v", r.Bill.Total, r.Baseline.Total)
			}
		})
	}
	if !exact.Converged {
		t.Error("the direct LP reports not converged")
	}
}

// TestWindows checks purchase windows (Offering.Start and End) on problems
// small enough to solve by hand or by brute force.
func TestWindows(t *testing.T) {
	t.Run("later start", func(t *testing.T) {
		// No usage in the first day, 10 units in the next two, on demand $1.
		// An RI active all three days at $0.70/h costs 72 × 0.7 = $50.40 a
		// unit and saves 48 × $1: not worth it. The same RI bought at hour
		// 24 at $0.75/h costs 48 × 0.75 = $36: worth it for all 10 units,
		// though dearer per hour (so it must not be pruned as dominated).
		// Optimum: 10 of the later one, cost 10 × 36 = $360.
		u := make([]float64, 72)
		for h := 24; h < 72; h++ {
			u[h] = 10
		}
		p := &Problem{Hours: 72, Pools: []Pool{{ID: "p", OnDemandRate: 1, Usage: u}},
			Offerings: []Offering{
				{ID: "ri-now", TermHours: 72, Recurring: 0.7, Increment: 1, Covers: []Cover{{Pool: 0, Rate: 1}}},
				{ID: "ri-later", TermHours: 72, Recurring: 0.75, Increment: 1, Covers: []Cover{{Pool: 0, Rate: 1}}, Start: 24},
			}}
		if d := dominated(p, map[int]bool{}); len(d) != 0 {
			t.Errorf("dominated %v across different windows", d)
		}
		for _, m := range []Method{Direct, Benders} {
			r := mustSolve(t, p, Options{Method: m})
			if !near(r.Quantity[0], 0, 1e-9) || !near(r.Quantity[1], 10, 1e-9) {
				t.Errorf("%v: bought %v, want [0 10]", m, r.Quantity)
			}
			if !near(r.Objective, 360, 1e-9) || !near(r.Bill.Total, 360, 1e-9) {
				t.Errorf("%v: objective %v, bill %v, want 360", m, r.Objective, r.Bill.Total)
			}
			if len(r.Purchases) != 1 || r.Purchases[0].Start != 24 || r.Purchases[0].End != 72 ||
				!near(r.Purchases[0].Utilization, 1, 1e-9) || !near(r.Purchases[0].Savings, 10*(48-36), 1e-9) {
				t.Errorf("%v: lines %+v", m, r.Purchases)
			}
		}
		// Ended early by End, and by its term: the same purchase at hour 24
		// for a day only covers half the usage it could.
		for _, o := range []Offering{{End: 48}, {TermHours: 24}} {
			q := *p
			q.Offerings = slices.Clone(p.Offerings)
			later := &q.Offerings[1]
			if o.End > 0 {
				later.End = o.End
			}
			if o.TermHours > 0 {
				later.TermHours = o.TermHours
			}
			if s, e := later.Window(q.Hours); s != 24 || e != 48 {
				t.Errorf("window [%d, %d), want [24, 48)", s, e)
			}
			r := mustSolve(t, &q, Options{Method: Direct})
			// 10 for a day at $0.75 (the term fee is per hour either way):
			// 10 × 24 × 0.75 + the second day on demand 240 = 420.
			if !near(r.Bill.Total, 420, 1e-9) || !near(r.Objective, 420, 1e-9) {
				t.Errorf("%+v: bill %v, objective %v, want 420", o, r.Bill.Total, r.Objective)
			}
		}
	})

	t.Run("hourly cap per hour", func(t *testing.T) {
		// 10 units every hour for three days at $1; two RIs at $0.50/h, one
		// active in the first 36 hours, one in the last 36; a cap of $5/h.
		// The cap holds in every hour over the purchases active then, so
		// both can be bought at 10 (a cap on their total would allow 10 in
		// all): cost 2 × 10 × 36 × 0.5 = $360.
		u := make([]float64, 72)
		for h := range u {
			u[h] = 10
		}
		p := &Problem{Hours: 72, Pools: []Pool{{ID: "p", OnDemandRate: 1, Usage: u}},
			Offerings: []Offering{
				{ID: "ri-a", TermHours: 72, Recurring: 0.5, Increment: 1, Covers: []Cover{{Pool: 0, Rate: 1}}, End: 36},
				{ID: "ri-b", TermHours: 72, Recurring: 0.5, Increment: 1, Covers: []Cover{{Pool: 0, Rate: 1}}, Start: 36},
			},
			Policy: Policy{MaxHourlyCommitment: Limit(5)}}
		for _, m := range []Method{Direct, Benders} {
			r := mustSolve(t, p, Options{Method: m})
			if !near(r.Quantity[0], 10, 1e-9) || !near(r.Quantity[1], 10, 1e-9) || !near(r.Bill.Total, 360, 1e-9) {
				t.Errorf("%v: bought %v for %v, want [10 10] for 360", m, r.Quantity, r.Bill.Total)
			}
		}
		// Overlapping by one hour, they share the cap in that hour.
		p.Offerings[0].End = 37
		r := mustSolve(t, p, Options{Method: Direct})
		if q := r.Quantity[0] + r.Quantity[1]; q > 10+1e-9 {
			t.Errorf("bought %v, more than the cap allows in hour 36", r.Quantity)
		}
	})

	t.Run("brute force", func(t *testing.T) {
		// As TestBruteForce, with random windows and a second RI on pool 0
		// active at other hours.
		r := rand.New(rand.NewPCG(5, 6))
		for trial := 0; trial < 15; trial++ {
			hours := 6 + r.IntN(10)
			p := &Problem{Hours: hours}
			for i := 0; i < 2; i++ {
				u := make([]float64, hours)
				for t := range u {
					u[t] = float64(r.IntN(5))
				}
				p.Pools = append(p.Pools, Pool{OnDemandRate: 1, Usage: u})
			}
			window := func() (int, int) {
				s := r.IntN(hours)
				switch r.IntN(3) {
				case 0:
					return s, 0
				case 1:
					return 0, 1 + r.IntN(hours)
				}
				return s, s + 1 + r.IntN(hours-s)
			}
			p.Offerings = []Offering{
				{ID: "ri0", TermHours: hours, Recurring: 0.3 + 0.4*r.Float64(), Covers: []Cover{{Pool: 0, Rate: 1}}},
				{ID: "ri0b", TermHours: hours, Recurring: 0.3 + 0.4*r.Float64(), Covers: []Cover{{Pool: 0, Rate: 1}}},
				{ID: "ri1", TermHours: hours, Recurring: 0.3 + 0.4*r.Float64(), Covers: []Cover{{Pool: 1, Rate: 1}}},
				{ID: "sp", Type: Spend, Tier: 1, TermHours: hours, Recurring: 1, Covers: []Cover{{Pool: 0, Rate: 0.5}, {Pool: 1, Rate: 0.5}}},
			}
			for k := range p.Offerings {
				p.Offerings[k].Start, p.Offerings[k].End = window()
			}
			hold := func(k int, q float64) Holding {
				s, e := p.Offerings[k].Window(hours)
				return Holding{Offering: k, Quantity: q, Start: s, End: e}
			}
			best := math.Inf(1)
			for a := 0.0; a <= 4; a++ {
				for a2 := 0.0; a2 <= 4; a2++ {
					for b := 0.0; b <= 4; b++ {
						for s := 0.0; s <= 4; s += 0.5 {
							bill, err := Simulate(p, []Holding{hold(0, a), hold(1, a2), hold(2, b), hold(3, s)}, SimOptions{})
							if err != nil {
								t.Fatal(err)
							}
							best = math.Min(best, bill.Total)
						}
					}
				}
			}
			for _, m := range []Method{Direct, Benders} {
				res := mustSolve(t, p, Options{Method: m})
				if !near(res.Objective, best, 1e-7) {
					t.Errorf("trial %d %v: LP %v, brute force %v (offerings %+v)", trial, m, res.Objective, best, p.Offerings)
				}
				if !near(res.RelaxedCost, best, 1e-7) {
					t.Errorf("trial %d %v: simulated LP purchase %v, brute force %v", trial, m, res.RelaxedCost, best)
				}
			}
		}
	})

	t.Run("compression", func(t *testing.T) {
		// A week of one repeating day: 5 distinct hours; a purchase window
		// from hour 48 to 120 splits the horizon into three segments.
		day := []float64{1, 1, 1, 1, 1, 2, 4, 6, 8, 8, 8, 8, 8, 8, 8, 8, 8, 6, 4, 2, 1, 1, 1, 1}
		var u []float64
		for range 7 {
			u = append(u, day...)
		}
		p := &Problem{Hours: len(u), Pools: []Pool{{ID: "p", OnDemandRate: 1, Usage: u}},
			Offerings: []Offering{
				{ID: "ri", TermHours: 1000, Recurring: 0.6, Covers: []Cover{{Pool: 0, Rate: 1}}},
				{ID: "ri-mid", TermHours: 1000, Recurring: 0.5, Covers: []Cover{{Pool: 0, Rate: 1}}, Start: 48, End: 120},
			}}
		c := compile(context.Background(), p, true, 1)
		if c.stats.Segments != 3 || c.stats.Classes != 15 {
			t.Errorf("segments %d classes %d, want 3 and 15", c.stats.Segments, c.stats.Classes)
		}
		a := mustSolve(t, p, Options{Method: Direct})
		b := mustSolve(t, p, Options{Method: Direct, NoCompression: true})
		if !near(a.Objective, b.Objective, 1e-9) || !near(a.Objective, a.RelaxedCost, 1e-9) {
			t.Errorf("compressed %v, uncompressed %v, simulated %v", a.Objective, b.Objective, a.RelaxedCost)
		}
	})

	t.Run("policy", func(t *testing.T) {
		// Every limit holds on the bill of a fleet with purchase windows: the
		// hourly commitment cap in every hour over the purchases active
		// then, the utilization floor over each purchase's window, the
		// upfront cap on whole fees; and a binding limit is reported.
		base := genFleet(fleetSpec{Pools: 6, PoolsPerFamily: 3, Hours: 24 * 8, Seed: 13, Increment: 1, Dates: 4})
		free := mustSolve(t, base, Options{Method: Direct})
		peak := func(r *Result) float64 {
			var m float64
			for h := 0; h < base.Hours; h++ {
				var v float64
				for _, l := range r.Purchases {
					if l.Start <= h && h < l.End {
						v += l.HourlyCost
					}
				}
				m = math.Max(m, v)
			}
			return m
		}
		sum := func(r *Result, f func(l Purchase) float64) float64 {
			var s float64
			for _, l := range r.Purchases {
				s += f(l)
			}
			return s
		}
		upfront := sum(free, func(l Purchase) float64 { return l.Upfront })
		hourly := peak(free)
		if upfront <= 0 || hourly <= 0 {
			t.Fatalf("the free plan buys no upfront (%v) or nothing (%v)", upfront, hourly)
		}
		threeYear := func(l Purchase) float64 {
			if base.Offerings[l.Offering].ThreeYear() {
				return l.HourlyCost
			}
			return 0
		}
		cases := []struct {
			name   string
			policy Policy
			check  func(r *Result) (got, limit float64)
		}{
			{"max_hourly_commitment", Policy{MaxHourlyCommitment: Limit(hourly / 2)},
				func(r *Result) (float64, float64) { return peak(r), hourly / 2 }},
			{"max_upfront", Policy{MaxUpfront: Limit(upfront / 3)},
				func(r *Result) (float64, float64) {
					return sum(r, func(l Purchase) float64 { return l.Upfront }), upfront / 3
				}},
			{"max_coverage", Policy{MaxCoverage: Limit(free.Bill.Coverage() * 0.7)},
				func(r *Result) (float64, float64) { return r.Bill.Coverage(), free.Bill.Coverage() * 0.7 }},
			{"max_three_year_share", Policy{MaxThreeYearShare: Limit(0.2)},
				func(r *Result) (float64, float64) {
					return sum(r, threeYear), 0.2 * sum(r, func(l Purchase) float64 { return l.HourlyCost })
				}},
			{"min_utilization", Policy{MinUtilization: 0.9},
				func(r *Result) (float64, float64) {
					worst := 0.0
					for _, l := range r.Purchases {
						worst = math.Max(worst, 0.9-l.Utilization)
					}
					return worst, 0
				}},
		}
		for _, tc := range cases {
			for _, m := range []Method{Direct, Benders} {
				t.Run(tc.name+"/"+m.String(), func(t *testing.T) {
					p := *base
					p.Policy = tc.policy
					r := mustSolve(t, &p, Options{Method: m})
					if got, limit := tc.check(r); got > limit*(1+1e-7)+1e-7 {
						t.Errorf("%v above the limit %v", got, limit)
					}
					if !slices.ContainsFunc(r.Binding, func(b Binding) bool { return b.Constraint == tc.name && b.Text != "" }) {
						t.Errorf("%s not reported binding: %+v", tc.name, r.Binding)
					}
					if r.Savings > free.Savings+1e-6 {
						t.Errorf("constrained plan saves %v, more than the free one %v", r.Savings, free.Savings)
					}
				})
			}
		}
	})
}

// TestDirectTwins: the direct LP's one set of coverage columns per group
// of sources that cover alike (compiled.twins: an offering's copies at
// later dates, owned commitments of it, the sizes of one RI) has the same
// optimum as one set per source, and is smaller wherever there are twins.
func TestDirectTwins(t *testing.T) {
	// Two sizes of one RI (the large covers 2 units an instance, the
	// xlarge 4, at a little under twice the price), a savings plan, and
	// one owned of each size, over one pool.
	sizes := &Problem{
		Hours: 24 * 7,
		Pools: []Pool{{ID: "m5", OnDemandRate: 0.1, Usage: make([]float64, 24*7)}},
		Offerings: []Offering{
			{ID: "ri-large", Type: Resource, TermHours: 8760, Recurring: 0.12, Increment: 1, Covers: []Cover{{Pool: 0, Rate: 0.5}}},
			{ID: "ri-xlarge", Type: Resource, TermHours: 8760, Recurring: 0.23, Increment: 1, Covers: []Cover{{Pool: 0, Rate: 0.25}}},
			{ID: "sp", Type: Spend, Tier: 2, TermHours: 8760, Recurring: 1, Covers: []Cover{{Pool: 0, Rate: 0.07}}},
		},
		Owned: []Commitment{{ID: "own-large", Offering: 0, Quantity: 1, Start: 0, End: 24 * 3}, {ID: "own-xlarge", Offering: 1, Quantity: 1, Start: 24, End: 24 * 5}},
	}
	for h := range sizes.Pools[0].Usage {
		sizes.Pools[0].Usage[h] = 6 + float64(h%24)/2
	}
	withOwned := genFleet(fleetSpec{Pools: 6, PoolsPerFamily: 3, Hours: 24 * 7, Seed: 21, Dates: 4, Increment: 1})
	withOwned.Owned = []Commitment{{ID: "own", Offering: 0, Quantity: 1.5, Start: -10, End: 24 * 4}, {ID: "own2", Offering: 1, Quantity: 0.5, Start: 0, End: 24 * 7}}
	waste := multiFleet(fleetSpec{Pools: 6, PoolsPerFamily: 3, Hours: 24 * 4, Seed: 22, Dates: 3})
	waste.Policy = Policy{MaxExpectedWasteShare: Limit(0.1), MaxTailWasteShare: Limit(0.3), MaxCVaRRegret: Limit(0)}
	cases := map[string]struct {
		p     *Problem
		fewer bool // twins exist: the grouped LP has fewer columns
	}{
		"sizes of one RI":           {sizes, true},
		"copies at dates":           {genFleet(fleetSpec{Pools: 9, PoolsPerFamily: 3, Hours: 24 * 14, Seed: 8, Dates: 3}), true},
		"copies and owned":          {withOwned, true},
		"scenarios, waste and risk": {waste, true},
		"no dates":                  {genFleet(fleetSpec{Pools: 6, PoolsPerFamily: 3, Hours: 24 * 7, Seed: 23}), false},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			grouped := mustSolve(t, c.p, Options{Method: Direct})
			apart := mustSolve(t, c.p, Options{Method: Direct, noTwins: true})
			if !near(grouped.Objective, apart.Objective, 1e-9) {
				t.Errorf("grouped %v, one set per source %v", grouped.Objective, apart.Objective)
			}
			if c.fewer && grouped.LPColumns >= apart.LPColumns {
				t.Errorf("grouped LP has %d columns, one set per source %d: want fewer", grouped.LPColumns, apart.LPColumns)
			}
			if !c.fewer && grouped.LPColumns != apart.LPColumns {
				t.Errorf("no twins, yet %d columns against %d", grouped.LPColumns, apart.LPColumns)
			}
			if !near(grouped.RelaxedCost, grouped.Objective, 1e-6) {
				t.Errorf("simulated %v, LP %v", grouped.RelaxedCost, grouped.Objective)
			}
		})
	}
}
