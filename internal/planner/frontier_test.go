package planner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/solver"
)

// flatHistory is 30 days of 40 NU of m5 (10 m5.large) every hour.
func flatHistory(start time.Time) []providers.UsageSeries {
	q := make([]float64, 30*24)
	for h := range q {
		q[h] = 40
	}
	return []providers.UsageSeries{{Pool: m5, Start: start, Quantity: q}}
}

// flatOrGone: the usage stays, or it is gone — the smallest case with a
// known frontier. A purchase of hourly cost c covering x of the usage
// saves (d − c)·x an hour if it stays and loses c·x if it goes, so its
// expected savings (d/2 − c)·x and its regret in the worst scenario c·x
// (at level 0.9 over two scenarios, the worst one alone) both grow in
// proportion to x, up to the usage; beyond it, the extra is wasted in
// both scenarios.
var flatOrGone = fixedForecast{usage: [][]float64{{40}, {0}}}

func pointAt(t *testing.T, f *Frontier, scale float64) FrontierPoint {
	t.Helper()
	for _, pt := range f.Points {
		if pt.Scale != nil && *pt.Scale == scale {
			return pt
		}
	}
	t.Fatalf("no frontier point at scale %v", scale)
	return FrontierPoint{}
}

// TestFrontierCurve: the default frontier bills the savings curve's plans
// in the scenarios. Its point at scale 1 is the plan's own risk; on
// flat-or-gone every point up to the plan is efficient and every point
// beyond it dominated (more regret, less savings).
func TestFrontierCurve(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	p, err := MakePlan(context.Background(), Input{Book: book, History: flatHistory(start), RiskForecast: flatOrGone}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := p.Frontier
	if f == nil || f.Method != "curve" || len(f.Points) != len(curveScales) || f.Scenarios != 2 || f.RiskLevel != 0.9 {
		t.Fatalf("frontier %+v", f)
	}
	if !strings.Contains(f.Description, "plans along the commitment curve") || !strings.Contains(f.Description, "billed in 2 scenarios") {
		t.Errorf("description %q", f.Description)
	}
	one := pointAt(t, f, 1)
	r := p.Risk
	if !one.Chosen || math.Abs(one.ExpectedMonthlySavings-r.ExpectedMonthlySavings) > 1e-6 || math.Abs(one.CVaRRegret-r.CVaR10Regret) > 1e-6 ||
		one.ProbabilityOfLoss != r.ProbabilityOfLoss || math.Abs(one.ExpectedMonthlyWaste-r.ExpectedMonthlyWaste) > 1e-6 {
		t.Errorf("scale 1 %+v; the plan's risk %+v", one, *r)
	}
	if math.Abs(one.HourlyCommitment-p.Totals.TotalHourlyCommitment) > 1e-9 {
		t.Errorf("scale 1 commitment %v, plan %v", one.HourlyCommitment, p.Totals.TotalHourlyCommitment)
	}
	// Gone: the whole monthly cost of what is bought is lost.
	lost := p.Totals.TotalHourlyCommitment * hoursPerMonth
	for _, pt := range f.Points {
		s := *pt.Scale
		if math.Abs(pt.CVaRRegret-s*lost) > 1e-6*lost {
			t.Errorf("scale %v: regret %.4f, want %.4f (the purchases' cost, lost when usage goes)", s, pt.CVaRRegret, s*lost)
		}
		if s <= 1 && math.Abs(pt.ExpectedMonthlySavings-s*one.ExpectedMonthlySavings) > 1e-6*lost {
			t.Errorf("scale %v: expected savings %.4f, want %.4f (in proportion up to the usage)", s, pt.ExpectedMonthlySavings, s*one.ExpectedMonthlySavings)
		}
		if want := s <= 1; pt.Efficient != want {
			t.Errorf("scale %v: efficient %v, want %v (savings %.2f, regret %.2f)", s, pt.Efficient, want, pt.ExpectedMonthlySavings, pt.CVaRRegret)
		}
	}
}

// TestRiskDefaultsChecked: optimized over the repeat path, the default
// limit (no loss on average in the worst 10 %) cannot be a constraint; it
// is checked on the scenarios, and the purchase that loses everything when
// usage goes is flagged with what to do. On scenarios that repeat the
// history nothing is flagged.
func TestRiskDefaultsChecked(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		risk  fixedForecast
		met   bool
		check bool
	}{
		{"flat or gone", flatOrGone, false, true},
		{"flat", fixedForecast{usage: [][]float64{{40}, {40}}}, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := MakePlan(context.Background(), Input{Book: book, History: flatHistory(start), RiskForecast: tc.risk}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if p.Policy.MaxRegret != nil || p.Policy.RiskLevel != 0 {
				t.Errorf("repeat plan: the defaults went into the policy the LP sees: %+v", p.Policy)
			}
			lim := limitOf(p, "max_regret")
			if lim == nil || lim.Source != RiskFromDefault || lim.Value != 0 || lim.Optimized || !lim.Checked || lim.Met == nil || *lim.Met != tc.met {
				t.Fatalf("max_regret limit %+v, want the default, checked, met %v", lim, tc.met)
			}
			if lv := limitOf(p, "risk_level"); lv == nil || lv.Value != 0.9 || lv.Source != RiskFromDefault {
				t.Errorf("risk_level %+v", lv)
			}
			broken := false
			for _, n := range p.Notes {
				broken = broken || (strings.Contains(n, "RISK LIMITS BROKEN") && strings.Contains(n, "--optimize scenarios"))
			}
			flagged := len(p.Lines) > 0 && p.Lines[0].Risk != nil && len(p.Lines[0].Risk.Breaks) > 0
			if broken == tc.met || flagged == tc.met {
				t.Errorf("note %v, line flagged %v; want both %v", broken, flagged, !tc.met)
			}
			var b bytes.Buffer
			if err := WriteTable(&b, p); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), "risk limit: max_regret $0.00/month") || !strings.Contains(b.String(), "the default (no risk limit given)") ||
				strings.Contains(b.String(), "RISK: line 1 breaks max_regret") == tc.met {
				t.Errorf("table:\n%s", b.String())
			}
		})
	}
}

func limitOf(p *Plan, field string) *RiskLimit {
	for i := range p.RiskLimits {
		if p.RiskLimits[i].Field == field {
			return &p.RiskLimits[i]
		}
	}
	return nil
}

// TestRiskDefaultsOptimized: optimized over scenarios with no limit given,
// the default max_regret 0 at 0.9 is a constraint: with one future in four
// where usage is gone, no purchase is safe, so none is made. A limit from
// the command line is named as such; no_risk_defaults lifts the default.
func TestRiskDefaultsOptimized(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	f := fixedForecast{usage: [][]float64{{40}, {40}, {40}, {0}}}
	pol := DefaultPolicy()
	pol.Horizon = Duration(30 * 24 * time.Hour)
	safe, err := MakePlan(context.Background(), Input{Book: book, History: flatHistory(start), Forecast: f, RiskForecast: f, Policy: pol}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if safe.Policy.MaxRegret == nil || *safe.Policy.MaxRegret != 0 || safe.Policy.RiskLevel != 0.9 {
		t.Errorf("policy %+v: want the defaults in it", safe.Policy)
	}
	if lim := limitOf(safe, "max_regret"); lim == nil || lim.Source != RiskFromDefault || !lim.Optimized || lim.Met == nil || !*lim.Met {
		t.Errorf("limit %+v", lim)
	}
	if len(safe.Lines) != 0 || safe.Risk.CVaR10Regret > 1e-9 {
		t.Errorf("with the default: %d lines, regret %.4f; want none", len(safe.Lines), safe.Risk.CVaR10Regret)
	}
	five := 5.0
	pol.MaxRegret = &five
	flag, err := MakePlan(context.Background(), Input{Book: book, History: flatHistory(start), Forecast: f, RiskForecast: f, Policy: pol,
		RiskSource: map[string]string{"max_regret": "--risk"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if lim := limitOf(flag, "max_regret"); lim == nil || lim.Source != "--risk" || lim.Value != 5 {
		t.Errorf("limit %+v, want 5 from --risk", lim)
	}
	if lv := limitOf(flag, "risk_level"); lv == nil || lv.Source != RiskFromDefault {
		t.Errorf("risk level %+v, want the default", lv)
	}
	pol.MaxRegret, pol.NoRiskDefaults = nil, true
	free, err := MakePlan(context.Background(), Input{Book: book, History: flatHistory(start), Forecast: f, RiskForecast: f, Policy: pol}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(free.RiskLimits) != 0 || len(free.Lines) == 0 || free.Policy.MaxRegret != nil {
		t.Errorf("no_risk_defaults: limits %+v, %d lines", free.RiskLimits, len(free.Lines))
	}
	if got := RiskLimitsText(free); len(got) != 1 || !strings.Contains(got[0], "none") {
		t.Errorf("text %q", got)
	}
}

// TestFrontierSweepKnown: over flat-or-gone, the sweep of regret limits
// has a known answer. Every purchase's expected savings and worst-case
// regret are proportional to it, so the best purchase at each limit is the
// offering with the best ratio bought up to the limit, and the frontier is
// the straight line from buying nothing to the plan without a limit: at
// limit L, savings L × S/R, where S and R are that plan's. The limits are
// fifths of R, so the purchases are whole instances of 10 and need no
// rounding. The plan itself, at the default max_regret 0, buys nothing.
func TestFrontierSweepKnown(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	pol := DefaultPolicy()
	pol.Horizon = Duration(60 * 24 * time.Hour)
	var progress bytes.Buffer
	p, err := MakePlan(context.Background(), Input{Book: book, History: flatHistory(start), Forecast: flatOrGone, RiskForecast: flatOrGone, Policy: pol},
		Options{Frontier: &FrontierOptions{Points: 6}, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	f := p.Frontier
	if f == nil || f.Method != "sweep" {
		t.Fatalf("frontier %+v", f)
	}
	// The plan (limit 0, not solved again), five more limits, and the
	// plan without a limit last.
	if len(f.Points) != 6 || !f.Points[0].Chosen || f.Points[0].MaxRegret == nil || *f.Points[0].MaxRegret != 0 || f.Points[5].MaxRegret != nil {
		t.Fatalf("points %+v", f.Points)
	}
	if !strings.Contains(progress.String(), "frontier point 6/6") {
		t.Errorf("progress:\n%s", progress.String())
	}
	top := f.Points[5]
	if top.CVaRRegret <= 0 || top.ExpectedMonthlySavings <= 0 {
		t.Fatalf("without a limit: %+v; want a purchase that pays in expectation and loses when usage goes", top)
	}
	slope := top.ExpectedMonthlySavings / top.CVaRRegret
	for i, pt := range f.Points[:5] {
		lim := *pt.MaxRegret
		if want := top.CVaRRegret * float64(i) / 5; math.Abs(lim-want) > 1e-6*top.CVaRRegret {
			t.Errorf("point %d: limit %.4f, want %.4f", i, lim, want)
		}
		if pt.CVaRRegret > lim+1e-6*top.CVaRRegret {
			t.Errorf("point %d: regret %.4f breaks its limit %.4f", i, pt.CVaRRegret, lim)
		}
		if want := slope * lim; math.Abs(pt.ExpectedMonthlySavings-want) > 1e-6*top.ExpectedMonthlySavings {
			t.Errorf("point %d (limit %.2f): expected savings %.4f, want %.4f on the line to the unlimited plan", i, lim, pt.ExpectedMonthlySavings, want)
		}
		if !pt.Efficient {
			t.Errorf("point %d: not efficient", i)
		}
	}
	checkMonotone(t, f)
}

// checkMonotone checks that the sweep's expected savings do not fall as
// the limit loosens, beyond the solvers' stated gaps.
func checkMonotone(t *testing.T, f *Frontier) {
	t.Helper()
	for i := 1; i < len(f.Points); i++ {
		a, b := f.Points[i-1], f.Points[i]
		if b.ExpectedMonthlySavings < a.ExpectedMonthlySavings-a.SolverGap-b.SolverGap-1e-6 {
			t.Errorf("savings fall from %.4f (%s) to %.4f (%s), beyond the gaps %.4f + %.4f",
				a.ExpectedMonthlySavings, a.Label, b.ExpectedMonthlySavings, b.Label, a.SolverGap, b.SolverGap)
		}
	}
}

// TestFrontierSweepMonotone: on a less regular case — two weeks of
// varying usage, four futures from growth to gone, the worst 25 % — the
// sweep's expected savings rise with the limit, every point keeps to its
// limit, and a list of limits is solved as given.
func TestFrontierSweepMonotone(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	week := twoWeeks(start)
	scaled := func(x float64) []float64 {
		out := make([]float64, len(week))
		for i, q := range week {
			out[i] = x * q
		}
		return out
	}
	fc := fixedForecast{usage: [][]float64{scaled(1.2), week, scaled(0.5), scaled(0)}}
	pol := DefaultPolicy()
	pol.Horizon, pol.Lookback, pol.RiskLevel = Duration(28*24*time.Hour), Duration(14*24*time.Hour), 0.75
	for _, fo := range []*FrontierOptions{{Points: 4}, {Limits: []float64{0, 50, 200, 1000}}} {
		p, err := MakePlan(context.Background(), Input{Book: book, History: m5History(start, 28), Forecast: fc, RiskForecast: fc, Policy: pol},
			Options{Frontier: fo})
		if err != nil {
			t.Fatal(err)
		}
		f := p.Frontier
		if f == nil || f.RiskLevel != 0.75 {
			t.Fatalf("frontier %+v", f)
		}
		if fo.Limits != nil && len(f.Points) != len(fo.Limits) { // 0 is the plan's own
			t.Errorf("%d points for %d limits", len(f.Points), len(fo.Limits))
		}
		for _, pt := range f.Points {
			if pt.MaxRegret != nil && pt.CVaRRegret > *pt.MaxRegret+pt.SolverGap+0.01 {
				t.Errorf("%s: regret %.4f over the limit", pt.Label, pt.CVaRRegret)
			}
		}
		last := f.Points[len(f.Points)-1]
		if last.ExpectedMonthlySavings <= f.Points[0].ExpectedMonthlySavings {
			t.Errorf("the loosest limit saves %.2f, the tightest %.2f: the sweep shows no trade-off", last.ExpectedMonthlySavings, f.Points[0].ExpectedMonthlySavings)
		}
		checkMonotone(t, f)
	}
}

// TestFrontierSweepNeedsScenarios: asked of a plan over the repeat path,
// the sweep gives way to the curve, and the notes say so.
func TestFrontierSweepNeedsScenarios(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	p, err := MakePlan(context.Background(), Input{Book: book, History: flatHistory(start), RiskForecast: flatOrGone}, Options{Frontier: &FrontierOptions{Points: 3}})
	if err != nil {
		t.Fatal(err)
	}
	said := false
	for _, n := range p.Notes {
		said = said || strings.Contains(n, "needs purchases optimized over scenarios")
	}
	if p.Frontier == nil || p.Frontier.Method != "curve" || !said {
		t.Errorf("frontier %+v, note said %v", p.Frontier, said)
	}
}

func TestMarkEfficient(t *testing.T) {
	pts := []FrontierPoint{
		{Label: "nothing"},
		{Label: "a", ExpectedMonthlySavings: 10, CVaRRegret: 5},
		{Label: "same savings, more risk", ExpectedMonthlySavings: 10, CVaRRegret: 6},
		{Label: "less savings, more risk", ExpectedMonthlySavings: 8, CVaRRegret: 7},
		{Label: "more of both", ExpectedMonthlySavings: 20, CVaRRegret: 9},
		{Label: "a again", ExpectedMonthlySavings: 10, CVaRRegret: 5},
	}
	markEfficient(pts)
	want := []bool{true, true, false, false, true, true}
	for i, pt := range pts {
		if pt.Efficient != want[i] {
			t.Errorf("%s: efficient %v, want %v", pt.Label, pt.Efficient, want[i])
		}
	}
}

func TestParseFrontier(t *testing.T) {
	for _, tc := range []struct {
		in     string
		points int
		limits []float64
		bad    bool
	}{
		{in: "5", points: 5},
		{in: "500,0,100", limits: []float64{0, 100, 500}},
		{in: "250,", limits: []float64{250}},
		{in: "1", bad: true},
		{in: "100", bad: true},
		{in: "x", bad: true},
		{in: "0,-5", bad: true},
		{in: "0,NaN", bad: true},
		{in: ",", bad: true},
	} {
		fo, err := ParseFrontier(tc.in)
		if tc.bad {
			if !errors.Is(err, ErrFrontierLimits) {
				t.Errorf("%q: %v, want an error", tc.in, err)
			}
			continue
		}
		if err != nil || fo.Points != tc.points || len(fo.Limits) != len(tc.limits) {
			t.Errorf("%q: %+v, %v", tc.in, fo, err)
			continue
		}
		for i := range tc.limits {
			if fo.Limits[i] != tc.limits[i] {
				t.Errorf("%q: limits %v, want %v", tc.in, fo.Limits, tc.limits)
			}
		}
	}
}

// TestFrontierRendered: every human format shows the frontier and the
// risk limits in force.
func TestFrontierRendered(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	p, err := MakePlan(context.Background(), Input{Book: book, History: flatHistory(start), RiskForecast: flatOrGone}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range map[string]func(io.Writer, *Plan) error{"table": WriteTable, "markdown": WriteMarkdown, "html": WriteHTML} {
		var b bytes.Buffer
		if err := w(&b, p); err != nil {
			t.Fatal(err)
		}
		s := b.String()
		for _, want := range []string{"Efficient frontier", "plans along the commitment curve", "the plan is one of them", "risk limit: max", "the default (no risk limit given)"} {
			if !strings.Contains(s, want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
		if name == "html" && !strings.Contains(s, "Efficient frontier: expected savings against risk</text>") {
			t.Errorf("html lacks the frontier chart")
		}
	}
	// The JSON form, frontier and limits included, keeps to the schema.
	var out bytes.Buffer
	if err := WriteJSON(&out, p); err != nil {
		t.Fatal(err)
	}
	var doc any
	var schema map[string]any
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	checkSchema(t, "$", schema, doc)
	if fr := doc.(map[string]any)["Frontier"]; fr == nil || len(fr.(map[string]any)["Points"].([]any)) != len(curveScales) {
		t.Errorf("JSON frontier %v", fr)
	}
}

// TestFrontierSweepLeavesOutUnfinished: a sweep solve stopped at the
// solver's iteration limit is left out of the frontier, and the notes say
// which. (The limits are loose: the solves are the plan's own, which one
// Benders iteration does not finish.)
func TestFrontierSweepLeavesOutUnfinished(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	week := twoWeeks(start)
	half := make([]float64, len(week))
	for i, q := range week {
		half[i] = q / 2
	}
	fc := fixedForecast{usage: [][]float64{week, half, {0}}}
	pol := DefaultPolicy()
	pol.Horizon, pol.Lookback, pol.NoRiskDefaults = Duration(28*24*time.Hour), Duration(14*24*time.Hour), true
	p, err := MakePlan(context.Background(), Input{Book: book, History: m5History(start, 28), Forecast: fc, RiskForecast: fc, Policy: pol},
		Options{Frontier: &FrontierOptions{Limits: []float64{2000, 5000}}, Solver: solver.Options{Method: solver.Benders, MaxIterations: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Solver.Converged {
		t.Skip("Benders converged in one iteration: nothing to leave out")
	}
	said := ""
	for _, n := range p.Notes {
		if strings.Contains(n, "FRONTIER: 2 of the sweep's solves are left out") {
			said = n
		}
	}
	if len(p.Frontier.Points) != 1 || !p.Frontier.Points[0].Chosen || !strings.Contains(said, "stopped at the solver's limit") {
		t.Errorf("points %+v; note %q", p.Frontier.Points, said)
	}
}

// explainedForecast is fixedForecast saying what it assumes.
type explainedForecast struct {
	fixedForecast
	note string
}

func (e explainedForecast) Explain([]providers.UsageSeries, time.Time) ([]string, error) {
	return []string{e.note}, nil
}

// TestExplainerNotes checks that what a forecast says it assumes reaches
// the plan's notes once, whether it is the forecast optimized over, the
// risk forecast or both, and that a forecast that says nothing adds none.
func TestExplainerNotes(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	pol := DefaultPolicy()
	pol.Horizon = Duration(30 * 24 * time.Hour)
	f := fixedForecast{usage: [][]float64{{40}, {40}}}
	e := explainedForecast{f, "scenarios: assumed something"}
	for _, c := range []struct {
		name     string
		forecast Forecaster
		risk     Forecaster
		want     int
	}{
		{"optimized over", e, nil, 1},
		{"risk only", nil, e, 1},
		{"both", e, e, 1},
		{"silent", f, f, 0},
	} {
		p, err := MakePlan(context.Background(), Input{Book: book, History: flatHistory(start), Forecast: c.forecast, RiskForecast: c.risk, Policy: pol}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range p.Notes {
			if s == e.note {
				n++
			}
		}
		if n != c.want {
			t.Errorf("%s: the note appears %d times, want %d", c.name, n, c.want)
		}
	}
}

// TestFrontierSummaryLater checks that a plan off its commitment curve's
// efficient set says why when it has later tranches (the curve bills the
// purchases to make now alone) and does not otherwise.
func TestFrontierSummaryLater(t *testing.T) {
	p := &Plan{Frontier: &Frontier{Method: "curve", Points: []FrontierPoint{{Chosen: true}, {Efficient: true}}},
		Lines: []Line{{Tranche: "now"}}}
	if s := frontierSummary(p); !strings.Contains(s, "the plan is NOT") || strings.Contains(s, "later tranches") {
		t.Errorf("without later tranches: %q", s)
	}
	p.Lines = append(p.Lines, Line{Tranche: "later"})
	if s := frontierSummary(p); !strings.Contains(s, "the plan's later tranches") {
		t.Errorf("with later tranches: %q", s)
	}
	p.Frontier.Points[0].Efficient = true
	if s := frontierSummary(p); !strings.Contains(s, "the plan is one of them") || strings.Contains(s, "later tranches") {
		t.Errorf("efficient: %q", s)
	}
}

// TestScenarioBudget checks --optimize auto's rule: scenarios within the
// budget are optimized over on every hour, up to four times the budget on
// one week in 2 or 4, beyond that the repeat forecast takes over; the
// notes say which with the size. A horizon under eight weeks is never
// sampled.
func TestScenarioBudget(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	f := fixedForecast{usage: [][]float64{{40}, {30}}}
	for _, c := range []struct {
		days      int
		budget    int // as a divisor of the scenarios' size: 0 is no budget
		scenarios int // Plan.Scenarios: 0 for the repeat plan
		sample    int // Solver.SampleWeeks
		note      string
	}{
		{90, 0, 2, 0, ""},
		{90, 1, 2, 0, ""},
		{90, 2, 2, 2, "optimized on one week in 2 of them"},
		{90, 3, 2, 4, "optimized on one week in 4 of them"},
		{90, 5, 0, 0, "optimized over the repeat forecast, not the 2 scenarios of fixed"},
		{30, 2, 0, 0, "optimized over the repeat forecast, not the 2 scenarios of fixed"},
	} {
		pol := DefaultPolicy()
		pol.Horizon = Duration(time.Duration(c.days) * 24 * time.Hour)
		size := 2 * c.days * 24 // one pool, two scenarios
		budget := 0
		if c.budget > 0 {
			budget = size / c.budget
		}
		p, err := MakePlan(context.Background(), Input{Book: book, History: flatHistory(start), Forecast: f, ScenarioBudget: budget, Policy: pol}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		found := c.note == ""
		for _, n := range p.Notes {
			if c.note != "" && strings.Contains(n, c.note) && strings.Contains(n, fmt.Sprintf("hold %d pool-hours (1 pools × %d hours × 2 scenarios)", size, c.days*24)) {
				found = true
			}
			if c.note == "" && strings.Contains(n, "pool-hours") {
				found = false
			}
		}
		if p.Scenarios != c.scenarios || p.Solver.SampleWeeks != c.sample || !found {
			t.Errorf("%d days, budget %d: %d scenarios, one week in %d, notes %q; want %d scenarios, one week in %d, a note %q",
				c.days, budget, p.Scenarios, p.Solver.SampleWeeks, p.Notes, c.scenarios, c.sample, c.note)
		}
	}
}

// cappedForecast is fixedForecast with a memory limit of fits scenarios:
// more fail with a ForecastTooLargeError, as the scenario generator's do.
// It is a Resizer and a Limiter: limited records the limit MakePlan set.
type cappedForecast struct {
	fixedForecast
	fits    int
	limited *int64
}

func (cappedForecast) Name() string { return "capped" }

func (f cappedForecast) Forecast(h []providers.UsageSeries, asOf time.Time, lb time.Duration, hours int) ([]Scenario, error) {
	fits := f.fits
	if f.limited != nil && *f.limited > 0 {
		fits = min(fits, int(*f.limited/int64(hours*8)))
	}
	if n := len(f.usage); n > fits {
		return nil, fmt.Errorf("wrapped: %w", &ForecastTooLargeError{Scenarios: n, Pools: 1, Hours: hours, Bytes: int64(n * hours * 8), Limit: int64(fits * hours * 8), Fits: fits})
	}
	return f.fixedForecast.Forecast(h, asOf, lb, hours)
}

func (f cappedForecast) WithScenarios(n int) Forecaster {
	return cappedForecast{fixedForecast{f.usage[:n]}, f.fits, f.limited}
}

func (f cappedForecast) WithMaxBytes(n int64) Forecaster {
	limited := n
	return cappedForecast{f.fixedForecast, f.fits, &limited}
}

// TestForecastTooLarge checks what a plan does with scenarios larger than
// the forecaster holds: --optimize auto optimizes over the repeat forecast
// and says why, an explicit forecast fails with ErrForecastTooLarge; the
// risk figures come from the first scenarios that fit, the same figures
// as a forecast of those alone, or, when fewer than two fit, are not
// given, and the notes say so.
func TestForecastTooLarge(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	usage := [][]float64{{40}, {30}, {0}}
	plan := func(in Input) (*Plan, error) {
		in.Book, in.History, in.Policy = book, flatHistory(start), DefaultPolicy()
		return MakePlan(context.Background(), in, Options{})
	}
	noted := func(p *Plan, s string) bool {
		for _, n := range p.Notes {
			if strings.Contains(n, s) {
				return true
			}
		}
		return false
	}

	const hours = 365 * 24 // the default policy's horizon
	for _, c := range []struct {
		name   string
		fits   int // scenarios the forecaster holds
		budget int // pool-hours
		note   string
	}{
		// The forecaster's own memory is too small for the scenarios
		// that the budget would take.
		{"memory", 2, 1 << 30, "more than the forecaster holds in memory (0.1 MB)"},
		// The budget limits the forecaster to four times itself (one
		// week in four): three scenarios are more.
		{"budget", 3, hours / 2, "more than --optimize auto solves (4380 on every hour"},
	} {
		p, err := plan(Input{Forecast: cappedForecast{fixedForecast{usage}, c.fits, nil}, ScenarioBudget: c.budget})
		if err != nil {
			t.Fatal(err)
		}
		if p.Scenarios != 0 || p.Scenario != (Repeat{}).Name() ||
			!noted(p, fmt.Sprintf("optimized over the repeat forecast, not the 3 scenarios of capped: they would hold %d pool-hours (1 pools × %d hours × 3 scenarios)", 3*hours, hours)) || !noted(p, c.note) {
			t.Errorf("%s: scenarios %d, forecast %q, notes %q; want the repeat forecast and why", c.name, p.Scenarios, p.Scenario, p.Notes)
		}
	}
	if _, err := plan(Input{Forecast: cappedForecast{fixedForecast{usage}, 2, nil}}); !errors.Is(err, ErrForecastTooLarge) {
		t.Errorf("explicit forecast: error %v, want ErrForecastTooLarge", err)
	}
	// Within four budgets the limit lets the scenarios through, to be
	// optimized on one week in four.
	if p, err := plan(Input{Forecast: cappedForecast{fixedForecast{usage}, 3, nil}, ScenarioBudget: 3 * hours / 4}); err != nil || p.Scenarios != 3 || p.Solver.SampleWeeks != 4 {
		t.Errorf("within four budgets: %v, want 3 scenarios on one week in 4", err)
	}

	p, err := plan(Input{RiskForecast: cappedForecast{fixedForecast{usage}, 2, nil}})
	if err != nil {
		t.Fatal(err)
	}
	want, err := plan(Input{RiskForecast: fixedForecast{usage[:2]}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Risk == nil || want.Risk == nil || p.Risk.Scenarios != 2 || !noted(p, "the risk figures come from the first 2 of the 3 scenarios of capped") {
		t.Fatalf("risk %+v, notes %q; want the first 2 scenarios' and a note", p.Risk, p.Notes)
	}
	if p.Risk.ExpectedMonthlySavings != want.Risk.ExpectedMonthlySavings || p.Risk.ProbabilityOfLoss != want.Risk.ProbabilityOfLoss || p.Risk.MonthlySavingsP10 != want.Risk.MonthlySavingsP10 {
		t.Errorf("risk %+v, want %+v (the two scenarios alone)", *p.Risk, *want.Risk)
	}

	p, err = plan(Input{RiskForecast: cappedForecast{fixedForecast{usage}, 1, nil}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Risk != nil || !noted(p, "NO RISK FIGURES") || len(p.Lines) == 0 {
		t.Errorf("risk %+v, %d lines, notes %q; want a plan without risk figures, saying so", p.Risk, len(p.Lines), p.Notes)
	}
}
