package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tranchehq/tranche/solver"
)

var update = flag.Bool("update", false, "rewrite golden files and the bundled example problem")

const examplePath = "../../testdata/example/problem.json"

// exampleProblem builds the bundled example: two weeks of hourly usage of
// the m5 family (Linux, shared tenancy, us-east-1) in normalized units,
// and the twelve m5.large reserved-instance offers of the AWS Price List
// item in testdata/example/README.md (on-demand $0.096/h; one m5.large is 4
// normalized units, so an RI covers 4 NU-hours per hour: rate 0.25).
// The usage is a steady base of 48 NU with a business-hours peak of up to
// 40 NU on weekdays, 60% of it on weekends, and a deterministic ripple.
func exampleProblem() *solver.Problem {
	const hours = 14 * 24
	u := make([]float64, hours)
	for t := range u {
		h, day := t%24, t/24
		peak := 0.0
		if h >= 8 && h < 20 {
			peak = 40 * math.Sin(math.Pi*float64(h-8)/12)
		}
		if day%7 >= 5 {
			peak *= 0.6
		}
		ripple := 2 * math.Sin(float64(t)*1.7)
		u[t] = math.Round((48+peak+ripple)/2) * 2 // whole m5.large halves: 2 NU steps
	}
	type ri struct {
		id        string
		years     int
		upfront   float64
		recurring float64
	}
	// Price List item m5.large us-east-1 Linux Shared, published 2021-02-05.
	ris := []ri{
		{"m5.large/1yr/standard/no-upfront", 1, 0, 0.060},
		{"m5.large/1yr/standard/partial-upfront", 1, 252, 0.029},
		{"m5.large/1yr/standard/all-upfront", 1, 494, 0},
		{"m5.large/1yr/convertible/no-upfront", 1, 0, 0.071},
		{"m5.large/1yr/convertible/partial-upfront", 1, 294, 0.034},
		{"m5.large/1yr/convertible/all-upfront", 1, 577, 0},
		{"m5.large/3yr/standard/no-upfront", 3, 0, 0.041},
		{"m5.large/3yr/standard/partial-upfront", 3, 505, 0.019},
		{"m5.large/3yr/standard/all-upfront", 3, 949, 0},
		{"m5.large/3yr/convertible/no-upfront", 3, 0, 0.049},
		{"m5.large/3yr/convertible/partial-upfront", 3, 592, 0.023},
		{"m5.large/3yr/convertible/all-upfront", 3, 1161, 0},
	}
	p := &solver.Problem{
		Hours: hours,
		Pools: []solver.Pool{{ID: "aws/us-east-1/AmazonEC2/m5/Linux/Shared (NU)", OnDemandRate: 0.096 / 4, Usage: u}},
	}
	for _, r := range ris {
		p.Offerings = append(p.Offerings, solver.Offering{
			ID: r.id, Type: solver.Resource, TermHours: r.years * solver.HoursPerYear,
			Upfront: r.upfront, Recurring: r.recurring, Increment: 1,
			Covers: []solver.Cover{{Pool: 0, Rate: 0.25}},
		})
	}
	// Four standard one-year m5.large RIs bought earlier, expiring after
	// the first week.
	p.Owned = []solver.Commitment{{ID: "ri-0a1b2c3d", Offering: 0, Quantity: 4, Start: -8000, End: 7 * 24}}
	p.Policy = solver.Policy{MaxUpfront: solver.Limit(12000), MinUtilization: 0.8}
	return p
}

func TestExampleProblemFile(t *testing.T) {
	data, err := json.MarshalIndent(exampleProblem(), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, '\n')
	if *update {
		if err := os.WriteFile(examplePath, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/tranche -run TestExampleProblemFile -update)", err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("%s is not what exampleProblem builds; run with -update", examplePath)
	}
}

// run executes the CLI with args and returns stdout, stderr and the exit
// code main would use.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := newRootCmd()
	var out, errb bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		fmt.Fprintln(&errb, "tranche:", err)
	}
	return out.String(), errb.String(), exitCode(err)
}

// cliCase is one row of a command's table test: the arguments, the exit
// code wanted and what stdout and stderr must contain.
type cliCase struct {
	name   string
	args   []string
	code   int
	stdout []string
	stderr []string
}

// check runs the case, fails the test on another exit code and reports
// each expected text missing; it returns stdout and stderr for further
// checks.
func (c cliCase) check(t *testing.T) (out, errs string) {
	t.Helper()
	out, errs, code := run(t, c.args...)
	if code != c.code {
		t.Fatalf("exit %d, want %d\nstderr: %s", code, c.code, errs)
	}
	for _, w := range c.stdout {
		if !strings.Contains(out, w) {
			t.Errorf("stdout lacks %q:\n%s", w, out)
		}
	}
	for _, w := range c.stderr {
		if !strings.Contains(errs, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errs)
		}
	}
	return out, errs
}

// TestSolveExample runs the README's demo solve and checks every figure
// of the JSON answer against an independent simulation of its purchases.
func TestSolveExample(t *testing.T) {
	out, stderr, code := run(t, "solve", "--problem", examplePath, "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep solveReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Schema != "tranche.solve/v1" || len(rep.Purchases) == 0 {
		t.Fatalf("unexpected report: %s", out)
	}
	p := exampleProblem()
	var hs []solver.Holding
	for _, c := range p.Owned {
		hs = append(hs, solver.Holding{ID: c.ID, Offering: c.Offering, Quantity: c.Quantity, Start: c.Start, End: c.End})
	}
	base, err := solver.Simulate(p, hs, solver.SimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var upfront float64
	for _, l := range rep.Purchases {
		k := -1
		for i, o := range p.Offerings {
			if o.ID == l.Offering {
				k = i
			}
		}
		if k < 0 {
			t.Fatalf("unknown offering %q", l.Offering)
		}
		if l.Quantity != math.Trunc(l.Quantity) {
			t.Errorf("%s: %v is not a whole number of RIs", l.Offering, l.Quantity)
		}
		upfront += l.Upfront
		hs = append(hs, solver.Holding{ID: l.Offering, Offering: k, Quantity: l.Quantity, Start: 0, End: p.Offerings[k].TermHours})
	}
	plan, err := solver.Simulate(p, hs, solver.SimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(plan.Total-rep.PlanCost) > 0.005 || math.Abs(base.Total-rep.BaselineCost) > 0.005 ||
		math.Abs((base.Total-plan.Total)-rep.Savings) > 0.01 {
		t.Errorf("report baseline %v plan %v savings %v; simulator %v %v %v", rep.BaselineCost, rep.PlanCost, rep.Savings, base.Total, plan.Total, base.Total-plan.Total)
	}
	if upfront > 12000+0.005 {
		t.Errorf("upfront %v above the policy's cap", upfront)
	}
	for i, l := range rep.Purchases {
		if h := plan.Holdings[len(p.Owned)+i]; math.Abs(h.Utilization()-l.Utilization) > 1e-9 || l.Utilization < 0.8-1e-9 {
			t.Errorf("%s: utilization %v, simulator %v (floor 0.8)", l.Offering, l.Utilization, h.Utilization())
		}
	}
	if rep.Savings <= 0 {
		t.Errorf("the example should save money, saves %v", rep.Savings)
	}
}

func TestSolveOutputs(t *testing.T) {
	for _, f := range []string{"table", "csv", "markdown"} {
		t.Run(f, func(t *testing.T) {
			out, stderr, code := run(t, "solve", "--problem", examplePath, "--output", f, "--quiet")
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if !strings.Contains(out, "m5.large/") {
				t.Errorf("no purchase line in %s output:\n%s", f, out)
			}
		})
	}
	if _, _, code := run(t, "solve", "--problem", examplePath, "--output", "html"); code != exitUsage {
		t.Errorf("html: exit %d, want %d", code, exitUsage)
	}
}

func TestSolveBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, body string
		code       int
		want       string
	}{
		{"syntax.json", "{\n \"hours\": 2,\n \"pools\": [oops]\n}", exitInput, "line 3, column"},
		{"type.json", `{"hours": "two"}`, exitInput, "field hours"},
		{"unknown.json", `{"hours": 2, "colour": "red"}`, exitInput, `unknown field "colour"`},
		{"nan.json", `{"hours": 1, "pools": [{"id": "p", "on_demand_rate": -1, "usage": [1]}], "offerings": []}`, exitInput, "pools[0] (p).on_demand_rate"},
		{"truncated.json", `{"hours": 1, "pools": [{"id": "p"`, exitInput, "unexpected EOF"},
		{"empty.json", ``, exitInput, "EOF"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := run(t, "solve", "--problem", write(tc.name, tc.body))
			if code != tc.code || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, tc.name) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q and the file", code, stderr, tc.code, tc.want)
			}
		})
	}
	if _, _, code := run(t, "solve", "--problem", examplePath, "--method", "simplex"); code != exitUsage {
		t.Errorf("bad method: exit %d, want %d", code, exitUsage)
	}
	if _, stderr, code := run(t, "solve", "--problem", filepath.Join(dir, "missing.json")); code != exitInput || !strings.Contains(stderr, "missing.json") {
		t.Errorf("missing file: exit %d %q", code, stderr)
	}
}

// FuzzReadProblem feeds arbitrary bytes to the problem reader and solver:
// it must never panic, and any problem it accepts must solve or fail with
// an error.
func FuzzReadProblem(f *testing.F) {
	ex, _ := os.ReadFile(examplePath)
	f.Add(ex)
	f.Add([]byte(`{"hours":1,"pools":[{"id":"p","on_demand_rate":1,"usage":[1]}],"offerings":[{"id":"o","type":"resource","term_hours":1,"recurring":0.5,"covers":[{"pool":0,"rate":1}]}]}`))
	f.Add([]byte(`{"hours":1e9}`))
	f.Add([]byte(`{"hours":2,"pools":[{"id":"p","on_demand_rate":1e308,"usage":[1e308,0]}],"offerings":[{"id":"o","type":"spend","tier":1,"term_hours":1,"upfront":1e300,"covers":[{"pool":0,"rate":1e-300}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "p.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := readProblem(path)
		if err != nil {
			return
		}
		if p.Hours*len(p.Pools) > 10000 || len(p.Offerings) > 50 {
			return
		}
		if _, err := solver.Solve(context.Background(), p, solver.Options{}); err != nil && strings.Contains(err.Error(), "panic") {
			t.Fatal(err)
		}
	})
}
