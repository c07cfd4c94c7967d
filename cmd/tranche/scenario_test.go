package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tranchehq/tranche/providers/focus/focustest"
)

func TestScenarioCompare(t *testing.T) {
	dir := t.TempDir()
	if _, err := focustest.Generate(dir, 2, 1); err != nil {
		t.Fatal(err)
	}
	cash := filepath.Join(t.TempDir(), "cash.yaml")
	if err := os.WriteFile(cash, []byte("description: no cash upfront\nmax_upfront: 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := run(t, "scenario", "compare", "-q", "-o", "json", "--scenarios", "5", "--prices", m5Book, "--billing", dir, "--baseline", cash)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res struct {
		Schema string
		Cases  []compareCase
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Schema != compareSchema || len(res.Cases) != 2 || res.Cases[0].Name != "baseline" || res.Cases[1].Name != "cash" {
		t.Fatalf("cases %+v", res.Cases)
	}
	if up := res.Cases[1].Plan.Totals.TotalUpfrontCost; up != 0 {
		t.Errorf("the no-cash case pays %.2f upfront", up)
	}
	if res.Cases[0].Plan.Totals.TotalUpfrontCost <= 0 {
		t.Error("the baseline pays nothing upfront: the comparison shows nothing")
	}
	// The cash flow of the first month holds the upfront fees of the
	// purchases made now.
	for _, c := range res.Cases {
		var upfront float64
		for _, l := range c.Plan.Lines {
			if l.Tranche == "now" {
				upfront += l.UpfrontCost
			}
		}
		if c.CashFlow[0] < upfront-1e-6 || len(c.CashFlow) != 12 {
			t.Errorf("%s: cash flow %v, want ≥ %.2f upfront in month 1", c.Name, c.CashFlow, upfront)
		}
		if c.Plan.Risk == nil || c.Plan.Risk.Scenarios != 5 || math.IsNaN(c.Plan.Risk.ExpectedMonthlySavings) {
			t.Errorf("%s: risk %+v", c.Name, c.Plan.Risk)
		}
	}
	table, _, code := run(t, "scenario", "compare", "-q", "--scenarios", "3", "--prices", m5Book, "--billing", dir, cash)
	if code != exitOK || !strings.Contains(table, "Side by side") || !strings.Contains(table, "Commitment cash flow by month") || !strings.Contains(table, "no cash upfront") {
		t.Errorf("exit %d, table:\n%s", code, table)
	}
	opt, errs, code := run(t, "scenario", "compare", "-q", "--optimize", "scenarios", "--scenarios", "3", "--risk", "max_regret=0", "--prices", m5Book, "--billing", dir, cash)
	if code != exitOK || !strings.Contains(opt, "chosen over 3 scenarios of each case") {
		t.Errorf("--optimize scenarios: exit %d: %s\n%s", code, errs, opt)
	}
	// From an hourly usage table instead of billing files.
	_, _, ubook, usage := usageFixture(t)
	ut, errs, code := run(t, "scenario", "compare", "-q", "--scenarios", "3", "--prices", ubook, "--usage", usage, "--baseline", cash)
	if code != exitOK || !strings.Contains(ut, "Side by side") || !strings.Contains(ut, "no cash upfront") {
		t.Errorf("--usage: exit %d: %s\n%s", code, errs, ut)
	}
	for _, bad := range [][]string{
		{"scenario", "compare", "--prices", ubook, "--usage", usage, "--billing", dir, cash},
		{"scenario", "compare", "--optimize", "hope", "--prices", m5Book, "--billing", dir, cash},
		{"scenario", "compare", "--prices", m5Book, "--billing", dir},
		{"scenario", "compare", "--billing", dir, cash},
		{"scenario", "compare", "--prices", m5Book, "--billing", dir, "-o", "csv", cash},
	} {
		if _, _, code := run(t, bad...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", bad, code, exitUsage)
		}
	}
	if _, errs, code := run(t, "scenario", "compare", "--prices", m5Book, "--billing", dir, "nope.yaml"); code != exitInput || !strings.Contains(errs, "nope.yaml") {
		t.Errorf("missing file: exit %d: %s", code, errs)
	}
}
