package backtest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/internal/planner"
	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/solver"
)

var (
	t0   = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pool = providers.PoolKey{Provider: providers.AWS, Region: "us-east-1", Service: "AmazonEC2", Family: "m5",
		Platform: "Linux", Tenancy: "Shared", Unit: providers.UnitInstanceHour}
	// pool2 has no reserved instance, only the savings plan.
	pool2 = providers.PoolKey{Provider: providers.AWS, Region: "us-east-1", Service: "AmazonEC2", Family: "c5",
		Platform: "Linux", Tenancy: "Shared", Unit: providers.UnitInstanceHour}
)

// testBook prices one instance-hour pool at 0.10/h on demand, with a
// 1-year no-upfront standard RI at 0.06/h (40% off) and a 1-year
// no-upfront Compute Savings Plan whose rate for the pool is 0.07 (30% off);
// and pool2 at 0.10/h, which only the savings plan covers (also at 0.07).
func testBook() *providers.PriceBook {
	return &providers.PriceBook{
		Schema: providers.PriceBookSchema, Currency: "USD", Source: providers.PriceSource{Name: "test"},
		OnDemand: []providers.OnDemandRate{{Pool: pool, InstanceType: "m5.large", SizeFactor: 1, HourlyRate: 0.10},
			{Pool: pool2, InstanceType: "c5.large", SizeFactor: 1, HourlyRate: 0.10}},
		Offerings: []providers.Offering{
			{ID: "ri-1yr-nu", Provider: providers.AWS, Kind: providers.KindRIStandard, Term: providers.Term1Year,
				PaymentOption: providers.NoUpfront, InstanceType: "m5.large", RecurringHourlyFee: 0.06, EffectiveHourlyRate: 0.06,
				Covers: []providers.Coverage{{Pool: pool, SizeFactor: 1}}, PurchaseIncrement: 1, Currency: "USD"},
			{ID: "sp-1yr-nu", Provider: providers.AWS, Kind: providers.KindComputeSP, Term: providers.Term1Year,
				PaymentOption: providers.NoUpfront, RecurringHourlyFee: 1, EffectiveHourlyRate: 1,
				Covers: []providers.Coverage{{Pool: pool, InstanceType: "m5.large", SizeFactor: 1, Rate: 0.07},
					{Pool: pool2, InstanceType: "c5.large", SizeFactor: 1, Rate: 0.07}}, PurchaseIncrement: 0.001, Currency: "USD"},
		},
	}
}

// trace is days of hourly usage starting t0, q(hour) per hour.
func trace(days int, q func(h int) float64) []providers.UsageSeries {
	u := make([]float64, days*24)
	for h := range u {
		u[h] = q(h)
	}
	return []providers.UsageSeries{{Pool: pool, Start: t0, Quantity: u}}
}

func runTest(t *testing.T, in Input, opt Options) *Result {
	t.Helper()
	if in.Book == nil {
		in.Book = testBook()
	}
	if err := in.Book.Validate(); err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), in, opt)
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, in, res)
	return res
}

// checkAccounting checks what must hold for any input: the totals are the
// sum of the periods; one simulation of the whole window, computed here
// from the purchases listed, gives the same cost; and the hindsight
// optimum costs no more than any other strategy.
func checkAccounting(t *testing.T, in Input, res *Result) {
	t.Helper()
	hind := res.Strategy(Hindsight)
	for _, s := range res.Strategies {
		var sum Figures
		for _, p := range s.Periods {
			sum.add(p.Figures)
		}
		if !close(sum.Cost, s.Totals.Cost, 1e-9) || !close(sum.Waste, s.Totals.Waste, 1e-9) {
			t.Errorf("%s: totals %.6f (waste %.6f) are not the sum of the periods %.6f (waste %.6f)", s.Name, s.Totals.Cost, s.Totals.Waste, sum.Cost, sum.Waste)
		}
		if math.Abs(s.AccountingCheck) > 1e-6 {
			t.Errorf("%s: accounting check %.9f, want 0", s.Name, s.AccountingCheck)
		}
		if got := wholeWindowCost(t, in, res, s); !close(got, s.Totals.Cost, 1e-9) {
			t.Errorf("%s: Σ period bills %.6f, one simulation of the window %.6f", s.Name, s.Totals.Cost, got)
		}
		if hind != nil && s.Totals.Cost < hind.Totals.Cost-1e-6*hind.Totals.Cost {
			t.Errorf("%s costs %.4f, less than the hindsight optimum %.4f", s.Name, s.Totals.Cost, hind.Totals.Cost)
		}
		if len(s.Periods) != len(res.Decisions) {
			t.Errorf("%s: %d periods for %d decisions", s.Name, len(s.Periods), len(res.Decisions))
		}
	}
}

// wholeWindowCost simulates the window once, independently of Run's
// period walk: a problem built from the window's usage, with the
// strategy's purchases placed on the offerings they name.
func wholeWindowCost(t *testing.T, in Input, res *Result, s StrategyResult) float64 {
	t.Helper()
	usage, _, _, err := align(in.Usage)
	if err != nil {
		t.Fatal(err)
	}
	var win []providers.UsageSeries
	for _, u := range usage {
		a := int(res.Start.Sub(u.Start).Hours())
		win = append(win, providers.UsageSeries{Pool: u.Pool, Start: res.Start, Quantity: u.Quantity[a : a+res.Hours]})
	}
	var initial []providers.Commitment
	for _, c := range in.Owned {
		if c.Start.Before(res.Start) {
			initial = append(initial, c)
		}
	}
	b, err := planner.BuildProblem(planner.ProblemInput{Book: in.Book, Usage: win, Owned: initial})
	if err != nil {
		t.Fatal(err)
	}
	var hs []solver.Holding
	for _, c := range b.Problem.Owned {
		hs = append(hs, solver.Holding{ID: c.ID, Offering: c.Offering, Quantity: c.Quantity, Start: c.Start, End: c.End})
	}
	for _, p := range s.Purchases {
		k := -1
		for j, o := range b.Offerings {
			if o.ID == p.Offering || (p.Offering == "" && o.Kind == p.Kind && o.PaymentOption == p.PaymentOption && near(o.RecurringHourlyFee*p.Quantity, p.HourlyCost)) {
				k = j
			}
		}
		if k < 0 {
			t.Fatalf("%s: purchase %s: no offering %q in the book", s.Name, p.ID, p.Offering)
		}
		hs = append(hs, solver.Holding{ID: p.ID, Offering: k, Quantity: p.Quantity,
			Start: int(p.At.Sub(res.Start).Hours()), End: int(p.End.Sub(res.Start).Hours())})
	}
	bill, err := solver.Simulate(b.Problem, hs, solver.SimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return bill.Total
}

func close(a, b, rel float64) bool {
	return math.Abs(a-b) <= rel*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func TestFlatUsageCapturesAllSavings(t *testing.T) {
	// 10 instances every hour for 90 days. The first decision is 1 Feb
	// (a 30-day lookback in, on the first of a month); buying 10 RIs then
	// saves 0.04 × 10 an hour over the 59 days left: 566.40.
	in := Input{Usage: trace(90, func(int) float64 { return 10 })}
	res := runTest(t, in, Options{})
	if got := res.Start; !got.Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("window starts %s, want 2026-02-01", got)
	}
	if len(res.Decisions) != 2 || res.Hours != 59*24 {
		t.Fatalf("decisions %v over %d hours, want 2 over %d", res.Decisions, res.Hours, 59*24)
	}
	want := 0.04 * 10 * 59 * 24
	for _, name := range []StrategyName{Hindsight, Recommender, Tranche} {
		s := res.Strategy(name)
		if !close(s.Savings, want, 1e-6) {
			t.Errorf("%s saves %.2f, want %.2f (purchases %+v)", name, s.Savings, want, s.Purchases)
		}
		if s.ShareOfHindsight == nil || math.Abs(*s.ShareOfHindsight-1) > 1e-6 {
			t.Errorf("%s: share of hindsight %v, want 1", name, s.ShareOfHindsight)
		}
		if s.Totals.Waste > 1e-9 || *s.Totals.Coverage < 1-1e-9 || *s.Totals.Utilization < 1-1e-9 {
			t.Errorf("%s: waste %.4f, coverage %.4f, utilization %.4f; want 0, 1, 1", name, s.Totals.Waste, *s.Totals.Coverage, *s.Totals.Utilization)
		}
		if !close(*s.Totals.ESR, 0.4, 1e-9) {
			t.Errorf("%s: ESR %.4f, want 0.40", name, *s.Totals.ESR)
		}
		// A year's term bought on 1 Feb runs past the window's end on 1 Apr.
		if s.LiabilityAtEnd <= 0 {
			t.Errorf("%s: no liability at the end, but its RIs run until next year", name)
		}
	}
	if none := res.Strategy(None); none.Totals.Fees != 0 || none.Savings != 0 || len(none.Purchases) != 0 {
		t.Errorf("none: %+v", none.Totals)
	}
}

func TestUsageDropRecommenderWastes(t *testing.T) {
	// 10 instances an hour in January, nothing after: the lookback
	// recommender buys a year of RIs on 1 Feb and wastes them; the
	// hindsight optimum buys nothing.
	in := Input{Usage: trace(90, func(h int) float64 {
		if h < 31*24 {
			return 10
		}
		return 0
	})}
	res := runTest(t, in, Options{Strategies: []StrategyName{Recommender, Hindsight}})
	rec, hind := res.Strategy(Recommender), res.Strategy(Hindsight)
	wantWaste := 10 * 0.06 * 59 * 24
	if !close(rec.Totals.Waste, wantWaste, 1e-6) || !close(rec.Savings, -wantWaste, 1e-6) {
		t.Errorf("recommender: waste %.2f, savings %.2f; want %.2f and %.2f", rec.Totals.Waste, rec.Savings, wantWaste, -wantWaste)
	}
	if *rec.Totals.Utilization != 0 {
		t.Errorf("recommender utilization %.4f, want 0", *rec.Totals.Utilization)
	}
	if hind.Totals.Waste != 0 || len(hind.Purchases) != 0 || hind.Savings != 0 {
		t.Errorf("hindsight: waste %.2f, %d purchases; want none", hind.Totals.Waste, len(hind.Purchases))
	}
	if rec.ShareOfHindsight != nil {
		t.Errorf("share of hindsight %v with nothing to save, want nil", *rec.ShareOfHindsight)
	}
	if res.Strategy(Tranche) != nil {
		t.Error("tranche ran, but was not asked for")
	}
}

func TestRecommenderCombinesRIsAndSP(t *testing.T) {
	// Weekly cadence. Usage: 6 instances always, 4 more in 12 hours of
	// each day. The RI (0.06) pays when used more than 60% of the time:
	// 6 instances. A savings plan unit of 0.07/h saves on an hour used
	// more than 70% of the time; the peak is used 50%: no plan.
	u := trace(60, func(h int) float64 {
		if h%24 < 12 {
			return 10
		}
		return 6
	})
	res := runTest(t, Input{Usage: u}, Options{Cadence: Weekly, Strategies: []StrategyName{Recommender, Hindsight}})
	rec := res.Strategy(Recommender)
	if len(rec.Purchases) != 1 || rec.Purchases[0].Kind != providers.KindRIStandard || rec.Purchases[0].Quantity != 6 {
		t.Fatalf("recommender bought %+v, want 6 RIs once", rec.Purchases)
	}
	// Add 4 instances an hour of pool2, which only the savings plan
	// covers: 4 × 0.07 = 0.28/h of savings plan, and no more (the m5 peak
	// is there half the time).
	u = append(u, trace(60, func(int) float64 { return 4 })...)
	u[1].Pool = pool2
	res = runTest(t, Input{Usage: u}, Options{Cadence: Weekly, Strategies: []StrategyName{Recommender, Hindsight}})
	rec = res.Strategy(Recommender)
	var ri, sp float64
	for _, p := range rec.Purchases {
		if p.Kind == providers.KindRIStandard {
			ri += p.Quantity
		} else {
			sp += p.Quantity
		}
	}
	if ri != 6 || !close(sp, 0.28, 1e-9) {
		t.Fatalf("recommender bought %+v: %.0f RIs and %.3f/h of savings plan, want 6 and 0.28", rec.Purchases, ri, sp)
	}
}

func TestInitialCommitmentsHeldByEveryStrategy(t *testing.T) {
	// An RI for 10 instances bought in December covers the flat usage:
	// nothing is left to save.
	owned := []providers.Commitment{{ID: "ri-owned", Provider: providers.AWS, Kind: providers.KindRIStandard, PaymentOption: providers.NoUpfront,
		Quantity: 10, Unit: providers.UnitInstanceHour, Start: t0.AddDate(0, -1, 0), End: t0.AddDate(1, -1, 0), Scope: pool,
		InstanceType: "m5.large", RecurringHourlyFee: 0.6}}
	// A second RI, bought in March (inside the window), is the company's
	// own later decision: no strategy holds it.
	later := owned[0]
	later.ID, later.Start, later.End = "ri-later", t0.AddDate(0, 2, 0), t0.AddDate(1, 2, 0)
	res := runTest(t, Input{Usage: trace(90, func(int) float64 { return 10 }), Owned: append(owned, later)}, Options{})
	if res.InitialCommitments != 1 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "ri-later (2026-03-01)") {
		t.Errorf("%d initial commitments, notes %q; want 1 and a note on ri-later", res.InitialCommitments, res.Notes)
	}
	for _, s := range res.Strategies {
		if s.Savings > 1e-9 || len(s.Purchases) > 0 {
			t.Errorf("%s saves %.4f with %d purchases, want nothing to buy", s.Name, s.Savings, len(s.Purchases))
		}
		if !close(s.Totals.Fees, 0.6*59*24, 1e-9) {
			t.Errorf("%s: fees %.2f, want the owned RI's %.2f", s.Name, s.Totals.Fees, 0.6*59*24)
		}
	}
	if want := 0.6 * float64(owned[0].End.Sub(res.End).Hours()); !close(res.InitialLiabilityAtEnd, want, 1e-9) {
		t.Errorf("initial liability %.2f, want %.2f", res.InitialLiabilityAtEnd, want)
	}
}

func TestStubPlannerSeesOnlyThePast(t *testing.T) {
	// Tranche's planner is called once per decision with history ending at
	// the decision date and the commitments held then.
	var calls []planner.Input
	stub := func(_ context.Context, in planner.Input, _ planner.Options, prefix string) ([]providers.Commitment, error) {
		calls = append(calls, in)
		o := testBook().Offerings[0]
		h := commitmentFor(prefix+"1", o, 1, in.AsOf)
		return []providers.Commitment{h.c}, nil
	}
	res := runTest(t, Input{Usage: trace(100, func(int) float64 { return 10 })},
		Options{Cadence: Cadence{Days: 14}, Strategies: []StrategyName{Tranche}, planner: stub})
	if len(calls) != len(res.Decisions) || len(calls) < 3 {
		t.Fatalf("%d planner calls for %d decisions", len(calls), len(res.Decisions))
	}
	for i, c := range calls {
		end := c.History[0].Start.Add(time.Duration(len(c.History[0].Quantity)) * time.Hour)
		if !end.Equal(res.Decisions[i]) || !c.AsOf.Equal(res.Decisions[i]) {
			t.Errorf("call %d: history ends %s, as of %s; want both %s", i, end, c.AsOf, res.Decisions[i])
		}
		if len(c.Owned) != i {
			t.Errorf("call %d: %d commitments owned, want %d", i, len(c.Owned), i)
		}
	}
	if s := res.Strategy(Tranche); len(s.Purchases) != len(calls) || !strings.HasPrefix(s.Purchases[0].ID, "tranche/") {
		t.Errorf("purchases %+v", s.Purchases)
	}
}

func TestWindowErrors(t *testing.T) {
	u := trace(20, func(int) float64 { return 1 })
	for _, c := range []struct {
		name string
		opt  Options
		want string
	}{
		{"too short for the lookback", Options{}, "give an earlier start"},
		{"start at the first hour", Options{Start: t0}, "at least a day of history"},
		{"unknown strategy", Options{Strategies: []StrategyName{"magic"}}, "unknown strategy"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Run(context.Background(), Input{Book: testBook(), Usage: u}, c.opt)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestCadence(t *testing.T) {
	for _, c := range []struct {
		in    string
		start time.Time
		want  []string
	}{
		{"monthly", time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), []string{"2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"}},
		{"weekly", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), []string{"2026-01-01", "2026-01-08", "2026-01-15", "2026-01-22"}},
		{"10d", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), []string{"2026-01-01", "2026-01-11", "2026-01-21", "2026-01-31"}},
	} {
		cd, err := ParseCadence(c.in)
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range c.want {
			if got := cd.step(c.start, i).Format(time.DateOnly); got != w {
				t.Errorf("%s step %d: %s, want %s", c.in, i, got, w)
			}
		}
	}
	for _, bad := range []string{"", "0d", "daily", "-3d", "1.5d"} {
		if _, err := ParseCadence(bad); err == nil {
			t.Errorf("ParseCadence(%q) accepted", bad)
		}
	}
}

// randomBook prices n pools with random on-demand rates, each with 1- and
// 3-year RIs (no and all upfront), and one Compute Savings Plan over all
// of them at a random discount per pool.
func randomBook(rng *rand.Rand, n int) (*providers.PriceBook, []providers.PoolKey) {
	book := &providers.PriceBook{Schema: providers.PriceBookSchema, Currency: "USD", Source: providers.PriceSource{Name: "random"}}
	sp := providers.Offering{ID: "sp", Provider: providers.AWS, Kind: providers.KindComputeSP, Term: providers.Term1Year,
		PaymentOption: providers.NoUpfront, RecurringHourlyFee: 1, EffectiveHourlyRate: 1, PurchaseIncrement: 0.001, Currency: "USD"}
	var pools []providers.PoolKey
	for i := range n {
		p := providers.PoolKey{Provider: providers.AWS, Region: "us-east-1", Service: "AmazonEC2", Family: fmt.Sprintf("f%d", i), Unit: providers.UnitInstanceHour}
		pools = append(pools, p)
		od := 0.05 + 0.2*rng.Float64()
		book.OnDemand = append(book.OnDemand, providers.OnDemandRate{Pool: p, SizeFactor: 1, HourlyRate: od})
		cover := []providers.Coverage{{Pool: p, SizeFactor: 1}}
		ri1 := od * (0.55 + 0.1*rng.Float64())
		ri3 := od * (0.35 + 0.1*rng.Float64())
		book.Offerings = append(book.Offerings,
			providers.Offering{ID: fmt.Sprintf("ri1-%d", i), Provider: providers.AWS, Kind: providers.KindRIStandard, Term: providers.Term1Year,
				PaymentOption: providers.NoUpfront, RecurringHourlyFee: ri1, EffectiveHourlyRate: ri1, Covers: cover, PurchaseIncrement: 1, Currency: "USD"},
			providers.Offering{ID: fmt.Sprintf("ri1a-%d", i), Provider: providers.AWS, Kind: providers.KindRIStandard, Term: providers.Term1Year,
				PaymentOption: providers.AllUpfront, UpfrontFee: 0.95 * ri1 * 8760, EffectiveHourlyRate: 0.95 * ri1, Covers: cover, PurchaseIncrement: 1, Currency: "USD"},
			providers.Offering{ID: fmt.Sprintf("ri3-%d", i), Provider: providers.AWS, Kind: providers.KindRIStandard, Term: providers.Term3Year,
				PaymentOption: providers.NoUpfront, RecurringHourlyFee: ri3, EffectiveHourlyRate: ri3, Covers: cover, PurchaseIncrement: 1, Currency: "USD"})
		sp.Covers = append(sp.Covers, providers.Coverage{Pool: p, SizeFactor: 1, Rate: od * (0.6 + 0.15*rng.Float64())})
	}
	book.Offerings = append(book.Offerings, sp)
	return book, pools
}

// TestRandomTracesAccounting runs every strategy on seeded random traces
// (steady, growing, shrinking and bursty pools) and checks the accounting
// invariants of checkAccounting, among them that the hindsight optimum
// costs no more than any strategy.
func TestRandomTracesAccounting(t *testing.T) {
	seeds := 4
	if testing.Short() {
		seeds = 2
	}
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(seed), 7))
			book, pools := randomBook(rng, 3)
			days := 75 + rng.IntN(30)
			var usage []providers.UsageSeries
			for _, p := range pools {
				base, trend, burst := 2+rng.Float64()*20, (rng.Float64()-0.5)*0.02, rng.Float64()*10
				drop := rng.IntN(days * 24)
				u := trace(days, func(h int) float64 {
					q := base * (1 + trend*float64(h)/24)
					if h%24 >= 8 && h%24 < 18 {
						q += burst
					}
					if rng.IntN(4) == 0 && h > drop {
						q /= 2
					}
					return max(0, math.Round(q))
				})[0]
				u.Pool = p
				usage = append(usage, u)
			}
			cad := Cadence{Days: 10 + rng.IntN(15)}
			res := runTest(t, Input{Book: book, Usage: usage}, Options{Cadence: cad, Lookback: time.Duration(14+rng.IntN(20)) * 24 * time.Hour})
			hind := res.Strategy(Hindsight)
			if !hind.Hindsight.Converged || hind.Hindsight.Bound > hind.Totals.Cost+1e-6*hind.Totals.Cost {
				t.Errorf("hindsight: bound %.4f above its realized cost %.4f (converged %v)", hind.Hindsight.Bound, hind.Totals.Cost, hind.Hindsight.Converged)
			}
			for _, s := range res.Strategies {
				if s.ShareOfHindsight != nil && *s.ShareOfHindsight > 1+1e-6 {
					t.Errorf("%s captures %.4f of the hindsight savings", s.Name, *s.ShareOfHindsight)
				}
			}
		})
	}
}

// repeatForecast gives k copies of the planner's repeat scenario, each with
// probability 1/k: a stochastic plan over them is the deterministic plan.
type repeatForecast struct{ k int }

func (repeatForecast) Name() string { return "repeat×k" }

func (f repeatForecast) Forecast(h []providers.UsageSeries, asOf time.Time, lb time.Duration, hours int) ([]planner.Scenario, error) {
	one, err := planner.Repeat{}.Forecast(h, asOf, lb, hours)
	if err != nil {
		return nil, err
	}
	out := make([]planner.Scenario, f.k)
	for i := range out {
		out[i] = one[0]
		out[i].Name, out[i].Probability = fmt.Sprint("copy", i), 1/float64(f.k)
	}
	return out, nil
}

// TestTrancheScenariosStrategy: planning over equal copies of the repeat
// scenario realizes what the repeat plan realizes; without a forecast the
// strategy is refused.
func TestTrancheScenariosStrategy(t *testing.T) {
	in := Input{Usage: trace(90, func(h int) float64 { return 10 + float64(h%24)/4 })}
	res := runTest(t, in, Options{Strategies: []StrategyName{Tranche, TrancheScenarios}, Forecast: repeatForecast{k: 3}})
	a, b := res.Strategy(Tranche), res.Strategy(TrancheScenarios)
	if a == nil || b == nil || !close(a.Totals.Cost, b.Totals.Cost, 1e-6) {
		t.Fatalf("tranche %+v, tranche-scenarios %+v: want the same cost", a, b)
	}
	in.Book = testBook()
	if _, err := Run(context.Background(), in, Options{Strategies: []StrategyName{TrancheScenarios}}); err == nil || !strings.Contains(err.Error(), "needs a forecast") {
		t.Errorf("no forecast: err %v", err)
	}
}

// TestPlannedOfferingIsBilled: a plan's purchase is billed as the offering
// the plan chose, even where another offering has the same kind, term,
// payment, fees and scope (two EC2 Instance Savings Plans of Windows
// families, whose pools are named by instance type: the scope of each is
// the region and platform). It used to be resolved by those fields alone,
// so a c5 plan bought by Tranche was billed as the c4 one listed first.
func TestPlannedOfferingIsBilled(t *testing.T) {
	key := func(family string) providers.PoolKey {
		return providers.PoolKey{Provider: providers.AWS, Region: "us-east-2", Service: "AmazonEC2", Family: family,
			Platform: "Windows", Tenancy: "Shared", Unit: providers.UnitInstanceHour}
	}
	c4x, c42x, c5x, c52x := key("c4.xlarge"), key("c4.2xlarge"), key("c5.xlarge"), key("c5.2xlarge")
	sp := func(id string, a, b providers.PoolKey) providers.Offering {
		return providers.Offering{ID: id, Provider: providers.AWS, Kind: providers.KindEC2InstanceSP, Term: providers.Term1Year,
			PaymentOption: providers.NoUpfront, RecurringHourlyFee: 1, EffectiveHourlyRate: 1,
			Covers: []providers.Coverage{{Pool: a, InstanceType: a.Family, SizeFactor: 1, Rate: 0.07},
				{Pool: b, InstanceType: b.Family, SizeFactor: 1, Rate: 0.14}}, PurchaseIncrement: 0.001, Currency: "USD"}
	}
	book := &providers.PriceBook{
		Schema: providers.PriceBookSchema, Currency: "USD", Source: providers.PriceSource{Name: "test"},
		OnDemand: []providers.OnDemandRate{{Pool: c4x, InstanceType: "c4.xlarge", SizeFactor: 1, HourlyRate: 0.10},
			{Pool: c42x, InstanceType: "c4.2xlarge", SizeFactor: 1, HourlyRate: 0.20},
			{Pool: c5x, InstanceType: "c5.xlarge", SizeFactor: 1, HourlyRate: 0.10},
			{Pool: c52x, InstanceType: "c5.2xlarge", SizeFactor: 1, HourlyRate: 0.20}},
		Offerings: []providers.Offering{sp("sp-c4", c4x, c42x), sp("sp-c5", c5x, c52x)},
	}
	usage := trace(60, func(int) float64 { return 20 })
	usage[0].Pool = c5x // 20 c5.xlarge: 1.40 $/h at the plan's rate
	one := trace(60, func(int) float64 { return 1 })
	one[0].Pool = c4x // a little c4 usage, so that both plans are in the problem
	usage = append(usage, one...)
	buyC5 := func(_ context.Context, in planner.Input, _ planner.Options, prefix string) ([]providers.Commitment, error) {
		if len(in.Owned) > 0 {
			return nil, nil
		}
		h := commitmentFor(prefix+"1", book.Offerings[1], 1, in.AsOf)
		c := h.c
		c.OfferingID = "sp-c5" // as planner.Plan.Commitments names it
		return []providers.Commitment{c}, nil
	}
	res := runTest(t, Input{Book: book, Usage: usage}, Options{Cadence: Cadence{Days: 14}, Strategies: []StrategyName{Tranche}, planner: buyC5})
	s := res.Strategy(Tranche)
	if len(s.Purchases) != 1 || s.Purchases[0].Offering != "sp-c5" {
		t.Fatalf("purchases %+v, want one of sp-c5", s.Purchases)
	}
	if u := s.Totals.Utilization; u == nil || *u < 0.999 {
		t.Errorf("the c5 plan's utilization %v, want 1: billed as another offering", u)
	}
}
