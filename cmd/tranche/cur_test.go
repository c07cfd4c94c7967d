package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tranchehq/tranche/internal/planner"
	"github.com/tranchehq/tranche/providers/focus/focustest"
)

const (
	curFixture    = "../../providers/aws/cur/testdata/cur2-hourly.csv"
	curMalformed  = "../../providers/aws/cur/testdata/cur2-malformed.csv"
	curEquivalent = "../../providers/aws/cur/testdata/focus-equivalent.csv"
)

// TestCURCommands runs plan and report on a CUR 2.0 export, alone and
// mixed with FOCUS files, and on a malformed one.
func TestCURCommands(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // every temporary directory of the runs, checked empty below
	focusDir := filepath.Join(t.TempDir(), "focus")
	if err := os.MkdirAll(focusDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := focustest.Generate(focusDir, 2, 1); err != nil {
		t.Fatal(err)
	}
	legacy := filepath.Join(t.TempDir(), "legacy.csv")
	os.WriteFile(legacy, []byte("identity/LineItemId,lineItem/LineItemType,lineItem/UsageStartDate\nx,Usage,2026-01-01T00:00:00Z\n"), 0o644)
	cases := []cliCase{
		{"plan", []string{"plan", "--scenarios", "0", "--horizon", "90d", "--prices", m5Book, curFixture}, exitOK,
			[]string{"Purchases", "CUR 2.0 export read as FOCUS (26 CUR rows", "EdpDiscount skipped", "SavingsPlanNegation row(s) folded"},
			[]string{"cur: converting " + curFixture, "cur: converted", "focus: reading " + curFixture + " (CUR 2.0)"}},
		{"plan quiet", []string{"plan", "-q", "--scenarios", "0", "--horizon", "90d", "--prices", m5Book, curFixture}, exitOK, []string{"Purchases"}, nil},
		{"mixed", []string{"plan", "-q", "--scenarios", "0", "--horizon", "90d", "--prices", m5Book, curFixture, focusDir}, exitOK,
			[]string{"Purchases", "CUR 2.0 export read as FOCUS", "aws/111111111111/111111111111/us-east-1/AmazonEC2/m5", "aws/111122223333/444455556666/us-east-1/AmazonEC2/m5"}, nil},
		{"malformed", []string{"plan", "--prices", m5Book, curMalformed}, exitInput, nil,
			[]string{"cur2-malformed.csv: row 3, column line_item_usage_start_date", "row 13: malformed CSV line"}},
		{"legacy", []string{"plan", "--prices", m5Book, legacy}, exitInput, nil, []string{"legacy Cost and Usage Report"}},
		{"report", []string{"report", "-q", curFixture}, exitOK, []string{curFixture}, nil},
		{"report json", []string{"report", "-q", "-o", "json", curFixture, curEquivalent}, exitOK,
			[]string{`"cur2.0 csv"`, "EdpDiscount"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errs := c.check(t)
			if strings.Contains(out+errs, "tranche-cur-") {
				t.Errorf("the output names a temporary conversion, not the CUR file:\n%s\n%s", out, errs)
			}
			if c.name == "plan quiet" && strings.Contains(errs, "cur: ") {
				t.Errorf("a quiet run showed progress: %s", errs)
			}
		})
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("temporary %s left behind", e.Name())
	}
}

// TestCURPlanJSON: the plan from a CUR export knows the owned reservation
// and savings plan with their terms, names the CUR file with its digest,
// and is the same byte for byte run after run.
func TestCURPlanJSON(t *testing.T) {
	args := []string{"plan", "-q", "-o", "json", "--scenarios", "0", "--horizon", "90d", "--prices", m5Book, curFixture}
	var plans [2]planner.Plan
	for i := range plans {
		out, errs, code := run(t, args...)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if err := json.Unmarshal([]byte(out), &plans[i]); err != nil {
			t.Fatal(err)
		}
		// The solver's statistics (iterations, objective in its last
		// bits) are not part of what the CUR conversion decides.
		plans[i].Solver = planner.SolverInfo{}
	}
	a, _ := json.Marshal(plans[0])
	b, _ := json.Marshal(plans[1])
	if string(a) != string(b) {
		t.Errorf("the same CUR file gave two different plans:\n%s\n%s", a, b)
	}
	p := plans[0]
	var sources string
	for _, s := range p.Sources {
		sources += s + "\n"
	}
	if !strings.Contains(sources, curFixture+" (CUR 2.0, 26 rows, sha256:") {
		t.Errorf("sources do not name the CUR file with its digest:\n%s", sources)
	}
	notes := strings.Join(p.Notes, "\n")
	for _, w := range []string{"EdpDiscount skipped", "CUR 2.0 export read as FOCUS"} {
		if !strings.Contains(notes, w) {
			t.Errorf("notes lack %q:\n%s", w, notes)
		}
	}
	for _, w := range []string{"its end is not known", "inferred"} {
		if strings.Contains(notes, w) {
			t.Errorf("notes say %q: the CUR file gives the commitments' terms and kinds:\n%s", w, notes)
		}
	}
}
