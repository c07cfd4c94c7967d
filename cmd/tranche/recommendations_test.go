package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tranchehq/tranche/internal/golden"
	"github.com/tranchehq/tranche/internal/planner"
	"github.com/tranchehq/tranche/providers"
	awsprov "github.com/tranchehq/tranche/providers/aws"
)

// fleet is the known case: this many m5.large instances running every
// hour in us-east-1 (Linux, shared tenancy), for fleetDays days.
const (
	fleet     = 6
	fleetDays = 40
)

// flatM5Billing writes fleetDays of hourly FOCUS 1.2 billing of the fleet,
// on demand, and returns its directory.
func flatM5Billing(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "billing")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "focus-2026-01.csv"))
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	head := []string{"BillingAccountId", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart",
		"ChargePeriodEnd", "ChargeCategory", "ChargeFrequency", "PricingCategory", "ProviderName", "ServiceName", "RegionId",
		"SubAccountId", "ResourceId", "SkuId", "ChargeDescription", "BilledCost", "EffectiveCost", "ListCost", "ContractedCost",
		"ConsumedQuantity", "ConsumedUnit", "PricingQuantity", "PricingUnit", "CommitmentDiscountId", "CommitmentDiscountType",
		"CommitmentDiscountCategory", "CommitmentDiscountStatus", "CommitmentDiscountQuantity", "CommitmentDiscountUnit", "x_InstanceType"}
	_ = w.Write(head)
	ts := func(t time.Time) string { return t.Format("2006-01-02T15:04:05Z") }
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 0, fleetDays)
	for h := start; h.Before(end); h = h.Add(time.Hour) {
		for i := range fleet {
			_ = w.Write([]string{"111111111111", "USD", ts(start), ts(end), ts(h), ts(h.Add(time.Hour)), "Usage", "Usage-Based", "Standard",
				"AWS", "Amazon Elastic Compute Cloud", "us-east-1", "111111111111", fmt.Sprintf("i-m5-%d", i), "SKU-M5-LARGE",
				"$0.096 per On Demand Linux m5.large Instance Hour", "0.096", "0.096", "0.1", "0.096", "1", "Hours", "1", "Hours",
				"", "", "", "", "", "", "m5.large"})
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// ceServer replays the recorded Cost Explorer recommendations of
// testdata/recommendations, by operation and by the class or type asked
// for, and records each call with what it asked.
func ceServer(t *testing.T) (*httptest.Server, func() []string) {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "recommendations", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var mu sync.Mutex
	var calls []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		b := string(body)
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSInsightsIndexService.")
		if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
			http.Error(w, "unsigned request", http.StatusForbidden)
			return
		}
		var file string
		switch {
		case op == "GetReservationPurchaseRecommendation" && strings.Contains(b, `"OfferingClass":"STANDARD"`):
			file = "GetReservationPurchaseRecommendation_standard.json"
		case op == "GetReservationPurchaseRecommendation" && strings.Contains(b, `"OfferingClass":"CONVERTIBLE"`):
			file = "GetReservationPurchaseRecommendation_convertible.json"
		case op == "GetSavingsPlansPurchaseRecommendation" && strings.Contains(b, `"SavingsPlansType":"COMPUTE_SP"`):
			file = "GetSavingsPlansPurchaseRecommendation_compute.json"
		case op == "GetSavingsPlansPurchaseRecommendation" && strings.Contains(b, `"SavingsPlansType":"EC2_INSTANCE_SP"`):
			file = "GetSavingsPlansPurchaseRecommendation_ec2instance.json"
		default:
			http.Error(w, `{"__type":"ValidationException","message":"unexpected call"}`, http.StatusBadRequest)
			return
		}
		mu.Lock()
		calls = append(calls, "ce:"+op+" "+b)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write(read(file))
	}))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), calls...)
	}
}

// fetchRecommendations runs tranche recommendations fetch against the
// recorded responses and returns the file it wrote.
func fetchRecommendations(t *testing.T) string {
	t.Helper()
	srv, calls := ceServer(t)
	out := filepath.Join(t.TempDir(), "aws-recs.json")
	stdout, stderr, code := run(t, "recommendations", "fetch", "--provider", "aws", "--term", "1yr", "--payment", "no-upfront",
		"--lookback", "30", "--endpoint-url", srv.URL, "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	cs := calls()
	if len(cs) != 4 {
		t.Fatalf("%d calls, want 4: %q", len(cs), cs)
	}
	for _, c := range cs {
		if !strings.Contains(c, `"TermInYears":"ONE_YEAR"`) || !strings.Contains(c, `"PaymentOption":"NO_UPFRONT"`) || !strings.Contains(c, `"LookbackPeriodInDays":"THIRTY_DAYS"`) {
			t.Errorf("request does not carry the query: %s", c)
		}
	}
	for _, w := range []string{"ri-standard", "compute-sp", "140.16 USD", "Skipped (unreadable)", "alternatives"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("summary lacks %q:\n%s", w, stdout)
		}
	}
	if !strings.Contains(stderr, "reading AWS's reserved instance") || !strings.Contains(stderr, `UpfrontCost: "n/a"`) {
		t.Errorf("stderr: %s", stderr)
	}
	return out
}

// TestRecommendationsFetchAndPlan: AWS's recorded recommendations →
// recommendations fetch → the file → plan --provider-recommendations, on
// six m5.large running every hour. AWS recommends three standard RIs and a
// Compute SP that covers three; Tranche's plan covers all six. Every
// figure is checked against one computed here from the price book's rates.
func TestRecommendationsFetchAndPlan(t *testing.T) {
	out := fetchRecommendations(t)
	rec, err := awsprov.LoadRecommendations(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.RI) != 2 || len(rec.SP) != 2 || len(rec.Skipped) != 1 || rec.Query.LookbackDays != 30 || rec.AsOf.IsZero() {
		t.Fatalf("file: %d RI, %d SP, skipped %v, query %+v", len(rec.RI), len(rec.SP), rec.Skipped, rec.Query)
	}
	if r := rec.RI[0]; r.Instances != 3 || r.EstimatedMonthlySavings != 78.84 || r.Kind != providers.KindRIStandard || r.Pool.Region != "us-east-1" {
		t.Errorf("RI line copied as %+v", r)
	}

	// The book's rates, read here: on-demand per m5.large-hour, the 1yr
	// no-upfront standard RI's hourly fee, the 1yr no-upfront Compute SP's
	// rate per m5.large-hour.
	book, err := providers.LoadPriceBook(m5Book)
	if err != nil {
		t.Fatal(err)
	}
	od := book.OnDemand[0].HourlyRate
	var riFee, spRate float64
	for _, o := range book.Offerings {
		switch {
		case o.Kind == providers.KindRIStandard && o.Term == providers.Term1Year && o.PaymentOption == providers.NoUpfront:
			riFee = o.RecurringHourlyFee
		case o.ID == "0a1b2c3d-4e5f-4a6b-8c7d-000000000001":
			spRate = o.Covers[0].Rate
		}
	}
	if od == 0 || riFee == 0 || spRate == 0 {
		t.Fatalf("rates not found in the book: %v %v %v", od, riFee, spRate)
	}
	const month = 730.0
	current := fleet * od * month // nothing owned: all on demand
	// 3 RIs, always used: each saves (od − fee) an hour.
	wantRI := 3 * (od - riFee) * month
	// 0.2 USD/h of Compute SP buys 0.2/spRate m5.large-hours an hour,
	// worth that × od on demand; all of it used (6 run).
	wantSP := (0.2/spRate*od - 0.2) * month

	billing := flatM5Billing(t)
	// Tranche may buy Compute SPs only, so that its plan, too, is known by
	// hand: 1yr no-upfront for the whole fleet.
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte("kinds: [compute-sp]\nterms: [1yr]\npayment_options: [no-upfront]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	plan := func(args ...string) (string, string, int) {
		// A 30-day horizon keeps the problem small; the figures are monthly.
		return run(t, append(append([]string{"plan", "-q", "--scenarios", "0", "--horizon", "30d", "--prices", m5Book, "--policy", policy}, args...), billing)...)
	}
	js, stderr, code := plan("-o", "json", "--provider-recommendations", out)
	if code != exitOK {
		t.Fatalf("plan: exit %d: %s", code, stderr)
	}
	var p planner.Plan
	if err := json.Unmarshal([]byte(js), &p); err != nil {
		t.Fatal(err)
	}
	c := p.ProviderComparison
	if c == nil {
		t.Fatal("no ProviderComparison in the plan")
	}
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Errorf("%s = %.6f, want %.6f", what, got, want)
		}
	}
	if len(c.Alternatives) != 2 || c.Alternatives[0].Name != "AWS ri-standard" || c.Alternatives[1].Name != "AWS compute-sp" {
		t.Fatalf("alternatives %+v", c.Alternatives)
	}
	ri, sp := c.Alternatives[0], c.Alternatives[1]
	near("ri-standard savings/mo", ri.EstimatedMonthlySavingsAmount, wantRI)
	near("ri-standard savings %", ri.EstimatedSavingsPercentage, 100*wantRI/current)
	near("ri-standard utilization", ri.EstimatedAverageUtilization, 100)
	near("ri-standard waste", ri.MonthlyWaste, 0)
	near("ri-standard commitment/mo", ri.MonthlyCommitment, 3*riFee*month)
	near("compute-sp savings/mo", sp.EstimatedMonthlySavingsAmount, wantSP)
	near("compute-sp utilization", sp.EstimatedAverageUtilization, 100)
	if ri.ProviderEstimatedMonthlySavings == nil || *ri.ProviderEstimatedMonthlySavings != 78.84 || c.Tranche.ProviderEstimatedMonthlySavings != nil {
		t.Errorf("AWS's own estimate not carried: %+v", ri)
	}
	if len(c.Lines) != 2 || c.Lines[0].ProviderEstimatedMonthlySavings != 78.84 || c.Lines[0].ProviderEstimatedAverageUtilization != 100 ||
		c.Lines[0].Quantity != 3 || c.Lines[0].InstanceType != "m5.large" || c.Lines[1].OfferingID != "0a1b2c3d-4e5f-4a6b-8c7d-000000000001" {
		t.Errorf("lines %+v", c.Lines)
	}
	near("line 1 savings/mo", c.Lines[0].EstimatedMonthlySavingsAmount, wantRI)
	near("line 2 savings/mo", c.Lines[1].EstimatedMonthlySavingsAmount, wantSP)
	// Tranche covers the whole fleet at the book's cheapest rate, so it
	// saves more than either of AWS's answers; its column is the plan's.
	if !(c.Tranche.EstimatedMonthlySavingsAmount > ri.EstimatedMonthlySavingsAmount && c.Tranche.EstimatedMonthlySavingsAmount > sp.EstimatedMonthlySavingsAmount) {
		t.Errorf("Tranche %.2f/mo, AWS %.2f and %.2f", c.Tranche.EstimatedMonthlySavingsAmount, ri.EstimatedMonthlySavingsAmount, sp.EstimatedMonthlySavingsAmount)
	}
	near("Tranche column", c.Tranche.EstimatedMonthlySavingsAmount, p.Totals.EstimatedMonthlySavingsAmount)
	// The policy's one offering covering all six, always used.
	near("Tranche savings/mo", c.Tranche.EstimatedMonthlySavingsAmount, fleet*(od-spRate)*month)
	near("Tranche commitment/mo", c.Tranche.MonthlyCommitment, fleet*spRate*month)
	// Unmapped, each with why: the eu-west-1 RI, the 1yr EC2 Instance SP,
	// and the line AWS sent that could not be read.
	if len(c.Unmapped) != 3 {
		t.Fatalf("unmapped %+v", c.Unmapped)
	}
	all := fmt.Sprint(c.Unmapped)
	for _, w := range []string{"m5.xlarge", "eu-west-1", "ec2-instance-sp 1yr no-upfront", "the price book has no", "could not be read"} {
		if !strings.Contains(all, w) {
			t.Errorf("unmapped lacks %q: %s", w, all)
		}
	}

	// The digest covers the recommendation; the plan stays reproducible.
	plain, _, _ := plan("-o", "json")
	var q planner.Plan
	if err := json.Unmarshal([]byte(plain), &q); err != nil {
		t.Fatal(err)
	}
	if q.InputDigest == p.InputDigest || q.ProviderComparison != nil {
		t.Errorf("digest %s with and without the recommendation", p.InputDigest)
	}
	for _, format := range []string{"json", "table", "markdown", "html"} {
		a, _, _ := plan("-o", format, "--provider-recommendations", out)
		b, _, _ := plan("-o", format, "--provider-recommendations", out)
		if format == "json" {
			// The comparison and the digest; the whole plan's bytes are
			// TestPlanCommandReproducible's.
			var pa, pb planner.Plan
			if json.Unmarshal([]byte(a), &pa) != nil || json.Unmarshal([]byte(b), &pb) != nil {
				t.Fatal("not JSON")
			}
			ja, _ := json.Marshal(pa.ProviderComparison)
			jb, _ := json.Marshal(pb.ProviderComparison)
			if string(ja) != string(jb) || pa.InputDigest != pb.InputDigest {
				t.Errorf("json: two runs differ:\n%s\n%s", ja, jb)
			}
		} else if a != b {
			t.Errorf("%s: two runs differ", format)
		}
		want := map[string][]string{
			"json":     {`"ProviderComparison"`},
			"table":    {"AWS's own recommendation", "AWS ri-standard", "Not billed (3)", "Savings / month (simulated)"},
			"markdown": {"## AWS's recommendation beside the plan", "| Figure | Tranche plan | AWS ri-standard | AWS compute-sp |"},
			"html":     {"AWS&#39;s recommendation beside the plan", "Monthly savings and waste: Tranche vs AWS", "Not billed"},
		}[format]
		for _, w := range want {
			if !strings.Contains(a, w) {
				t.Errorf("%s lacks %q", format, w)
			}
		}
	}
	// The table section, against its golden file (go test -update).
	table, _, _ := plan("--provider-recommendations", out)
	i := strings.Index(table, "AWS's own recommendation")
	j := strings.Index(table[max(i, 0):], "bought): each column")
	if i < 0 || j < 0 {
		t.Fatalf("no comparison section in the table:\n%s", table)
	}
	k := strings.IndexByte(table[i+j:], '\n')
	section := table[i : i+j+k+1]
	// The fetch time changes every run.
	section = strings.Replace(section, rec.AsOf.Format("2006-01-02 15:04 MST"), "FETCHED", 1)
	golden.Check(t, "recommendations/plan_table_section.txt", []byte(section), *update)
}

// TestRecommendationsRisk: with scenarios, each alternative is billed in
// the plan's own scenarios: a flat fleet never loses money on three RIs.
func TestRecommendationsRisk(t *testing.T) {
	if testing.Short() {
		t.Skip("plans with 8 scenarios")
	}
	out := fetchRecommendations(t)
	billing := flatM5Billing(t)
	js, stderr, code := run(t, "plan", "-q", "-o", "json", "--scenarios", "8", "--horizon", "30d", "--prices", m5Book, "--provider-recommendations", out, billing)
	if code != exitOK {
		t.Fatalf("plan: exit %d: %s", code, stderr)
	}
	var p planner.Plan
	if err := json.Unmarshal([]byte(js), &p); err != nil {
		t.Fatal(err)
	}
	c := p.ProviderComparison
	if c == nil || c.RiskNote != "" || c.Tranche.Risk == nil || len(c.Alternatives) != 2 {
		t.Fatalf("comparison %+v", c)
	}
	if *c.Tranche.Risk != (planner.ComparisonRisk{ExpectedMonthlySavings: p.Risk.ExpectedMonthlySavings, MonthlySavingsP10: p.Risk.MonthlySavingsP10,
		ProbabilityOfLoss: p.Risk.ProbabilityOfLoss, ExpectedMonthlyWaste: p.Risk.ExpectedMonthlyWaste}) {
		t.Errorf("Tranche's risk column %+v is not the plan's %+v", c.Tranche.Risk, p.Risk)
	}
	for _, a := range c.Alternatives {
		if a.Risk == nil || a.Risk.ProbabilityOfLoss != 0 || !(a.Risk.MonthlySavingsP10 > 0) || a.Risk.ExpectedMonthlySavings >= c.Tranche.Risk.ExpectedMonthlySavings {
			t.Errorf("%s risk %+v (Tranche %+v)", a.Name, a.Risk, c.Tranche.Risk)
		}
	}
	if c.Lines[0].Risk == nil {
		t.Error("line 1 has no risk")
	}
}

// TestRecommendationsFileErrors: the file is read strictly; every error
// names the file and the field, and plan exits 3.
func TestRecommendationsFileErrors(t *testing.T) {
	good := `{"schema":"tranche.recommendations/v1","source":"test","as_of":"2026-02-09T08:00:00Z",
"query":{"term":"1yr","payment_option":"no-upfront","lookback_days":30},
"ri":[{"kind":"ri-standard","term":"1yr","payment_option":"no-upfront","pool":{"provider":"aws","region":"us-east-1","service":"AmazonEC2","family":"m5","platform":"Linux/UNIX","tenancy":"Shared","unit":"NU-hour"},
"instance_type":"m5.large","instances":INSTANCES,"normalized_units":12,"upfront_cost":0,"recurring_monthly_cost":131.4,"estimated_monthly_savings":78.84,
"estimated_monthly_on_demand_cost":210.24,"break_even_months":0,"average_utilization_percent":100,"currency":"USD"EXTRA}],"sp":[],"skipped":[]}`
	file := func(s string) string {
		path := filepath.Join(t.TempDir(), "recs.json")
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	ok := strings.NewReplacer("INSTANCES", "3", "EXTRA", "")
	if _, err := awsprov.LoadRecommendations(file(ok.Replace(good))); err != nil {
		t.Fatalf("the good file: %v", err)
	}
	cases := []struct {
		name, text string
		want       []string
	}{
		{"unknown field", strings.NewReplacer("INSTANCES", "3", "EXTRA", `,"discount":5`).Replace(good), []string{"ri[0].discount", "unknown field"}},
		{"unknown top-level field", strings.Replace(ok.Replace(good), `"source"`, `"sauce":1,"source"`, 1), []string{"sauce", "unknown field"}},
		{"wrong schema", strings.Replace(ok.Replace(good), "tranche.recommendations/v1", "tranche.recommendations/v2", 1), []string{"schema", "tranche.recommendations/v2"}},
		{"number as string", strings.NewReplacer("INSTANCES", `"3"`, "EXTRA", "").Replace(good), []string{"ri[0].instances", "want float64"}},
		{"negative", strings.NewReplacer("INSTANCES", "-3", "EXTRA", "").Replace(good), []string{"ri[0].instances", "positive"}},
		{"bad utilization", strings.Replace(ok.Replace(good), `"average_utilization_percent":100`, `"average_utilization_percent":130`, 1), []string{"ri[0].average_utilization_percent", "0–100"}},
		{"bad lookback", strings.Replace(ok.Replace(good), `"lookback_days":30`, `"lookback_days":14`, 1), []string{"query.lookback_days"}},
		{"not JSON", `{"schema":`, []string{"not valid JSON"}},
		{"trailing", ok.Replace(good) + "{}", []string{"trailing data"}},
	}
	billing := flatM5Billing(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := file(tc.text)
			_, err := awsprov.LoadRecommendations(path)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range append([]string{path}, tc.want...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	_, stderr, code := run(t, "plan", "-q", "--scenarios", "0", "--horizon", "30d", "--prices", m5Book, "--provider-recommendations", file(cases[0].text), billing)
	if code != exitInput || !strings.Contains(stderr, "ri[0].discount") {
		t.Errorf("plan with a bad file: exit %d, %s", code, stderr)
	}
	for _, bad := range [][]string{
		{"recommendations", "fetch", "--provider", "gcp"},
		{"recommendations", "fetch", "--term", "2yr"},
		{"recommendations", "fetch", "--payment", "later"},
		{"recommendations", "fetch", "--lookback", "14"},
	} {
		if _, errs, code := run(t, bad...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", bad, code, exitUsage, errs)
		}
	}
}
