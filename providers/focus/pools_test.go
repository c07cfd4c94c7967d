package focus_test

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/providers/focus"
)

// poolCols is the header of the generated Azure and GCP files: the FOCUS
// columns plus the x_ columns of Microsoft's FOCUS export.
var poolCols = []string{"BillingAccountId", "BillingCurrency", "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory",
	"ProviderName", "ServiceName", "RegionId", "SubAccountId", "ChargeDescription", "BilledCost", "EffectiveCost", "ListCost",
	"ContractedCost", "ConsumedQuantity", "ConsumedUnit", "PricingQuantity", "PricingUnit", "CommitmentDiscountId",
	"CommitmentDiscountStatus", "CommitmentDiscountCategory", "CommitmentDiscountType", "SkuPriceDetails",
	"x_SkuDetails", "x_SkuMeterCategory", "x_SkuMeterSubcategory", "x_SkuMeterName"}

// poolTruth is what the test expects of one pool, computed from the rows it
// wrote, not by reading them back.
type poolTruth struct {
	total float64
	hours map[time.Time]float64 // quantity per hour
	od    float64
}

func (p *poolTruth) add(start time.Time, hours int, q, od float64) {
	if p.hours == nil {
		p.hours = map[time.Time]float64{}
	}
	for h := 0; h < hours; h++ {
		p.hours[start.Add(time.Duration(h)*time.Hour)] += q / float64(hours)
	}
	p.total += q
	p.od += od
}

// genAzureGCP writes one CSV of Azure VM usage (daily rows, as Microsoft's
// exports have them) and GCP Compute Engine usage (hourly rows, vCPU in
// seconds and memory in byte-seconds as the billing export's usage.unit,
// or in hours and gibibyte hours), with rows that must make no pool, and
// returns the expected pools keyed by PoolKey.String().
func genAzureGCP(t *testing.T, dir string, seed uint64) map[string]*poolTruth {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	want := map[string]*poolTruth{}
	pool := func(k providers.PoolKey) *poolTruth {
		if want[k.String()] == nil {
			want[k.String()] = &poolTruth{}
		}
		return want[k.String()]
	}
	var rows [][]string
	emit := func(m map[string]string) {
		rec := make([]string, len(poolCols))
		for i, c := range poolCols {
			rec[i] = m[c]
		}
		rows = append(rows, rec)
	}
	ts := func(t time.Time) string { return t.Format(time.RFC3339) }
	num := func(x float64) string { return fmt.Sprintf("%.10g", x) }

	// Azure: two subscriptions; D2s v3 Linux (the size from x_SkuDetails'
	// ServiceType), D2 v3 Windows (from the meter name), B2s Linux from the
	// charge description only (no x_ columns), plus Spot, a disk and an
	// unused reservation row that make no pool.
	const ba = "/providers/Microsoft.Billing/billingAccounts/8611537"
	subs := []string{"/subscriptions/aaaa", "/subscriptions/bbbb"}
	for d := 0; d < 10; d++ {
		s, e := start.AddDate(0, 0, d), start.AddDate(0, 0, d+1)
		for si, sub := range subs {
			base := func() map[string]string {
				return map[string]string{"BillingAccountId": ba, "BillingCurrency": "USD", "ChargePeriodStart": ts(s),
					"ChargePeriodEnd": ts(e), "ChargeCategory": "Usage", "ProviderName": "Microsoft", "SubAccountId": sub,
					"RegionId": "eastus", "ConsumedUnit": "Hours", "PricingUnit": "1 Hour"}
			}
			// D2s v3 Linux: 1–3 VMs all day.
			q := float64(24 * (1 + rng.IntN(3)))
			r := base()
			r["ServiceName"], r["ChargeDescription"] = "Virtual Machines", "Virtual Machines Dv3/DSv3 Series - D2 v3/D2s v3 - US East"
			r["x_SkuMeterCategory"], r["x_SkuMeterSubcategory"], r["x_SkuMeterName"] = "Virtual Machines", "Dv3/DSv3 Series", "D2 v3/D2s v3"
			r["x_SkuDetails"] = `{"UsageType":"ComputeHR","ImageType":"Canonical","ServiceType":"Standard_D2s_v3","VCPUs":2}`
			r["ConsumedQuantity"], r["PricingQuantity"] = num(q), num(q)
			r["ListCost"], r["ContractedCost"], r["BilledCost"], r["EffectiveCost"] = num(0.096*q), num(0.096*q), num(0.096*q), num(0.096*q)
			if si == 1 && d%2 == 0 { // covered by a reservation
				r["CommitmentDiscountId"], r["CommitmentDiscountStatus"] = "/providers/Microsoft.Capacity/reservationOrders/r1", "Used"
				r["CommitmentDiscountCategory"], r["CommitmentDiscountType"] = "Usage", "Reservation"
				r["BilledCost"], r["EffectiveCost"] = "0", num(0.06*q)
			}
			emit(r)
			pool(providers.PoolKey{Provider: providers.Azure, BillingScope: ba, Account: sub, Region: "eastus", Service: "Virtual Machines",
				Family: "Standard_D2s_v3", Platform: "Linux", Unit: providers.UnitInstanceHour}).add(s, 24, q, 0.096*q)
			// D2 v3 Windows, part of the day, sized from the meter.
			q = float64(1 + rng.IntN(24))
			r = base()
			r["ServiceName"], r["ChargeDescription"] = "Virtual Machines", "Virtual Machines Dv3/DSv3 Series Windows - D2 v3/D2s v3 - US East"
			r["x_SkuMeterCategory"], r["x_SkuMeterSubcategory"], r["x_SkuMeterName"] = "Virtual Machines", "Dv3/DSv3 Series Windows", "D2 v3/D2s v3"
			r["ConsumedQuantity"], r["PricingQuantity"] = num(q), num(q)
			r["ListCost"], r["ContractedCost"], r["BilledCost"], r["EffectiveCost"] = num(0.188*q), num(0.188*q), num(0.188*q), num(0.188*q)
			emit(r)
			pool(providers.PoolKey{Provider: providers.Azure, BillingScope: ba, Account: sub, Region: "eastus", Service: "Virtual Machines",
				Family: "Standard_D2_v3", Platform: "Windows", Unit: providers.UnitInstanceHour}).add(s, 24, q, 0.188*q)
			// B2s, known only from the description (an export without x_
			// columns; ServiceName of the consuming service, as for AKS).
			q = 24
			r = base()
			r["ServiceName"], r["ChargeDescription"] = "Azure Kubernetes Service", "Virtual Machines BS Series - B2s - US East"
			r["ConsumedQuantity"], r["PricingQuantity"] = num(q), num(q)
			r["ListCost"], r["ContractedCost"], r["BilledCost"], r["EffectiveCost"] = num(0.0416*q), num(0.0416*q), num(0.0416*q), num(0.0416*q)
			emit(r)
			pool(providers.PoolKey{Provider: providers.Azure, BillingScope: ba, Account: sub, Region: "eastus", Service: "Virtual Machines",
				Family: "Standard_B2s", Platform: "Linux", Unit: providers.UnitInstanceHour}).add(s, 24, q, 0.0416*q)
			// No pool: Spot, a managed disk, an unused reservation.
			r = base()
			r["ServiceName"], r["ChargeDescription"] = "Virtual Machines", "Virtual Machines Dv3/DSv3 Series - D2 v3/D2s v3 Spot - US East"
			r["x_SkuMeterCategory"], r["x_SkuMeterName"] = "Virtual Machines", "D2 v3/D2s v3 Spot"
			r["ConsumedQuantity"], r["ListCost"], r["ContractedCost"], r["BilledCost"], r["EffectiveCost"] = "24", "0.5", "0.5", "0.5", "0.5"
			emit(r)
			r = base()
			r["ServiceName"], r["ChargeDescription"], r["ConsumedUnit"] = "Storage", "Premium SSD Managed Disks - P4 LRS - US East", "Units/Month"
			r["x_SkuMeterCategory"], r["x_SkuMeterName"] = "Storage", "P4 LRS Disk"
			r["ConsumedQuantity"], r["ListCost"], r["ContractedCost"], r["BilledCost"], r["EffectiveCost"] = "0.03", "0.17", "0.17", "0.17", "0.17"
			emit(r)
			if si == 1 && d%2 == 1 {
				r = base()
				r["ServiceName"], r["ChargeDescription"] = "Virtual Machines", "Virtual Machines Dv3/DSv3 Series - D2 v3/D2s v3 - US East"
				r["x_SkuMeterCategory"], r["x_SkuMeterName"] = "Virtual Machines", "D2 v3/D2s v3"
				r["ConsumedQuantity"], r["ListCost"], r["ContractedCost"], r["BilledCost"], r["EffectiveCost"] = "24", "0", "0", "0", "1.44"
				r["CommitmentDiscountId"], r["CommitmentDiscountStatus"] = "/providers/Microsoft.Capacity/reservationOrders/r1", "Unused"
				r["CommitmentDiscountCategory"], r["CommitmentDiscountType"] = "Usage", "Reservation"
				emit(r)
			}
		}
	}

	// GCP: one project, two regions; N2 vCPU (seconds) and RAM
	// (byte-seconds), E2 in hours / gibibyte hours, M1/M2 memory-optimized
	// vCPU, plus Spot, a commitment fee and egress that make no pool.
	const gba = "012345-6789AB-CDEF01"
	for h := 0; h < 72; h++ {
		s, e := start.Add(time.Duration(h)*time.Hour), start.Add(time.Duration(h+1)*time.Hour)
		for _, reg := range []string{"us-central1", "europe-west1"} {
			base := func(desc string) map[string]string {
				return map[string]string{"BillingAccountId": gba, "BillingCurrency": "USD", "ChargePeriodStart": ts(s),
					"ChargePeriodEnd": ts(e), "ChargeCategory": "Usage", "ProviderName": "Google Cloud", "SubAccountId": "my-project",
					"RegionId": reg, "ServiceName": "Compute Engine", "ChargeDescription": desc}
			}
			key := func(series string, u providers.Unit) providers.PoolKey {
				return providers.PoolKey{Provider: providers.GCP, BillingScope: gba, Account: "my-project", Region: reg,
					Service: "Compute Engine", Family: series, Unit: u}
			}
			vcpu := float64(2 * (1 + rng.IntN(4)))
			r := base("N2 Instance Core running in Americas")
			r["ConsumedQuantity"], r["ConsumedUnit"], r["PricingQuantity"], r["PricingUnit"] = num(vcpu*3600), "seconds", num(vcpu), "hour"
			r["ListCost"], r["ContractedCost"], r["BilledCost"], r["EffectiveCost"] = num(0.0316*vcpu), num(0.0316*vcpu), num(0.0316*vcpu), num(0.0316*vcpu)
			emit(r)
			pool(key("n2", providers.UnitVCPUHour)).add(s, 1, vcpu, 0.0316*vcpu)
			gib := 4 * vcpu
			r = base("N2 Instance Ram running in Americas")
			r["ConsumedQuantity"], r["ConsumedUnit"], r["PricingQuantity"], r["PricingUnit"] = num(gib*1073741824*3600), "byte-seconds", num(gib), "gibibyte hour"
			r["ListCost"], r["ContractedCost"], r["BilledCost"], r["EffectiveCost"] = num(0.0042*gib), num(0.0042*gib), num(0.0042*gib), num(0.0042*gib)
			emit(r)
			pool(key("n2", providers.UnitGiBHour)).add(s, 1, gib, 0.0042*gib)
			e2 := float64(1 + rng.IntN(8))
			r = base("E2 Instance Core running in Americas")
			r["ConsumedQuantity"], r["ConsumedUnit"], r["ListCost"], r["ContractedCost"], r["BilledCost"], r["EffectiveCost"] = num(e2), "hour", num(0.02*e2), num(0.02*e2), num(0.02*e2), num(0.02*e2)
			emit(r)
			pool(key("e2", providers.UnitVCPUHour)).add(s, 1, e2, 0.02*e2)
			r = base("E2 Instance Ram running in Americas")
			r["ConsumedQuantity"], r["ConsumedUnit"], r["ListCost"], r["ContractedCost"], r["BilledCost"], r["EffectiveCost"] = num(4*e2), "gibibyte hour", num(0.01*e2), num(0.01*e2), num(0.01*e2), num(0.01*e2)
			emit(r)
			pool(key("e2", providers.UnitGiBHour)).add(s, 1, 4*e2, 0.01*e2)
			if reg == "europe-west1" {
				r = base("Memory-optimized Instance Core running in EMEA")
				r["ConsumedQuantity"], r["ConsumedUnit"], r["ListCost"], r["ContractedCost"], r["BilledCost"], r["EffectiveCost"] = num(40*3600), "seconds", "1", "1", "1", "1"
				emit(r)
				pool(key("memory-optimized", providers.UnitVCPUHour)).add(s, 1, 40, 1)
			}
			for _, desc := range []string{"Spot Preemptible N2 Instance Core running in Americas", "Commitment v1: N2 Cpu in Americas for 1 Year"} {
				r = base(desc)
				r["ConsumedQuantity"], r["ConsumedUnit"], r["ListCost"], r["ContractedCost"], r["BilledCost"], r["EffectiveCost"] = "7200", "seconds", "0.01", "0.01", "0.01", "0.01"
				emit(r)
			}
			r = base("Network Inter Region Data Transfer Out from Americas to EMEA")
			r["ConsumedQuantity"], r["ConsumedUnit"], r["ListCost"], r["ContractedCost"], r["BilledCost"], r["EffectiveCost"] = "1e9", "bytes", "0.01", "0.01", "0.01", "0.01"
			emit(r)
		}
	}
	f, err := os.Create(filepath.Join(dir, "azure-gcp.csv"))
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write(poolCols)
	w.WriteAll(rows)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return want
}

// TestAzureGCPPools derives Azure and GCP pools from generated rows and
// checks every pool's hourly series, total and on-demand rate against the
// generator's own sums, as CSV and as Parquet.
func TestAzureGCPPools(t *testing.T) {
	dir := t.TempDir()
	want := genAzureGCP(t, dir, 11)
	pq := t.TempDir()
	toParquet(t, filepath.Join(dir, "azure-gcp.csv"), filepath.Join(pq, "azure-gcp.parquet"))
	for _, in := range []string{dir, pq} {
		t.Run(filepath.Base(in), func(t *testing.T) {
			ctx := context.Background()
			d, err := focus.Open(ctx, []string{in}, focus.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			us, err := d.UsageSeries(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, u := range us {
				k := u.Pool.String()
				got[k] = true
				w, ok := want[k]
				if !ok {
					t.Errorf("unexpected pool %s", k)
					continue
				}
				total := 0.0
				for i, q := range u.Quantity {
					h := u.Start.Add(time.Duration(i) * time.Hour)
					if !near(q, w.hours[h]) {
						t.Errorf("pool %s hour %s: %g, want %g", k, h.Format(time.RFC3339), q, w.hours[h])
					}
					total += q
				}
				if len(w.hours) != countNonZero(u.Quantity) {
					t.Errorf("pool %s: %d hours with usage, want %d", k, countNonZero(u.Quantity), len(w.hours))
				}
				if !near(total, w.total) {
					t.Errorf("pool %s: total %g, want %g", k, total, w.total)
				}
				if rate := w.od / w.total; math.Abs(u.OnDemandRate-rate) > 1e-9 {
					t.Errorf("pool %s: on-demand rate %g, want %g", k, u.OnDemandRate, rate)
				}
			}
			for k := range want {
				if !got[k] {
					t.Errorf("pool %s missing", k)
				}
			}
		})
	}
}

func countNonZero(q []float64) int {
	n := 0
	for _, x := range q {
		if x != 0 {
			n++
		}
	}
	return n
}

// TestSampleMicrosoftRows: of the FOCUS 1.0 sample's 51 Microsoft rows,
// only one is virtual-machine usage in hours (a D11 v2 correction of −1
// hour, consumed by Azure Machine Learning); it is the only Azure pool.
func TestSampleMicrosoftRows(t *testing.T) {
	ctx := context.Background()
	d, err := focus.Open(ctx, []string{fixtures + "/sample-1.0/focus_sample.csv"}, focus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n int
	if err := d.QueryRowContext(ctx, "SELECT count(*) FROM charges WHERE provider_name = 'Microsoft'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 51 {
		t.Fatalf("%d Microsoft rows, want 51", n)
	}
	us, err := d.UsageSeries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var azure []string
	for _, u := range us {
		if u.Pool.Provider != providers.Azure {
			continue
		}
		total := 0.0
		for _, q := range u.Quantity {
			total += q
		}
		azure = append(azure, fmt.Sprintf("%s %s+%dh %.6f", u.Pool, u.Start.Format(time.RFC3339), len(u.Quantity), total))
	}
	want := "azure//providers/Microsoft.Billing/billingAccounts/8611537//subscriptions/64e355d7-997c-491d-b0c1-8414dccfcf42/eastus2/Virtual Machines/Standard_D11_v2/Linux/-/instance-hour 2024-09-03T00:00:00Z+24h -1.000000"
	if strings.Join(azure, "\n") != want {
		t.Errorf("Azure pools of the sample:\n%s\nwant\n%s", strings.Join(azure, "\n"), want)
	}
}

// toParquet writes a CSV file as Parquet with DuckDB, its column types
// detected (numbers and timestamps typed, as real Parquet exports are).
func toParquet(t *testing.T, csvPath, out string) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf(`COPY (SELECT * FROM read_csv('%s')) TO '%s' (FORMAT parquet)`, csvPath, out)); err != nil {
		t.Fatal(err)
	}
}
