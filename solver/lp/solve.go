package lp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/tranchehq/tranche/solver/clp"
)

// Algorithm selects the LP method.
type Algorithm int

const (
	// DualSimplex is the default: robust, and the natural warm start after
	// rows are added (cutting planes).
	DualSimplex Algorithm = iota
	// PrimalSimplex is the primal simplex method.
	PrimalSimplex
	// Barrier is CLP's interior point method followed by crossover to a
	// basic solution. Re-solves of a Problem use the dual simplex.
	Barrier
)

var algorithmNames = [...]string{DualSimplex: "dual", PrimalSimplex: "primal", Barrier: "barrier"}

func (a Algorithm) String() string {
	if a >= 0 && int(a) < len(algorithmNames) {
		return algorithmNames[a]
	}
	return fmt.Sprintf("Algorithm(%d)", int(a))
}

// ParseAlgorithm parses "dual", "primal" or "barrier" (case-insensitive).
func ParseAlgorithm(s string) (Algorithm, error) {
	for a, n := range algorithmNames {
		if strings.EqualFold(s, n) {
			return Algorithm(a), nil
		}
	}
	return 0, fmt.Errorf("lp: unknown algorithm %q (want dual, primal or barrier)", s)
}

// DefaultFeasibilityTol is the post-solve feasibility tolerance used when
// Options.FeasibilityTol is zero.
const DefaultFeasibilityTol = 1e-6

// Options control a solve. The zero value solves with the dual simplex,
// silently, with no time limit and the default tolerance.
type Options struct {
	// Algorithm is the method for the first solve.
	Algorithm Algorithm
	// TimeLimit bounds the wall time of one Solve; 0 means none. A deadline
	// on the context applies too, whichever is sooner.
	TimeLimit time.Duration
	// LogLevel is CLP's printing to stdout: 0 silent (default), 1 final,
	// 2 factorizations, 3 more, 4 verbose.
	LogLevel int
	// FeasibilityTol is the tolerance of the independent post-solve check:
	// a row or column bound b is met when the value is within
	// FeasibilityTol·max(1, |b|) of it. 0 means DefaultFeasibilityTol.
	FeasibilityTol float64
	// IterationLimit bounds the simplex iterations of one Solve; 0 means none.
	IterationLimit int
}

func (o Options) tol() float64 {
	if o.FeasibilityTol > 0 {
		return o.FeasibilityTol
	}
	return DefaultFeasibilityTol
}

// Status is the outcome of a solve.
type Status int

const (
	// NotSolved is the zero value: no solve has produced a status.
	NotSolved Status = iota
	Optimal
	Infeasible
	Unbounded
	TimeLimit
	IterationLimit
	NumericalTrouble
	Canceled
)

var statusNames = [...]string{
	NotSolved: "not solved", Optimal: "optimal", Infeasible: "infeasible", Unbounded: "unbounded",
	TimeLimit: "time limit", IterationLimit: "iteration limit", NumericalTrouble: "numerical trouble",
	Canceled: "canceled",
}

func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Sentinel errors; Solve's errors wrap one of them (or ctx.Err(), or
// ErrInvalidModel).
var (
	ErrInfeasible     = errors.New("lp: problem is infeasible")
	ErrUnbounded      = errors.New("lp: problem is unbounded")
	ErrTimeLimit      = errors.New("lp: time limit reached")
	ErrIterationLimit = errors.New("lp: iteration limit reached")
	ErrNumerical      = errors.New("lp: numerical trouble")
)

// Solution is the result of a solve. Slices are indexed like the model's
// columns and rows.
type Solution struct {
	Status Status
	// Objective is cᵀx + offset, computed from Primal.
	Objective float64
	// Primal holds the column values x.
	Primal []float64
	// RowActivity holds A·x per row, recomputed from the model's triplets.
	RowActivity []float64
	// Dual holds the row duals y: ReducedCost = c − Aᵀy. At an optimum of
	// the minimisation, y_i ≥ 0 when row i is at its lower bound, ≤ 0 at
	// its upper bound, 0 when it is slack; y_i is the rate at which the
	// objective changes per unit increase of the active bound.
	Dual []float64
	// ReducedCost holds d = c − Aᵀy: ≥ 0 for a column at its lower bound,
	// ≤ 0 at its upper bound, 0 when strictly between.
	ReducedCost []float64
	// Iterations counts simplex (and barrier) iterations of this solve.
	Iterations int
	// MaxViolation is the largest bound violation found by the post-solve
	// check, each measured as |violation| / max(1, |bound|).
	MaxViolation float64
	// MaxDualViolation is the largest reduced cost of the wrong sign found
	// by the post-solve check, with the reduced costs recomputed in Go as
	// c − Aᵀ·Dual: a column strictly above its lower bound with d > 0, or
	// strictly below its upper bound with d < 0, measured as
	// |d| / max(1, |c_j|).
	MaxDualViolation float64
}

// Solve solves m from scratch. It returns (solution, nil) only when CLP
// reports an optimum and the independent check passes: A·x recomputed in Go
// from the model's triplets, and x, meet every row and column bound within
// Options.FeasibilityTol. Otherwise the error wraps ErrInfeasible,
// ErrUnbounded, ErrTimeLimit, ErrIterationLimit, ErrNumerical,
// ErrInvalidModel or ctx.Err() (a context deadline wraps both ErrTimeLimit
// and context.DeadlineExceeded), and the solution is returned when there is
// one (its Status tells what happened).
//
// Solve does not modify m; concurrent Solves of the same Model are safe.
func Solve(ctx context.Context, m *Model, opts Options) (*Solution, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("lp: solve %q: %w", m.name, err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	c := load(m, opts)
	defer c.Close()
	return run(ctx, c, m, opts, true)
}

// load builds the CLP model. m must be valid.
func load(m *Model, opts Options) *clp.Model {
	a := m.compress()
	nc, nr := len(m.cols), len(m.rows)
	cl, cu, obj := make([]float64, nc), make([]float64, nc), make([]float64, nc)
	for j, c := range m.cols {
		cl[j], cu[j], obj[j] = clpBound(c.lower), clpBound(c.upper), c.cost
	}
	rl, ru := make([]float64, nr), make([]float64, nr)
	for i, r := range m.rows {
		rl[i], ru[i] = clpBound(r.lower), clpBound(r.upper)
	}
	c := clp.NewModel()
	c.SetLogLevel(opts.LogLevel)
	c.SetScaling(defaultScaling)
	c.LoadProblem(nc, nr, a.start, a.index, a.value, cl, cu, obj, rl, ru)
	return c
}

// clpBound maps bounds of magnitude ≥ 1e30 to ±Inf, which clp passes on as
// ±COIN_DBL_MAX.
func clpBound(v float64) float64 {
	switch {
	case v >= infBound:
		return math.Inf(1)
	case v <= -infBound:
		return math.Inf(-1)
	}
	return v
}

// defaultScaling switches CLP's scaling off. With its automatic scaling (3)
// CLP gives columns without coefficients factors near 1e-20: unbounded
// problems come back "infeasible", warm starts leave such columns at the
// wrong bound, and a scaled cost beyond 1e25 aborts the process. Off costs
// about 20% on the random benchmark.
const defaultScaling = 0

// Tuning of the chunked solve loop. Between chunks the context is checked
// (a deadline, the context's or Options.TimeLimit, is CLP's own time limit
// as well). The chunks are counted in iterations, never sized by the
// clock: CLP does not take the same path when stopped and restarted at
// another iteration, and a solve must give the same answer every run. The
// first chunk is chunkFirst iterations and each next one twice the last,
// up to chunkMaxIters: a cancellation is seen within about the time the
// solve has already taken (and at most chunkMaxIters iterations), and a
// long solve stops only a few times. Each stop costs a refactorization and
// the pricing weights: with chunks sized to last 200 ms (about 220
// iterations each there) the 50-pool direct benchmark took 94 s, with
// these 42 s.
const (
	chunkFirst    = 1000
	chunkMaxIters = 1 << 16
	// minRemaining is the time below which the deadline counts as reached.
	minRemaining = time.Millisecond
)

// run solves c (which holds m) and builds the checked solution. first
// selects opts.Algorithm; later calls (Problem re-solves) warm-start with
// the simplex.
func run(ctx context.Context, c *clp.Model, m *Model, opts Options, first bool) (*Solution, error) {
	start := time.Now()
	var deadline time.Time
	if opts.TimeLimit > 0 {
		deadline = start.Add(opts.TimeLimit)
	}
	ctxDeadline := false
	if d, ok := ctx.Deadline(); ok && (deadline.IsZero() || d.Before(deadline)) {
		deadline, ctxDeadline = d, true
	}
	remaining := func() (float64, bool) {
		if deadline.IsZero() {
			return -1, true
		}
		r := time.Until(deadline)
		return r.Seconds(), r > minRemaining
	}

	iters := 0
	stop := func(st Status, err error) (*Solution, error) {
		sol := extract(c, m, st, iters)
		return sol, fmt.Errorf("lp: solve %q stopped after %d iterations: %w", m.name, iters, err)
	}
	timeUp := func() (*Solution, error) {
		if ctxDeadline {
			return stop(TimeLimit, errors.Join(ErrTimeLimit, context.DeadlineExceeded))
		}
		return stop(TimeLimit, ErrTimeLimit)
	}

	algo := opts.Algorithm
	if !first && algo == Barrier {
		algo = DualSimplex
	}
	if algo == Barrier {
		secs, ok := remaining()
		if !ok {
			return timeUp()
		}
		c.SetMaximumIterations(math.MaxInt32)
		c.SetMaximumSeconds(secs)
		c.InitialSolve(clp.MethodBarrier, true)
		iters += c.NumberIterations()
		// Whatever barrier and crossover left, the simplex below finishes
		// from it (or stops at once when it is optimal).
		algo = PrimalSimplex
	}

	chunk := chunkFirst
	cleaned, retried, confirmed := false, false, false
	for {
		if err := ctx.Err(); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return timeUp()
			}
			return stop(Canceled, err)
		}
		secs, ok := remaining()
		if !ok {
			return timeUp()
		}
		n := chunk
		if opts.IterationLimit > 0 {
			if iters >= opts.IterationLimit {
				return stop(IterationLimit, ErrIterationLimit)
			}
			n = min(n, opts.IterationLimit-iters)
		}
		c.SetMaximumIterations(n)
		c.SetMaximumSeconds(secs)
		if algo == PrimalSimplex {
			c.Primal()
		} else {
			c.Dual()
		}
		done := c.NumberIterations()
		iters += done
		switch c.Status() {
		case clp.StatusStopped:
			// The iteration chunk (or CLP's time limit, which the next
			// pass reports): go on from the basis with a longer chunk.
			chunk = min(2*chunk, chunkMaxIters)
			continue
		case clp.StatusOptimal:
			if sec := c.SecondaryStatus(); (sec >= 2 && sec <= 4) && !cleaned {
				// Optimal when scaled but not unscaled: CLP's own remedy is
				// a primal pass on the unscaled problem.
				cleaned = true
				algo = PrimalSimplex
				continue
			}
			sol := extract(c, m, Optimal, iters)
			if sol.MaxViolation > opts.tol() || sol.MaxDualViolation > opts.tol() {
				if !cleaned {
					// Finish with the primal simplex, after freeing any
					// column CLP wrongly holds fixed.
					cleaned = true
					algo = PrimalSimplex
					repairStatuses(c)
					continue
				}
				sol.Status = NumericalTrouble
				return sol, fmt.Errorf("%w: solve %q: CLP reports optimal but the independent check finds a bound violated by %.3g and a reduced cost of the wrong sign by %.3g (tolerance %g)",
					ErrNumerical, m.name, sol.MaxViolation, sol.MaxDualViolation, opts.tol())
			}
			return sol, nil
		case clp.StatusInfeasible, clp.StatusUnbounded:
			if !confirmed {
				// Confirm the verdict once from the final basis, with
				// wrongly fixed columns freed: cheap, and it catches the
				// spurious "infeasible" that CLP gives for some unbounded
				// problems (see defaultScaling).
				confirmed = true
				repairStatuses(c)
				continue
			}
		}
		switch c.Status() {
		case clp.StatusInfeasible:
			return &Solution{Status: Infeasible, Iterations: iters}, fmt.Errorf("%w: model %q", ErrInfeasible, m.name)
		case clp.StatusUnbounded:
			return &Solution{Status: Unbounded, Iterations: iters}, fmt.Errorf("%w: model %q", ErrUnbounded, m.name)
		default:
			if !retried {
				// Numerical failure: try once more with the other simplex.
				retried = true
				if algo == PrimalSimplex {
					algo = DualSimplex
				} else {
					algo = PrimalSimplex
				}
				continue
			}
			return stop(NumericalTrouble, fmt.Errorf("%w: CLP status %d, secondary status %d", ErrNumerical, c.Status(), c.SecondaryStatus()))
		}
	}
}

// extract copies the solution out of CLP and checks it against m.
func extract(c *clp.Model, m *Model, st Status, iters int) *Solution {
	x := c.PrimalColumnSolution()
	sol := &Solution{
		Status:      st,
		Primal:      x,
		Dual:        c.DualRowSolution(),
		ReducedCost: c.DualColumnSolution(),
		Iterations:  iters,
	}
	sol.RowActivity = m.rowActivity(x)
	obj := m.offset
	for j, col := range m.cols {
		obj += col.cost * x[j]
	}
	sol.Objective = obj
	sol.MaxViolation = m.maxViolation(x, sol.RowActivity)
	sol.MaxDualViolation = m.maxDualViolation(x, sol.Dual)
	return sol
}

// violation measures how far v is outside [lower, upper], relative to
// max(1, |bound|). NaN values count as infinitely far.
func violation(v, lower, upper float64) float64 {
	if math.IsNaN(v) {
		return math.Inf(1)
	}
	if lower > -infBound && v < lower {
		return (lower - v) / max(1, math.Abs(lower))
	}
	if upper < infBound && v > upper {
		return (v - upper) / max(1, math.Abs(upper))
	}
	return 0
}

func (m *Model) maxViolation(x, ax []float64) float64 {
	worst := 0.0
	for j, col := range m.cols {
		worst = max(worst, violation(x[j], col.lower, col.upper))
	}
	for i, r := range m.rows {
		worst = max(worst, violation(ax[i], r.lower, r.upper))
	}
	return worst
}

// maxDualViolation checks the reduced costs c − Aᵀy, recomputed from the
// triplets, against the position of each column within its bounds. A column
// counts as at a bound when within 1e-9·max(1, |bound|) of it.
func (m *Model) maxDualViolation(x, y []float64) float64 {
	d := make([]float64, len(m.cols))
	for j, c := range m.cols {
		d[j] = c.cost
	}
	for k, v := range m.tVal {
		d[m.tCol[k]] -= v * y[m.tRow[k]]
	}
	const at = 1e-9
	worst := 0.0
	for j, c := range m.cols {
		if math.IsNaN(d[j]) {
			return math.Inf(1)
		}
		scale := max(1, math.Abs(c.cost))
		aboveLower := c.lower <= -infBound || x[j] > c.lower+at*max(1, math.Abs(c.lower))
		belowUpper := c.upper >= infBound || x[j] < c.upper-at*max(1, math.Abs(c.upper))
		if aboveLower && d[j] > 0 {
			worst = max(worst, d[j]/scale)
		}
		if belowUpper && d[j] < 0 {
			worst = max(worst, -d[j]/scale)
		}
	}
	return worst
}

// repairStatuses frees the columns CLP marked as fixed although their
// bounds differ (it does so when scaling hides the gap between them, and
// then never moves them again); each goes back to the bound its reduced
// cost asks for.
func repairStatuses(c *clp.Model) {
	lo, up, d := c.ColumnLower(), c.ColumnUpper(), c.DualColumnSolution()
	for j := range lo {
		if lo[j] < up[j] && c.ColumnStatus(j) == clp.BasisFixed {
			c.SetColumnStatus(j, nonbasicStatus(d[j], lo[j], up[j]))
		}
	}
}

// nonbasicStatus is the dual feasible status of a nonbasic column with
// reduced cost d and bounds [lo, up] (±Inf when infinite).
func nonbasicStatus(d, lo, up float64) int {
	finLo, finUp := !math.IsInf(lo, -1), !math.IsInf(up, 1)
	switch {
	case finLo && finUp && lo == up:
		return clp.BasisFixed
	case d > 0 && finLo, d >= 0 && finLo && !finUp:
		return clp.BasisAtLower
	case finUp:
		return clp.BasisAtUpper
	case finLo:
		return clp.BasisAtLower
	}
	return clp.BasisFree
}
