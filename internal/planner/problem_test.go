package planner

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/solver"
)

// The price book the AWS adapter builds from the recorded Price List and
// Savings Plans responses (real m5.large item, us-east-1).
const bookPath = "../../testdata/aws/golden/pricebook_us-east-1_m5.json"

var m5 = providers.PoolKey{Provider: providers.AWS, Region: "us-east-1", Service: "AmazonEC2", Family: "m5",
	Platform: "Linux/UNIX", Tenancy: "Shared", Unit: providers.UnitNormalizedHour}

// twoWeeks is m5 usage in normalized units: 24 m5.large always on, 16
// more on weekday business hours.
func twoWeeks(start time.Time) []float64 {
	u := make([]float64, 14*24)
	for t := range u {
		n := 24.0
		if h, d := t%24, (t/24)%7; d < 5 && h >= 9 && h < 18 {
			n += 16
		}
		u[t] = 4 * n
	}
	return u
}

// TestPriceBookDrivesOptimizer is the end-to-end case of issue 4: a price
// book built by the AWS adapter, usage of one priced and one unpriced pool,
// an owned RI; the plan's figures are reproduced by an independent
// simulation, the unpriced pool is listed as excluded, and no single
// offering bought alone at any level beats the plan.
func TestPriceBookDrivesOptimizer(t *testing.T) {
	book, err := providers.LoadPriceBook(bookPath)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	c5 := m5
	c5.Family = "c5"
	owned := providers.Commitment{ID: "ri-owned", Provider: providers.AWS, Kind: providers.KindRIStandard,
		PaymentOption: providers.NoUpfront, Quantity: 8, InstanceType: "m5.large", Scope: m5,
		Start: start.AddDate(-1, 0, 7), End: start.AddDate(0, 0, 7)}
	in := ProblemInput{
		Book: book,
		Usage: []providers.UsageSeries{
			{Pool: m5, Start: start, Quantity: twoWeeks(start)},
			{Pool: c5, Start: start, Quantity: twoWeeks(start)},
		},
		Owned: []providers.Commitment{owned},
	}
	b, err := BuildProblem(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Excluded) != 1 || !strings.Contains(b.Excluded[0].What, "/c5/") {
		t.Fatalf("excluded %+v, want the c5 pool", b.Excluded)
	}
	p := b.Problem
	if got, want := p.Pools[0].OnDemandRate, 0.096/4; math.Abs(got-want) > 1e-12 {
		t.Errorf("m5 on-demand per NU %v, want %v", got, want)
	}
	if len(p.Owned) != 1 || p.Owned[0].End != 7*24 {
		t.Fatalf("owned %+v, want the RI ending at hour 168", p.Owned)
	}
	res, err := solver.Solve(context.Background(), p, solver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range res.Purchases {
		t.Logf("buy %v × %s (utilization %.1f%%)", l.Quantity, l.OfferingID, 100*l.Utilization)
	}
	if len(res.Purchases) == 0 || res.Savings <= 0 {
		t.Fatalf("no saving plan: %+v", res)
	}
	// Independent simulation of the plan.
	hs := []solver.Holding{{ID: "owned", Offering: p.Owned[0].Offering, Quantity: 8, Start: p.Owned[0].Start, End: p.Owned[0].End}}
	base, err := solver.Simulate(p, hs, solver.SimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range res.Purchases {
		hs = append(hs, solver.Holding{Offering: l.Offering, Quantity: l.Quantity, End: p.Offerings[l.Offering].TermHours})
	}
	plan, err := solver.Simulate(p, hs, solver.SimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(plan.Total-res.Bill.Total) > 1e-6 || math.Abs(base.Total-res.Baseline.Total) > 1e-6 {
		t.Errorf("plan %v / baseline %v, simulated %v / %v", res.Bill.Total, res.Baseline.Total, plan.Total, base.Total)
	}
	// Brute force: each offering alone, at every level up to the peak.
	best := base.Total
	for k, o := range p.Offerings {
		step, top := 1.0, 40.0 // whole m5.large RIs; peak is 40 instances
		if o.Type == solver.Spend {
			step, top = 0.01, 2.0 // $/h; the peak on demand is 40 × $0.096 = $3.84/h
		}
		for q := step; q <= top+1e-9; q += step {
			bill, err := solver.Simulate(p, append(hs[:1:1], solver.Holding{Offering: k, Quantity: q, End: o.TermHours}), solver.SimOptions{})
			if err != nil {
				t.Fatal(err)
			}
			best = math.Min(best, bill.Total)
		}
	}
	if res.Bill.Total > best+1e-6 {
		t.Errorf("plan costs %v; buying one offering alone can cost %v", res.Bill.Total, best)
	}
	if res.ModelGap > 1e-6 {
		t.Errorf("billing vs LP gap %v on a single pool", res.ModelGap)
	}
}

func TestBuildProblemErrors(t *testing.T) {
	book, err := providers.LoadPriceBook(bookPath)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	c5 := m5
	c5.Family = "c5"
	cases := []struct {
		name string
		in   ProblemInput
		want string
	}{
		{"no usage", ProblemInput{Book: book}, "no usage"},
		{"only unpriced usage", ProblemInput{Book: book, Usage: []providers.UsageSeries{{Pool: c5, Start: start, Quantity: []float64{1}}}}, "no pool with usage has an on-demand price"},
		{"misaligned", ProblemInput{Book: book, Usage: []providers.UsageSeries{
			{Pool: m5, Start: start, Quantity: []float64{1, 2}}, {Pool: c5, Start: start.Add(time.Hour), Quantity: []float64{1, 2}}}}, "must cover the same hours"},
		{"duplicate pool", ProblemInput{Book: book, Usage: []providers.UsageSeries{
			{Pool: m5, Start: start, Quantity: []float64{1}}, {Pool: m5, Start: start, Quantity: []float64{1}}}}, "appears twice"},
		{"bad usage", ProblemInput{Book: book, Usage: []providers.UsageSeries{{Pool: m5, Start: start, Quantity: []float64{math.NaN()}}}}, "usage[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := BuildProblem(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	// An owned commitment without a matching offering is listed, not
	// silently dropped.
	b, err := BuildProblem(ProblemInput{Book: book, Usage: []providers.UsageSeries{{Pool: m5, Start: start, Quantity: []float64{4}}},
		Owned: []providers.Commitment{{ID: "ri-r5", Kind: providers.KindRIStandard, InstanceType: "r5.large", Scope: m5, Start: start, End: start.AddDate(1, 0, 0), Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Excluded) != 1 || !strings.Contains(b.Excluded[0].What, "ri-r5") {
		t.Errorf("excluded %+v, want ri-r5", b.Excluded)
	}
}

// TestUnknownEndAfterHorizon: a commitment whose end is unknown and which
// starts after the horizon is simply not active in it.
func TestUnknownEndAfterHorizon(t *testing.T) {
	book, err := providers.LoadPriceBook(bookPath)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	late := providers.Commitment{ID: "later", Provider: providers.AWS, Kind: providers.KindRIStandard, Quantity: 2,
		InstanceType: "m5.large", Scope: m5, Start: start.AddDate(0, 1, 0)}
	b, err := BuildProblem(ProblemInput{Book: book, Usage: []providers.UsageSeries{{Pool: m5, Start: start, Quantity: twoWeeks(start)}},
		Owned: []providers.Commitment{late}})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Problem.Owned) != 1 || b.Problem.Owned[0].Start < b.Problem.Hours {
		t.Fatalf("owned %+v: want the commitment placed after the horizon", b.Problem.Owned)
	}
}
