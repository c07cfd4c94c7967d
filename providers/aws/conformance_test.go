package aws

import (
	"context"
	"flag"
	"math"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/tranchehq/tranche/providers"
)

// The conformance suites check what every source must guarantee, whatever
// the data: one suite per source (prices, usage, owned commitments, AWS's
// recommendations). They run against the recorded responses always, and
// against a real account with -aws.live (credentials from the standard
// chain: environment, shared config, SSO, instance role). The live run
// makes only the read-only calls of deploy/aws-iam-policy.json.
var (
	live       = flag.Bool("aws.live", false, "also run the conformance suites against the real AWS account of the standard credential chain (read-only calls, Cost Explorer calls are billed by AWS)")
	liveRegion = flag.String("aws.region", "us-east-1", "region for -aws.live")
)

// recordedReplies are one happy response sequence per call of every source.
func recordedReplies(t *testing.T) map[string][]reply {
	td := func(parts ...string) reply { return reply{body: readTestdata(t, parts...)} }
	return map[string][]reply{
		"pricing:GetProducts": {getProductsPage(t, "", readTestdata(t, "instance-selector", "GetProducts_m5_large.json"))},
		"savingsplans:DescribeSavingsPlansOfferingRates": {
			td("responses", "savingsplans", "DescribeSavingsPlansOfferingRates_1.json"),
			td("responses", "savingsplans", "DescribeSavingsPlansOfferingRates_2.json")},
		"ec2:DescribeReservedInstances": {td("responses", "ec2", "DescribeReservedInstances.xml")},
		"savingsplans:DescribeSavingsPlans": {
			td("responses", "savingsplans", "DescribeSavingsPlans_1.json"),
			td("responses", "savingsplans", "DescribeSavingsPlans_2.json")},
		"ce:GetCostAndUsage": {
			td("responses", "ce", "GetCostAndUsage_hourly_1.json"),
			td("responses", "ce", "GetCostAndUsage_hourly_2.json")},
		"ce:GetReservationPurchaseRecommendation": {
			td("responses", "ce", "GetReservationPurchaseRecommendation_standard.json"),
			td("responses", "ce", "GetReservationPurchaseRecommendation_convertible.json")},
		"ce:GetSavingsPlansPurchaseRecommendation": {
			td("responses", "ce", "GetSavingsPlansPurchaseRecommendation_compute.json"),
			td("responses", "ce", "GetSavingsPlansPurchaseRecommendation_ec2instance.json")},
		"ce:GetReservationCoverage": {
			td("responses", "ce", "GetReservationCoverage_1.json"),
			td("responses", "ce", "GetReservationCoverage_2.json")},
		"ce:GetReservationUtilization":  {td("responses", "ce", "GetReservationUtilization.json")},
		"ce:GetSavingsPlansCoverage":    {td("responses", "ce", "GetSavingsPlansCoverage.json")},
		"ce:GetSavingsPlansUtilization": {td("responses", "ce", "GetSavingsPlansUtilization.json")},
	}
}

// recorded returns a client whose test server replays the recorded
// responses of the given calls (all calls when none is given).
func recorded(t *testing.T, ops ...string) (*Client, *fakeAWS) {
	f := newFakeAWS(t)
	all := recordedReplies(t)
	if len(ops) == 0 {
		for op := range all {
			ops = append(ops, op)
		}
	}
	for _, op := range ops {
		r, ok := all[op]
		if !ok {
			t.Fatalf("no recorded replies for %s", op)
		}
		f.on(op, r...)
	}
	return f.client(), f
}

// target is one place the suites run: the recorded responses, or the
// live account.
type target struct {
	name   string
	client *Client
	region string
	// Period of the recorded data; the live run uses the last days.
	start, end time.Time
}

// skip skips the live target when -aws.live is not set.
func (tg target) skip(t *testing.T) {
	if tg.client == nil {
		t.Skip("live AWS conformance run: pass -aws.live (and -aws.region) to run it against the account of the standard credential chain")
	}
}

func targets(t *testing.T, ops ...string) []target {
	t.Helper()
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	c, _ := recorded(t, ops...)
	ts := []target{{name: "recorded", client: c, region: "us-east-1", start: start, end: start.Add(3 * time.Hour)}}
	if *live {
		cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(*liveRegion))
		if err != nil {
			t.Fatalf("-aws.live: loading the standard credential chain: %v", err)
		}
		// Whole days, so that the series bounds are the same whether Cost
		// Explorer serves hourly data or the adapter falls back to daily.
		end := time.Now().UTC().Truncate(24 * time.Hour)
		ts = append(ts, target{name: "live", client: New(cfg, Options{}), region: *liveRegion, start: end.AddDate(0, 0, -2), end: end})
	} else {
		ts = append(ts, target{name: "live"})
	}
	return ts
}

func TestConformancePrices(t *testing.T) {
	for _, tg := range targets(t, "pricing:GetProducts", "savingsplans:DescribeSavingsPlansOfferingRates") {
		t.Run(tg.name, func(t *testing.T) {
			tg.skip(t)
			q := PriceQuery{Region: tg.region, SavingsPlans: true}
			if tg.name == "live" {
				q.InstanceTypes = []string{"m5.large", "m5.xlarge"}
			}
			pb, rep, err := tg.client.FetchPrices(bg, q)
			if err != nil {
				t.Fatal(err)
			}
			if err := pb.Validate(); err != nil {
				t.Errorf("the book does not validate: %v", err)
			}
			if len(pb.OnDemand) == 0 || len(pb.Offerings) == 0 {
				t.Errorf("%d on-demand rates, %d offerings: want some of each", len(pb.OnDemand), len(pb.Offerings))
			}
			for _, o := range pb.Offerings {
				for _, c := range o.Covers {
					for _, r := range pb.OnDemandFor(c.Pool) {
						// A commitment that costs more than on demand for
						// the same hour is not an offer anyone makes.
						if !o.Kind.Spend() && c.Pool == r.Pool && o.InstanceType == r.InstanceType && o.EffectiveHourlyRate > r.HourlyRate {
							t.Errorf("offering %s costs %v/h, more than on demand %v/h", o.ID, o.EffectiveHourlyRate, r.HourlyRate)
						}
						if o.Kind.Spend() && c.InstanceType == r.InstanceType && c.Rate > r.HourlyRate {
							t.Errorf("offering %s rate %v for %s exceeds on demand %v", o.ID, c.Rate, r.InstanceType, r.HourlyRate)
						}
					}
				}
			}
			if len(pb.Notes) == 0 || rep == nil {
				t.Error("no report in the book's notes")
			}
		})
	}
}

func TestConformanceUsage(t *testing.T) {
	for _, tg := range targets(t, "ce:GetCostAndUsage") {
		t.Run(tg.name, func(t *testing.T) {
			tg.skip(t)
			series, _, err := tg.client.Usage(bg, UsageQuery{Start: tg.start, End: tg.end, Region: tg.region})
			if err != nil {
				t.Fatal(err)
			}
			hours := int(tg.end.Sub(tg.start) / time.Hour)
			seen := map[providers.PoolKey]bool{}
			for _, s := range series {
				if seen[s.Pool] {
					t.Errorf("two series for %s", s.Pool)
				}
				seen[s.Pool] = true
				if s.Pool.Provider != providers.AWS || s.Pool.Region != tg.region || !s.Start.Equal(tg.start) || len(s.Quantity) != hours {
					t.Errorf("series %s from %v with %d hours, want %s from %v with %d", s.Pool, s.Start, len(s.Quantity), tg.region, tg.start, hours)
				}
				for i, q := range s.Quantity {
					if q < 0 || math.IsNaN(q) || math.IsInf(q, 0) {
						t.Errorf("series %s hour %d: quantity %v", s.Pool, i, q)
					}
				}
			}
		})
	}
}

func TestConformanceInventory(t *testing.T) {
	for _, tg := range targets(t, "ec2:DescribeReservedInstances", "savingsplans:DescribeSavingsPlans") {
		t.Run(tg.name, func(t *testing.T) {
			tg.skip(t)
			ris, _, err := tg.client.OwnedReservedInstances(bg, tg.region)
			if err != nil {
				t.Fatal(err)
			}
			sps, _, err := tg.client.OwnedSavingsPlans(bg)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range append(ris, sps...) {
				if c.ID == "" || c.Provider != providers.AWS || c.Quantity <= 0 || !c.End.After(c.Start) || c.UpfrontFee < 0 || c.RecurringHourlyFee < 0 || c.Currency == "" {
					t.Errorf("commitment %+v breaks an invariant", c)
				}
				if c.Kind.Spend() == (c.Unit != "") {
					t.Errorf("commitment %s: kind %s with unit %q", c.ID, c.Kind, c.Unit)
				}
			}
		})
	}
}

func TestConformanceRecommendations(t *testing.T) {
	for _, tg := range targets(t, "ce:GetReservationPurchaseRecommendation", "ce:GetSavingsPlansPurchaseRecommendation", "ce:GetReservationCoverage",
		"ce:GetReservationUtilization", "ce:GetSavingsPlansCoverage", "ce:GetSavingsPlansUtilization") {
		t.Run(tg.name, func(t *testing.T) {
			tg.skip(t)
			ri, _, err := tg.client.RIRecommendations(bg, RecommendationQuery{})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range ri {
				if r.Instances < 0 || r.UpfrontCost < 0 || r.Pool.Provider != providers.AWS {
					t.Errorf("RI recommendation %+v breaks an invariant", r)
				}
			}
			sp, _, err := tg.client.SPRecommendations(bg, RecommendationQuery{})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range sp {
				if r.HourlyCommitment < 0 || r.UpfrontCost < 0 {
					t.Errorf("SP recommendation %+v breaks an invariant", r)
				}
			}
			p := Period{Start: tg.start.Truncate(24 * time.Hour), End: tg.start.Truncate(24*time.Hour).AddDate(0, 0, 2)}
			for name, get := range map[string]func(context.Context, Period) ([]UsePoint, error){
				"RI coverage": tg.client.ReservationCoverage, "RI utilization": tg.client.ReservationUtilization,
				"SP coverage": tg.client.SavingsPlansCoverage, "SP utilization": tg.client.SavingsPlansUtilization,
			} {
				pts, err := get(bg, p)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				for _, pt := range pts {
					if pt.Percent < 0 || pt.Percent > 100 || !pt.End.After(pt.Start) {
						t.Errorf("%s point %+v breaks an invariant", name, pt)
					}
				}
			}
		})
	}
}
