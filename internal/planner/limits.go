package planner

import (
	"fmt"
	"math"
	"strings"

	"github.com/tranchehq/tranche/solver"
)

// The conservative risk defaults: in force whenever neither the policy nor
// --risk sets them (and the policy does not say no_risk_defaults). In the
// worst 10 % of scenarios the purchases may not lose money against buying
// nothing, on average. Buying nothing meets them, so they never make a plan
// infeasible; they only keep out purchases that pay in the likely futures
// and lose in the bad ones.
const (
	DefaultRiskLevel = 0.9
	DefaultMaxRegret = 0.0
)

// Where a risk limit came from (RiskLimit.Source).
const (
	RiskFromDefault = "default"
	RiskFromPolicy  = "policy"
)

// RiskLimit is a risk limit in force, where it came from, how it was
// applied, and whether the plan meets it.
type RiskLimit struct {
	// Field is the policy field (max_regret, risk_level, …); Value its
	// value in the policy's units (max_regret: currency per month).
	Field string  `json:"Field"`
	Value float64 `json:"Value"`
	// Source is "default", "policy", or the flag that set it ("--risk").
	Source string `json:"Source"`
	// Optimized says the limit was a constraint of the optimization over
	// the scenarios. Otherwise (purchases optimized over the repeat path)
	// it is Checked: the plan's purchases are billed in the risk scenarios
	// and Met says whether they meet it; lines that break it are flagged.
	Optimized bool   `json:"Optimized"`
	Checked   bool   `json:"Checked"`
	Met       *bool  `json:"Met,omitempty"`
	Text      string `json:"Text"`
}

// riskFields are the policy's risk fields, in the order they are printed.
var riskFields = []string{"risk_level", "max_regret", "max_waste_share", "max_tail_waste_share", "utilization_floor_percentile", "max_expiring_per_month"}

// riskField returns the value of a risk field and whether it is set.
func (p Policy) riskField(name string) (float64, bool) {
	ptr := func(v *float64) (float64, bool) {
		if v == nil {
			return 0, false
		}
		return *v, true
	}
	switch name {
	case "risk_level":
		return p.RiskLevel, p.RiskLevel != 0
	case "max_regret":
		return ptr(p.MaxRegret)
	case "max_waste_share":
		return ptr(p.MaxWasteShare)
	case "max_tail_waste_share":
		return ptr(p.MaxTailWasteShare)
	case "utilization_floor_percentile":
		return p.UtilizationFloorPercentile, p.UtilizationFloorPercentile != 0
	case "max_expiring_per_month":
		return ptr(p.MaxExpiringPerMonth)
	}
	return 0, false
}

// withRiskDefaults returns the policy with the default risk limits set
// where it sets none, and the risk limits in force with their sources
// (source names the fields set elsewhere than the policy, e.g. by --risk).
// optimized says the purchases are optimized over scenarios: the limits
// are then rows of the optimization. Otherwise the returned policy is the
// one given — the repeat path has no spread for a CVaR row to act on — and
// the defaults are only checked on the scenario billing.
func withRiskDefaults(pol Policy, source map[string]string, optimized bool) (Policy, []RiskLimit) {
	out := pol
	limits := []RiskLimit{}
	cvar := false
	for _, f := range riskFields {
		v, set := pol.riskField(f)
		src := RiskFromPolicy
		if s := source[f]; s != "" {
			src = s
		}
		if !set && !pol.NoRiskDefaults {
			switch f {
			case "max_regret":
				v, set, src = DefaultMaxRegret, true, RiskFromDefault
				if optimized {
					x := v
					out.MaxRegret = &x
				}
			case "risk_level":
				v, set, src = DefaultRiskLevel, true, RiskFromDefault
				if optimized {
					out.RiskLevel = v
				}
			}
		}
		if !set {
			continue
		}
		if f == "max_regret" || f == "max_tail_waste_share" {
			cvar = true
		}
		limits = append(limits, RiskLimit{Field: f, Value: v, Source: src, Optimized: optimized})
	}
	if !cvar && len(limits) > 0 && limits[0].Field == "risk_level" && limits[0].Source == RiskFromDefault {
		limits = limits[1:] // the level of no CVaR limit: nothing to say
	}
	return out, limits
}

// scenarioBills are the plan's purchases to make now billed in each risk
// scenario: per scenario its probability and, per month, the savings
// against buying nothing new, the purchases' fees and their unused part;
// the same per line (lines not bought now have nil rows).
type scenarioBills struct {
	prob                         []float64
	savings, fees, waste         []float64
	lineSav, lineFees, lineWaste [][]float64
}

// checkRiskLimits fills the limits' Checked, Met and Text from the
// scenario billing, flags the lines that break a limit on their own
// (LineRisk.Breaks), and notes what to do. bills is nil without risk
// scenarios.
func (p *Plan) checkRiskLimits(bills *scenarioBills) {
	level := DefaultRiskLevel
	for _, l := range p.RiskLimits {
		if l.Field == "risk_level" {
			level = l.Value
		}
	}
	tail := fmt.Sprintf("the worst %s of scenarios", pct(100*(1-level)))
	c := p.Currency
	tol := func(scale float64) float64 { return 0.005 + 1e-6*math.Abs(scale) } // half a cent a month, and float noise
	var broken []string
	for i := range p.RiskLimits {
		l := &p.RiskLimits[i]
		var what string
		switch l.Field {
		case "risk_level":
			what = fmt.Sprintf("risk level %.2f: the conditional values at risk look at %s", l.Value, tail)
		case "max_regret":
			what = fmt.Sprintf("max_regret %s/month: in %s the purchases may lose at most that much a month on average against buying nothing", money(c, l.Value), tail)
		case "max_waste_share":
			what = fmt.Sprintf("max_waste_share %s: at most that share of the purchases' cost unused, in expectation", pct(100*l.Value))
		case "max_tail_waste_share":
			what = fmt.Sprintf("max_tail_waste_share %s: at most that share of the purchases' cost unused in %s", pct(100*l.Value), tail)
		case "utilization_floor_percentile":
			what = fmt.Sprintf("utilization_floor_percentile %.2f: min_utilization holds in the scenario at that percentile of usage", l.Value)
		case "max_expiring_per_month":
			what = fmt.Sprintf("max_expiring_per_month %s: at most that hourly commitment expires in any one month", rate(c, l.Value))
		}
		how := "a constraint of the optimization over the scenarios"
		if !l.Optimized {
			how = "not enforced: the purchases were optimized over the repeat path"
		}
		if bills != nil && l.Field != "risk_level" {
			var v, lim float64
			var measured bool
			switch l.Field {
			case "max_regret":
				v, lim, measured = solver.CVaR(neg(bills.savings), bills.prob, level), l.Value, true
			case "max_waste_share":
				f, w := dot(bills.prob, bills.fees), dot(bills.prob, bills.waste)
				if f > 0 {
					v = w / f
				}
				lim, measured = l.Value, true
			case "max_tail_waste_share":
				ex := make([]float64, len(bills.prob))
				for s := range ex {
					ex[s] = bills.waste[s] - l.Value*bills.fees[s]
				}
				v, measured = solver.CVaR(ex, bills.prob, level), true
			}
			if measured {
				l.Checked = true
				met := v <= lim+tol(dot(bills.prob, bills.fees))
				l.Met = &met
				switch {
				case met:
					how += "; the purchases billed in the scenarios meet it"
				default:
					how += "; the purchases billed in the scenarios BREAK it"
					broken = append(broken, l.Field)
				}
				if l.Field == "max_regret" {
					how += fmt.Sprintf(" (mean regret in %s: %s/month)", tail, money(c, v))
				} else if l.Field == "max_waste_share" {
					how += fmt.Sprintf(" (expected waste share %s)", pct(100*v))
				}
			} else {
				how += "; not checked on the scenario billing"
			}
		} else if bills == nil && l.Field != "risk_level" && !l.Optimized {
			how += "; not checked either: no risk scenarios (--scenarios 0)"
		}
		l.Text = fmt.Sprintf("%s — %s; %s", what, sourceText(l.Source), how)
		if l.Field == "risk_level" {
			l.Text = fmt.Sprintf("%s — %s", what, sourceText(l.Source))
		}
	}
	if bills == nil {
		return
	}
	// Lines on their own, for the limits the optimization did not
	// enforce: a line that loses money in the tail (or wastes more than
	// the cap in expectation) is flagged, whether or not the plan as a
	// whole meets the limit. (An optimization over the scenarios holds the
	// plan as a whole to its limits; a line may then hedge another.)
	var flagged []string
	for i := range p.Lines {
		ln := &p.Lines[i]
		if ln.Risk == nil || bills.lineSav[i] == nil {
			continue
		}
		for _, l := range p.RiskLimits {
			if l.Optimized {
				continue
			}
			switch l.Field {
			case "max_regret":
				if v := solver.CVaR(neg(bills.lineSav[i]), bills.prob, level); v > l.Value+tol(dot(bills.prob, bills.lineFees[i])) {
					ln.Risk.Breaks = append(ln.Risk.Breaks, fmt.Sprintf("max_regret %s/month (%s): loses %s/month on average in %s, loses money in %s of scenarios",
						money(c, l.Value), l.Source, money(c, v), tail, pct(ln.Risk.ProbabilityOfLoss)))
				}
			case "max_waste_share":
				if f := dot(bills.prob, bills.lineFees[i]); f > 0 {
					if v := dot(bills.prob, bills.lineWaste[i]) / f; v > l.Value+1e-9 {
						ln.Risk.Breaks = append(ln.Risk.Breaks, fmt.Sprintf("max_waste_share %s (%s): %s of its cost unused in expectation", pct(100*l.Value), l.Source, pct(100*v)))
					}
				}
			}
		}
		if len(ln.Risk.Breaks) > 0 {
			flagged = append(flagged, fmt.Sprint(ln.LineNumber))
		}
	}
	if len(broken) == 0 && len(flagged) == 0 {
		return
	}
	next := "rerun with --optimize scenarios to choose the purchases within the limits, or set the limits you accept with --risk (--risk none: no default limits)"
	if p.Scenarios > 1 {
		next = "the optimization met them over its scenarios; the gap is rounding to whole instances or the solver's tolerance — compare with the frontier, or tighten --risk"
	}
	msg := "RISK LIMITS BROKEN:"
	if len(broken) > 0 {
		msg += fmt.Sprintf(" the plan's purchases break %s on the scenario billing;", strings.Join(broken, ", "))
	}
	if len(flagged) > 0 {
		msg += fmt.Sprintf(" line(s) %s break them on their own (see each line's risk);", strings.Join(flagged, ", "))
	}
	p.Notes = append(p.Notes, msg+" "+next)
}

func sourceText(s string) string {
	switch s {
	case RiskFromDefault:
		return "the default (no risk limit given)"
	case RiskFromPolicy:
		return "from the policy"
	}
	return "from " + s
}

// RiskLimitsText says the risk limits in force, one line each, for the
// renderers; "none" when there are none.
func RiskLimitsText(p *Plan) []string {
	if len(p.RiskLimits) == 0 {
		return []string{"risk limits: none (no_risk_defaults, and none set)"}
	}
	out := make([]string, len(p.RiskLimits))
	for i, l := range p.RiskLimits {
		out[i] = "risk limit: " + l.Text
	}
	return out
}

func neg(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = -x
	}
	return out
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// riskFlags are the lines that break a risk limit on their own, in words.
func riskFlags(p *Plan) []string {
	var out []string
	for _, l := range p.Lines {
		if l.Risk == nil {
			continue
		}
		for _, b := range l.Risk.Breaks {
			out = append(out, fmt.Sprintf("RISK: line %d breaks %s", l.LineNumber, b))
		}
	}
	return out
}

// writeRiskFlags writes riskFlags, one a line, after prefix; with flags,
// what to do next.
func writeRiskFlags(ew *errWriter, p *Plan, prefix string) {
	flags := riskFlags(p)
	if len(flags) == 0 {
		return
	}
	ew.printf("\n")
	for _, f := range flags {
		ew.printf("%s%s\n", prefix, f)
	}
	if p.Scenarios <= 1 {
		ew.printf("%sThe purchases were optimized over the repeat path, which cannot hold these limits: --optimize scenarios chooses them within the limits.\n", prefix)
	}
}
