package providers

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

// validBook is a small but complete price book: one size-flexible pool with
// two sizes, a standard RI and a Compute Savings Plan. The m5.large figures
// are the real us-east-1 Price List figures of 2021-02 (see
// testdata/aws/README.md); the savings plan rate is illustrative.
const validBook = `{
  "schema": "tranche.pricebook/v1",
  "currency": "USD",
  "source": {"name": "test", "published_at": "2021-02-05T20:45:00Z"},
  "on_demand": [
    {"pool": {"provider": "aws", "region": "us-east-1", "service": "AmazonEC2", "family": "m5", "platform": "Linux/UNIX", "tenancy": "Shared", "unit": "NU-hour"},
     "instance_type": "m5.large", "size_factor": 4, "hourly_rate": 0.096, "sku": "6C86BEPQVG73ZGGR"},
    {"pool": {"provider": "aws", "region": "us-east-1", "service": "AmazonEC2", "family": "m5", "platform": "Linux/UNIX", "tenancy": "Shared", "unit": "NU-hour"},
     "instance_type": "m5.xlarge", "size_factor": 8, "hourly_rate": 0.192}
  ],
  "offerings": [
    {"id": "6C86BEPQVG73ZGGR.HU7G6KETJZ", "provider": "aws", "kind": "ri-standard", "term": "1yr", "payment_option": "partial-upfront",
     "instance_type": "m5.large", "upfront_fee": 252, "recurring_hourly_fee": 0.029, "effective_hourly_rate": 0.05776712328767123,
     "covers": [{"pool": {"provider": "aws", "region": "us-east-1", "service": "AmazonEC2", "family": "m5", "platform": "Linux/UNIX", "tenancy": "Shared", "unit": "NU-hour"}, "size_factor": 4}],
     "purchase_increment": 1, "currency": "USD"},
    {"id": "sp-compute-1yr-nu", "provider": "aws", "kind": "compute-sp", "term": "1yr", "payment_option": "no-upfront",
     "upfront_fee": 0, "recurring_hourly_fee": 1, "effective_hourly_rate": 1,
     "covers": [{"pool": {"provider": "aws", "region": "us-east-1", "service": "AmazonEC2", "family": "m5", "platform": "Linux/UNIX", "tenancy": "Shared", "unit": "NU-hour"}, "instance_type": "m5.large", "size_factor": 4, "rate": 0.068}],
     "purchase_increment": 0.001, "currency": "USD"}
  ]
}`

func TestDecodePriceBookValid(t *testing.T) {
	pb, err := DecodePriceBook(strings.NewReader(validBook), "book.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(pb.OnDemand) != 2 || len(pb.Offerings) != 2 {
		t.Fatalf("got %d on-demand rates and %d offerings, want 2 and 2", len(pb.OnDemand), len(pb.Offerings))
	}
	// 0.096 $/h for 4 NU.
	if got := pb.OnDemand[0].UnitRate(); math.Abs(got-0.024) > 1e-15 {
		t.Errorf("UnitRate = %v, want 0.024", got)
	}
	if got := pb.Offerings[1].Covers[0].UnitRate(); math.Abs(got-0.017) > 1e-15 {
		t.Errorf("Coverage.UnitRate = %v, want 0.017", got)
	}
	if got := len(pb.OnDemandFor(pb.OnDemand[0].Pool)); got != 2 {
		t.Errorf("OnDemandFor = %d rates, want 2", got)
	}

	// Round trip: encoding is canonical and stable.
	var a, b bytes.Buffer
	if err := pb.Encode(&a); err != nil {
		t.Fatal(err)
	}
	pb2, err := DecodePriceBook(bytes.NewReader(a.Bytes()), "round-trip")
	if err != nil {
		t.Fatalf("re-decoding the encoded book: %v", err)
	}
	if err := pb2.Encode(&b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Errorf("encode → decode → encode changed the file:\n%s\n---\n%s", a.String(), b.String())
	}
}

func TestDecodePriceBookInvalid(t *testing.T) {
	tests := []struct {
		name    string
		old     string // replaced in validBook by new (must occur)
		new     string
		path    string // the path the first error must name
		wantErr string // a fragment of its message
	}{
		{"wrong schema", `"tranche.pricebook/v1"`, `"tranche.pricebook/v2"`, "schema", "want \"tranche.pricebook/v1\""},
		{"lowercase currency", `"currency": "USD",
  "source"`, `"currency": "usd",
  "source"`, "currency", "ISO 4217"},
		{"no source name", `"name": "test"`, `"name": ""`, "source.name", "empty"},
		{"unknown top field", `"schema":`, `"extra": 1, "schema":`, "extra", "unknown field"},
		{"unknown nested field", `"size_factor": 4}]`, `"size_factor": 4, "factor": 2}]`, "offerings[0].covers[0].factor", "unknown field"},
		{"string for a number", `"upfront_fee": 252`, `"upfront_fee": "252"`, "offerings[0].upfront_fee", "want a number"},
		{"bad time", `"2021-02-05T20:45:00Z"`, `"2021-02-05"`, "source.published_at", "RFC 3339"},
		{"number out of range", `"hourly_rate": 0.192`, `"hourly_rate": 1e999`, "on_demand[1].hourly_rate", "out of range"},
		{"negative rate", `"hourly_rate": 0.192`, `"hourly_rate": -0.192`, "on_demand[1].hourly_rate", "non-negative"},
		{"zero size factor", `"instance_type": "m5.xlarge", "size_factor": 8`, `"instance_type": "m5.xlarge", "size_factor": 0`, "on_demand[1].size_factor", "positive"},
		{"duplicate on-demand", `"instance_type": "m5.xlarge"`, `"instance_type": "m5.large"`, "on_demand[1]", "duplicate of on_demand[0]"},
		{"unknown unit", `"tenancy": "Shared", "unit": "NU-hour"},
     "instance_type": "m5.xlarge"`, `"tenancy": "Shared", "unit": "hours"},
     "instance_type": "m5.xlarge"`, "on_demand[1].pool.unit", "unknown unit"},
		{"unknown term", `"term": "1yr", "payment_option": "partial-upfront"`, `"term": "2yr", "payment_option": "partial-upfront"`, "offerings[0].term", "unknown term"},
		{"unknown kind", `"kind": "ri-standard"`, `"kind": "ri-regular"`, "offerings[0].kind", "unknown commitment kind"},
		{"kind of another provider", `"kind": "ri-standard"`, `"kind": "gcp-resource-cud"`, "offerings[0].kind", "sold by gcp"},
		{"unknown payment", `"payment_option": "partial-upfront"`, `"payment_option": "half"`, "offerings[0].payment_option", "unknown payment option"},
		{"effective rate wrong", `0.05776712328767123`, `0.0578`, "offerings[0].effective_hourly_rate", "upfront_fee / 8760 h"},
		{"upfront on no-upfront", `"payment_option": "no-upfront",
     "upfront_fee": 0`, `"payment_option": "no-upfront",
     "upfront_fee": 5`, "offerings[1].upfront_fee", "no-upfront"},
		{"spend offering not per 1/h", `"recurring_hourly_fee": 1, "effective_hourly_rate": 1`, `"recurring_hourly_fee": 2, "effective_hourly_rate": 2`, "offerings[1].effective_hourly_rate", "must be 1"},
		{"spend coverage without rate", `"rate": 0.068`, `"rate": 0`, "offerings[1].covers[0].rate", "positive number for a spend offering"},
		{"resource coverage with rate", `"size_factor": 4}]`, `"size_factor": 4, "rate": 0.02}]`, "offerings[0].covers[0].rate", "resource offering"},
		{"covers pool without on-demand", `"family": "m5", "platform": "Linux/UNIX", "tenancy": "Shared", "unit": "NU-hour"}, "size_factor": 4}`, `"family": "m6i", "platform": "Linux/UNIX", "tenancy": "Shared", "unit": "NU-hour"}, "size_factor": 4}`, "offerings[0].covers[0].pool", "no on-demand rate"},
		{"currency mix", `"purchase_increment": 1, "currency": "USD"`, `"purchase_increment": 1, "currency": "EUR"`, "offerings[0].currency", "one currency"},
		{"zero increment", `"purchase_increment": 0.001`, `"purchase_increment": 0`, "offerings[1].purchase_increment", "positive"},
		{"duplicate id", `"id": "sp-compute-1yr-nu"`, `"id": "6C86BEPQVG73ZGGR.HU7G6KETJZ"`, "offerings[1].id", "also the id of offerings[0]"},
		{"no covers", `"covers": [{"pool": {"provider": "aws", "region": "us-east-1", "service": "AmazonEC2", "family": "m5", "platform": "Linux/UNIX", "tenancy": "Shared", "unit": "NU-hour"}, "size_factor": 4}]`, `"covers": []`, "offerings[0].covers", "empty"},
		{"array for object", `"source": {"name": "test", "published_at": "2021-02-05T20:45:00Z"}`, `"source": []`, "source", "want an object"},
		{"trailing data", `"currency": "USD"}
  ]
}`, `"currency": "USD"}
  ]
} {}`, "", "trailing data"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(validBook, tc.old) {
				t.Fatalf("test case broken: %q does not occur in validBook", tc.old)
			}
			in := strings.Replace(validBook, tc.old, tc.new, 1)
			_, err := DecodePriceBook(strings.NewReader(in), "bad.json")
			if err == nil {
				t.Fatal("no error")
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %v is not a *ValidationError", err)
			}
			if ve.File != "bad.json" || ve.Path != tc.path || !strings.Contains(ve.Err.Error(), tc.wantErr) {
				t.Errorf("first error = %q (path %q), want path %q and %q", ve, ve.Path, tc.path, tc.wantErr)
			}
			if want := "pricebook: bad.json: "; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q does not start with %q", err, want)
			}
		})
	}
}

func TestParseTerm(t *testing.T) {
	for in, want := range map[string]Term{"1yr": Term1Year, "1 yr": Term1Year, "3 year": Term3Year, "31536000": Term1Year, "94608000": Term3Year, "P3Y": Term3Year} {
		if got, err := ParseTerm(in); err != nil || got != want {
			t.Errorf("ParseTerm(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "2yr", "1", "yr"} {
		if _, err := ParseTerm(in); err == nil {
			t.Errorf("ParseTerm(%q): no error", in)
		}
	}
	if Term3Year.Hours() != 26280 || Term1Year.Hours() != 8760 || Term("x").Hours() != 0 {
		t.Error("Term.Hours wrong")
	}
}

func FuzzDecodePriceBook(f *testing.F) {
	f.Add([]byte(validBook))
	f.Add([]byte(`{"schema":"tranche.pricebook/v1"}`))
	f.Add([]byte(`{"offerings":[{"covers":[{"pool":{}}]}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pb, err := DecodePriceBook(bytes.NewReader(data), "fuzz")
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %v is not a *ValidationError", err)
			}
			return
		}
		// Whatever loads must encode and load again to the same bytes.
		var a bytes.Buffer
		if err := pb.Encode(&a); err != nil {
			t.Fatalf("a book that loaded does not encode: %v", err)
		}
		pb2, err := DecodePriceBook(bytes.NewReader(a.Bytes()), "fuzz-again")
		if err != nil {
			t.Fatalf("the encoded book does not load: %v\n%s", err, a.String())
		}
		var b bytes.Buffer
		if err := pb2.Encode(&b); err != nil || a.String() != b.String() {
			t.Fatalf("round trip differs (%v)", err)
		}
	})
}
