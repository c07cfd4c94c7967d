package aws

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/providers"
)

// getProductsPage is a GetProducts response in the JSON 1.1 wire format:
// PriceList holds each product as a JSON document inside a string.
func getProductsPage(t testing.TB, next string, items ...string) reply {
	t.Helper()
	body := map[string]any{"FormatVersion": "aws_v1", "PriceList": items}
	if next != "" {
		body["NextToken"] = next
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{body: string(b)}
}

// The real m5.large item (us-east-1, Linux, shared, 2021-02) holds the
// on-demand rate and all 12 reserved instance offers. Each expected
// effective hourly rate is the upfront fee over the term's hours plus the
// hourly fee, worked out by hand from the item's figures (8760 h a year).
func TestParsePriceListItemM5Large(t *testing.T) {
	doc := readTestdata(t, "instance-selector", "GetProducts_m5_large.json")
	got, err := parsePriceListItem([]byte(doc), "USD", "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	wantPool := providers.PoolKey{Provider: providers.AWS, Region: "us-east-1", Service: "AmazonEC2", Family: "m5", Platform: "Linux/UNIX", Tenancy: "Shared", Unit: providers.UnitNormalizedHour}
	if len(got.OnDemand) != 1 {
		t.Fatalf("%d on-demand rates, want 1", len(got.OnDemand))
	}
	od := got.OnDemand[0]
	if od.Pool != wantPool || od.InstanceType != "m5.large" || od.SizeFactor != 4 || od.HourlyRate != 0.096 || od.SKU != "6C86BEPQVG73ZGGR" {
		t.Errorf("on-demand rate = %+v", od)
	}
	if want := time.Date(2021, 2, 5, 20, 45, 0, 0, time.UTC); !got.Published.Equal(want) {
		t.Errorf("published %v, want %v", got.Published, want)
	}
	type offer struct {
		code      string
		kind      providers.Kind
		term      providers.Term
		pay       providers.PaymentOption
		upfront   float64
		hourly    float64
		effective float64 // to 1e-9
	}
	std, conv := providers.KindRIStandard, providers.KindRIConvertible
	y1, y3 := providers.Term1Year, providers.Term3Year
	nu, pu, au := providers.NoUpfront, providers.PartialUpfront, providers.AllUpfront
	want := []offer{
		{"4NA7Y494T4", std, y1, nu, 0, 0.060, 0.060000000},
		{"HU7G6KETJZ", std, y1, pu, 252, 0.029, 0.057767123},
		{"6QCMYABX3D", std, y1, au, 494, 0, 0.056392694},
		{"7NE97W5U4E", conv, y1, nu, 0, 0.071, 0.071000000},
		{"CUZHX8X6JH", conv, y1, pu, 294, 0.034, 0.067561644},
		{"VJWZNREJX2", conv, y1, au, 577, 0, 0.065867580},
		{"BPH4J8HBKS", std, y3, nu, 0, 0.041, 0.041000000},
		{"38NPMPTW36", std, y3, pu, 505, 0.019, 0.038216134},
		{"NQ3QZPMQV9", std, y3, au, 949, 0, 0.036111111},
		{"Z2E3P23VKM", conv, y3, nu, 0, 0.049, 0.049000000},
		{"R5XV2EPZQZ", conv, y3, pu, 592, 0.023, 0.045526636},
		{"MZU6U2429S", conv, y3, au, 1161, 0, 0.044178082},
	}
	if len(got.Offerings) != len(want) {
		t.Fatalf("%d offerings, want exactly %d", len(got.Offerings), len(want))
	}
	byID := map[string]providers.Offering{}
	for _, o := range got.Offerings {
		byID[o.ID] = o
	}
	for _, w := range want {
		o, ok := byID["6C86BEPQVG73ZGGR."+w.code]
		if !ok {
			t.Errorf("offer %s missing", w.code)
			continue
		}
		if o.Kind != w.kind || o.Term != w.term || o.PaymentOption != w.pay || o.UpfrontFee != w.upfront || o.RecurringHourlyFee != w.hourly {
			t.Errorf("offer %s = %s %s %s upfront %v hourly %v; want %s %s %s %v %v", w.code, o.Kind, o.Term, o.PaymentOption, o.UpfrontFee, o.RecurringHourlyFee, w.kind, w.term, w.pay, w.upfront, w.hourly)
		}
		if math.Abs(o.EffectiveHourlyRate-w.effective) > 5e-10 {
			t.Errorf("offer %s effective hourly rate %.12f, want %.9f", w.code, o.EffectiveHourlyRate, w.effective)
		}
		if len(o.Covers) != 1 || o.Covers[0].Pool != wantPool || o.Covers[0].SizeFactor != 4 || o.Covers[0].Rate != 0 {
			t.Errorf("offer %s covers %+v, want the m5 NU pool with size factor 4", w.code, o.Covers)
		}
		if o.PurchaseIncrement != 1 || o.InstanceType != "m5.large" || o.Currency != "USD" {
			t.Errorf("offer %s: increment %v, instance type %q, currency %q", w.code, o.PurchaseIncrement, o.InstanceType, o.Currency)
		}
	}
}

func TestParsePriceListItemRejects(t *testing.T) {
	doc := readTestdata(t, "instance-selector", "GetProducts_m5_large.json")
	tests := []struct {
		name, old, new, want string
		outOfScope           bool
	}{
		{"other region", "", "", "not the file's region", false},
		{"price disagrees with description", `"USD": "0.0960000000"`, `"USD": "0.9600000000"`, "disagrees with its description", false},
		{"unknown OS", `"operatingSystem": "Linux"`, `"operatingSystem": "NA"`, "unknown operating system", false},
		{"size factor wrong", `"normalizationSizeFactor": "4"`, `"normalizationSizeFactor": "8"`, "disagrees with size large", false},
		{"bad lease", `"LeaseContractLength": "1yr",
          "OfferingClass": "standard",
          "PurchaseOption": "No Upfront"`, `"LeaseContractLength": "2yr",
          "OfferingClass": "standard",
          "PurchaseOption": "No Upfront"`, "LeaseContractLength", false},
		{"dedicated host", `"tenancy": "Shared"`, `"tenancy": "Host"`, "Dedicated Host", true},
		{"capacity reservation", `"capacitystatus": "Used"`, `"capacitystatus": "UnusedCapacityReservation"`, "capacity status", true},
		{"no USD price", `"USD": "0.0960000000"`, `"CNY": "0.0960000000"`, "no price in USD", false},
		{"not JSON", `{`, `[`, "not valid JSON", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, region := doc, "us-east-1"
			if tc.old == "" {
				region = "eu-west-1"
			} else {
				if !strings.Contains(doc, tc.old) {
					t.Fatalf("test case broken: %q not in the item", tc.old)
				}
				in = strings.Replace(doc, tc.old, tc.new, 1)
			}
			_, err := parsePriceListItem([]byte(in), "USD", region)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if _, oos := isOutOfScope(err); oos != tc.outOfScope {
				t.Errorf("out of scope = %v, want %v", oos, tc.outOfScope)
			}
		})
	}
}

func TestFetchPrices(t *testing.T) {
	f := newFakeAWS(t)
	m5 := readTestdata(t, "instance-selector", "GetProducts_m5_large.json")
	ebs := readTestdata(t, "responses", "pricing", "item_ebs_gp3.json")
	bad := readTestdata(t, "responses", "pricing", "item_m5_xlarge_bad_price.json")
	f.on("pricing:GetProducts",
		throttle("json"), // retried
		getProductsPage(t, "page-2-token", m5),
		serverError("json"), // retried
		getProductsPage(t, "", ebs, bad),
	)
	f.on("savingsplans:DescribeSavingsPlansOfferingRates",
		reply{body: readTestdata(t, "responses", "savingsplans", "DescribeSavingsPlansOfferingRates_1.json")},
		reply{body: readTestdata(t, "responses", "savingsplans", "DescribeSavingsPlansOfferingRates_2.json")},
	)
	c := f.client()
	pb, rep, err := c.FetchPrices(bg, PriceQuery{Region: "us-east-1", SavingsPlans: true, Now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if len(pb.OnDemand) != 1 {
		t.Errorf("%d on-demand rates, want 1 (m5.large; the m5.xlarge item is malformed)", len(pb.OnDemand))
	}
	var ri, sp int
	for _, o := range pb.Offerings {
		if o.Kind.Spend() {
			sp++
		} else {
			ri++
		}
	}
	if ri != 12 || sp != 2 {
		t.Errorf("%d RI offerings and %d savings plan offerings, want 12 and 2", ri, sp)
	}
	if len(rep.Skipped) != 2 {
		t.Fatalf("skipped %v, want the m5.xlarge item and the malformed savings plan rate", rep.Skipped)
	}
	if s := rep.Skipped[0]; s.Item != "page 2 item 2" || !strings.Contains(s.Reason, "disagrees with its description") {
		t.Errorf("skip = %v", s)
	}
	if rep.OutOfScope[`product family "Storage"`] != 1 {
		t.Errorf("out of scope = %v", rep.OutOfScope)
	}
	// The page token reached the second call.
	if bodies := f.Bodies("pricing:GetProducts"); len(bodies) != 4 || !strings.Contains(bodies[3], `"NextToken":"page-2-token"`) {
		t.Errorf("GetProducts requests: %q", bodies)
	}
	var buf bytes.Buffer
	if err := pb.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "pricebook_us-east-1_m5.json", buf.Bytes())
}

func TestFetchPricesFailures(t *testing.T) {
	m5 := readTestdata(t, "instance-selector", "GetProducts_m5_large.json")
	page := getProductsPage(t, "", m5)
	tests := []struct {
		name      string
		replies   []reply
		throttled bool
		want      string
	}{
		{"throttled past the retries", []reply{throttle("json"), throttle("json"), throttle("json")}, true, "ThrottlingException"},
		{"5xx past the retries", []reply{serverError("json"), serverError("json"), serverError("json")}, false, "StatusCode: 500"},
		{"truncated body", []reply{{body: page.body, truncate: len(page.body) / 2}, {body: page.body, truncate: 10}, {body: page.body, truncate: 100}}, false, "aws: pricing GetProducts:"},
		{"cut JSON", []reply{{body: page.body[:len(page.body)/2]}}, false, "aws: pricing GetProducts:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAWS(t)
			f.on("pricing:GetProducts", tc.replies...)
			_, _, err := f.client().FetchPrices(bg, PriceQuery{Region: "us-east-1"})
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "aws: pricing GetProducts: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to start with %q and contain %q", err, "aws: pricing GetProducts: ", tc.want)
			}
			if got := errors.Is(err, providers.ErrThrottled); got != tc.throttled {
				t.Errorf("errors.Is(err, ErrThrottled) = %v, want %v", got, tc.throttled)
			}
		})
	}
}

func TestFetchPricesRepeatedToken(t *testing.T) {
	f := newFakeAWS(t)
	m5 := readTestdata(t, "instance-selector", "GetProducts_m5_large.json")
	f.on("pricing:GetProducts", getProductsPage(t, "same", m5), getProductsPage(t, "same", m5))
	_, _, err := f.client().FetchPrices(bg, PriceQuery{Region: "us-east-1"})
	if err == nil || !strings.Contains(err.Error(), "page token \"same\" twice") {
		for _, b := range f.Bodies("pricing:GetProducts") {
			t.Logf("request …%s", b[len(b)-60:])
		}
		t.Fatalf("err = %v (calls %v)", err, f.Calls())
	}
}

func FuzzParsePriceListItem(f *testing.F) {
	f.Add([]byte(readTestdata(f, "instance-selector", "GetProducts_m5_large.json")))
	f.Add([]byte(readTestdata(f, "responses", "pricing", "item_ebs_gp3.json")))
	f.Add([]byte(`{"product":{"productFamily":"Compute Instance","attributes":{},"sku":"X"},"terms":{}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		got, err := parsePriceListItem(doc, "USD", "us-east-1")
		if err != nil {
			return
		}
		// What parses makes a valid book.
		pb := providers.PriceBook{Schema: providers.PriceBookSchema, Currency: "USD", Source: providers.PriceSource{Name: "fuzz"}, OnDemand: got.OnDemand, Offerings: got.Offerings}
		if err := pb.Validate(); err != nil {
			t.Fatalf("parsed item makes an invalid book: %v", err)
		}
	})
}
