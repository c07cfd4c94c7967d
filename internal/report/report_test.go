package report_test

import (
	"bytes"
	"context"
	"flag"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/internal/browser"
	goldenfile "github.com/tranchehq/tranche/internal/golden"
	"github.com/tranchehq/tranche/internal/report"
	"github.com/tranchehq/tranche/providers/focus"
	"github.com/tranchehq/tranche/providers/focus/focustest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const fixtures = "../../testdata/focus"

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, name, got, *update)
}

func build(t *testing.T, paths []string, fopt focus.Options, ropt report.Options) *report.Report {
	t.Helper()
	ctx := context.Background()
	d, err := focus.Open(ctx, paths, fopt)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	r, err := report.Build(ctx, d, ropt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// relocate replaces a temporary directory in the report's paths so that
// golden files do not depend on it.
func relocate(r *report.Report, dir string) {
	for i := range r.Inputs {
		r.Inputs[i].Path = strings.Replace(r.Inputs[i].Path, dir, "<dir>", 1)
	}
	for i := range r.Notices {
		r.Notices[i].File = strings.Replace(r.Notices[i].File, dir, "<dir>", 1)
	}
}

func within(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s = n/a, want %.6f", what, want)
		return
	}
	// Ratios are rounded to 6 decimals.
	if math.Abs(*got-want) > 1e-6 {
		t.Errorf("%s = %.6f, want %.6f", what, *got, want)
	}
}

func cents(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-math.Round(want*100)/100) > 1e-9 {
		t.Errorf("%s = %.2f, want %.2f", what, got, want)
	}
}

// TestKnownValues checks the report of a generated three-month data set
// against coverage, utilization, savings and waste computed by the
// generator from its own counts.
func TestKnownValues(t *testing.T) {
	dir := t.TempDir()
	truth, err := focustest.Generate(dir, 3, 42)
	if err != nil {
		t.Fatal(err)
	}
	asOf := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	r := build(t, []string{filepath.Join(dir, "*.csv")}, focus.Options{}, report.Options{AsOf: asOf})
	s := r.Summary
	within(t, "coverage", s.Coverage, truth.CoveredCost/truth.EligibleCost)
	within(t, "utilization", s.Utilization, truth.UsedCost/(truth.UsedCost+truth.UnusedCost))
	within(t, "ESR vs contracted", s.ESRContracted, (truth.EligibleCost-truth.EffectiveCost)/truth.EligibleCost)
	within(t, "ESR vs list", s.ESRList, (truth.ListCost-truth.EffectiveCost)/truth.ListCost)
	cents(t, "eligible cost", s.EligibleCost, truth.EligibleCost)
	cents(t, "waste", s.Waste, truth.UnusedCost)
	cents(t, "net savings", s.NetSavings, truth.EligibleCost-truth.EffectiveCost)
	cents(t, "billed cost", s.BilledCost, truth.BilledCost)
	months := 0
	for _, g := range r.Groups {
		if g.Dimension == "month" {
			months++
			within(t, "coverage "+g.Key, g.Metrics.Coverage, truth.MonthCovered[g.Key]/truth.MonthEligible[g.Key])
		}
	}
	if months != 3 {
		t.Errorf("%d month groups, want 3", months)
	}
	for _, c := range r.Commitments {
		switch c.ID {
		case focustest.RIID:
			within(t, "RI utilization", c.Utilization, truth.RIUtilization)
			if c.UtilizationBasis != "quantity" {
				t.Errorf("RI utilization basis %q, want quantity", c.UtilizationBasis)
			}
		case focustest.SPID:
			within(t, "SP utilization", c.Utilization, truth.SPUtilization)
			if c.UtilizationBasis != "cost" {
				t.Errorf("SP utilization basis %q, want cost", c.UtilizationBasis)
			}
		}
	}
	if len(r.Expiries) != 1 || r.Expiries[0].CommitmentID != focustest.SPID || r.Expiries[0].Within != 30 {
		t.Errorf("expiries = %+v, want the savings plan within 30 days", r.Expiries)
	}
	for _, v := range r.Invariants {
		if v.Status != "reconciled" {
			t.Errorf("invariant %+v not reconciled", v)
		}
	}
	relocate(r, dir)
	var js, tab bytes.Buffer
	if err := report.WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "generated.json.golden", js.Bytes())
	if err := report.WriteTable(&tab, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "generated.table.golden", tab.Bytes())
	var csvG, csvC bytes.Buffer
	if err := report.WriteCSV(&csvG, r, report.CSVGroups); err != nil {
		t.Fatal(err)
	}
	golden(t, "generated.groups.csv.golden", csvG.Bytes())
	if err := report.WriteCSV(&csvC, r, report.CSVCommitments); err != nil {
		t.Fatal(err)
	}
	golden(t, "generated.commitments.csv.golden", csvC.Bytes())
}

// TestGoldenShared: the report of the shared FOCUS files.
func TestGoldenShared(t *testing.T) {
	cases := []struct {
		name  string
		paths []string
		opt   focus.Options
	}{
		{"sample-1.0", []string{fixtures + "/sample-1.0/focus_sample.csv"}, focus.Options{}},
		// The spec scenarios without a known defect (purchase scenarios 2
		// and 3 have hour 30; see providers/focus tests).
		{"spec-scenarios", []string{fixtures + "/spec-1.2-examples/commitment_discount_scenarios/commitment_discount_purchase_scenario_1.csv",
			fixtures + "/spec-1.2-examples/commitment_discount_scenarios/commitment_discount_usage_scenario_*.csv"}, focus.Options{Currency: "USD"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := build(t, c.paths, c.opt, report.Options{})
			var b bytes.Buffer
			if err := report.WriteJSON(&b, r); err != nil {
				t.Fatal(err)
			}
			golden(t, c.name+".json.golden", b.Bytes())
		})
	}
}

// TestHTML: the page is self-contained (no script, no external resource)
// and has its three charts as inline SVG.
func TestHTML(t *testing.T) {
	dir := t.TempDir()
	if _, err := focustest.Generate(dir, 3, 42); err != nil {
		t.Fatal(err)
	}
	r := build(t, []string{dir}, focus.Options{}, report.Options{AsOf: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)})
	var b bytes.Buffer
	if err := report.WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if n := strings.Count(page, "<svg"); n != 3 {
		t.Errorf("%d inline SVG charts, want 3", n)
	}
	for _, bad := range []string{"<script", "<link", "<img", "@import", "url(http"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q: not self-contained", bad)
		}
	}
	if m := regexp.MustCompile(`(?i)(src|href)="https?://`).FindString(page); m != "" {
		t.Errorf("page refers to an external resource: %s", m)
	}
	for _, want := range []string{"Coverage and utilization by day", "Net savings and waste by month", "Expiry calendar", focustest.SPID} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	out := filepath.Join(t.TempDir(), "report.html")
	os.WriteFile(out, b.Bytes(), 0o644)
	browser.Screenshot(t, out)
}
