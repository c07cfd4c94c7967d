package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tranchehq/tranche/internal/planner"
	"github.com/tranchehq/tranche/providers"
)

// Assumptions are finance's view of the future, as written in a YAML file
// under scenarios/ (docs/scenarios.md lists the fields; examples in
// scenarios/examples/). The generator applies Growth and Events; the
// money fields (MaxUpfront, MaxHourlyCommitment, CostOfCapital, Terms,
// PaymentOptions) are only read and checked here, for the planner to
// apply (Restrict merges them into a planner.Policy).
type Assumptions struct {
	// File is the file the assumptions were read from (set by the loader).
	File string `yaml:"-"`
	// Description says what the file assumes, for people.
	Description string `yaml:"description,omitempty"`
	// Growth bounds or sets the yearly growth of the pools each rule
	// matches; the first matching rule applies.
	Growth []GrowthRule `yaml:"growth,omitempty"`
	// Events are planned changes of usage, applied in order to every
	// scenario.
	Events []*Event `yaml:"events,omitempty"`
	// MaxUpfront is the cash cap: the most the purchases may pay upfront
	// in total, in the price book's currency.
	MaxUpfront *float64 `yaml:"max_upfront,omitempty"`
	// MaxHourlyCommitment is the budget cap: the most new commitment the
	// purchases may add per hour (upfront amortized plus recurring), in the
	// price book's currency.
	MaxHourlyCommitment *float64 `yaml:"max_hourly_commitment,omitempty"`
	// CostOfCapital is the yearly rate at which upfront cash is
	// discounted (0.08 = 8 %); nil means none.
	CostOfCapital *Rate `yaml:"cost_of_capital,omitempty"`
	// Terms and PaymentOptions are the ones finance allows; empty allows
	// all. The loader normalizes the spellings ("1 year" → 1yr).
	Terms          []providers.Term          `yaml:"terms,omitempty"`
	PaymentOptions []providers.PaymentOption `yaml:"payment_options,omitempty"`
}

// GrowthRule sets the yearly growth of the pools it matches, as a share of
// their level at the as-of time (0.2 = +20 % a year, linear).
type GrowthRule struct {
	Match Selector `yaml:"match,omitempty"`
	// Min and Max bound the growth; either may be left out with the
	// default draw.
	Min Rate `yaml:"min,omitempty"`
	Max Rate `yaml:"max,omitempty"`
	// Draw is how a scenario's growth is chosen: DrawHistory (the
	// default) takes the growth drawn from the history and clamps it into
	// [Min, Max]; DrawRange ignores the history's trend and spreads the
	// scenarios uniformly over [Min, Max].
	Draw Draw `yaml:"draw,omitempty"`
}

// Draw says where a growth rule's growth comes from.
type Draw string

// Draws.
const (
	DrawHistory Draw = "history"
	DrawRange   Draw = "range"
)

// EventKind is the kind of a planned event.
type EventKind string

// Event kinds.
const (
	// Migration moves a share of the usage of the From pools to the pools
	// that To makes of them, linearly from Start over Duration.
	Migration EventKind = "migration"
	// Decommission takes the Match pools to zero at At (linearly over
	// Duration when given) and keeps them there.
	Decommission EventKind = "decommission"
	// Launch adds Quantity per hour to Pool from At (reached linearly over
	// Duration when given); the pool is created when the history does not
	// have it.
	Launch EventKind = "launch"
	// Slump multiplies the usage of the Match pools (all when Match is
	// empty) by Factor from Start to End.
	Slump EventKind = "slump"
)

// Event is a planned change of usage. Which fields a kind takes is in
// docs/scenarios.md; the loader rejects the others.
type Event struct {
	Kind EventKind `yaml:"kind"`
	Name string    `yaml:"name,omitempty"`
	// Match selects the pools of a decommission or a slump; From those of
	// a migration.
	Match Selector `yaml:"match,omitempty"`
	From  Selector `yaml:"from,omitempty"`
	// To says, for a migration, which fields of each From pool change
	// (usually Family); Pool is the pool a launch adds usage to.
	To   PoolSpec `yaml:"to,omitempty"`
	Pool PoolSpec `yaml:"pool,omitempty"`
	// At is when a decommission or launch happens; Start and End bound a
	// migration (with Duration) or a slump; dates as 2026-11-25 or RFC 3339,
	// UTC.
	At       Date `yaml:"at,omitempty"`
	Start    Date `yaml:"start,omitempty"`
	End      Date `yaml:"end,omitempty"`
	Duration Span `yaml:"duration,omitempty"`
	// Share is the share of a migration's usage moved (default 1); Ratio
	// the units of the new pool per unit of the old (default 1).
	Share Rate     `yaml:"share,omitempty"`
	Ratio *float64 `yaml:"ratio,omitempty"`
	// Quantity is a launch's usage per hour, in the pool's unit;
	// OnDemandRate its on-demand rate for a new pool.
	Quantity     *float64 `yaml:"quantity,omitempty"`
	OnDemandRate *float64 `yaml:"on_demand_rate,omitempty"`
	// Factor multiplies the usage during a slump (0.6 = 40 % less).
	Factor Rate `yaml:"factor,omitempty"`
	line   int
}

// Selector matches pools on their PoolKey fields; an empty field matches
// any value, others are exact or shell patterns (path.Match: "m5*",
// "us-*").
type Selector struct {
	Provider     string `yaml:"provider,omitempty"`
	BillingScope string `yaml:"billing_scope,omitempty"`
	Account      string `yaml:"account,omitempty"`
	Region       string `yaml:"region,omitempty"`
	Service      string `yaml:"service,omitempty"`
	Family       string `yaml:"family,omitempty"`
	Platform     string `yaml:"platform,omitempty"`
	Tenancy      string `yaml:"tenancy,omitempty"`
}

// PoolSpec spells a PoolKey's fields out, exactly.
type PoolSpec struct {
	Provider     string `yaml:"provider,omitempty"`
	BillingScope string `yaml:"billing_scope,omitempty"`
	Account      string `yaml:"account,omitempty"`
	Region       string `yaml:"region,omitempty"`
	Service      string `yaml:"service,omitempty"`
	Family       string `yaml:"family,omitempty"`
	Platform     string `yaml:"platform,omitempty"`
	Tenancy      string `yaml:"tenancy,omitempty"`
	Unit         string `yaml:"unit,omitempty"`
}

// Rate is a number written as 0.2 or "20%". Its zero value is unset.
type Rate struct {
	Value float64
	set   bool
	err   error
}

// Date is a day ("2026-11-25", midnight UTC) or an RFC 3339 time. Its
// zero value is unset.
type Date struct {
	time.Time
	err error
}

// Span is a length of time as planner.ParseDuration reads it ("30d",
// "2w", "36h"). Its zero value is unset.
type Span struct {
	time.Duration
	set bool
	err error
}

// UnmarshalYAML keeps the value or the reason it is bad; the loader
// reports the reason with the field's name and line.
func (r *Rate) UnmarshalYAML(n *yaml.Node) error {
	r.set = true
	s := strings.TrimSpace(n.Value)
	pct := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
	switch {
	case n.Kind != yaml.ScalarNode || err != nil || math.IsNaN(v) || math.IsInf(v, 0):
		r.err = fmt.Errorf("want a number such as 0.2 or 20%%, got %q", s)
	case pct:
		r.Value = v / 100
	default:
		r.Value = v
	}
	return nil
}

// MarshalYAML writes the number.
func (r Rate) MarshalYAML() (any, error) { return r.Value, nil }

// IsZero reports whether the rate was left out.
func (r Rate) IsZero() bool { return !r.set }

// NewRate is a Rate set to v.
func NewRate(v float64) Rate { return Rate{Value: v, set: true} }

// UnmarshalYAML keeps the date or the reason it is bad.
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	s := strings.TrimSpace(n.Value)
	for _, layout := range []string{"2006-01-02", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil && n.Kind == yaml.ScalarNode {
			d.Time = t.UTC()
			return nil
		}
	}
	d.err = fmt.Errorf("want a date such as 2026-11-25 or 2026-11-25T08:00:00Z, got %q", s)
	return nil
}

// MarshalYAML writes the date as RFC 3339.
func (d Date) MarshalYAML() (any, error) { return d.Format(time.RFC3339), nil }

// IsZero reports whether the date was left out.
func (d Date) IsZero() bool { return d.Time.IsZero() && d.err == nil }

// UnmarshalYAML keeps the duration or the reason it is bad.
func (s *Span) UnmarshalYAML(n *yaml.Node) error {
	s.set = true
	v, err := planner.ParseDuration(n.Value)
	if err != nil || n.Kind != yaml.ScalarNode {
		s.err = fmt.Errorf("want a duration such as 30d, 2w or 36h, got %q", n.Value)
		return nil
	}
	s.Duration = time.Duration(v)
	return nil
}

// MarshalYAML writes the duration as planner.Duration does.
func (s Span) MarshalYAML() (any, error) { return planner.Duration(s.Duration).String(), nil }

// IsZero reports whether the duration was left out.
func (s Span) IsZero() bool { return !s.set }

// ValidationError is a wrong value in an assumptions file.
type ValidationError struct {
	File  string
	Line  int    // 0 when unknown
	Field string // path of the field, e.g. events[2].factor
	Err   error
}

func (e *ValidationError) Error() string {
	where := e.File
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	return fmt.Sprintf("scenarios: %s: %s: %v", where, e.Field, e.Err)
}

func (e *ValidationError) Unwrap() error { return e.Err }

// LoadAssumptions reads an assumptions file: YAML, strict (unknown fields
// are errors), validated. Errors name the file, the field and its line.
func LoadAssumptions(path string) (*Assumptions, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	return DecodeAssumptions(bytes.NewReader(b), path)
}

// DecodeAssumptions reads assumptions from r; name is the file named in
// errors.
func DecodeAssumptions(r io.Reader, name string) (*Assumptions, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("scenarios: %s: %w", name, err)
	}
	a := &Assumptions{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(a); err != nil {
		if errors.Is(err, io.EOF) {
			a.File = name
			return a, nil
		}
		return nil, yamlError(name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("scenarios: %s: more than one YAML document; write one", name)
	}
	a.File = name
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("scenarios: %s: %w", name, err)
	}
	for i, e := range a.Events {
		if e == nil {
			return nil, &ValidationError{File: name, Line: lineOf(&root, "events", i), Field: fmt.Sprintf("events[%d]", i), Err: errors.New("empty event")}
		}
		e.line = lineOf(&root, "events", i)
	}
	if err := a.validate(&root); err != nil {
		return nil, err
	}
	return a, nil
}

var (
	lineRE    = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownRE = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
)

// yamlError rewrites the YAML decoder's errors as FILE:LINE: what, one
// per line, unknown fields named as such.
func yamlError(name string, err error) error {
	msgs := []string{err.Error()}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	var out []error
	for _, m := range msgs {
		if g := lineRE.FindStringSubmatch(m); g != nil {
			what := g[2]
			if u := unknownRE.FindStringSubmatch(what); u != nil {
				what = fmt.Sprintf("unknown field %q (see docs/scenarios.md for the fields)", u[1])
			}
			out = append(out, fmt.Errorf("scenarios: %s:%s: %s", name, g[1], what))
			continue
		}
		out = append(out, fmt.Errorf("scenarios: %s: %s", name, m))
	}
	return errors.Join(out...)
}

// lineOf finds the line of the node at the path (mapping keys and
// sequence indexes) under a document, or of its deepest existing parent.
func lineOf(root *yaml.Node, p ...any) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, step := range p {
		var next *yaml.Node
		switch s := step.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == s {
						next = n.Content[i+1]
						line = n.Content[i].Line
						break
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && s < len(n.Content) {
				next = n.Content[s]
				line = next.Line
			}
		}
		if next == nil {
			return line
		}
		n = next
	}
	return line
}

// validate checks every field and reports all the wrong ones.
func (a *Assumptions) validate(root *yaml.Node) error {
	var errs []error
	bad := func(p []any, format string, args ...any) {
		var field strings.Builder
		for i, s := range p {
			switch s := s.(type) {
			case int:
				fmt.Fprintf(&field, "[%d]", s)
			default:
				if i > 0 {
					field.WriteByte('.')
				}
				fmt.Fprint(&field, s)
			}
		}
		line := 0
		if root != nil {
			line = lineOf(root, p...)
		}
		errs = append(errs, &ValidationError{File: a.File, Line: line, Field: field.String(), Err: fmt.Errorf(format, args...)})
	}
	at := func(p []any, more ...any) []any { return append(append([]any(nil), p...), more...) }
	nonNeg := func(p []any, v *float64) {
		if v != nil && (math.IsNaN(*v) || *v < 0 || *v > maxAmount) {
			bad(p, "must be a number between 0 and %g, got %v", maxAmount, *v)
		}
	}
	rate := func(p []any, r Rate, lo, hi float64) {
		if r.err != nil {
			bad(p, "%v", r.err)
		} else if r.set && (r.Value < lo || r.Value > hi) {
			bad(p, "must be between %g and %g, got %g", lo, hi, r.Value)
		}
	}
	selector := func(p []any, s Selector, need bool) {
		fields := map[string]string{"provider": s.Provider, "billing_scope": s.BillingScope, "account": s.Account, "region": s.Region,
			"service": s.Service, "family": s.Family, "platform": s.Platform, "tenancy": s.Tenancy}
		empty := true
		for _, name := range []string{"provider", "billing_scope", "account", "region", "service", "family", "platform", "tenancy"} {
			if v := fields[name]; v != "" {
				empty = false
				if _, err := path.Match(v, ""); err != nil {
					bad(at(p, name), "bad pattern %q: %v", v, err)
				}
			}
		}
		if need && empty {
			bad(p, "must name at least one field (provider, account, region, service, family, platform, …)")
		}
	}

	nonNeg([]any{"max_upfront"}, a.MaxUpfront)
	nonNeg([]any{"max_hourly_commitment"}, a.MaxHourlyCommitment)
	if a.CostOfCapital != nil {
		rate([]any{"cost_of_capital"}, *a.CostOfCapital, 0, 1)
	}
	for i, t := range a.Terms {
		if v, err := providers.ParseTerm(string(t)); err != nil {
			bad([]any{"terms", i}, "unknown term %q (want 1yr or 3yr)", t)
		} else {
			a.Terms[i] = v
		}
	}
	for i, o := range a.PaymentOptions {
		if v, err := providers.ParsePaymentOption(string(o)); err != nil {
			bad([]any{"payment_options", i}, "unknown payment option %q (want no-upfront, partial-upfront or all-upfront)", o)
		} else {
			a.PaymentOptions[i] = v
		}
	}
	for i := range a.Growth {
		g := &a.Growth[i]
		p := []any{"growth", i}
		selector(at(p, "match"), g.Match, false)
		rate(at(p, "min"), g.Min, -1, 100)
		rate(at(p, "max"), g.Max, -1, 100)
		switch g.Draw {
		case "", DrawHistory:
			if !g.Min.set && !g.Max.set {
				bad(p, "needs min, max or both")
			}
		case DrawRange:
			if !g.Min.set || !g.Max.set {
				bad(at(p, "draw"), "draw: range needs both min and max")
			}
		default:
			bad(at(p, "draw"), "unknown draw %q (want history or range)", g.Draw)
		}
		if g.Min.set && g.Max.set && g.Min.err == nil && g.Max.err == nil && g.Min.Value > g.Max.Value {
			bad(at(p, "max"), "max %g is below min %g", g.Max.Value, g.Min.Value)
		}
	}
	for i, e := range a.Events {
		p := []any{"events", i}
		// uses lists the fields each kind takes; any other set field is an error.
		set := map[string]bool{
			"match": e.Match != (Selector{}), "from": e.From != (Selector{}), "to": e.To != (PoolSpec{}), "pool": e.Pool != (PoolSpec{}),
			"at": !e.At.IsZero(), "start": !e.Start.IsZero(), "end": !e.End.IsZero(), "duration": !e.Duration.IsZero(),
			"share": !e.Share.IsZero(), "ratio": e.Ratio != nil, "quantity": e.Quantity != nil, "on_demand_rate": e.OnDemandRate != nil,
			"factor": !e.Factor.IsZero(),
		}
		var required, optional []string
		switch e.Kind {
		case Migration:
			required, optional = []string{"from", "to", "start", "duration"}, []string{"share", "ratio"}
		case Decommission:
			required, optional = []string{"match", "at"}, []string{"duration"}
		case Launch:
			required, optional = []string{"pool", "at", "quantity"}, []string{"duration", "on_demand_rate"}
		case Slump:
			required, optional = []string{"start", "end", "factor"}, []string{"match"}
		case "":
			bad(at(p, "kind"), "missing (want migration, decommission, launch or slump)")
			continue
		default:
			bad(at(p, "kind"), "unknown kind %q (want migration, decommission, launch or slump)", e.Kind)
			continue
		}
		allowed := map[string]bool{}
		for _, f := range required {
			allowed[f] = true
			if !set[f] {
				bad(p, "a %s event needs %s", e.Kind, f)
			}
		}
		for _, f := range optional {
			allowed[f] = true
		}
		for _, f := range []string{"match", "from", "to", "pool", "at", "start", "end", "duration", "share", "ratio", "quantity", "on_demand_rate", "factor"} {
			if set[f] && !allowed[f] {
				bad(at(p, f), "not used by a %s event", e.Kind)
			}
		}
		for f, d := range map[string]Date{"at": e.At, "start": e.Start, "end": e.End} {
			if d.err != nil {
				bad(at(p, f), "%v", d.err)
			}
		}
		if e.Duration.err != nil {
			bad(at(p, "duration"), "%v", e.Duration.err)
		} else if e.Duration.set && (e.Duration.Duration < 0 || (e.Kind == Migration && e.Duration.Duration < time.Hour)) {
			bad(at(p, "duration"), "must be at least an hour, got %s", planner.Duration(e.Duration.Duration))
		}
		rate(at(p, "share"), e.Share, 0, 1)
		rate(at(p, "factor"), e.Factor, 0, 10)
		if e.Ratio != nil && (math.IsNaN(*e.Ratio) || *e.Ratio <= 0 || *e.Ratio > 1e6) {
			bad(at(p, "ratio"), "must be a positive number up to 1e6, got %v", *e.Ratio)
		}
		nonNeg(at(p, "quantity"), e.Quantity)
		nonNeg(at(p, "on_demand_rate"), e.OnDemandRate)
		if allowed["match"] {
			selector(at(p, "match"), e.Match, e.Kind == Decommission)
		}
		if allowed["from"] {
			selector(at(p, "from"), e.From, false)
		}
		for _, ps := range []struct {
			name string
			spec *PoolSpec
		}{{"to", &e.To}, {"pool", &e.Pool}} {
			if ps.spec.Provider == "" {
				continue
			}
			if v, err := providers.ParseProvider(ps.spec.Provider); err != nil {
				bad(at(p, ps.name, "provider"), "unknown provider %q (want aws, gcp or azure)", ps.spec.Provider)
			} else {
				ps.spec.Provider = string(v)
			}
		}
		if e.Kind == Migration && set["to"] && e.To.Unit != "" {
			if _, ok := units[providers.Unit(e.To.Unit)]; !ok {
				bad(at(p, "to", "unit"), "unknown unit %q (want %s)", e.To.Unit, unitList())
			}
		}
		if e.Kind == Launch && set["pool"] {
			s := e.Pool
			for f, v := range map[string]string{"provider": s.Provider, "region": s.Region, "service": s.Service, "family": s.Family, "unit": s.Unit} {
				if v == "" {
					bad(at(p, "pool", f), "a launched pool needs %s", f)
				}
			}
			if _, ok := units[providers.Unit(s.Unit)]; s.Unit != "" && !ok {
				bad(at(p, "pool", "unit"), "unknown unit %q (want %s)", s.Unit, unitList())
			}
		}
		if e.Kind == Slump && e.Start.err == nil && e.End.err == nil && set["start"] && set["end"] && !e.End.After(e.Start.Time) {
			bad(at(p, "end"), "must be after start (%s)", e.Start.Format("2006-01-02"))
		}
	}
	return errors.Join(errs...)
}

// maxAmount bounds quantities and amounts, far above any real one, so
// that no sum of them overflows.
const maxAmount = 1e15

var units = map[providers.Unit]bool{providers.UnitNormalizedHour: true, providers.UnitInstanceHour: true, providers.UnitVCPUHour: true, providers.UnitGiBHour: true, providers.UnitSeatMonth: true}

func unitList() string {
	return strings.Join([]string{string(providers.UnitNormalizedHour), string(providers.UnitInstanceHour), string(providers.UnitVCPUHour), string(providers.UnitGiBHour), string(providers.UnitSeatMonth)}, ", ")
}

// Matches reports whether the selector matches the pool.
func (s Selector) Matches(k providers.PoolKey) bool {
	pairs := [...][2]string{
		{s.Provider, string(k.Provider)}, {s.BillingScope, k.BillingScope}, {s.Account, k.Account}, {s.Region, k.Region},
		{s.Service, k.Service}, {s.Family, k.Family}, {s.Platform, k.Platform}, {s.Tenancy, k.Tenancy},
	}
	for _, p := range pairs {
		if p[0] == "" {
			continue
		}
		if ok, _ := path.Match(p[0], p[1]); !ok {
			return false
		}
	}
	return true
}

// growthFor is the first growth rule matching the pool, or nil.
func (a *Assumptions) growthFor(k providers.PoolKey) *GrowthRule {
	for i := range a.Growth {
		if a.Growth[i].Match.Matches(k) {
			return &a.Growth[i]
		}
	}
	return nil
}

// Restrict narrows a policy by the assumptions' money fields: the
// tighter of each cap, the terms and payment options both allow. It fails
// when the two allow no term or no payment option in common. Cost of
// capital is not a policy field: the planner reads CostOfCapital itself.
func (a *Assumptions) Restrict(p planner.Policy) (planner.Policy, error) {
	if a == nil {
		return p, nil
	}
	tighter := func(x, y *float64) *float64 {
		switch {
		case x == nil:
			return y
		case y == nil || *x <= *y:
			return x
		}
		return y
	}
	p.MaxUpfront = tighter(p.MaxUpfront, a.MaxUpfront)
	p.MaxHourlyCommitment = tighter(p.MaxHourlyCommitment, a.MaxHourlyCommitment)
	if a.CostOfCapital != nil {
		p.CostOfCapital = a.CostOfCapital.Value
	}
	p.Terms = intersect(p.Terms, a.Terms)
	p.PaymentOptions = intersect(p.PaymentOptions, a.PaymentOptions)
	if p.Terms != nil && len(p.Terms) == 0 {
		return p, fmt.Errorf("scenarios: %s: terms: the policy and the assumptions allow no term in common", a.File)
	}
	if p.PaymentOptions != nil && len(p.PaymentOptions) == 0 {
		return p, fmt.Errorf("scenarios: %s: payment_options: the policy and the assumptions allow no payment option in common", a.File)
	}
	return p, nil
}

// intersect is what both lists allow, an empty list allowing all; the
// result keeps x's order.
func intersect[T comparable](x, y []T) []T {
	if len(y) == 0 {
		return x
	}
	if len(x) == 0 {
		return append([]T(nil), y...)
	}
	var out []T
	for _, v := range x {
		for _, w := range y {
			if v == w {
				out = append(out, v)
				break
			}
		}
	}
	if out == nil {
		out = []T{} // nothing in common, told apart from "all"
	}
	return out
}
