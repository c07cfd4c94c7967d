package scenarios

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/internal/planner"
	"github.com/tranchehq/tranche/providers"
)

func TestExamplesLoad(t *testing.T) {
	files, err := filepath.Glob("examples/*.yaml")
	if err != nil || len(files) < 3 {
		t.Fatalf("examples: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			a, err := LoadAssumptions(f)
			if err != nil {
				t.Fatal(err)
			}
			if a.File != f || a.Description == "" {
				t.Fatalf("file %q description %q", a.File, a.Description)
			}
		})
	}
	a, err := LoadAssumptions("examples/larkspur-fy2027.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Growth) != 2 || len(a.Events) != 4 || *a.MaxUpfront != 250000 || *a.MaxHourlyCommitment != 60 ||
		a.CostOfCapital.Value != 0.08 || len(a.Terms) != 2 || a.PaymentOptions[1] != providers.AllUpfront {
		t.Fatalf("larkspur: %+v", a)
	}
	if e := a.Events[3]; e.Kind != Slump || e.Factor.Value != 0.7 || !e.Start.Equal(time.Date(2026, 12, 24, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("slump: %+v", e)
	}
	c, err := LoadAssumptions("examples/cash-and-terms.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.PaymentOptions[0] != providers.NoUpfront || c.Terms[0] != providers.Term1Year {
		t.Fatalf("spellings not normalized: %v %v", c.PaymentOptions, c.Terms)
	}
}

// TestBadFiles loads each testdata/*.bad.yaml: every one must fail, naming
// the file, the field and the line.
func TestBadFiles(t *testing.T) {
	cases := map[string]struct{ field, line, msg string }{
		"unknown-field":       {`"grwoth"`, ":2", "unknown field"},
		"unknown-event-field": {`"reason"`, ":6", "unknown field"},
		"event-kind":          {"events[1].kind", ":6", `unknown kind "rollout"`},
		"factor":              {"events[0].factor", ":5", "want a number"},
		"slump-end":           {"events[0].end", ":4", "must be after start"},
		"date":                {"events[0].at", ":4", "want a date"},
		"missing":             {"events[0]", ":2", "needs duration"},
		"unused":              {"events[0].factor", ":5", "not used by a decommission"},
		"decommission-all":    {"events[0].match", ":2", "at least one field"},
		"growth-order":        {"growth[0].max", ":4", "below min"},
		"growth-empty":        {"growth[0]", ":2", "needs min, max or both"},
		"growth-draw":         {"growth[0].draw", ":4", "needs both min and max"},
		"pattern":             {"growth[0].match.family", ":2", "bad pattern"},
		"term":                {"terms[1]", ":1", `unknown term "5yr"`},
		"payment":             {"payment_options[1]", ":1", `unknown payment option "later"`},
		"cap":                 {"max_upfront", ":1", "between 0 and"},
		"cost-of-capital":     {"cost_of_capital", ":1", "between 0 and 1"},
		"launch-unit":         {"events[0].pool.unit", ":3", `unknown unit "cores"`},
		"two-documents":       {"", "", "more than one YAML document"},
		"syntax":              {"", ":2", "did not find expected"},
		"duration":            {"events[0].duration", ":6", "want a duration"},
	}
	files, _ := filepath.Glob("testdata/*.bad.yaml")
	if len(files) != len(cases) {
		t.Errorf("%d bad files, %d cases", len(files), len(cases))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".bad.yaml")
		t.Run(name, func(t *testing.T) {
			c, ok := cases[name]
			if !ok {
				t.Fatalf("no case for %s", f)
			}
			_, err := LoadAssumptions(f)
			if err == nil {
				t.Fatal("loaded")
			}
			msg := err.Error()
			for _, want := range []string{f + c.line, c.field, c.msg} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not say %q", msg, want)
				}
			}
			var v *ValidationError
			if c.field != "" && !strings.Contains(msg, "unknown field") && !errors.As(err, &v) {
				t.Errorf("error %q is not a ValidationError", msg)
			}
		})
	}
	if _, err := LoadAssumptions("testdata/no-such-file.yaml"); err == nil || !strings.Contains(err.Error(), "no-such-file") {
		t.Errorf("missing file: %v", err)
	}
	if a, err := DecodeAssumptions(strings.NewReader(""), "empty.yaml"); err != nil || a.File != "empty.yaml" || len(a.Events) != 0 {
		t.Errorf("empty file: %+v %v", a, err)
	}
}

func decode(t *testing.T, src string) *Assumptions {
	t.Helper()
	a, err := DecodeAssumptions(strings.NewReader(src), "inline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAssumptionsApplied(t *testing.T) {
	keys := []providers.PoolKey{key("a", "m5"), key("a", "c4"), key("b", "d2")}
	hours := 8 * week
	nz := noise(21, hours, 0.01)
	hist := history(keys, hours, func(i, h int) float64 {
		if i == 0 {
			return 100 * (1 + 0.0003*float64(h)) * weekly(h) * (1 + nz[h]) // about +230 % a year over the level at asOf
		}
		return float64(20*i) * weekly(h) * (1 + nz[h])
	})
	asOf := t0.Add(time.Duration(hours) * time.Hour)
	at := func(j int) string { return asOf.Add(time.Duration(j) * time.Hour).Format(time.RFC3339) }
	H := 8760
	base := forecast(t, &Generator{Seed: 5}, hist, asOf, H)
	// weekGrowth is the ratio of the last week's mean to the first's.
	weekGrowth := func(q []float64) float64 { return mean(q[H-week:]) / mean(q[:week]) }

	t.Run("decommission", func(t *testing.T) {
		a := decode(t, "events:\n  - kind: decommission\n    match: {family: d2}\n    at: "+at(100)+"\n")
		sc := forecast(t, &Generator{Seed: 5, Assumptions: a}, hist, asOf, H)
		for s := range sc {
			q, b := sc[s].Usage[2].Quantity, base[s].Usage[2].Quantity
			for j := range H {
				if (j < 100 && q[j] != b[j]) || (j >= 100 && q[j] != 0) {
					t.Fatalf("%s hour %d: %v, without the event %v", sc[s].Name, j, q[j], b[j])
				}
			}
		}
	})
	t.Run("growth bounded", func(t *testing.T) {
		// Damped, the history's growth is still well above the rule's
		// 10 % (without breaks: a break may stop it, which the rule, as
		// finance's word, does not draw).
		unbroken := forecast(t, &Generator{Seed: 5, NoBreaks: true}, hist, asOf, H)
		for s := range unbroken {
			if g := weekGrowth(unbroken[s].Usage[0].Quantity); g < 1.2 {
				t.Fatalf("test data: %s grows only ×%.2f", unbroken[s].Name, g)
			}
		}
		a := decode(t, "growth:\n  - match: {family: m5}\n    min: 0%\n    max: 10%\n")
		sc := forecast(t, &Generator{Seed: 5, Assumptions: a}, hist, asOf, H)
		for s := range sc {
			if g := weekGrowth(sc[s].Usage[0].Quantity); g > 1.1+0.02 || g < 1.08 {
				t.Fatalf("%s: grows ×%.3f, want at most ×1.10", sc[s].Name, g)
			}
			if !sameBits([]planner.Scenario{{Usage: sc[s].Usage[1:3]}}, []planner.Scenario{{Usage: base[s].Usage[1:3]}}) {
				t.Fatalf("%s: the rule changed pools it does not match", sc[s].Name)
			}
		}
	})
	t.Run("growth range drawn", func(t *testing.T) {
		a := decode(t, "growth:\n  - match: {family: c4}\n    min: 20%\n    max: 40%\n    draw: range\n")
		sc := forecast(t, &Generator{Seed: 5, Assumptions: a}, hist, asOf, H)
		lo, hi := math.Inf(1), math.Inf(-1)
		for s := range sc {
			g := weekGrowth(sc[s].Usage[1].Quantity)
			lo, hi = min(lo, g), max(hi, g)
		}
		if lo < 1.18 || hi > 1.42 || hi-lo < 0.05 {
			t.Fatalf("growth from ×%.3f to ×%.3f, want spread inside ×1.2 … ×1.4", lo, hi)
		}
	})
	t.Run("launch slump migration", func(t *testing.T) {
		a := decode(t, `events:
  - kind: launch
    pool: {provider: aws, account: a, region: us-east-1, service: AmazonEC2, family: m7g, platform: Linux/UNIX, unit: NU-hour}
    quantity: 32
    on_demand_rate: 0.08
    at: `+at(200)+`
  - kind: migration
    from: {family: c4}
    to: {family: c5}
    start: `+at(500)+`
    duration: 100h
  - kind: slump
    start: `+at(1000)+`
    end: `+at(1024)+`
    factor: 50%
`)
		sc := forecast(t, &Generator{Seed: 5, Assumptions: a}, hist, asOf, H)
		for s := range sc {
			u := sc[s].Usage
			if len(u) != 5 || u[3].Pool.Family != "m7g" || u[3].OnDemandRate != 0.08 || u[4].Pool.Family != "c5" || u[4].Pool.Account != "a" {
				t.Fatalf("pools: %v", u)
			}
			b := base[s].Usage
			for j := range H {
				slump := 1.0
				if j >= 1000 && j < 1024 {
					slump = 0.5
				}
				launch := 0.0
				if j >= 200 {
					launch = 32 * slump
				}
				if u[3].Quantity[j] != launch {
					t.Fatalf("launch hour %d: %v, want %v", j, u[3].Quantity[j], launch)
				}
				moved := math.Min(1, math.Max(0, float64(j-500)/100))
				c4, c5 := b[1].Quantity[j]*slump*(1-moved), b[1].Quantity[j]*slump*moved
				if math.Abs(u[1].Quantity[j]-c4) > 1e-9 || math.Abs(u[4].Quantity[j]-c5) > 1e-9 {
					t.Fatalf("migration hour %d: c4 %v c5 %v, want %v %v", j, u[1].Quantity[j], u[4].Quantity[j], c4, c5)
				}
				if math.Abs(u[0].Quantity[j]-b[0].Quantity[j]*slump) > 1e-9 {
					t.Fatalf("slump hour %d: %v, want %v", j, u[0].Quantity[j], b[0].Quantity[j]*slump)
				}
			}
		}
	})
	t.Run("event matching nothing", func(t *testing.T) {
		a := decode(t, "description: x\nevents:\n  - kind: decommission\n    match: {family: z9}\n    at: 2027-01-01\n")
		_, err := (&Generator{Assumptions: a}).Forecast(hist, asOf, 0, 100)
		var v *ValidationError
		if !errors.As(err, &v) || v.Line != 3 || v.Field != "events[0]" || !strings.Contains(err.Error(), "inline.yaml:3") {
			t.Fatalf("error %v", err)
		}
	})
}

func TestRestrict(t *testing.T) {
	a := decode(t, "max_upfront: 1000\nmax_hourly_commitment: 50\nterms: [1yr]\npayment_options: [no-upfront, all-upfront]\ncost_of_capital: 0.08\n")
	ten := 10.0
	p, err := a.Restrict(planner.Policy{MaxHourlyCommitment: &ten, PaymentOptions: []providers.PaymentOption{providers.AllUpfront, providers.PartialUpfront}})
	if err != nil {
		t.Fatal(err)
	}
	if *p.MaxUpfront != 1000 || *p.MaxHourlyCommitment != 10 || len(p.Terms) != 1 || len(p.PaymentOptions) != 1 || p.PaymentOptions[0] != providers.AllUpfront || p.CostOfCapital != 0.08 {
		t.Fatalf("%+v", p)
	}
	if _, err := a.Restrict(planner.Policy{Terms: []providers.Term{providers.Term3Year}}); err == nil || !strings.Contains(err.Error(), "no term in common") {
		t.Fatalf("error %v", err)
	}
	var none *Assumptions
	if p, err := none.Restrict(planner.DefaultPolicy()); err != nil || p.MaxUpfront != nil {
		t.Fatalf("nil assumptions: %+v %v", p, err)
	}
}

// FuzzDecodeAssumptions feeds the loader arbitrary bytes: it must not
// panic, and what it accepts must generate without panicking.
func FuzzDecodeAssumptions(f *testing.F) {
	for _, glob := range []string{"examples/*.yaml", "testdata/*.bad.yaml"} {
		files, _ := filepath.Glob(glob)
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte("events: [{kind: launch, pool: {provider: aws, region: r, service: s, family: f, unit: NU-hour}, quantity: 1e15, at: 2026-01-01}]"))
	keys := []providers.PoolKey{key("a", "m5"), {Provider: providers.AWS, Account: "400011110008", Region: "us-east-2", Service: "AmazonEC2", Family: "c4.xlarge", Platform: "Windows", Unit: providers.UnitInstanceHour}}
	hist := history(keys, 2*week, func(i, h int) float64 { return 10 * weekly(h) })
	asOf := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range hist {
		hist[i].Start = asOf.Add(-2 * week * time.Hour)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := DecodeAssumptions(strings.NewReader(string(b)), "fuzz.yaml")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if err := a.validate(nil); err != nil {
			t.Fatalf("accepted, then invalid: %v", err)
		}
		sc, err := (&Generator{Scenarios: 2, Assumptions: a}).Forecast(hist, asOf, 0, 400)
		if err != nil {
			return
		}
		for _, s := range sc {
			for _, u := range s.Usage {
				for _, q := range u.Quantity {
					if !(q >= 0) || math.IsInf(q, 0) {
						t.Fatalf("usage %v", q)
					}
				}
			}
		}
	})
}
