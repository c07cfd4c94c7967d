package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tranchehq/tranche/internal/planner"
	"github.com/tranchehq/tranche/providers/focus/focustest"
)

const m5Book = "../../testdata/aws/golden/pricebook_us-east-1_m5.json"

func TestPlanCommand(t *testing.T) {
	dir := t.TempDir()
	if _, err := focustest.Generate(dir, 2, 1); err != nil {
		t.Fatal(err)
	}
	badPolicy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(badPolicy, []byte("max_coverage: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte("terms: [3yr]\npayment_options: [all-upfront]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	assumptions := filepath.Join(t.TempDir(), "assumptions.yaml")
	if err := os.WriteFile(assumptions, []byte("max_upfront: 500\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []cliCase{
		{"table", []string{"plan", "--prices", m5Book, dir}, exitOK,
			[]string{"Tranche purchase plan", "Purchases", "Savings versus commitment", "← the plan", "Excluded (3)", "GB-Mo", "kinds: all offered"}, []string{"focus: reading", "planning "}},
		{"json", []string{"plan", "-q", "-o", "json", "--optimize", "repeat", "--prices", m5Book, dir}, exitOK, []string{`"Schema": "` + planner.PlanSchema + `"`, `"HourlyCommitmentToPurchase"`}, nil},
		{"csv", []string{"plan", "-q", "-o", "csv", "--scenarios", "4", "--prices", m5Book, dir}, exitOK, []string{"LineNumber,Provider,Kind,OfferingId"}, nil},
		{"markdown", []string{"plan", "-q", "-o", "markdown", "--optimize", "repeat", "--prices", m5Book, dir}, exitOK, []string{"# Tranche purchase plan", "| # | When | Buy |"}, nil},
		{"html", []string{"plan", "-q", "-o", "html", "--scenarios", "4", "--prices", m5Book, dir}, exitOK, []string{"<!DOCTYPE html>", "<svg", "Savings versus commitment"}, nil},
		{"policy", []string{"plan", "-q", "--optimize", "repeat", "--policy", policy, "--prices", m5Book, dir}, exitOK, []string{"3yr all-upfront", "terms: 3yr"}, nil},
		{"no scenarios", []string{"plan", "-q", "--scenarios", "0", "--prices", m5Book, dir}, exitOK, []string{"Purchases"}, nil},
		{"risk", []string{"plan", "-q", "--scenarios", "8", "--seed", "3", "--prices", m5Book, dir}, exitOK, []string{"8 scenarios of the bootstrap (seed 3) forecast", "Chance of losing money"}, nil},
		{"assumptions", []string{"plan", "-q", "--assumptions", assumptions, "--prices", m5Book, dir}, exitOK, []string{"bootstrap (seed 1, assumptions", "max upfront: $500.00"}, nil},
		{"bad assumptions", []string{"plan", "--assumptions", badPolicy, "--prices", m5Book, dir}, exitInput, nil, []string{"policy.yaml"}},
		{"bad scenarios", []string{"plan", "--scenarios", "-1", "--prices", m5Book, dir}, exitUsage, nil, []string{"--scenarios"}},
		{"optimize scenarios", []string{"plan", "-q", "--optimize", "scenarios", "--scenarios", "4", "--risk", "max_regret=0,risk_level=0.75", "--prices", m5Book, dir}, exitOK,
			[]string{"optimized over 4 scenarios", "4 scenarios of the bootstrap (seed 1) forecast"}, nil},
		{"sampled weeks", []string{"plan", "-q", "--optimize", "scenarios", "--scenarios", "4", "--sample-weeks", "2", "--prices", m5Book, dir}, exitOK,
			[]string{"Optimized on one week in 2", "proven within"}, nil},
		{"bad optimize", []string{"plan", "--optimize", "hope", "--prices", m5Book, dir}, exitUsage, nil, []string{"--optimize"}},
		{"bad generation moves", []string{"plan", "--generation-moves", "-0.5", "--prices", m5Book, dir}, exitUsage, nil, []string{"--generation-moves -0.5"}},
		{"risk defaults", []string{"plan", "-q", "--scenarios", "4", "--prices", m5Book, dir}, exitOK,
			[]string{"risk limit: max_regret $0.00/month", "the default (no risk limit given)", "Efficient frontier", "plans along the commitment curve"}, nil},
		{"risk from the flag", []string{"plan", "-q", "-o", "json", "--scenarios", "4", "--risk", "max_regret=5", "--prices", m5Book, dir}, exitOK,
			[]string{`"Source": "--risk"`, `"Frontier": {`}, nil},
		{"frontier sweep", []string{"plan", "--optimize", "scenarios", "--scenarios", "3", "--frontier", "3", "--prices", m5Book, dir}, exitOK,
			[]string{"Efficient frontier", "sweep of max_regret limits", "← the plan"}, []string{"frontier point 1/3"}},
		{"frontier without scenarios", []string{"plan", "--optimize", "repeat", "--frontier", "3", "--prices", m5Book, dir}, exitUsage, nil, []string{"--optimize scenarios"}},
		{"bad frontier", []string{"plan", "--optimize", "scenarios", "--frontier", "many", "--prices", m5Book, dir}, exitUsage, nil, []string{"--frontier"}},
		{"help states the risk defaults", []string{"plan", "--help"}, exitOK, []string{"max_regret=0 at risk_level=0.9", "--frontier"}, nil},
		{"bad risk", []string{"plan", "--risk", "max_regret", "--prices", m5Book, dir}, exitUsage, nil, []string{"--risk"}},
		{"unknown risk", []string{"plan", "--risk", "max_fear=1", "--prices", m5Book, dir}, exitUsage, nil, []string{"unknown risk limit"}},
		{"no prices", []string{"plan", dir}, exitUsage, nil, []string{"prices"}},
		{"no billing", []string{"plan", "--prices", m5Book}, exitUsage, nil, []string{"at least one"}},
		{"bad policy", []string{"plan", "--policy", badPolicy, "--prices", m5Book, dir}, exitInput, nil, []string{"max_coverage", "policy.yaml"}},
		{"bad as-of", []string{"plan", "--as-of", "soon", "--prices", m5Book, dir}, exitUsage, nil, []string{"--as-of"}},
		{"as-of before data", []string{"plan", "-q", "--as-of", "2025-01-01", "--prices", m5Book, dir}, exitInput, nil, []string{"no history"}},
		{"bad lookback", []string{"plan", "--lookback", "a while", "--prices", m5Book, dir}, exitUsage, nil, []string{"duration"}},
		{"missing book", []string{"plan", "--prices", "nope.json", dir}, exitInput, nil, []string{"nope.json"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, _ := c.check(t)
			if c.code != exitOK && out != "" {
				t.Errorf("a failed run wrote a plan to stdout:\n%.200s", out)
			}
		})
	}
}

// TestPlanCommandReproducible: the same inputs give the same plan, byte
// for byte, in every format; the JSON and the order sheet agree.
func TestPlanCommandReproducible(t *testing.T) {
	dir := t.TempDir()
	if _, err := focustest.Generate(dir, 2, 3); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"json", "csv", "markdown", "table", "html"} {
		// The default (over scenarios), with 4 of them to keep -race runs short.
		a, _, code := run(t, "plan", "-q", "-o", format, "--scenarios", "4", "--prices", m5Book, dir)
		b, _, code2 := run(t, "plan", "-q", "-o", format, "--scenarios", "4", "--prices", m5Book, dir)
		if code != exitOK || code2 != exitOK {
			t.Fatalf("%s: exit %d, %d", format, code, code2)
		}
		if a != b {
			t.Errorf("%s: two runs on the same inputs differ", format)
		}
	}
	// The order sheet of a plan that buys: the repeat plan (the scenario
	// plan of this data buys nothing within the default risk limit).
	js, _, _ := run(t, "plan", "-q", "-o", "json", "--optimize", "repeat", "--prices", m5Book, dir)
	var p planner.Plan
	if err := json.Unmarshal([]byte(js), &p); err != nil {
		t.Fatal(err)
	}
	sheet, _, _ := run(t, "plan", "-q", "-o", "csv", "--optimize", "repeat", "--prices", m5Book, dir)
	recs, err := csv.NewReader(strings.NewReader(sheet)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var now []planner.Line
	for _, l := range p.Lines {
		if l.Tranche == "now" {
			now = append(now, l)
		}
	}
	if len(recs) != len(now)+1 || len(now) == 0 {
		t.Fatalf("order sheet has %d rows for %d plan lines to buy now", len(recs)-1, len(now))
	}
	for i, l := range now {
		if recs[i+1][3] != l.OfferingID || recs[i+1][21] != p.InputDigest {
			t.Errorf("order sheet row %d: %v, want offering %s and digest %s", i+1, recs[i+1], l.OfferingID, p.InputDigest)
		}
	}
}

// TestPlanUsageTable plans from a plain usage table (--usage) instead of
// billing files. The table has 8 instances always and 12 in 9 of 24 hours;
// an RI at 0.06 an hour against 0.10 on demand pays where usage reaches it
// in at least 60 % of hours (the quantile rule), so the repeat plan buys
// exactly 8, and the savings plan at 0.07 a unit-hour would lose money on
// the business-hours peak, so none of it.
func TestPlanUsageTable(t *testing.T) {
	dir, pool, book, usage := usageFixture(t)
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("time,pool,quantity\n2026-01-01T00:00:00Z,"+pool.String()+",1\n2026-01-01T00:30:00Z,"+pool.String()+",1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	js, errs, code := run(t, "plan", "-q", "-o", "json", "--optimize", "repeat", "--prices", book, "--usage", usage)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var p planner.Plan
	if err := json.Unmarshal([]byte(js), &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Lines) != 1 || p.Lines[0].OfferingID != "ri-0" || p.Lines[0].Quantity != 8 {
		t.Errorf("lines %+v: want 8 of ri-0 and nothing else", p.Lines)
	}
	if len(p.Sources) != 1 || !strings.Contains(p.Sources[0], "usage table "+usage+" (1 pool, sha256:") {
		t.Errorf("sources %q: want the usage table and its digest", p.Sources)
	}
	if !strings.Contains(strings.Join(p.Notes, "\n"), "commitments owned only from --inventory") {
		t.Errorf("notes %q do not say where owned commitments come from", p.Notes)
	}
	cases := []cliCase{
		{"over scenarios", []string{"plan", "-q", "--scenarios", "4", "--prices", book, "--usage", usage}, exitOK, []string{"Tranche purchase plan", "covers 1 pool\n", "usage from the table " + usage}, nil},
		{"both", []string{"plan", "--prices", book, "--usage", usage, dir}, exitUsage, nil, []string{"not both"}},
		{"neither", []string{"plan", "--prices", book}, exitUsage, nil, []string{"--usage"}},
		{"bad table", []string{"plan", "--prices", book, "--usage", bad}, exitInput, nil, []string{"bad.csv: row 3, column time"}},
		{"missing table", []string{"plan", "--prices", book, "--usage", filepath.Join(dir, "nope.csv")}, exitInput, nil, []string{"nope.csv"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if out, _ := c.check(t); c.code != exitOK && out != "" {
				t.Errorf("a failed run wrote a plan to stdout:\n%.200s", out)
			}
		})
	}
}
