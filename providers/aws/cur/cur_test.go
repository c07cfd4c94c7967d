package cur_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/providers/aws/cur"
	"github.com/tranchehq/tranche/providers/focus"
)

// The fixture testdata/cur2-hourly.csv is four hours (2026-03-02 00:00 to
// 04:00 UTC) of one linked account (444455556666) of payer 111122223333,
// written column by column from the CUR 2.0 data dictionary:
//
//	every hour  1 m5.xlarge on demand (Usage, 8 NU)
//	            1 m5.large under reservation RI (DiscountedUsage, 4 NU); 2 in hour 2
//	            1 m5.2xlarge under savings plan SP (SavingsPlanCoveredUsage, 16 NU)
//	              and its SavingsPlanNegation, except in hour 2
//	            the SP's SavingsPlanRecurringFee: 0.30 committed, 0.25 used (0 in hour 2)
//	hour 0      1 m5.large Spot (Usage), 0.5 GB-Mo of S3, an EdpDiscount
//	once        RIFee of RI (2 × m5.large, no upfront, March: 1,488 hours, 89.28 USD,
//	            3 unused hours), the SP's SavingsPlanUpfrontFee (2,628 USD), Tax, Credit
const (
	riARN = "arn:aws:ec2:us-east-1:111122223333:reserved-instances/4b2f1c7e-0a1d-4e59-9c3b-2f6a7d8e9f01"
	spARN = "arn:aws:savingsplans::111122223333:savingsplan/5c3e2d1f-7b8a-4c6d-9e0f-1a2b3c4d5e6f"
)

var (
	fixtureCSV = filepath.Join("testdata", "cur2-hourly.csv")
	// wantM5 is the m5 pool in NU per hour: 8 on demand + 4 (8 in hour 2)
	// under the RI + 16 under the SP (not in hour 2); Spot is not a pool.
	wantM5    = []float64{28, 28, 16, 28}
	wantStart = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
)

// convert runs Convert into a temporary directory and opens the result
// with providers/focus.
func convert(t *testing.T, path string, opt cur.Options) (*cur.Result, *focus.Dataset) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "focus.parquet")
	res, err := cur.Convert(context.Background(), path, out, opt)
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	d, err := focus.Open(context.Background(), []string{out}, focus.Options{})
	if err != nil {
		t.Fatalf("focus.Open of the converted file: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return res, d
}

func TestConvertFixtures(t *testing.T) {
	pq := parquetFixture(t)
	for _, c := range []struct{ name, path string }{
		{"csv", fixtureCSV},
		{"csv.gz", gzipCopy(t, fixtureCSV)},
		{"parquet", pq},
	} {
		t.Run(c.name, func(t *testing.T) {
			if f, err := cur.Detect(context.Background(), c.path); err != nil || f != cur.CUR2 {
				t.Fatalf("Detect = %v, %v; want CUR2", f, err)
			}
			res, d := convert(t, c.path, cur.Options{TermRows: true})
			if res.Rows != 26 {
				t.Errorf("read %d CUR rows, want 26", res.Rows)
			}
			for _, n := range d.Notices {
				if n.Kind == "warning" && !strings.Contains(n.Message, "no ContractedCost") {
					t.Errorf("focus warns about the converted file: %s", n.Message)
				}
			}
			checkUsage(t, d)
			checkCommitments(t, d)
			checkNotices(t, res)
			checkCosts(t, d)
		})
	}
}

func checkUsage(t *testing.T, d *focus.Dataset) {
	t.Helper()
	series, err := d.UsageSeries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != 1 {
		for _, s := range series {
			t.Logf("pool %s: %v", s.Pool, s.Quantity)
		}
		t.Fatalf("%d pools, want 1 (m5; Spot and S3 make none)", len(series))
	}
	s := series[0]
	want := providers.PoolKey{Provider: providers.AWS, BillingScope: "111122223333", Account: "444455556666", Region: "us-east-1",
		Service: "AmazonEC2", Family: "m5", Platform: "Linux/UNIX", Tenancy: "Shared", Unit: providers.UnitNormalizedHour}
	if s.Pool != want {
		t.Errorf("pool %+v, want %+v", s.Pool, want)
	}
	if !s.Start.Equal(wantStart) || len(s.Quantity) != len(wantM5) {
		t.Fatalf("series starts %s with %d hours, want %s with %d", s.Start, len(s.Quantity), wantStart, len(wantM5))
	}
	for h, q := range s.Quantity {
		if math.Abs(q-wantM5[h]) > 1e-9 {
			t.Errorf("hour %d: %g NU, want %g", h, q, wantM5[h])
		}
	}
	// On-demand equivalent: 0.024 USD per NU-hour (m5.large 0.096 / 4).
	if math.Abs(s.OnDemandRate-0.024) > 1e-12 {
		t.Errorf("on-demand rate %g, want 0.024", s.OnDemandRate)
	}
}

func checkCommitments(t *testing.T, d *focus.Dataset) {
	t.Helper()
	recs, err := d.Commitments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]focus.CommitmentRecord{}
	for _, r := range recs {
		byID[r.ID] = r
	}
	if len(recs) != 2 {
		t.Fatalf("%d commitments, want 2: %+v", len(recs), recs)
	}
	ri, sp := byID[riARN], byID[spARN]
	if ri.Kind != providers.KindRIStandard || ri.KindNote != "" {
		t.Errorf("RI kind %q (note %q), want %q from pricing_offering_class", ri.Kind, ri.KindNote, providers.KindRIStandard)
	}
	if ri.Quantity != 8 || ri.Unit != providers.UnitNormalizedHour {
		t.Errorf("RI size %g %s, want 8 NU (2 × m5.large)", ri.Quantity, ri.Unit)
	}
	if !ri.EndKnown || !ri.End.Equal(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)) || !ri.Start.Equal(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("RI term %s – %s (known %v), want 2025-06-01 – 2026-06-01", ri.Start, ri.End, ri.EndKnown)
	}
	if ri.PaymentOption != providers.NoUpfront || math.Abs(ri.RecurringHourlyFee-0.12) > 1e-9 {
		t.Errorf("RI payment %q, %g/h; want no upfront, 0.12/h (89.28 over 744 hours)", ri.PaymentOption, ri.RecurringHourlyFee)
	}
	if ri.Scope.Region != "us-east-1" || ri.Scope.Family != "m5" || ri.InstanceType != "m5.large" {
		t.Errorf("RI scope %+v, instance type %q", ri.Scope, ri.InstanceType)
	}
	if sp.Kind != providers.KindComputeSP || sp.KindNote != "" {
		t.Errorf("SP kind %q (note %q), want %q from savings_plan_offering_type", sp.Kind, sp.KindNote, providers.KindComputeSP)
	}
	if math.Abs(sp.Quantity-0.3) > 1e-9 {
		t.Errorf("SP commitment %g/h, want 0.30", sp.Quantity)
	}
	if !sp.EndKnown || !sp.End.Equal(time.Date(2027, 3, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("SP end %s (known %v), want 2027-03-02", sp.End, sp.EndKnown)
	}
	if sp.PaymentOption != providers.AllUpfront || sp.UpfrontFee != 2628 {
		t.Errorf("SP payment %q, upfront %g; want all upfront, 2628", sp.PaymentOption, sp.UpfrontFee)
	}
	// Utilization from the Used and Unused rows: RI 20 of 32 NU-hours,
	// SP 0.75 of 1.20 USD.
	rows, err := d.QueryContext(context.Background(), `SELECT cd_id, sum(cd_quantity) FILTER (WHERE cd_status = 'Used'),
		sum(cd_quantity) FILTER (WHERE cd_status = 'Unused') FROM charges WHERE cd_status IS NOT NULL GROUP BY cd_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := map[string][2]float64{riARN: {20, 12}, spARN: {0.75, 0.45}}
	seen := 0
	for rows.Next() {
		var id string
		var used, unused float64
		if err := rows.Scan(&id, &used, &unused); err != nil {
			t.Fatal(err)
		}
		seen++
		w := want[id]
		if math.Abs(used-w[0]) > 1e-9 || math.Abs(unused-w[1]) > 1e-9 {
			t.Errorf("%s: used %g, unused %g; want %g, %g", id, used, unused, w[0], w[1])
		}
	}
	if seen != 2 {
		t.Errorf("utilization of %d commitments, want 2", seen)
	}
}

func checkNotices(t *testing.T, res *cur.Result) {
	t.Helper()
	var text []string
	for _, n := range res.Notices {
		text = append(text, n.Kind+": "+n.Message)
	}
	all := strings.Join(text, "\n")
	for _, w := range []string{
		"skipped: 1 row(s) of line item type EdpDiscount skipped", "-0.01 USD",
		"normalised: 3 SavingsPlanNegation row(s) folded",
		"1 fee, tax or credit row(s) with no duration",
		"1 usage row(s) of services other than EC2",
	} {
		if !strings.Contains(all, w) {
			t.Errorf("notices lack %q:\n%s", w, all)
		}
	}
	if strings.Contains(all, "warning") {
		t.Errorf("unexpected warning:\n%s", all)
	}
}

// checkCosts: the converted bill adds up to the CUR's. Billed: every
// unblended cost except the skipped discount (the negation cancels the
// covered usage). Effective: usage at its amortized cost plus the unused
// commitment, tax and credit.
func checkCosts(t *testing.T, d *focus.Dataset) {
	t.Helper()
	var billed, effective float64
	if err := d.QueryRowContext(context.Background(), "SELECT sum(billed_cost), sum(effective_cost) FROM charges").Scan(&billed, &effective); err != nil {
		t.Fatal(err)
	}
	wantBilled := 4*0.192 + 0.035 + 0.0115 + 89.28 + 2628 + 1.5 - 5
	wantEff := 4*0.192 + 5*0.06 + 3*0.25 + 0.035 + 0.0115 + 0.18 + 0.45 + 1.5 - 5
	if math.Abs(billed-wantBilled) > 1e-9 || math.Abs(effective-wantEff) > 1e-9 {
		t.Errorf("billed %g, effective %g; want %g, %g", billed, effective, wantBilled, wantEff)
	}
}

// parquetFixture writes the CSV fixture as CUR 2.0 Parquet, with the
// types Data Exports writes (timestamps, doubles, product as a MAP) and,
// to exercise the map, without the flat product_instance_type and
// product_region_code: they are keys of product instead.
func parquetFixture(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "cur2-hourly.parquet")
	if err := cur.WriteParquetFixture(context.Background(), fixtureCSV, out); err != nil {
		t.Fatal(err)
	}
	return out
}

func gzipCopy(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	out := filepath.Join(t.TempDir(), filepath.Base(path)+".gz")
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestWithoutProduct: without the product map (no operating system), the
// platform comes from AWS's line item descriptions, which the conversion
// then keeps: the same pool, the reservation still in normalized units,
// and a warning that says so.
func TestWithoutProduct(t *testing.T) {
	b, err := os.ReadFile(fixtureCSV)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "noproduct.csv")
	if err := os.WriteFile(path, bytes.Replace(b, []byte(",product,"), []byte(",product_elsewhere,"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	res, d := convert(t, path, cur.Options{TermRows: true})
	checkUsage(t, d)
	checkCommitments(t, d)
	found := false
	for _, n := range res.Notices {
		if n.Kind == "warning" && strings.Contains(n.Message, "12 EC2 instance row(s) without an operating system") {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning about the missing operating system: %+v", res.Notices)
	}
}

// TestInconsistentCommitments: when the RIFee's unused hours or a savings
// plan's used commitment disagree with the covered usage, the conversion
// follows the usage and warns, naming the commitment.
func TestInconsistentCommitments(t *testing.T) {
	b, err := os.ReadFile(fixtureCSV)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte(",0.3,0.25,2026-03-02T00:00:00.000Z"), []byte(",0.3,0.2,2026-03-02T00:00:00.000Z"), 1)
	b = bytes.Replace(b, []byte(",2,3,12,0.18,"), []byte(",2,10,12,0.18,"), 1)
	path := filepath.Join(t.TempDir(), "inconsistent.csv")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	res, d := convert(t, path, cur.Options{TermRows: true})
	checkUsage(t, d)
	var warnings []string
	for _, n := range res.Notices {
		if n.Kind == "warning" {
			warnings = append(warnings, n.Message)
		}
	}
	all := strings.Join(warnings, "\n")
	for _, w := range []string{
		"reservation " + riARN + ": reservation_unused_quantity differs from the hours its DiscountedUsage rows leave unused by 7.00 instance-hours",
		"savings plan " + spARN + ": in 1 hour(s) savings_plan_used_commitment differs",
	} {
		if !strings.Contains(all, w) {
			t.Errorf("warnings lack %q:\n%s", w, all)
		}
	}
}
