package aws

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/providers"
)

func TestUsageHourly(t *testing.T) {
	f := newFakeAWS(t)
	f.on("ce:GetCostAndUsage",
		reply{body: readTestdata(t, "responses", "ce", "GetCostAndUsage_hourly_1.json")},
		throttle("json"),
		reply{body: readTestdata(t, "responses", "ce", "GetCostAndUsage_hourly_2.json")},
	)
	linux := providers.PoolKey{Provider: providers.AWS, Region: "us-east-1", Service: "AmazonEC2", Family: "m5", Platform: "Linux/UNIX", Tenancy: "Shared", Unit: providers.UnitNormalizedHour}
	prices := &providers.PriceBook{OnDemand: []providers.OnDemandRate{
		{Pool: linux, InstanceType: "m5.large", SizeFactor: 4, HourlyRate: 0.096},
		{Pool: linux, InstanceType: "m5.xlarge", SizeFactor: 8, HourlyRate: 0.192},
	}}
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	series, rep, err := f.client().Usage(bg, UsageQuery{Start: start, End: start.Add(3 * time.Hour), Granularity: Hourly, Region: "us-east-1", Prices: prices})
	if err != nil {
		t.Fatal(err)
	}
	bodies := f.Bodies("ce:GetCostAndUsage")
	if len(bodies) != 3 || !strings.Contains(bodies[0], `"Granularity":"HOURLY"`) || !strings.Contains(bodies[0], `"Start":"2026-11-01T00:00:00Z"`) || !strings.Contains(bodies[2], `"NextPageToken":"CE-PAGE-2"`) {
		t.Errorf("requests = %q", bodies)
	}
	// By hand from the recorded pages: Linux m5 in NU = 3×4 + 1×8, 2.5×4,
	// 4×4; Windows m5.large in instances = 2, 0, 2. The group in "N/A"
	// units and the t9.0xlarge are skipped; NoInstanceType is out of scope.
	if len(series) != 2 {
		t.Fatalf("%d series, want 2: %+v", len(series), series)
	}
	want := map[string][]float64{
		linux.String(): {20, 10, 16},
		"aws/-/-/us-east-1/AmazonEC2/m5.large/Windows/Shared/instance-hour": {2, 0, 2},
	}
	for _, s := range series {
		w, ok := want[s.Pool.String()]
		if !ok || len(s.Quantity) != 3 || s.Quantity[0] != w[0] || s.Quantity[1] != w[1] || s.Quantity[2] != w[2] || !s.Start.Equal(start) {
			t.Errorf("series %s = %v from %v, want %v", s.Pool, s.Quantity, s.Start, w)
		}
	}
	// (9.5 h × 0.096 + 1 h × 0.192) / 46 NU = 0.024 $/NU-h; Windows is not
	// in the price book, so its rate stays 0.
	for _, s := range series {
		want := 0.0
		if s.Pool == linux {
			want = 0.024
		}
		if math.Abs(s.OnDemandRate-want) > 1e-12 {
			t.Errorf("%s rate = %v, want %v", s.Pool, s.OnDemandRate, want)
		}
	}
	if len(rep.Skipped) != 2 || !strings.Contains(rep.Skipped[0].Reason, `"0xlarge"`) || !strings.Contains(rep.Skipped[1].Reason, `"N/A"`) {
		t.Errorf("skipped = %v", rep.Skipped)
	}
	if rep.OutOfScope["usage with no instance type"] != 1 {
		t.Errorf("out of scope = %v", rep.OutOfScope)
	}
	b, _ := json.MarshalIndent(map[string]any{"series": series, "notes": rep.Notes()}, "", "  ")
	golden(t, "usage_hourly.json", append(b, '\n'))
}

func TestUsageDaily(t *testing.T) {
	f := newFakeAWS(t)
	f.on("ce:GetCostAndUsage", reply{body: readTestdata(t, "responses", "ce", "GetCostAndUsage_daily.json")})
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	series, _, err := f.client().Usage(bg, UsageQuery{Start: start, End: start.AddDate(0, 0, 2), Region: "us-east-1", Granularity: Daily})
	if err != nil {
		t.Fatal(err)
	}
	if b := f.Bodies("ce:GetCostAndUsage")[0]; !strings.Contains(b, `"Start":"2026-11-01"`) || !strings.Contains(b, `"Granularity":"DAILY"`) {
		t.Errorf("request %s", b)
	}
	// 48 instance-hours of m5.large on day 1 = 2 instances = 8 NU each hour;
	// 72 on day 2 = 12 NU each hour.
	if len(series) != 1 || len(series[0].Quantity) != 48 || series[0].Quantity[0] != 8 || series[0].Quantity[23] != 8 || series[0].Quantity[24] != 12 || series[0].Quantity[47] != 12 {
		t.Errorf("series = %+v", series)
	}
}

// With the zero granularity the adapter asks for hourly data and, when
// Cost Explorer refuses it, reads daily data and says so in the report.
func TestUsageAutoFallsBackToDaily(t *testing.T) {
	f := newFakeAWS(t)
	f.on("ce:GetCostAndUsage",
		reply{status: 400, body: `{"__type":"com.amazonaws.awsinsightsindexservice#ValidationException","message":"Hourly timePeriod is not supported for this request"}`},
		reply{body: readTestdata(t, "responses", "ce", "GetCostAndUsage_daily.json")})
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	series, rep, err := f.client().Usage(bg, UsageQuery{Start: start, End: start.AddDate(0, 0, 2), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	b := f.Bodies("ce:GetCostAndUsage")
	if len(b) != 2 || !strings.Contains(b[0], `"Granularity":"HOURLY"`) || !strings.Contains(b[1], `"Granularity":"DAILY"`) {
		t.Errorf("requests = %q", b)
	}
	if len(series) != 1 || series[0].Quantity[0] != 8 || len(rep.Remarks) != 1 || !strings.Contains(rep.Remarks[0], "refused hourly granularity (ValidationException: Hourly timePeriod") {
		t.Errorf("series %+v, remarks %q", series, rep.Remarks)
	}
	if !strings.Contains(strings.Join(rep.Notes(), "\n"), "refused hourly") {
		t.Error("the fallback is not in the notes")
	}
}

func TestUsageFailures(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	q := UsageQuery{Start: start, End: start.Add(3 * time.Hour), Granularity: Hourly, Region: "us-east-1"}
	page := readTestdata(t, "responses", "ce", "GetCostAndUsage_hourly_2.json")
	tests := []struct {
		name      string
		replies   []reply
		throttled bool
	}{
		{"throttled", []reply{throttle("json"), throttle("json"), throttle("json")}, true},
		{"5xx", []reply{serverError("json"), serverError("json"), serverError("json")}, false},
		{"truncated", []reply{{body: page, truncate: 40}, {body: page, truncate: 40}, {body: page, truncate: 40}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAWS(t)
			f.on("ce:GetCostAndUsage", tc.replies...)
			_, _, err := f.client().Usage(bg, q)
			if err == nil || !strings.HasPrefix(err.Error(), "aws: ce GetCostAndUsage: ") {
				t.Fatalf("err = %v", err)
			}
			if errors.Is(err, providers.ErrThrottled) != tc.throttled {
				t.Errorf("throttled = %v, want %v (%v)", !tc.throttled, tc.throttled, err)
			}
		})
	}
	if _, _, err := (&Client{}).Usage(bg, UsageQuery{Start: start, End: start, Region: "x", Granularity: Hourly}); err == nil {
		t.Error("empty period: no error")
	}
}

func TestRecommendations(t *testing.T) {
	f := newFakeAWS(t)
	f.on("ce:GetReservationPurchaseRecommendation",
		reply{body: readTestdata(t, "responses", "ce", "GetReservationPurchaseRecommendation_standard.json")},
		reply{body: readTestdata(t, "responses", "ce", "GetReservationPurchaseRecommendation_convertible.json")})
	f.on("ce:GetSavingsPlansPurchaseRecommendation",
		reply{body: readTestdata(t, "responses", "ce", "GetSavingsPlansPurchaseRecommendation_compute.json")},
		reply{body: readTestdata(t, "responses", "ce", "GetSavingsPlansPurchaseRecommendation_ec2instance.json")})
	c := f.client()
	ri, rep, err := c.RIRecommendations(bg, RecommendationQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ri) != 1 || len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0].Reason, `RecommendedNumberOfInstancesToPurchase: "many"`) {
		t.Fatalf("RI recommendations %+v, report %+v", ri, rep)
	}
	sp, _, err := c.SPRecommendations(bg, RecommendationQuery{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(map[string]any{"ri": ri, "sp": sp}, "", "  ")
	golden(t, "recommendations.json", append(b, '\n'))
	if r := ri[0]; r.Instances != 3 || r.NormalizedUnits != 12 || r.Pool.Family != "m5" || r.Term != providers.Term1Year || r.PaymentOption != providers.NoUpfront || r.EstimatedMonthlySavings != 78.84 {
		t.Errorf("RI recommendation = %+v", r)
	}
	if len(sp) != 1 || sp[0].HourlyCommitment != 1.5 || sp[0].Kind != providers.KindComputeSP {
		t.Errorf("SP recommendations = %+v", sp)
	}
	if _, _, err := c.RIRecommendations(bg, RecommendationQuery{LookbackDays: 14}); err == nil {
		t.Error("lookback 14: no error")
	}
}

func TestCoverageAndUtilization(t *testing.T) {
	f := newFakeAWS(t)
	f.on("ce:GetReservationCoverage",
		reply{body: readTestdata(t, "responses", "ce", "GetReservationCoverage_1.json")},
		serverError("json"),
		reply{body: readTestdata(t, "responses", "ce", "GetReservationCoverage_2.json")})
	f.on("ce:GetReservationUtilization", reply{body: readTestdata(t, "responses", "ce", "GetReservationUtilization.json")})
	f.on("ce:GetSavingsPlansCoverage", reply{body: readTestdata(t, "responses", "ce", "GetSavingsPlansCoverage.json")})
	f.on("ce:GetSavingsPlansUtilization", reply{body: readTestdata(t, "responses", "ce", "GetSavingsPlansUtilization.json")})
	c := f.client()
	p := Period{Start: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)}
	rc, err := c.ReservationCoverage(bg, p)
	if err != nil {
		t.Fatal(err)
	}
	ru, err := c.ReservationUtilization(bg, p)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := c.SavingsPlansCoverage(bg, p)
	if err != nil {
		t.Fatal(err)
	}
	su, err := c.SavingsPlansUtilization(bg, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(rc) != 2 || rc[0].Percent != 75 || rc[1].CoveredHours != 96 || rc[1].TotalHours != 120 {
		t.Errorf("RI coverage = %+v", rc)
	}
	if len(ru) != 1 || ru[0].Percent != 93.75 || ru[0].UncoveredHours != 6 || ru[0].NetSavings != 3.05 {
		t.Errorf("RI utilization = %+v", ru)
	}
	if len(sc) != 1 || sc[0].CoveredAmount != 36 || sc[0].TotalAmount != 45.9 {
		t.Errorf("SP coverage = %+v", sc)
	}
	if len(su) != 1 || su[0].Percent != 95 || su[0].UncoveredAmount != 3 || su[0].NetSavings != 18.2 {
		t.Errorf("SP utilization = %+v", su)
	}
	b, _ := json.MarshalIndent(map[string]any{"ri_coverage": rc, "ri_utilization": ru, "sp_coverage": sc, "sp_utilization": su}, "", "  ")
	golden(t, "coverage_utilization.json", append(b, '\n'))
}
