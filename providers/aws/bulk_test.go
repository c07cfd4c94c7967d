package aws

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/providers"
)

var bulkDir = filepath.Join("..", "..", "testdata", "aws", "bulk-price-fixtures")

// The bulk fixtures are trimmed real AWS files with corrupted lines put in
// on purpose (testdata/aws/README.md). Every one must be skipped and named
// by file and line; the good lines make the golden price book.
func TestImportBulk(t *testing.T) {
	pb, rep, err := ImportBulk(bulkDir, ImportOptions{Now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	const ec2 = "offers/v1.0/aws/AmazonEC2/current/eu-west-1/index.csv"
	const rds = "offers/v1.0/aws/AmazonRDS/current/eu-west-1/index.csv"
	const sp = "savingsPlan/v1.0/aws/AWSComputeSavingsPlan/current/eu-west-1/index.json"
	want := []struct {
		at     string // file:line, or file and rate code
		reason string
	}{
		{ec2 + ":7", "1 fields, too few"},                                    // "INVALID"
		{ec2 + ":8", "location type is empty"},                               // Location column holds "AWS Region"
		{ec2 + ":9", "location type is empty"},                               // INVALID_OS
		{ec2 + ":10", `unknown capacity status "N/A"`},                       // INVALID2
		{ec2 + ":95", "price 9.404 disagrees with its description"},          // CLOSE_BASELINE
		{ec2 + ":96", `instance size "0xlarge" has no normalization factor`}, // UNKNOWN_BASELINE
		{ec2 + ":12", "no hourly (Hrs) price row"},                           // RHEL RI with only its upfront row
		{rds + ":8", "1 fields, too few"},
		{sp + " 7DVU5XBSTGHBTJUV.M2WTFX8JK6VDUNU5", "its line was skipped, " + ec2 + ":8"},
		{sp + " 8GU23DFTKP2N43SD.29QDFBY626457QNP", "its line was skipped, " + ec2 + ":8"},
	}
	if len(rep.Skipped) != len(want) {
		for _, s := range rep.Skipped {
			t.Logf("skipped %s", s)
		}
		t.Fatalf("skipped %d items, want %d", len(rep.Skipped), len(want))
	}
	for i, w := range want {
		s := rep.Skipped[i]
		at := s.File
		if s.Line > 0 {
			at += fmt.Sprintf(":%d", s.Line)
		} else {
			at += " " + s.Item
		}
		if at != w.at || !strings.Contains(s.Reason, w.reason) {
			t.Errorf("skip %d = %s, want %s: …%s…", i, s, w.at, w.reason)
		}
	}
	// Every skip is in the book's notes, with the count.
	notes := strings.Join(pb.Notes, "\n")
	if !strings.Contains(notes, fmt.Sprintf("skipped %d malformed", len(want))) {
		t.Errorf("notes lack the skip count:\n%s", notes)
	}
	for _, s := range rep.Skipped {
		if !strings.Contains(notes, s.String()) {
			t.Errorf("notes lack %s", s)
		}
	}
	if rep.OutOfScope[`product family "Storage"`] != 5 || rep.OutOfScope[`location type "Outpost"`] != 1 {
		t.Errorf("out of scope = %v", rep.OutOfScope)
	}
	// Spot checks, by hand from the file: c3.large Linux on demand
	// 0.12 $/h (line 34) is 4 NU of the c3 pool; c1.medium's 3-year all
	// upfront standard RI (lines 16–17, "AllUpfront" spelled without the
	// space) covers 2 NU of the c1 pool at 1680 upfront.
	c3 := providers.PoolKey{Provider: providers.AWS, Region: "eu-west-1", Service: "AmazonEC2", Family: "c3", Platform: "Linux/UNIX", Tenancy: "Shared", Unit: providers.UnitNormalizedHour}
	var found bool
	for _, r := range pb.OnDemandFor(c3) {
		if r.InstanceType == "c3.large" {
			found = r.HourlyRate == 0.12 && r.SizeFactor == 4 && r.SKU == "RASFAC97JWEGEPYS"
		}
	}
	if !found {
		t.Errorf("c3.large on-demand rate wrong or missing: %+v", pb.OnDemandFor(c3))
	}
	found = false
	for _, o := range pb.Offerings {
		if o.ID == "HB5V2X8TXQUTDZBV.NQ3QZPMQV9" {
			found = o.Kind == providers.KindRIStandard && o.Term == providers.Term3Year && o.PaymentOption == providers.AllUpfront &&
				o.UpfrontFee == 1680 && o.RecurringHourlyFee == 0 && o.Covers[0].SizeFactor == 2 && o.Covers[0].Pool.Family == "c1"
		}
	}
	if !found {
		t.Errorf("c1.medium RI HB5V2X8TXQUTDZBV.NQ3QZPMQV9 wrong or missing")
	}
	var buf bytes.Buffer
	if err := pb.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "pricebook_bulk_eu-west-1.json", buf.Bytes())
}

func TestImportBulkErrors(t *testing.T) {
	if _, _, err := ImportBulk(t.TempDir(), ImportOptions{}); err == nil || !strings.Contains(err.Error(), "no offers/") {
		t.Errorf("empty dir: err = %v", err)
	}
	if _, _, err := ImportBulk(filepath.Join(t.TempDir(), "nope"), ImportOptions{}); err == nil {
		t.Error("missing dir: no error")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "offers", "v1.0", "aws", "AmazonEC2", "current", "us-east-1", "index.csv")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("SKU,TermType\nA,OnDemand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ImportBulk(dir, ImportOptions{}); err == nil || !strings.Contains(err.Error(), `the header has no "OfferTermCode" column`) {
		t.Errorf("bad header: err = %v", err)
	}
}

func FuzzParseBulkCSV(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join(bulkDir, "offers", "v1.0", "aws", "AmazonEC2", "current", "eu-west-1", "index.csv"))
	if err != nil {
		f.Fatal(err)
	}
	// Seeds are slices of the real file (header and a few rows): the
	// fuzzer minimizes every new input, which is slow on the whole file.
	lines := strings.SplitAfter(string(seed), "\n")
	f.Add([]byte(strings.Join(lines[5:20], "")))
	f.Add([]byte(lines[5] + strings.Join(lines[104:108], "")))
	f.Add([]byte(strings.Join(lines[0:6], "") + lines[15] + lines[16]))
	f.Add([]byte("SKU\n"))
	f.Add([]byte("\"a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b := &bulkBuilder{currency: "USD", rep: &Report{}, pb: &providers.PriceBook{Schema: providers.PriceBookSchema, Currency: "USD", Source: providers.PriceSource{Name: "fuzz"}},
			bySKU: map[string]providers.OnDemandRate{}, odLine: map[string]string{}, skippedSKU: map[string]string{}}
		if err := b.parseCSV(bytes.NewReader(data), "fuzz.csv", "eu-west-1", ServiceEC2); err != nil {
			if !strings.HasPrefix(err.Error(), "aws: import fuzz.csv") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		// Whatever the parser keeps makes a valid book.
		b.pb.Notes = b.rep.Notes()
		if err := b.pb.Validate(); err != nil {
			t.Fatalf("the parsed lines make an invalid book: %v", err)
		}
		for _, s := range b.rep.Skipped {
			if s.File != "fuzz.csv" || s.Reason == "" {
				t.Fatalf("skip without file or reason: %+v", s)
			}
		}
	})
}

func FuzzParseBulkSavingsPlans(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join(bulkDir, "savingsPlan", "v1.0", "aws", "AWSComputeSavingsPlan", "current", "eu-west-1", "index.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"products":[{"sku":"S","productFamily":"ComputeSavingsPlans","attributes":{"purchaseTerm":"1yr","purchaseOption":"No Upfront"}}],"terms":{"savingsPlan":[{"sku":"S","rates":[{"discountedSku":"A","discountedServiceCode":"AmazonEC2","discountedUsageType":"BoxUsage:m5.large","rateCode":"S.A","discountedRate":{"price":"0.05"}}]}]}}`))
	od := providers.OnDemandRate{Pool: providers.PoolKey{Provider: providers.AWS, Region: "eu-west-1", Service: "AmazonEC2", Family: "m5", Platform: "Linux/UNIX", Tenancy: "Shared", Unit: providers.UnitNormalizedHour}, InstanceType: "m5.large", SizeFactor: 4, HourlyRate: 0.107, SKU: "A"}
	f.Fuzz(func(t *testing.T, data []byte) {
		b := &bulkBuilder{currency: "USD", rep: &Report{}, pb: &providers.PriceBook{Schema: providers.PriceBookSchema, Currency: "USD", Source: providers.PriceSource{Name: "fuzz"}, OnDemand: []providers.OnDemandRate{od}},
			bySKU: map[string]providers.OnDemandRate{"A": od}, odLine: map[string]string{}, skippedSKU: map[string]string{}}
		if err := b.parseSavingsPlans(data, "fuzz.json"); err != nil {
			t.Fatalf("content defects must be skips, not errors: %v", err)
		}
		if err := b.pb.Validate(); err != nil {
			t.Fatalf("the parsed rates make an invalid book: %v", err)
		}
	})
}
