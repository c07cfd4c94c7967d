package planner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/solver"
)

// The efficient frontier of a plan: expected savings against risk, for a
// range of purchases, each billed in the risk scenarios the way
// evaluateRisk bills the plan (owned commitments with and without the
// purchases to make now). Risk is the conditional value at risk of regret
// at the plan's risk level β (0.9 unless the policy says otherwise): the
// probability-weighted mean monthly loss against buying nothing over the
// worst 1 − β of the scenarios, the measure max_regret limits.
//
// Two ways to get the points:
//
//   - curve (the default, cheap): the points of the savings-versus-
//     commitment curve — the plan's purchases to make now scaled 0–150 % —
//     each billed in every scenario. These are not optimized for their risk:
//     they show what buying more or less of the same costs and risks.
//   - sweep (Options.Frontier, purchases optimized over scenarios): the
//     two-stage stochastic LP solved again with max_regret at each limit of
//     a sweep, from 0 to the regret of the plan without that limit. The LP's
//     optimum cannot get worse as the limit loosens (its feasible set only
//     grows), so the sweep's expected savings rise with the limit, up to the
//     solver's gaps and whole-instance rounding. The solver offers no warm
//     start from a given purchase (its Benders warm start is internal), so
//     each point is a full solve.

// FrontierOptions asks for the sweep frontier. The zero value asks for 5
// points.
type FrontierOptions struct {
	// Points is how many plans to solve: the one without a regret limit,
	// then max_regret from 0 up to that plan's regret in Points − 1 equal
	// steps. 0 means 5. Ignored when Limits is set.
	Points int
	// Limits, when set, are the max_regret values to solve for, in the
	// plan's currency per month.
	Limits []float64
}

// Frontier is expected savings against risk for a range of purchases.
type Frontier struct {
	// Method is "curve" or "sweep" (see frontier.go); Description says in
	// words what the points are.
	Method      string `json:"Method"`
	Description string `json:"Description"`
	Forecast    string `json:"Forecast"`
	Scenarios   int    `json:"Scenarios"`
	// RiskLevel is β of the risk measure: 0.9 is the worst 10 % of
	// scenarios.
	RiskLevel float64         `json:"RiskLevel"`
	Points    []FrontierPoint `json:"Points"`
}

// FrontierPoint is one candidate purchase billed in the scenarios. Money
// is monthly, in the plan's currency; shares 0–100.
type FrontierPoint struct {
	// Label says what produced the point; Scale is set for curve points
	// (1 = the plan's purchases), MaxRegret for sweep points solved with
	// that limit (currency per month; absent: no regret limit).
	Label     string   `json:"Label"`
	Scale     *float64 `json:"Scale,omitempty"`
	MaxRegret *float64 `json:"MaxRegret,omitempty"`
	// Chosen marks the plan's own purchases.
	Chosen bool `json:"Chosen"`
	// Efficient is true unless another point has at least the expected
	// savings at no more risk, and is better in one of the two.
	Efficient              bool    `json:"Efficient"`
	ExpectedMonthlySavings float64 `json:"ExpectedMonthlySavings"`
	MonthlySavingsP10      float64 `json:"MonthlySavingsP10"`
	// CVaRRegret is the mean monthly regret (cost with the purchases minus
	// cost without) over the worst 1 − RiskLevel of the scenarios.
	CVaRRegret           float64 `json:"CVaRRegret"`
	ProbabilityOfLoss    float64 `json:"ProbabilityOfLoss"`
	ExpectedMonthlyWaste float64 `json:"ExpectedMonthlyWaste"`
	// HourlyCommitment and UpfrontCost are of the purchases to make now.
	HourlyCommitment float64 `json:"HourlyCommitment"`
	UpfrontCost      float64 `json:"UpfrontCost"`
	// SolverGap is, for a sweep point, how much more a month the best
	// purchase within its limit might save: the solver's unproven gap plus
	// its rounding and model gaps, per month.
	SolverGap float64 `json:"SolverGap,omitempty"`
}

// frontierInput is what MakePlan hands the frontier.
type frontierInput struct {
	built    *Built
	res      *solver.Result
	scen     []Scenario
	book     *providers.PriceBook
	owned    []providers.Commitment
	bills    *scenarioBills // the plan's own purchases, from evaluateRisk
	forecast string
}

// frontier fills p.Frontier; without risk scenarios there is none.
func (p *Plan) frontier(ctx context.Context, in frontierInput, opt Options) error {
	if in.bills == nil || len(in.scen) == 0 {
		return nil
	}
	level := p.Policy.RiskLevel
	if level == 0 {
		level = DefaultRiskLevel
	}
	f := &Frontier{Method: "curve", Forecast: in.forecast, Scenarios: len(in.scen), RiskLevel: level}
	var hourly, upfront float64
	for _, l := range p.Lines {
		if l.Tranche != "later" {
			hourly += l.HourlyCommitmentToPurchase
			upfront += l.UpfrontCost
		}
	}
	var err error
	switch {
	case opt.Frontier != nil && p.Scenarios > 1:
		f.Method = "sweep"
		err = p.sweepFrontier(ctx, in, opt, f, hourly, upfront)
	default:
		if opt.Frontier != nil {
			p.Notes = append(p.Notes, "FRONTIER: a sweep of regret limits needs purchases optimized over scenarios (--optimize scenarios); the frontier shown is the commitment curve's")
		}
		err = p.curveFrontier(ctx, in, opt, f, hourly, upfront)
	}
	if err != nil {
		return err
	}
	markEfficient(f.Points)
	p.Frontier = f
	return nil
}

// curveFrontier bills the plan's purchases to make now, scaled by each of
// curveScales, in every scenario.
func (p *Plan) curveFrontier(ctx context.Context, in frontierInput, opt Options, f *Frontier, hourly, upfront float64) error {
	f.Description = fmt.Sprintf("plans along the commitment curve (the purchases to make now scaled %s–%s), each billed in %d scenarios of the %s forecast; not optimized for their risk",
		pct(100*curveScales[0]), pct(100*curveScales[len(curveScales)-1]), len(in.scen), in.forecast)
	progressf(opt, "frontier: billing %d plans along the commitment curve in %d scenarios", len(curveScales), len(in.scen))
	now := p.Commitments("plan-line-", p.AsOf)
	cands := make([][]providers.Commitment, len(curveScales))
	for i, s := range curveScales {
		for _, c := range now {
			if s <= 0 {
				continue
			}
			c.Quantity *= s
			c.UpfrontFee *= s
			c.RecurringHourlyFee *= s
			cands[i] = append(cands[i], c)
		}
	}
	bills, err := billCandidates(ctx, in.scen, in.book, in.owned, cands)
	if err != nil {
		return fmt.Errorf("planner: frontier: %w", err)
	}
	for i, s := range curveScales {
		s := s
		pt := frontierPoint(bills[i], f.RiskLevel)
		pt.Label, pt.Scale, pt.Chosen = fmt.Sprintf("purchases scaled %s", pct(100*s)), &s, s == 1
		pt.HourlyCommitment, pt.UpfrontCost = s*hourly, s*upfront
		f.Points = append(f.Points, pt)
	}
	return nil
}

// sweepFrontier solves the stochastic problem again for each max_regret
// limit and bills each answer in the scenarios. A solve that fails or
// stops at the solver's time or iteration limit is left out, and the notes
// say so.
func (p *Plan) sweepFrontier(ctx context.Context, in frontierInput, opt Options, f *Frontier, hourly, upfront float64) error {
	months := float64(p.Horizon.Hours) / hoursPerMonth
	chosen := frontierPoint(in.bills, f.RiskLevel)
	chosen.Chosen, chosen.HourlyCommitment, chosen.UpfrontCost = true, hourly, upfront
	if r := in.res; r != nil {
		chosen.SolverGap = (math.Max(0, r.Objective-r.Bound) + math.Abs(r.RoundingGap) + math.Abs(r.ModelGap)) / months
	}
	chosen.Label = "the plan (no regret limit)"
	if lim := p.Policy.MaxRegret; lim != nil {
		v := *lim
		chosen.MaxRegret = &v
		chosen.Label = fmt.Sprintf("the plan (max_regret %s/month)", money(p.Currency, v))
	}
	f.Points = append(f.Points, chosen)
	type solved struct {
		limit *float64
		q     *Plan
		gap   float64
	}
	var done []solved
	var failed []string
	total := 0
	step := 0
	solve := func(limit *float64) (*Plan, error) {
		step++
		what := "no regret limit"
		prob := *in.built.Problem
		if limit != nil {
			what = fmt.Sprintf("max_regret %s/month", money(p.Currency, *limit))
			v := *limit * months // the solver's limit is over the horizon
			prob.Policy.MaxCVaRRegret = &v
		} else {
			prob.Policy.MaxCVaRRegret = nil
		}
		progressf(opt, "frontier point %d/%d: solving over %d scenarios with %s", step, total, max(1, len(prob.Scenarios)), what)
		res, err := solver.Solve(ctx, &prob, opt.Solver)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			failed = append(failed, fmt.Sprintf("%s (%v)", what, err))
			return nil, nil
		}
		if res.Stopped && !res.Converged {
			// Stopped at its time or iteration limit. (A bound note is
			// about the problem, not this solve: the plan has it too, and
			// the notes say so.)
			failed = append(failed, fmt.Sprintf("%s (stopped at the solver's limit, %s from proven)", what, money(p.Currency, math.Max(0, res.Objective-res.Bound))))
			return nil, nil
		}
		q := &Plan{AsOf: p.AsOf, Horizon: p.Horizon, Currency: p.Currency}
		q.fill(in.built, res)
		gap := (math.Max(0, res.Objective-res.Bound) + math.Abs(res.RoundingGap) + math.Abs(res.ModelGap)) / months
		done = append(done, solved{limit, q, gap})
		return q, nil
	}
	var limits []float64
	switch {
	case len(opt.Frontier.Limits) > 0:
		limits = append(limits, opt.Frontier.Limits...)
		total = len(limits)
	default:
		k := opt.Frontier.Points
		if k <= 0 {
			k = 5
		}
		// The regret of the plan without a regret limit ends the sweep.
		top := chosen.CVaRRegret
		total = k
		if p.Policy.MaxRegret != nil {
			q, err := solve(nil)
			if err != nil {
				return err
			}
			if q == nil {
				p.Notes = append(p.Notes, fmt.Sprintf("FRONTIER: the plan without a regret limit could not be solved (%s): no sweep", failed[0]))
				return nil
			}
			b, err := billCandidates(ctx, in.scen, in.book, in.owned, [][]providers.Commitment{q.Commitments("frontier-", p.AsOf)})
			if err != nil {
				return fmt.Errorf("planner: frontier: %w", err)
			}
			top = frontierPoint(b[0], f.RiskLevel).CVaRRegret
		} else {
			total = k - 1 // the plan is the point without a limit
		}
		if top <= 0 {
			p.Notes = append(p.Notes, fmt.Sprintf("FRONTIER: even without a regret limit the purchases save %s/month on average in the worst scenarios, so no limit from 0 up binds: no sweep "+
				"(the solver takes no negative limit). Without --frontier the frontier shows buying more or less of the plan's purchases",
				money(p.Currency, -top)))
			total = step
		} else {
			for i := 0; i < k-1; i++ {
				limits = append(limits, top*float64(i)/float64(k-1))
			}
		}
	}
	for _, lim := range limits {
		if own := p.Policy.MaxRegret; own != nil && math.Abs(*own-lim) <= 1e-9*max(1, math.Abs(lim)) {
			step++
			progressf(opt, "frontier point %d/%d: max_regret %s/month is the plan's own limit: the plan itself", step, total, money(p.Currency, lim))
			continue
		}
		lim := lim
		if _, err := solve(&lim); err != nil {
			return err
		}
	}
	cands := make([][]providers.Commitment, len(done))
	for i, d := range done {
		cands[i] = d.q.Commitments("frontier-", p.AsOf)
	}
	bills, err := billCandidates(ctx, in.scen, in.book, in.owned, cands)
	if err != nil {
		return fmt.Errorf("planner: frontier: %w", err)
	}
	for i, d := range done {
		pt := frontierPoint(bills[i], f.RiskLevel)
		pt.Label, pt.MaxRegret, pt.SolverGap = "no regret limit", d.limit, d.gap
		if d.limit != nil {
			pt.Label = fmt.Sprintf("max_regret %s/month", money(p.Currency, *d.limit))
		}
		for _, l := range d.q.Lines {
			if l.Tranche != "later" {
				pt.HourlyCommitment += l.HourlyCommitmentToPurchase
				pt.UpfrontCost += l.UpfrontCost
			}
		}
		f.Points = append(f.Points, pt)
	}
	// By limit, the unlimited last.
	sort.SliceStable(f.Points, func(i, j int) bool {
		a, b := f.Points[i].MaxRegret, f.Points[j].MaxRegret
		switch {
		case a == nil:
			return false
		case b == nil:
			return true
		}
		return *a < *b
	})
	f.Description = fmt.Sprintf("plans optimized over the scenarios under a sweep of max_regret limits (%d), each billed in %d scenarios of the %s forecast",
		len(f.Points), len(in.scen), in.forecast)
	if len(failed) > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("FRONTIER: %d of the sweep's solves are left out: %s", len(failed), strings.Join(failed, "; ")))
	}
	return nil
}

// billCandidates bills each candidate purchase (commitments bought now) in
// every scenario, with the owned commitments, against the owned
// commitments alone: per scenario its probability and, per month, the
// candidate's savings, fees and unused fees.
func billCandidates(ctx context.Context, scen []Scenario, book *providers.PriceBook, owned []providers.Commitment, cands [][]providers.Commitment) ([]*scenarioBills, error) {
	n := len(scen)
	out := make([]*scenarioBills, len(cands))
	all := append([]providers.Commitment(nil), owned...)
	of := map[string]int{} // commitment ID → candidate
	for i, cs := range cands {
		out[i] = &scenarioBills{prob: make([]float64, n), savings: make([]float64, n), fees: make([]float64, n), waste: make([]float64, n)}
		for j, c := range cs {
			c.ID = fmt.Sprintf("frontier-%d-%d", i, j)
			of[c.ID] = i
			all = append(all, c)
		}
	}
	var total float64
	for _, sc := range scen {
		total += sc.Probability
	}
	for s, sc := range scen {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b, err := BuildProblem(ProblemInput{Book: book, Usage: sc.Usage, Owned: all})
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
		}
		months := float64(b.Problem.Hours) / hoursPerMonth
		var base []solver.Holding
		mine := make([][]solver.Holding, len(cands))
		mapped := 0
		for _, c := range b.Problem.Owned {
			h := solver.Holding{ID: c.ID, Offering: c.Offering, Quantity: c.Quantity, Start: c.Start, End: c.End}
			if i, ok := of[c.ID]; ok {
				mine[i] = append(mine[i], h)
				mapped++
			} else {
				base = append(base, h)
			}
		}
		if mapped != len(of) {
			return nil, fmt.Errorf("scenario %s: %d of the candidates' %d purchases map onto the price book", sc.Name, mapped, len(of))
		}
		bo, err := solver.Simulate(b.Problem, base, solver.SimOptions{})
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
		}
		for i := range cands {
			r := out[i]
			r.prob[s] = sc.Probability / total
			if len(mine[i]) == 0 {
				continue
			}
			bw, err := solver.Simulate(b.Problem, append(append([]solver.Holding(nil), base...), mine[i]...), solver.SimOptions{})
			if err != nil {
				return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
			}
			r.savings[s] = (bo.Total - bw.Total) / months
			for _, hb := range bw.Holdings[len(base):] {
				r.fees[s] += hb.Fees / months
				r.waste[s] += hb.Fees * (1 - hb.Utilization()) / months
			}
		}
	}
	return out, nil
}

// frontierPoint is the risk figures of one candidate's bills.
func frontierPoint(b *scenarioBills, level float64) FrontierPoint {
	var pt FrontierPoint
	for s, pr := range b.prob {
		pt.ExpectedMonthlySavings += pr * b.savings[s]
		pt.ExpectedMonthlyWaste += pr * b.waste[s]
		if b.savings[s] < 0 {
			pt.ProbabilityOfLoss += 100 * pr
		}
	}
	pt.MonthlySavingsP10 = quantile(b.savings, 0.1)
	pt.CVaRRegret = solver.CVaR(neg(b.savings), b.prob, level)
	return pt
}

// frontierTol is how close two monthly amounts must be to count as equal
// when judging dominance: half a cent.
const frontierTol = 0.005

// markEfficient sets Efficient on every point that no other point
// dominates: none has at least its expected savings at no more risk and
// is strictly better in one.
func markEfficient(pts []FrontierPoint) {
	for i := range pts {
		a := &pts[i]
		a.Efficient = true
		for j := range pts {
			b := &pts[j]
			if i == j {
				continue
			}
			geq := b.ExpectedMonthlySavings >= a.ExpectedMonthlySavings-frontierTol && b.CVaRRegret <= a.CVaRRegret+frontierTol
			strict := b.ExpectedMonthlySavings > a.ExpectedMonthlySavings+frontierTol || b.CVaRRegret < a.CVaRRegret-frontierTol
			if geq && strict {
				a.Efficient = false
				break
			}
		}
	}
}

func progressf(opt Options, format string, args ...any) {
	if opt.Progress != nil {
		fmt.Fprintf(opt.Progress, format+"\n", args...)
	}
}

// ErrFrontierLimits means a --frontier list is not a list of amounts.
var ErrFrontierLimits = errors.New("planner: frontier limits")

// ParseFrontier reads the frontier request of the command line: a count
// of points ("5", 2–50) or a comma-separated list of max_regret amounts
// per month ("0,100,500").
func ParseFrontier(s string) (*FrontierOptions, error) {
	var fo FrontierOptions
	s = strings.TrimSpace(s)
	if !strings.Contains(s, ",") {
		k, err := strconv.Atoi(s)
		if err != nil || k < 2 || k > 50 {
			return nil, fmt.Errorf("%w: %q: want a number of points from 2 to 50, or max_regret amounts per month separated by commas (e.g. 0,100,500)", ErrFrontierLimits, s)
		}
		fo.Points = k
		return &fo, nil
	}
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		v, err := strconv.ParseFloat(part, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return nil, fmt.Errorf("%w: %q is not a non-negative amount per month", ErrFrontierLimits, part)
		}
		fo.Limits = append(fo.Limits, v)
	}
	if len(fo.Limits) == 0 || len(fo.Limits) > 50 {
		return nil, fmt.Errorf("%w: %q: want 1 to 50 amounts", ErrFrontierLimits, s)
	}
	sort.Float64s(fo.Limits)
	return &fo, nil
}
