// Package focustest generates FOCUS billing data with known answers, for
// tests of providers/focus and of the report. The expected figures in
// Truth are computed from the generator's own counts, not by reading the
// files back, so a test comparing them with Tranche's output checks two
// independent computations.
package focustest

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// The data set: one AWS billing account, two sub-accounts, three pools.
//
//	m5.large  us-east-1 (sub-account A): 0–4 instances an hour; a standard
//	          RI for 2 instances, no upfront, billed hourly (0.12/h).
//	c5.xlarge eu-west-1 (sub-account B): 0–4 instances an hour, all
//	          covered by a Compute Savings Plan of 0.50/h bought all
//	          upfront for the whole window.
//	r5.large  eu-west-1 (sub-account B): 0–2 instances, on demand only.
//
// plus one S3 storage row a day (not eligible) and one tax row a month.
const (
	RIID = "arn:aws:ec2:us-east-1:111111111111:reserved-instances/ri-m5"
	SPID = "arn:aws:savingsplans::111111111111:savingsplan/sp-compute"

	riCount    = 2
	riRate     = 0.06 // amortized per instance-hour
	m5OD       = 0.096
	m5List     = 0.10
	spPerHour  = 0.50
	spRate     = 0.11 // SP rate of c5.xlarge
	c5OD       = 0.17
	c5List     = 0.18
	r5OD       = 0.126
	r5List     = 0.13
	s3Daily    = 1.23
	taxMonthly = 10.0
)

// Truth is what the generated data must produce, in the units of
// docs/metrics.md.
type Truth struct {
	Start, End time.Time
	Hours      int
	Files      []string

	EligibleCost, CoveredCost, UsedCost, UnusedCost, EffectiveCost, ListCost float64
	BilledCost                                                               float64
	// Per month ("2026-01"): eligible and covered on-demand-equivalent cost.
	MonthEligible, MonthCovered  map[string]float64
	RIUtilization, SPUtilization float64
	// NU-hours per pool family (m5, c5, r5) over the window.
	PoolNU map[string]float64
	// Amortized cost per commitment over the window (= purchases billed).
	RIAmortized, SPAmortized float64
	SPUpfront                float64
	Rows                     int
}

var header = []string{"BillingAccountId", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart",
	"ChargePeriodEnd", "ChargeCategory", "ChargeFrequency", "PricingCategory", "ProviderName", "ServiceName", "RegionId",
	"SubAccountId", "ResourceId", "SkuId", "ChargeDescription", "BilledCost", "EffectiveCost", "ListCost", "ContractedCost",
	"ConsumedQuantity", "ConsumedUnit", "PricingQuantity", "PricingUnit", "CommitmentDiscountId", "CommitmentDiscountType",
	"CommitmentDiscountCategory", "CommitmentDiscountStatus", "CommitmentDiscountQuantity", "CommitmentDiscountUnit", "x_InstanceType"}

type row map[string]string

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
func num(x float64) string  { return strconv.FormatFloat(x, 'f', -1, 64) }

// Generate writes months monthly CSV files (focus-YYYY-MM.csv) starting
// 2026-01-01 into dir, from a seeded random source, and returns the truth.
func Generate(dir string, months int, seed uint64) (*Truth, error) {
	rng := rand.New(rand.NewPCG(seed, 1))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, months, 0)
	t := &Truth{Start: start, End: end, Hours: int(end.Sub(start).Hours()),
		MonthEligible: map[string]float64{}, MonthCovered: map[string]float64{}, PoolNU: map[string]float64{}}
	var riUsed, spUsed float64
	for m := 0; m < months; m++ {
		ms, me := start.AddDate(0, m, 0), start.AddDate(0, m+1, 0)
		month := ms.Format("2006-01")
		var rows []row
		base := func(s, e time.Time) row {
			return row{"BillingAccountId": "111111111111", "BillingCurrency": "USD", "BillingPeriodStart": ts(ms),
				"BillingPeriodEnd": ts(me), "ChargePeriodStart": ts(s), "ChargePeriodEnd": ts(e), "ProviderName": "AWS"}
		}
		if m == 0 {
			r := base(start, end)
			upfront := spPerHour * float64(t.Hours)
			for k, v := range map[string]string{"ChargeCategory": "Purchase", "ChargeFrequency": "One-Time", "PricingCategory": "Standard",
				"ServiceName": "Savings Plans for AWS Compute usage", "SubAccountId": "222222222222", "ResourceId": SPID,
				"BilledCost": num(upfront), "EffectiveCost": "0", "ListCost": num(upfront), "ContractedCost": num(upfront),
				"CommitmentDiscountId": SPID, "CommitmentDiscountType": "Savings Plan", "CommitmentDiscountCategory": "Spend",
				"CommitmentDiscountQuantity": num(upfront), "CommitmentDiscountUnit": "USD"} {
				r[k] = v
			}
			rows = append(rows, r)
			t.BilledCost += upfront
			t.SPUpfront = upfront
		}
		for h := ms; h.Before(me); h = h.Add(time.Hour) {
			he := h.Add(time.Hour)
			n1, n2, n3 := rng.IntN(5), rng.IntN(5), rng.IntN(3)
			// RI purchase, billed every hour.
			r := base(h, he)
			for k, v := range map[string]string{"ChargeCategory": "Purchase", "ChargeFrequency": "Recurring", "PricingCategory": "Standard",
				"ServiceName": "Amazon Elastic Compute Cloud", "RegionId": "us-east-1", "SubAccountId": "111111111111", "ResourceId": RIID,
				"BilledCost": num(riCount * riRate), "EffectiveCost": "0", "CommitmentDiscountId": RIID,
				"CommitmentDiscountType": "Reserved Instance", "CommitmentDiscountCategory": "Usage",
				"CommitmentDiscountQuantity": num(riCount), "CommitmentDiscountUnit": "Hours"} {
				r[k] = v
			}
			rows = append(rows, r)
			t.BilledCost += riCount * riRate
			t.RIAmortized += riCount * riRate
			// m5 instances: the first two on the RI.
			for i := 0; i < n1; i++ {
				r := base(h, he)
				for k, v := range map[string]string{"ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based",
					"ServiceName": "Amazon Elastic Compute Cloud", "RegionId": "us-east-1", "SubAccountId": "111111111111",
					"ResourceId": fmt.Sprintf("i-m5-%d", i), "SkuId": "SKU-M5-LARGE", "x_InstanceType": "m5.large",
					"ListCost": num(m5List), "ContractedCost": num(m5OD), "ConsumedQuantity": "1", "ConsumedUnit": "Hours",
					"PricingQuantity": "1", "PricingUnit": "Hours"} {
					r[k] = v
				}
				r["ChargeDescription"] = "$0.096 per On Demand Linux m5.large Instance Hour"
				if i < riCount {
					r["ChargeDescription"] = "USD 0.0 hourly fee per Linux/UNIX (Amazon VPC), m5.large instance"
					r["PricingCategory"], r["BilledCost"], r["EffectiveCost"] = "Committed", "0", num(riRate)
					r["CommitmentDiscountId"], r["CommitmentDiscountType"], r["CommitmentDiscountCategory"] = RIID, "Reserved Instance", "Usage"
					r["CommitmentDiscountStatus"], r["CommitmentDiscountQuantity"], r["CommitmentDiscountUnit"] = "Used", "1", "Hours"
					t.CoveredCost += m5OD
					t.MonthCovered[month] += m5OD
					t.UsedCost += riRate
					t.EffectiveCost += riRate
					riUsed++
				} else {
					r["PricingCategory"], r["BilledCost"], r["EffectiveCost"] = "Standard", num(m5OD), num(m5OD)
					t.EffectiveCost += m5OD
					t.BilledCost += m5OD
				}
				t.EligibleCost += m5OD
				t.MonthEligible[month] += m5OD
				t.ListCost += m5List
				t.PoolNU["m5"] += 4
				rows = append(rows, r)
			}
			if n1 < riCount {
				r := base(h, he)
				idle := float64(riCount - n1)
				for k, v := range map[string]string{"ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based", "PricingCategory": "Committed",
					"ServiceName": "Amazon Elastic Compute Cloud", "RegionId": "us-east-1", "SubAccountId": "111111111111",
					"ResourceId": RIID, "SkuId": "SKU-M5-LARGE", "BilledCost": "0", "EffectiveCost": num(idle * riRate),
					"ListCost": "0", "ContractedCost": "0", "CommitmentDiscountId": RIID, "CommitmentDiscountType": "Reserved Instance",
					"CommitmentDiscountCategory": "Usage", "CommitmentDiscountStatus": "Unused",
					"CommitmentDiscountQuantity": num(idle), "CommitmentDiscountUnit": "Hours"} {
					r[k] = v
				}
				t.UnusedCost += idle * riRate
				t.EffectiveCost += idle * riRate
				rows = append(rows, r)
			}
			// c5 instances, all on the savings plan.
			for i := 0; i < n2; i++ {
				r := base(h, he)
				for k, v := range map[string]string{"ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based", "PricingCategory": "Committed",
					"ServiceName": "Amazon Elastic Compute Cloud", "RegionId": "eu-west-1", "SubAccountId": "222222222222",
					"ResourceId": fmt.Sprintf("i-c5-%d", i), "SkuId": "SKU-C5-XLARGE",
					"ChargeDescription": "$0.17 per On Demand Linux c5.xlarge Instance Hour",
					"BilledCost":        "0", "EffectiveCost": num(spRate), "ListCost": num(c5List), "ContractedCost": num(c5OD),
					"ConsumedQuantity": "1", "ConsumedUnit": "Hours", "PricingQuantity": "1", "PricingUnit": "Hours",
					"CommitmentDiscountId": SPID, "CommitmentDiscountType": "Savings Plan", "CommitmentDiscountCategory": "Spend",
					"CommitmentDiscountStatus": "Used", "CommitmentDiscountQuantity": num(spRate), "CommitmentDiscountUnit": "USD"} {
					r[k] = v
				}
				t.CoveredCost += c5OD
				t.MonthCovered[month] += c5OD
				t.EligibleCost += c5OD
				t.MonthEligible[month] += c5OD
				t.UsedCost += spRate
				t.EffectiveCost += spRate
				t.ListCost += c5List
				t.PoolNU["c5"] += 8
				spUsed += spRate
				rows = append(rows, r)
			}
			if idle := spPerHour - spRate*float64(n2); idle > 1e-12 {
				r := base(h, he)
				for k, v := range map[string]string{"ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based", "PricingCategory": "Committed",
					"ServiceName": "Amazon Elastic Compute Cloud", "RegionId": "eu-west-1", "SubAccountId": "222222222222",
					"ResourceId": SPID, "BilledCost": "0", "EffectiveCost": num(idle), "ListCost": "0", "ContractedCost": "0",
					"CommitmentDiscountId": SPID, "CommitmentDiscountType": "Savings Plan", "CommitmentDiscountCategory": "Spend",
					"CommitmentDiscountStatus": "Unused", "CommitmentDiscountQuantity": num(idle), "CommitmentDiscountUnit": "USD"} {
					r[k] = v
				}
				t.UnusedCost += idle
				t.EffectiveCost += idle
				rows = append(rows, r)
			}
			t.SPAmortized += spPerHour
			// r5 instances, on demand.
			for i := 0; i < n3; i++ {
				r := base(h, he)
				for k, v := range map[string]string{"ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based", "PricingCategory": "Standard",
					"ServiceName": "Amazon Elastic Compute Cloud", "RegionId": "eu-west-1", "SubAccountId": "222222222222",
					"ResourceId": fmt.Sprintf("i-r5-%d", i), "SkuId": "SKU-R5-LARGE",
					"ChargeDescription": "$0.126 per On Demand Linux r5.large Instance Hour",
					"BilledCost":        num(r5OD), "EffectiveCost": num(r5OD), "ListCost": num(r5List), "ContractedCost": num(r5OD),
					"ConsumedQuantity": "1", "ConsumedUnit": "Hours", "PricingQuantity": "1", "PricingUnit": "Hours"} {
					r[k] = v
				}
				t.EligibleCost += r5OD
				t.MonthEligible[month] += r5OD
				t.EffectiveCost += r5OD
				t.BilledCost += r5OD
				t.ListCost += r5List
				t.PoolNU["r5"] += 4
				rows = append(rows, r)
			}
			if h.Hour() == 0 {
				r := base(h, h.Add(24*time.Hour))
				for k, v := range map[string]string{"ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based", "PricingCategory": "Standard",
					"ServiceName": "Amazon Simple Storage Service", "RegionId": "us-east-1", "SubAccountId": "111111111111",
					"ResourceId": "bucket-logs", "SkuId": "SKU-S3", "BilledCost": num(s3Daily), "EffectiveCost": num(s3Daily),
					"ListCost": num(s3Daily), "ContractedCost": num(s3Daily), "ConsumedQuantity": "40", "ConsumedUnit": "GB-Mo",
					"PricingQuantity": "40", "PricingUnit": "GB-Mo"} {
					r[k] = v
				}
				t.BilledCost += s3Daily
				rows = append(rows, r)
			}
		}
		r := base(ms, me)
		r["ChargeCategory"], r["ChargeFrequency"], r["PricingCategory"], r["ServiceName"] = "Tax", "Recurring", "Standard", "Tax"
		r["BilledCost"], r["EffectiveCost"] = num(taxMonthly), num(taxMonthly)
		rows = append(rows, r)
		t.BilledCost += taxMonthly

		path := filepath.Join(dir, "focus-"+month+".csv")
		if err := writeCSV(path, rows); err != nil {
			return nil, err
		}
		t.Files = append(t.Files, path)
		t.Rows += len(rows)
	}
	t.RIUtilization = riUsed / float64(riCount*t.Hours)
	t.SPUtilization = spUsed / (spPerHour * float64(t.Hours))
	return t, nil
}

func writeCSV(path string, rows []row) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write(header)
	rec := make([]string, len(header))
	for _, r := range rows {
		for i, h := range header {
			rec[i] = r[h]
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
