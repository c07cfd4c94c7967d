package solver

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestMisallocation(t *testing.T) {
	sp := func(id string, tier int, a, b float64) Offering {
		return Offering{ID: id, Type: Spend, Tier: tier, TermHours: 8760, Recurring: 1, Covers: []Cover{{Pool: 0, Rate: a}, {Pool: 1, Rate: b}}}
	}
	all := func(int) bool { return true }
	for _, tc := range []struct {
		name string
		offs []Offering
		want string
	}{
		{"one plan", []Offering{sp("a", 2, 0.5, 0.55)}, ""},
		{"proportional", []Offering{sp("1yr", 2, 0.6, 0.7), sp("3yr", 2, 0.48, 0.56)}, ""},
		{"copies", []Offering{sp("x", 2, 0.5, 0.55), sp("x later", 2, 0.5, 0.55)}, ""},
		{"other tier", []Offering{sp("ec2", 1, 0.5, 0.9), sp("compute", 2, 0.5, 0.55)}, ""},
		{"ranked differently", []Offering{sp("sp1", 2, 0.5, 0.55), sp("sp2", 2, 0.5, 0.9)}, "sp1 and sp2 (tier 2)"},
	} {
		p := &Problem{Hours: 1, Pools: []Pool{{ID: "A", OnDemandRate: 1, Usage: []float64{1}}, {ID: "B", OnDemandRate: 1, Usage: []float64{1}}}, Offerings: tc.offs}
		got := misallocation(p, all)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// withOtherComputeSP is the generated fleet s with a second Compute
// Savings Plan whose rates are not proportional to the first's, so that the
// billing rule misallocates, and the random stream that drew its rates.
func withOtherComputeSP(t *testing.T, s fleetSpec) (*Problem, *rand.Rand) {
	t.Helper()
	p := genFleet(s)
	r := rand.New(rand.NewPCG(s.Seed, 99))
	top := -1
	for k := range p.Offerings {
		if o := &p.Offerings[k]; o.Type == Spend && (top < 0 || o.Tier > p.Offerings[top].Tier) {
			top = k
		}
	}
	o := p.Offerings[top]
	o.ID += "-other"
	o.Covers = append([]Cover(nil), o.Covers...)
	for i := range o.Covers {
		o.Covers[i].Rate *= 0.85 + 0.15*r.Float64()
	}
	o.Recurring *= 0.97
	p.Offerings = append(p.Offerings, o)
	if misallocation(p, func(int) bool { return true }) == "" {
		t.Fatalf("%+v: the rates should not be proportional", s)
	}
	return p, r
}

// TestAutoFallsBackToDirect: where Auto chooses Benders (the direct LP has
// more coverage columns than DirectLimit, one per source) and Benders ends
// unproven (here at its iteration limit), the direct LP with its twins
// grouped, under the limit, is solved instead, and its optimum is proven;
// with a time limit, or with the grouped LP over the limit too, Benders'
// answer stands.
func TestAutoFallsBackToDirect(t *testing.T) {
	p := genFleet(fleetSpec{Pools: 8, PoolsPerFamily: 4, Hours: 24 * 7, Seed: 23, Dates: 3})
	c := compile(context.Background(), p, true, 1)
	apart, grouped := c.coverColumns(c.twins(false, true)), c.coverColumns(c.twins(false, false))
	if grouped >= apart {
		t.Fatalf("grouped %d columns, apart %d: the fleet has no twins", grouped, apart)
	}
	b := mustSolve(t, p, Options{Method: Benders, MaxIterations: 2})
	if b.Converged {
		t.Fatalf("Benders proved its answer in 2 iterations (bound %v, objective %v): nothing to fall back from", b.Bound, b.Objective)
	}
	d := mustSolve(t, p, Options{Method: Direct})
	auto := mustSolve(t, p, Options{DirectLimit: grouped, MaxIterations: 2})
	if auto.Method != Direct || !auto.Converged || !near(auto.Objective, d.Objective, 1e-9) {
		t.Errorf("auto: %v, converged %v, objective %v; want the direct LP's %v, proven", auto.Method, auto.Converged, auto.Objective, d.Objective)
	}
	for name, o := range map[string]Options{
		"grouped over the limit": {DirectLimit: grouped - 1, MaxIterations: 2},
		"time limit":             {DirectLimit: grouped, MaxIterations: 2, TimeLimit: time.Minute},
	} {
		if r := mustSolve(t, p, o); r.Method != Benders || r.Converged {
			t.Errorf("%s: %v, converged %v; want Benders' answer, unproven", name, r.Method, r.Converged)
		}
	}
}

// TestDualBound: with a second Compute Savings Plan whose rates are not
// proportional to the first's, the billing fill's cuts bound nothing, and
// the bound comes from the allocation's duals. It must lie below the
// direct LP's optimum (the cheapest allocation, itself below every billed
// purchase) and below the bill of any purchase, and be close enough to
// prove something.
func TestDualBound(t *testing.T) {
	for _, s := range []fleetSpec{
		{Pools: 6, PoolsPerFamily: 3, Hours: 24 * 7, Seed: 21},
		{Pools: 9, PoolsPerFamily: 3, Hours: 24 * 10, Seed: 22},
		{Pools: 8, PoolsPerFamily: 4, Hours: 24 * 7, Seed: 23, Dates: 3},
	} {
		p, r := withOtherComputeSP(t, s)
		d := mustSolve(t, p, Options{Method: Direct})
		b := mustSolve(t, p, Options{Method: Benders})
		if b.DualBound == "" || b.BoundNote != "" {
			t.Fatalf("%+v: DualBound %q, BoundNote %q", s, b.DualBound, b.BoundNote)
		}
		if b.Bound > d.Objective*(1+1e-7)+1e-7 {
			t.Errorf("%+v: dual bound %v above the cheapest allocation's optimum %v", s, b.Bound, d.Objective)
		}
		if gap := (b.Objective - b.Bound) / b.Objective; gap < 0 || gap > 0.01 {
			t.Errorf("%+v: objective %v, bound %v: gap %.4f%% (want 0–1%%)", s, b.Objective, b.Bound, 100*gap)
		}
		for trial := 0; trial < 50; trial++ {
			var hs []Holding
			for k := range b.Relaxed {
				q := b.Relaxed[k] * 2 * r.Float64()
				if trial%5 == 0 {
					q = 0
				}
				start, end := p.Offerings[k].Window(p.span())
				hs = append(hs, Holding{Offering: k, Quantity: q, Start: start, End: end})
			}
			bill, err := Simulate(p, hs, SimOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if bill.Total < b.Bound*(1-1e-9)-1e-7 {
				t.Fatalf("%+v: a purchase bills %v, below the proven bound %v", s, bill.Total, b.Bound)
			}
		}
		t.Logf("%+v: direct %.2f, benders %.2f, dual bound %.2f (gap %.4f%%)", s, d.Objective, b.Objective, b.Bound, 100*(b.Objective-b.Bound)/b.Objective)
	}
}

// TestSolveCanceledLate cancels the solve once the purchase is chosen and
// only the bills remain (Stage "evaluating"): Solve must report the
// cancellation, not an answer, as it must when any step that notes a
// failed sub-solve and goes on (an unproven bound) was cancelled.
func TestSolveCanceledLate(t *testing.T) {
	p := genFleet(fleetSpec{Pools: 6, PoolsPerFamily: 3, Hours: 24 * 7, Seed: 5, Increment: 1})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stages := map[string]bool{}
	res, err := Solve(ctx, p, Options{Progress: func(pr Progress) {
		stages[pr.Stage] = true
		if pr.Stage == "evaluating" {
			cancel()
		}
	}})
	if !stages["evaluating"] {
		t.Fatalf("no evaluating stage reported (stages %v): the test no longer cancels late", stages)
	}
	if !errors.Is(err, context.Canceled) || res != nil {
		t.Fatalf("Solve = %v, %v; want context.Canceled and no result", res, err)
	}
}
