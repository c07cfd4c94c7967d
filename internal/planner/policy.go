package planner

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tranchehq/tranche/providers"
)

// Policy is what the buyer accepts, as written in a policy file. The zero
// value of each field means "no limit" except where DefaultPolicy says
// otherwise; docs/plan.md lists the defaults.
type Policy struct {
	// Kinds, Terms and PaymentOptions restrict what may be bought; empty
	// allows all.
	Kinds          []providers.Kind          `yaml:"kinds,omitempty" json:"Kinds,omitempty"`
	Terms          []providers.Term          `yaml:"terms,omitempty" json:"Terms,omitempty"`
	PaymentOptions []providers.PaymentOption `yaml:"payment_options,omitempty" json:"PaymentOptions,omitempty"`
	// MaxUpfront caps the total upfront cash of the plan, in the book's
	// currency.
	MaxUpfront *float64 `yaml:"max_upfront,omitempty" json:"MaxUpfront,omitempty"`
	// MaxHourlyCommitment caps the plan's total hourly commitment (upfront
	// amortized plus recurring), per hour.
	MaxHourlyCommitment *float64 `yaml:"max_hourly_commitment,omitempty" json:"MaxHourlyCommitment,omitempty"`
	// MaxCoverage caps the share of eligible usage (at on-demand value)
	// covered by all commitments, in [0, 1].
	MaxCoverage *float64 `yaml:"max_coverage,omitempty" json:"MaxCoverage,omitempty"`
	// MinUtilization is the least expected utilization of each purchase, in
	// [0, 1].
	MinUtilization float64 `yaml:"min_utilization,omitempty" json:"MinUtilization,omitempty"`
	// MaxThreeYearShare caps the share of the plan's hourly commitment in
	// three-year terms, in [0, 1].
	MaxThreeYearShare *float64 `yaml:"max_three_year_share,omitempty" json:"MaxThreeYearShare,omitempty"`
	// CostOfCapital is the annual rate (0–1) at which upfront payments are
	// financed: an upfront fee is costed as the annuity that repays it with
	// interest over the term, so all, partial and no upfront compete on
	// equal terms. 0 compares them at face value, as the providers do.
	CostOfCapital float64 `yaml:"cost_of_capital,omitempty" json:"CostOfCapital,omitempty"`
	// Risk limits, each optional, applied when the purchases are
	// optimized over scenarios and checked on the scenario billing
	// otherwise (docs/plan.md); max_regret and risk_level default to 0
	// and 0.9 unless NoRiskDefaults (limits.go): RiskLevel is β of the
	// conditional values at risk (0.9: the worst 10 % of scenarios);
	// MaxRegret caps the mean monthly regret — cost with the purchases
	// minus cost without — over those worst scenarios (0: the purchases
	// may not lose money there on average); MaxWasteShare and
	// MaxTailWasteShare cap the unused share of the purchases' cost in
	// expectation and in the worst scenarios; UtilizationFloorPercentile
	// makes MinUtilization hold in the scenario at that percentile of
	// usage; MaxExpiringPerMonth caps the hourly commitment expiring in
	// any one month.
	RiskLevel                  float64  `yaml:"risk_level,omitempty" json:"RiskLevel,omitempty"`
	MaxRegret                  *float64 `yaml:"max_regret,omitempty" json:"MaxRegret,omitempty"`
	MaxWasteShare              *float64 `yaml:"max_waste_share,omitempty" json:"MaxWasteShare,omitempty"`
	MaxTailWasteShare          *float64 `yaml:"max_tail_waste_share,omitempty" json:"MaxTailWasteShare,omitempty"`
	UtilizationFloorPercentile float64  `yaml:"utilization_floor_percentile,omitempty" json:"UtilizationFloorPercentile,omitempty"`
	MaxExpiringPerMonth        *float64 `yaml:"max_expiring_per_month,omitempty" json:"MaxExpiringPerMonth,omitempty"`
	// NoRiskDefaults turns off the conservative defaults (limits.go:
	// max_regret 0 at risk_level 0.9) that apply when the policy sets no
	// max_regret or risk_level.
	NoRiskDefaults bool `yaml:"no_risk_defaults,omitempty" json:"NoRiskDefaults,omitempty"`
	// NoLadder plans purchases now only: no later tranche at the expiry
	// of an owned commitment.
	NoLadder bool `yaml:"no_ladder,omitempty" json:"NoLadder,omitempty"`
	// Lookback is the usage history the repeat scenario repeats; Horizon
	// the period the plan is evaluated over.
	Lookback Duration `yaml:"lookback,omitempty" json:"Lookback,omitempty"`
	Horizon  Duration `yaml:"horizon,omitempty" json:"Horizon,omitempty"`
}

// Defaults of a policy.
const (
	DefaultLookback = 30 * 24 * time.Hour
	DefaultHorizon  = 365 * 24 * time.Hour
)

// DefaultPolicy is the policy used when none is given: every kind, term
// and payment option the price book offers, no cash or commitment cap, a
// 30-day lookback repeated over a one-year horizon. It is the cost-optimal
// plan for the repeat scenario, as the providers' recommenders compute
// theirs; the conservative risk defaults (limits.go: max_regret 0 at
// risk_level 0.9) narrow it when the purchases are optimized over
// scenarios, and are checked on the scenario billing otherwise.
func DefaultPolicy() Policy {
	return Policy{Lookback: Duration(DefaultLookback), Horizon: Duration(DefaultHorizon)}
}

// withDefaults fills the durations left zero.
func (p Policy) withDefaults() Policy {
	if p.Lookback == 0 {
		p.Lookback = Duration(DefaultLookback)
	}
	if p.Horizon == 0 {
		p.Horizon = Duration(DefaultHorizon)
	}
	return p
}

// Validate checks every field and names the first wrong one.
func (p Policy) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	for i, k := range p.Kinds {
		if _, err := providers.ParseKind(string(k)); err != nil {
			bad(fmt.Sprintf("kinds[%d]", i), "unknown kind %q (want one of %s)", k, kindList())
		}
	}
	for i, t := range p.Terms {
		if t != providers.Term1Year && t != providers.Term3Year {
			bad(fmt.Sprintf("terms[%d]", i), "unknown term %q (want 1yr or 3yr)", t)
		}
	}
	for i, o := range p.PaymentOptions {
		if o != providers.NoUpfront && o != providers.PartialUpfront && o != providers.AllUpfront {
			bad(fmt.Sprintf("payment_options[%d]", i), "unknown payment option %q (want no-upfront, partial-upfront or all-upfront)", o)
		}
	}
	nonNeg := func(field string, v *float64) {
		if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0) || *v < 0) {
			bad(field, "must be a non-negative number, got %v", *v)
		}
	}
	share := func(field string, v *float64) {
		if v != nil && (math.IsNaN(*v) || *v < 0 || *v > 1) {
			bad(field, "must be a share between 0 and 1, got %v", *v)
		}
	}
	nonNeg("max_upfront", p.MaxUpfront)
	nonNeg("max_hourly_commitment", p.MaxHourlyCommitment)
	share("max_coverage", p.MaxCoverage)
	share("max_three_year_share", p.MaxThreeYearShare)
	mu := p.MinUtilization
	share("min_utilization", &mu)
	coc := p.CostOfCapital
	share("cost_of_capital", &coc)
	if p.RiskLevel != 0 && (math.IsNaN(p.RiskLevel) || p.RiskLevel <= 0 || p.RiskLevel >= 1) {
		bad("risk_level", "must be in (0, 1), e.g. 0.9 for the worst 10%% of scenarios, got %v", p.RiskLevel)
	}
	if p.MaxRegret != nil && (math.IsNaN(*p.MaxRegret) || math.IsInf(*p.MaxRegret, 0)) {
		bad("max_regret", "must be a number (a monthly amount; 0: no loss on average in the worst scenarios), got %v", *p.MaxRegret)
	}
	share("max_waste_share", p.MaxWasteShare)
	share("max_tail_waste_share", p.MaxTailWasteShare)
	ufp := p.UtilizationFloorPercentile
	share("utilization_floor_percentile", &ufp)
	nonNeg("max_expiring_per_month", p.MaxExpiringPerMonth)
	if p.Lookback < 0 || (p.Lookback > 0 && time.Duration(p.Lookback) < 24*time.Hour) {
		bad("lookback", "must be at least a day, got %s", p.Lookback)
	}
	if p.Horizon < 0 || (p.Horizon > 0 && time.Duration(p.Horizon) < 24*time.Hour) {
		bad("horizon", "must be at least a day, got %s", p.Horizon)
	}
	if time.Duration(p.Horizon) > 3*365*24*time.Hour {
		bad("horizon", "must be at most three years (1095d), got %s", p.Horizon)
	}
	return errors.Join(errs...)
}

func kindList() string {
	var s []string
	for _, k := range providers.Kinds() {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

// LoadPolicy reads a policy file: YAML, strict (unknown fields are errors),
// validated. Errors name the file, and the line where YAML gives one.
func LoadPolicy(path string) (Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Policy{}, fmt.Errorf("policy: %w", err)
	}
	return DecodePolicy(bytes.NewReader(b), path)
}

// DecodePolicy reads a policy from r; name is used in errors.
func DecodePolicy(r io.Reader, name string) (Policy, error) {
	var p Policy
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		if errors.Is(err, io.EOF) {
			return DefaultPolicy(), nil
		}
		return Policy{}, fmt.Errorf("policy %s: %w (see docs/plan.md for the fields)", name, err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return Policy{}, fmt.Errorf("policy %s: more than one YAML document; write one", name)
	}
	if err := p.Validate(); err != nil {
		return Policy{}, fmt.Errorf("policy %s: %w", name, err)
	}
	return p.withDefaults(), nil
}

// Duration is a length of time written as Go writes durations ("720h")
// or in days or weeks ("30d", "2w").
type Duration time.Duration

// ParseDuration reads "30d", "2w", "36h", "1.5d" or any Go duration.
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.ParseFloat(n, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e5 {
				return 0, fmt.Errorf("bad duration %q (want e.g. 30d, 2w or 720h)", s)
			}
			return Duration(time.Duration(v * float64(unit))), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("bad duration %q (want e.g. 30d, 2w or 720h)", s)
	}
	return Duration(d), nil
}

// String writes whole days as "30d", anything else as Go does.
func (d Duration) String() string {
	t := time.Duration(d)
	if t != 0 && t%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", t/(24*time.Hour))
	}
	return t.String()
}

// Set and Type make Duration a command-line flag value.
func (d *Duration) Set(s string) error {
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Type names the flag's value type.
func (d *Duration) Type() string { return "duration" }

// UnmarshalYAML reads a duration from a YAML scalar.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a duration such as 30d", n.Line)
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = v
	return nil
}

// MarshalYAML and MarshalText write the duration as String does.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// MarshalText writes the duration as String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads what MarshalText writes.
func (d *Duration) UnmarshalText(b []byte) error { return d.Set(string(b)) }

// allows reports whether the policy lets the offering be bought.
func (p Policy) allows(o providers.Offering) bool {
	in := func(n int, eq func(i int) bool) bool {
		if n == 0 {
			return true
		}
		for i := 0; i < n; i++ {
			if eq(i) {
				return true
			}
		}
		return false
	}
	return in(len(p.Kinds), func(i int) bool { return p.Kinds[i] == o.Kind }) &&
		in(len(p.Terms), func(i int) bool { return p.Terms[i] == o.Term }) &&
		in(len(p.PaymentOptions), func(i int) bool { return p.PaymentOptions[i] == o.PaymentOption })
}

// ApplyRisk sets risk limits from "key=value,…" with the policy file's
// names (risk_level, max_regret, max_waste_share, max_tail_waste_share,
// utilization_floor_percentile, max_expiring_per_month, min_utilization),
// and validates the result. The word "none" sets NoRiskDefaults.
func ApplyRisk(p Policy, spec string) (Policy, error) {
	for _, kv := range strings.Split(spec, ",") {
		if strings.TrimSpace(kv) == "none" {
			p.NoRiskDefaults = true
			continue
		}
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return p, fmt.Errorf("%q: want key=value", kv)
		}
		x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return p, fmt.Errorf("%s: %q is not a number", k, v)
		}
		switch strings.TrimSpace(k) {
		case "risk_level":
			p.RiskLevel = x
		case "max_regret":
			p.MaxRegret = &x
		case "max_waste_share":
			p.MaxWasteShare = &x
		case "max_tail_waste_share":
			p.MaxTailWasteShare = &x
		case "utilization_floor_percentile":
			p.UtilizationFloorPercentile = x
		case "max_expiring_per_month":
			p.MaxExpiringPerMonth = &x
		case "min_utilization":
			p.MinUtilization = x
		default:
			return p, fmt.Errorf("unknown risk limit %q (want risk_level, max_regret, max_waste_share, max_tail_waste_share, utilization_floor_percentile, max_expiring_per_month, min_utilization, or none for no default limits)", k)
		}
	}
	return p, p.Validate()
}
