package planner

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/providers"
)

// flatM5 is days of n m5.large (4 NU each) running every hour.
func flatM5(start time.Time, days int, n float64) []providers.UsageSeries {
	q := make([]float64, days*24)
	for i := range q {
		q[i] = 4 * n
	}
	return []providers.UsageSeries{{Pool: m5, Start: start, Quantity: q}}
}

func TestMapProviderLine(t *testing.T) {
	book := loadBook(t)
	sp := providers.PoolKey{Provider: providers.AWS}
	ec2sp := providers.PoolKey{Provider: providers.AWS, Region: "us-east-1", Service: "AmazonEC2", Family: "m5"}
	cases := []struct {
		name string
		line ProviderLine
		id   string // the offering, or "" when it cannot be mapped
		why  string
	}{
		{"standard RI", ProviderLine{Kind: providers.KindRIStandard, Term: providers.Term3Year, PaymentOption: providers.PartialUpfront,
			Scope: m5, InstanceType: "m5.large", Quantity: 2, Currency: "USD"}, "6C86BEPQVG73ZGGR.38NPMPTW36", ""},
		{"convertible RI", ProviderLine{Kind: providers.KindRIConvertible, Term: providers.Term1Year, PaymentOption: providers.NoUpfront,
			Scope: m5, InstanceType: "m5.large", Quantity: 1}, "6C86BEPQVG73ZGGR.7NE97W5U4E", ""},
		{"RI of a size the book lacks", ProviderLine{Kind: providers.KindRIStandard, Term: providers.Term1Year, PaymentOption: providers.NoUpfront,
			Scope: m5, InstanceType: "m5.xlarge", Quantity: 1}, "", "no ri-standard 1yr no-upfront m5.xlarge offering"},
		{"RI on another platform", ProviderLine{Kind: providers.KindRIStandard, Term: providers.Term1Year, PaymentOption: providers.NoUpfront,
			Scope:        providers.PoolKey{Provider: providers.AWS, Region: "us-east-1", Service: "AmazonEC2", Family: "m5.large", Platform: "Windows", Tenancy: "Shared", Unit: providers.UnitInstanceHour},
			InstanceType: "m5.large", Quantity: 1}, "", "Windows"},
		{"RI in another region", ProviderLine{Kind: providers.KindRIStandard, Term: providers.Term1Year, PaymentOption: providers.NoUpfront,
			Scope: func() providers.PoolKey { k := m5; k.Region = "eu-west-1"; return k }(), InstanceType: "m5.large", Quantity: 1}, "", "eu-west-1"},
		{"Compute SP by offering ID", ProviderLine{Kind: providers.KindComputeSP, Term: providers.Term1Year, PaymentOption: providers.NoUpfront,
			Scope: sp, OfferingID: "0a1b2c3d-4e5f-4a6b-8c7d-000000000001", Quantity: 0.5}, "0a1b2c3d-4e5f-4a6b-8c7d-000000000001", ""},
		{"Compute SP without ID", ProviderLine{Kind: providers.KindComputeSP, Term: providers.Term1Year, PaymentOption: providers.NoUpfront,
			Scope: sp, Quantity: 0.5}, "0a1b2c3d-4e5f-4a6b-8c7d-000000000001", ""},
		{"ID of another kind is not trusted", ProviderLine{Kind: providers.KindComputeSP, Term: providers.Term3Year, PaymentOption: providers.AllUpfront,
			Scope: sp, OfferingID: "0a1b2c3d-4e5f-4a6b-8c7d-000000000002", Quantity: 0.5}, "", "no compute-sp 3yr all-upfront offering"},
		{"EC2 Instance SP in its scope", ProviderLine{Kind: providers.KindEC2InstanceSP, Term: providers.Term3Year, PaymentOption: providers.AllUpfront,
			Scope: ec2sp, Quantity: 0.1}, "0a1b2c3d-4e5f-4a6b-8c7d-000000000002", ""},
		{"EC2 Instance SP of another family", ProviderLine{Kind: providers.KindEC2InstanceSP, Term: providers.Term3Year, PaymentOption: providers.AllUpfront,
			Scope: providers.PoolKey{Provider: providers.AWS, Region: "us-east-1", Service: "AmazonEC2", Family: "c5"}, Quantity: 0.1}, "", "c5"},
		{"another currency", ProviderLine{Kind: providers.KindComputeSP, Term: providers.Term1Year, PaymentOption: providers.NoUpfront,
			Scope: sp, Quantity: 0.5, Currency: "EUR"}, "", "in EUR"},
		{"no quantity", ProviderLine{Kind: providers.KindComputeSP, Term: providers.Term1Year, PaymentOption: providers.NoUpfront,
			Scope: sp, Quantity: 0}, "", "not a positive number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, why := mapProviderLine(book, c.line)
			if o.ID != c.id || (c.id == "") != (why != "") || !strings.Contains(why, c.why) {
				t.Errorf("mapped to %q, why %q; want %q, why containing %q", o.ID, why, c.id, c.why)
			}
		})
	}
}

// TestCompareProvider plans on 5 m5.large running every hour with 2
// owned, and bills AWS's (invented) answer beside it: 2 standard RIs
// (fewer than the 3 uncovered) and a Compute SP bigger than the usage
// left, whose waste the simulator shows.
func TestCompareProvider(t *testing.T) {
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	asOf := start.AddDate(0, 0, 30)
	owned := []providers.Commitment{{ID: "ri-owned", Provider: providers.AWS, Kind: providers.KindRIStandard, PaymentOption: providers.NoUpfront,
		Quantity: 2, Scope: m5, InstanceType: "m5.large", Start: start.AddDate(-1, 0, 0), End: asOf.AddDate(2, 0, 0)}}
	rec := &ProviderRecommendation{Provider: providers.AWS, Source: "test", AsOf: asOf, Query: "1yr no-upfront, 30-day lookback",
		Lines: []ProviderLine{
			{Kind: providers.KindRIStandard, Term: providers.Term1Year, PaymentOption: providers.NoUpfront, Scope: m5, InstanceType: "m5.large",
				Quantity: 2, EstimatedMonthlySavings: 52.56, EstimatedAverageUtilization: 100, Currency: "USD"},
			{Kind: providers.KindComputeSP, Term: providers.Term1Year, PaymentOption: providers.NoUpfront, Scope: providers.PoolKey{Provider: providers.AWS},
				Quantity: 0.5, EstimatedMonthlySavings: 10, EstimatedAverageUtilization: 99, Currency: "USD"},
			{Kind: providers.KindRIStandard, Term: providers.Term1Year, PaymentOption: providers.NoUpfront, InstanceType: "c5.large", Quantity: 1,
				Scope: providers.PoolKey{Provider: providers.AWS, Region: "us-east-1", Service: "AmazonEC2", Family: "c5", Platform: "Linux/UNIX", Tenancy: "Shared", Unit: providers.UnitNormalizedHour}},
		},
		Skipped: []Exclusion{{What: "detail 9", Reason: "unreadable"}}}
	// A 30-day horizon keeps the problem small; the figures are monthly.
	in := Input{Book: book, History: flatM5(start, 30, 5), Owned: owned, AsOf: asOf, ProviderRecommendation: rec, Horizon: 30 * 24 * time.Hour}
	p, err := MakePlan(context.Background(), in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := p.ProviderComparison
	if c == nil || len(c.Alternatives) != 2 || len(c.Lines) != 2 || len(c.Unmapped) != 2 {
		t.Fatalf("comparison %+v", c)
	}
	// By hand, from the book: on demand 0.096 per m5.large-hour; the 1yr
	// no-upfront RI 0.06; the Compute SP 0.067 per m5.large-hour. Three
	// instances are left uncovered by the owned RIs.
	const month = 730.0
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Errorf("%s = %.6f, want %.6f", what, got, want)
		}
	}
	ri, sp := c.Alternatives[0], c.Alternatives[1]
	near("2 RIs: savings/mo", ri.EstimatedMonthlySavingsAmount, 2*(0.096-0.06)*month)
	near("2 RIs: utilization", ri.EstimatedAverageUtilization, 100)
	// 0.5/h of SP could cover 0.5/0.067 = 7.46 instance-hours; 3 are left:
	// it uses 3 × 0.067 = 0.201 of its 0.5 an hour.
	near("SP: savings/mo", sp.EstimatedMonthlySavingsAmount, (3*0.096-0.5)*month)
	near("SP: utilization", sp.EstimatedAverageUtilization, 100*3*0.067/0.5)
	near("SP: waste/mo", sp.MonthlyWaste, (0.5-3*0.067)*month)
	near("SP line: waste/mo", c.Lines[1].MonthlyWaste, (0.5-3*0.067)*month)
	// The owned RIs (three years) are counted as the book's cheapest
	// 3-year standard RI, all upfront: 949 over 26,280 hours.
	near("SP: savings % of current", sp.EstimatedSavingsPercentage, 100*(3*0.096-0.5)/(2*949.0/26280+3*0.096))
	if c.Lines[1].ProviderEstimatedMonthlySavings != 10 || c.Lines[1].ProviderEstimatedAverageUtilization != 99 {
		t.Errorf("AWS's figures not copied: %+v", c.Lines[1])
	}
	if c.Tranche.EstimatedMonthlySavingsAmount != p.Totals.EstimatedMonthlySavingsAmount || c.Tranche.EstimatedMonthlySavingsAmount <= ri.EstimatedMonthlySavingsAmount {
		t.Errorf("Tranche %+v against %+v", c.Tranche, ri)
	}
	if !strings.Contains(c.Unmapped[0].What+c.Unmapped[1].What, "detail 9") || !strings.Contains(c.Unmapped[1].Reason, "no ri-standard 1yr no-upfront c5.large") {
		t.Errorf("unmapped %+v", c.Unmapped)
	}

	// The digest covers the recommendation; without one it is as before.
	in2 := in
	in2.ProviderRecommendation = nil
	q, err := MakePlan(context.Background(), in2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec.Lines[0].Quantity = 3
	r, err := MakePlan(context.Background(), in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if q.ProviderComparison != nil || q.InputDigest == p.InputDigest || r.InputDigest == p.InputDigest {
		t.Errorf("digests: without %s, with %s, with a change %s", q.InputDigest, p.InputDigest, r.InputDigest)
	}
	// Two units more than the 3 uncovered would be idle: the simulator says so.
	near("3 RIs: savings/mo", r.ProviderComparison.Alternatives[0].EstimatedMonthlySavingsAmount, 3*(0.096-0.06)*month)

	// The JSON form has the schema's shape.
	var out bytes.Buffer
	if err := WriteJSON(&out, p); err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	checkSchema(t, "$", schema, doc)
	for _, w := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return WriteTable(b, p) },
		func(b *bytes.Buffer) error { return WriteMarkdown(b, p) },
		func(b *bytes.Buffer) error { return WriteHTML(b, p) },
	} {
		var b bytes.Buffer
		if err := w(&b); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"AWS ri-standard", "AWS compute-sp", "detail 9"} {
			if !strings.Contains(b.String(), s) {
				t.Errorf("output lacks %q", s)
			}
		}
	}
}

// TestCompareProviderNoUsage: an offering the book has but that covers no
// pool with usage in the forecast is reported with what it would cost, not
// billed.
func TestCompareProviderNoUsage(t *testing.T) {
	book := loadBook(t)
	c5 := m5
	c5.Family = "c5"
	book.OnDemand = append(book.OnDemand, providers.OnDemandRate{Pool: c5, InstanceType: "c5.large", SizeFactor: 4, HourlyRate: 0.085})
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	hist := flatM5(start, 30, 2)
	hist[0].Pool = c5 // only c5 runs; no offering covers it
	rec := &ProviderRecommendation{Provider: providers.AWS, Lines: []ProviderLine{{Kind: providers.KindRIStandard, Term: providers.Term1Year,
		PaymentOption: providers.NoUpfront, Scope: m5, InstanceType: "m5.large", Quantity: 1}}}
	p, err := MakePlan(context.Background(), Input{Book: book, History: hist, ProviderRecommendation: rec, Horizon: 30 * 24 * time.Hour}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := p.ProviderComparison
	if len(c.Alternatives) != 0 || len(c.Unmapped) != 1 || !strings.Contains(c.Unmapped[0].Reason, "covers no pool with usage") ||
		!strings.Contains(c.Unmapped[0].Reason, "$43.80 a month") {
		t.Fatalf("comparison %+v", c)
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, p); err != nil { // a chart of the plan alone
		t.Fatal(err)
	}
}
