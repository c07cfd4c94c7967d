package solver

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/tranchehq/tranche/solver/lp"
)

// Method chooses how the continuous problem is solved.
type Method int

const (
	// Auto solves the direct LP while it is small (Options.DirectLimit) and
	// has one scenario, and decomposes otherwise; the waste limits, which
	// only the direct LP carries, make it direct.
	Auto Method = iota
	// Direct solves the LP of doc.go over every class of hours at once.
	Direct
	// Benders decomposes it over the purchase variables.
	Benders
)

func (m Method) String() string {
	switch m {
	case Direct:
		return "direct"
	case Benders:
		return "benders"
	}
	return "auto"
}

// ParseMethod parses "auto", "direct" or "benders".
func ParseMethod(s string) (Method, error) {
	for _, m := range []Method{Auto, Direct, Benders} {
		if strings.EqualFold(s, m.String()) {
			return m, nil
		}
	}
	return Auto, fmt.Errorf("solver: unknown method %q (want auto, direct or benders)", s)
}

// Progress reports the state of a long solve.
type Progress struct {
	Stage     string  // "direct", "benders", "rounding", "evaluating"
	Iteration int     // Benders iteration
	Upper     float64 // best cost found so far, USD
	Lower     float64 // best lower bound so far, USD (−Inf when none)
}

// Options tune Solve. The zero value is ready to use.
type Options struct {
	Method Method
	// LP is passed to every LP solve.
	LP lp.Options
	// Tolerance is the relative optimality gap at which Benders stops;
	// 0 means 1e-6.
	Tolerance float64
	// MaxIterations bounds Benders; 0 means 2000.
	MaxIterations int
	// TimeLimit bounds the Benders iterations; 0 means none. When it (or
	// MaxIterations) is reached, Solve returns the best purchase found with
	// Converged false and the proven Bound, rather than an error. Each
	// component of the continuous problem gets it; rounding's
	// re-optimization of the spend offerings gets what is left of it since
	// Solve began, and is skipped when nothing is.
	TimeLimit time.Duration
	// Groups is the number of groups of hour classes that get a Benders cut
	// each (multi-cut); 0 means 4. With purchase windows, hours with
	// different sets of active purchases are grouped apart, with half as
	// many groups (rounded up) for each set.
	Groups int
	// DirectLimit is the largest number of coverage columns for which Auto
	// chooses the direct LP; 0 means 200,000.
	DirectLimit int
	// NoComponents solves the problem as a whole even when groups of pools
	// that no offering links could be solved apart.
	NoComponents bool
	// SampleWeeks > 1 optimizes on one week in SampleWeeks of each
	// scenario's hours (a measured approximation for problems too large to
	// solve whole): the answer is then billed on the full data, and Bound
	// is the Lagrangian bound over every hour priced at it, so the gap
	// Objective − Bound is proven on the full problem (docs/solver.md).
	SampleWeeks int
	// NoCompression keeps every hour its own class (segments still split
	// where commitments start or end); for measuring what compression buys.
	NoCompression bool
	// Progress, when set, is called from the solving goroutine.
	Progress func(Progress)

	// noBound skips the bounds of a solve whose bound nobody reads
	// (rounding's re-optimization): the Lagrangian bound (lagrange.go)
	// and the master of the allocation's duals, whose dual values are a
	// fifth of the fill's work (benders.go).
	noBound bool
	// noTwins gives every source its own coverage columns in the direct
	// LP (compiled.twins), for the tests that check the grouping.
	noTwins bool
	// started is when Solve began (for TimeLimit's share of rounding).
	started time.Time
}

func (o Options) withDefaults() Options {
	if o.Tolerance <= 0 {
		o.Tolerance = 1e-6
	}
	if o.MaxIterations <= 0 {
		o.MaxIterations = 2000
	}
	if o.Groups <= 0 {
		o.Groups = 4
	}
	if o.DirectLimit <= 0 {
		o.DirectLimit = 200_000
	}
	return o
}

// Result is the answer to a Problem. Every money figure in it comes from
// Simulate, except Objective and Bound, which are the model's own; with
// Problem.Scenarios every one is the expectation over the scenarios, and
// Baseline.Scenarios and Bill.Scenarios hold each scenario's bill.
type Result struct {
	// Method is the method that solved the (largest) component.
	Method Method
	// Purchases are the lines of the plan: one per offering bought.
	Purchases []Purchase
	// Relaxed is the continuous optimum per offering (before rounding),
	// Quantity the purchase per offering after rounding and repair.
	Relaxed, Quantity []float64
	// Objective is the model's total cost of Relaxed over the horizon and
	// Bound a proven lower bound on the optimum, USD.
	Objective, Bound float64
	// Converged reports whether Objective is proven within
	// Options.Tolerance of the optimum; when false, the plan is the best
	// found before the iteration or time limit and the true optimum lies
	// between Bound and Objective.
	Converged bool
	// DualBound, when set, says why Bound was proven from feasible duals
	// of each hour's allocation LP rather than from the billing fill: where
	// savings plans of one tier charge rates that are not proportional, the
	// billing rule (one plan after the other, each to the highest discount
	// first) need not be the cheapest allocation, and the billing fill's
	// cuts bound nothing. The gap Objective − Bound then includes what the
	// billing rule charges beyond the cheapest allocation, so Converged is
	// seldom true; the gap is the proof.
	DualBound string
	// Stopped reports that the decomposition ended at its iteration or
	// time limit rather than at its own stopping test.
	Stopped bool
	// BoundNote says why Bound is not a proof when the method's bound
	// rests on an assumption the problem breaks (Converged is then false).
	BoundNote string
	// Baseline is the bill with the owned commitments only (buying
	// nothing new); Bill is the bill with the purchases too.
	Baseline, Bill *Bill
	// RelaxedCost is the simulated cost of Relaxed, USD.
	RelaxedCost float64
	// ModelGap is RelaxedCost − Objective: what the billing rule charges
	// beyond the model's best allocation of the same purchase. It is zero
	// where the billing rule allocates optimally (see doc.go).
	ModelGap float64
	// RoundingGap is Bill.Total − RelaxedCost: the savings given up to buy
	// whole instances.
	RoundingGap float64
	// Savings is Baseline.Total − Bill.Total over the horizon, USD.
	Savings     float64
	Compression Compression
	// Iterations counts Benders iterations (0 for the direct LP).
	Iterations int
	// LPRows and LPColumns give the size of the largest LP solved.
	LPRows, LPColumns int
	// Binding lists the policy limits that hold the plan back.
	Binding []Binding
	Elapsed time.Duration
}

// Purchase is one line of a plan, with what a reviewer needs to judge it.
// Money is over the horizon unless named monthly, in expectation over the
// scenarios. A line is active only in
// its offering's window (Offering.Window): its utilization and savings are
// measured over those hours, and its monthly figures per month of them.
type Purchase struct {
	Offering   int
	OfferingID string
	// Quantity is in the offering's units: instances, or USD per hour.
	Quantity float64
	// Upfront is the one-time payment, USD: the whole fee, even when the
	// window is shorter than the term; HourlyCost the upfront amortized
	// over the term plus the recurring fee, USD per hour;
	// RecurringMonthly the recurring fee per month, USD.
	Upfront, HourlyCost, RecurringMonthly float64
	// Start and End are the line's active hours [Start, End) in the
	// horizon (with scenarios, in each scenario's hours, from its first).
	Start, End int
	// Utilization is the share of the line's capacity used in the
	// simulation.
	Utilization float64
	// CoverageAdded is the share of eligible usage (at on-demand value) the
	// line covers in the simulation.
	CoverageAdded float64
	// Savings is the on-demand value of the usage the line covers minus
	// what the line costs, USD over the horizon; MonthlySavings per month.
	Savings, MonthlySavings float64
	// BreakEvenMonths is the number of months until the line's monthly
	// savings before amortization (covered value − recurring fee) repay its
	// upfront payment: 0 without upfront, +Inf when they never do.
	BreakEvenMonths float64
	// NextUnitSavings is what one more purchase increment (one instance, or
	// $1/h for spend offerings bought in any amount) would save over the
	// horizon; negative means it would cost more than it saves.
	NextUnitSavings float64
	// Reasons explain the line in words.
	Reasons []string
}

// Solve finds the cheapest purchase over the horizon within the policy.
// The continuous problem is solved exactly (Direct, or Benders to
// Options.Tolerance), whole-instance offerings are rounded down and
// repaired, and the answer is evaluated by Simulate. A cancelled context
// ends it with the context's error, never with an answer or another error.
func Solve(ctx context.Context, p *Problem, opts Options) (*Result, error) {
	res, err := solve(ctx, p, opts)
	// Once cancelled, a sweep of the billing fill stops early and what it
	// returns is partial (compiled.ctx); and a step that notes a failed
	// sub-solve and goes on (an unproven bound) must not turn a
	// cancellation into an answer. Whatever came of it, cancelled is
	// cancelled.
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(err, cerr) {
			return nil, err // it names the step that saw it
		}
		return nil, fmt.Errorf("solver: %w", cerr)
	}
	return res, err
}

func solve(ctx context.Context, p *Problem, opts Options) (*Result, error) {
	start := time.Now()
	if err := p.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	opts.started = start
	res := &Result{Relaxed: make([]float64, len(p.Offerings))}

	rel, err := solveRelaxedSplit(ctx, p, bounds{}, &opts, res)
	if err != nil {
		return nil, err
	}
	copy(res.Relaxed, rel.x)
	res.Objective, res.Bound, res.Converged = rel.objective, rel.bound, rel.converged
	res.Method, res.Iterations = rel.method, rel.iters
	// Benders' cuts come from the billing fill; where it may allocate worse
	// than the model the bound comes from the allocation's duals instead
	// (solveBenders), or there is none.
	res.DualBound, res.Stopped = rel.dualBound, rel.stopped
	if rel.boundNote != "" {
		res.Converged, res.BoundNote = false, rel.boundNote
	}
	res.LPRows, res.LPColumns = rel.rows, rel.cols
	res.Binding = rel.binding

	// One compiled form of the whole problem serves rounding and the plan
	// lines.
	c := rel.whole
	if c == nil {
		c = compile(ctx, p, !opts.NoCompression, opts.SampleWeeks)
	}
	q, err := roundRepair(ctx, p, c, rel, &opts)
	if err != nil {
		return nil, err
	}
	res.Quantity = q
	if opts.Progress != nil {
		opts.Progress(Progress{Stage: "evaluating", Upper: rel.objective, Lower: rel.bound})
	}
	owned := ownedHoldings(p)
	if res.Baseline, err = Simulate(p, owned, SimOptions{}); err != nil {
		return nil, err
	}
	relBill, err := Simulate(p, append(owned, purchaseHoldings(p, res.Relaxed)...), SimOptions{})
	if err != nil {
		return nil, err
	}
	res.RelaxedCost = relBill.Total
	if opts.SampleWeeks > 1 {
		// Optimized on sampled weeks: measure the answer on the full data.
		// Its billed cost is the objective, and the Lagrangian bound priced
		// at it over every hour (lagrange.go) is a proven lower bound on the
		// full problem whatever the sample missed.
		full := compile(ctx, p, !opts.NoCompression, 1)
		l, _ := full.lagrangeBound(res.Relaxed, bounds{})
		res.Objective = res.RelaxedCost
		res.Bound = min(l, res.Objective)
		res.Converged = res.Objective-res.Bound <= opts.Tolerance*max(1, math.Abs(res.Objective))
		res.DualBound, res.BoundNote = "", ""
		c = full
	}
	res.ModelGap = res.RelaxedCost - res.Objective
	hs := append(ownedHoldings(p), purchaseHoldings(p, q)...)
	if res.Bill, err = Simulate(p, hs, SimOptions{}); err != nil {
		return nil, err
	}
	// Rounding moves the purchase off the optimum; should the billed result
	// ever cost more than buying nothing, buy nothing.
	if res.Bill.Total > res.Baseline.Total {
		clear(q)
		res.Bill = res.Baseline
	}
	res.RoundingGap = res.Bill.Total - res.RelaxedCost
	res.Savings = res.Baseline.Total - res.Bill.Total
	res.Purchases = purchaseLines(p, c, q, res.Bill, len(owned), rel)
	res.Elapsed = time.Since(start)
	return res, nil
}

// solveRelaxedSplit solves the continuous problem, component by component
// when no policy row links them.
func solveRelaxedSplit(ctx context.Context, p *Problem, b bounds, opts *Options, res *Result) (*relaxed, error) {
	comps := components(p)
	if opts.NoComponents || p.Policy.couples() || len(comps) <= 1 {
		c := compile(ctx, p, !opts.NoCompression, opts.SampleWeeks)
		if res != nil {
			res.Compression = c.stats
		}
		r, err := solveRelaxed(ctx, c, b, opts)
		if r != nil {
			r.whole = c
		}
		return r, err
	}
	out := &relaxed{x: make([]float64, len(p.Offerings)), converged: true}
	covered := make([]bool, len(p.Pools))
	var stats Compression
	for _, comp := range comps {
		pools, offs := comp[0], comp[1]
		sub := subproblem(p, pools, offs)
		sb := bounds{}
		if b.lo != nil || b.hi != nil {
			sb.lo, sb.hi = make([]float64, len(offs)), make([]float64, len(offs))
			for i, k := range offs {
				sb.lo[i], sb.hi[i] = b.get(k)
			}
		}
		c := compile(ctx, sub, !opts.NoCompression, opts.SampleWeeks)
		stats.Hours = c.stats.Hours
		stats.Classes += c.stats.Classes
		stats.Segments += c.stats.Segments
		r, err := solveRelaxed(ctx, c, sb, opts)
		if err != nil {
			return nil, fmt.Errorf("solver: component of %d pools starting at %s: %w", len(pools), poolName(p, pools[0]), err)
		}
		for i, k := range offs {
			out.x[k] = r.x[i]
		}
		out.binding = append(out.binding, r.binding...)
		for _, pi := range pools {
			covered[pi] = true
		}
		out.objective += r.objective
		out.bound += r.bound
		out.converged = out.converged && r.converged
		out.stopped = out.stopped || r.stopped
		if out.dualBound == "" {
			out.dualBound = r.dualBound
		}
		if out.boundNote == "" {
			out.boundNote = r.boundNote
		}
		out.iters += r.iters
		if r.rows*r.cols >= out.rows*out.cols {
			out.rows, out.cols, out.method = r.rows, r.cols, r.method
		}
	}
	// Pools no offering covers are paid on demand whatever is bought.
	for i := range p.Pools {
		if !covered[i] {
			var v float64
			for _, u := range p.Pools[i].Usage {
				v += u
			}
			out.objective += v * p.Pools[i].OnDemandRate
			out.bound += v * p.Pools[i].OnDemandRate
		}
	}
	stats.Components = len(comps)
	if res != nil {
		res.Compression = stats
	}
	return out, nil
}

// fallbackColumns bounds the direct LP that Auto solves after Benders ends
// unproven (solveRelaxed). A count, not a clock, so that the same inputs
// give the same answer. Measured: the migration demo trace's hindsight over
// 270 days (53,831 columns with its twins grouped) took CLP 38–46 s; over
// 730 days (23 dates) the grouped LP ran for more than 5 minutes where
// Benders' unproven answer took 2.6 s.
const fallbackColumns = 60_000

// solveRelaxed solves one compiled problem with the chosen method. Under
// Benders a utilization floor is met by capping the purchases that fall
// short (utilizationCaps) and solving again; the cuts stay valid because
// the caps only shrink the feasible set.
func solveRelaxed(ctx context.Context, c *compiled, b bounds, opts *Options) (*relaxed, error) {
	method := opts.Method
	// fallback: Auto chose Benders, and should it end without proving its
	// answer, the direct LP with its twins grouped is solved instead where
	// it is small enough (see below; counted only then).
	fallback := false
	if method == Auto {
		method = Benders
		// With scenarios the hours hardly merge and the direct LP grows
		// with them: measured, a 4-scenario, 3-pool year took CLP 277 s
		// (92k iterations) where Benders took 0.7 s. The limit counts the
		// columns one per source (compiled.twins off): measured on the
		// demo traces over 730 days (23 decision dates), Benders proves the
		// hindsight optimum in about 2 s where the direct LP with its
		// twins grouped, under the limit, took 121–155 s.
		single := len(c.p.Scenarios) <= 1
		if (single && c.coverColumns(c.twins(false, true)) <= opts.DirectLimit) || c.p.Policy.wasteRows() {
			method = Direct
		}
		fallback = method == Benders && single && opts.TimeLimit <= 0 && !opts.noBound && c.p.Policy.MinUtilization <= 0
	}
	if method == Benders && c.p.Policy.wasteRows() {
		return nil, fmt.Errorf("solver: the waste limits (max_expected_waste_share, max_tail_waste_share) depend on how the fill allocates usage, which the decomposition's cuts do not describe; use the direct method (or auto): %w", ErrUnsupported)
	}
	if method == Direct {
		if opts.Progress != nil {
			opts.Progress(Progress{Stage: "direct", Lower: math.Inf(-1)})
		}
		return solveDirect(ctx, c, b, opts)
	}
	if fallback {
		// Benders stops unproven where the billing fill's cuts are not
		// valid (docs/solver.md, "When Benders' bound is not a proof"): on
		// the migration demo trace's hindsight its answer was 0.04 % above
		// the optimum with a bound 12 % below, in 0.3 s; the direct LP
		// proves the optimum in 46 s.
		r, err := solveBenders(ctx, c, b, opts)
		if err != nil || r.converged || c.coverColumns(c.twins(false, opts.noTwins)) > min(opts.DirectLimit, fallbackColumns) {
			return r, err
		}
		if opts.Progress != nil {
			opts.Progress(Progress{Stage: "direct", Lower: math.Inf(-1)})
		}
		d, err := solveDirect(ctx, c, b, opts)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			return r, nil // the decomposition's answer, unproven as it says
		}
		return d, nil
	}
	phi := c.p.Policy.MinUtilization
	nk := len(c.p.Offerings)
	hi := make([]float64, nk)
	lo := make([]float64, nk)
	for k := range hi {
		lo[k], hi[k] = b.get(k)
	}
	capped := map[int]bool{}
	for round := 0; ; round++ {
		r, err := solveBenders(ctx, c, bounds{lo: lo, hi: hi}, opts)
		if err != nil || phi <= 0 {
			return r, err
		}
		caps := c.utilizationCaps(r.x, phi)
		if len(caps) == 0 || round >= 20 {
			for k := range capped {
				if r.x[k] >= hi[k]*(1-1e-9) {
					text := fmt.Sprintf("The %.0f%% minimum utilization limits the purchase of %s to %.4g units.", 100*phi, c.p.Offerings[k].ID, hi[k])
					if c.pctBlock >= 0 {
						text = fmt.Sprintf("The %.0f%% minimum utilization, in expectation and in %s (the scenario at the %.0fth percentile of usage), limits the purchase of %s to %.4g units.",
							100*phi, c.p.scenarioName(c.pctBlock), 100*c.p.Policy.UtilizationFloorPercentile, c.p.Offerings[k].ID, hi[k])
					}
					r.binding = append(r.binding, Binding{Constraint: "min_utilization", Offering: c.p.Offerings[k].ID, Limit: phi, Text: text})
				}
			}
			return r, nil
		}
		for k, q := range caps {
			hi[k] = max(lo[k], min(hi[k], q))
			capped[k] = true
		}
	}
}
