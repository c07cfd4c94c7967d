package aws

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tranchehq/tranche/providers"
)

// A Price List product (one element of GetProducts' PriceList, or one
// product with its terms in a bulk offer file), as AWS publishes it.
type priceListItem struct {
	Product struct {
		ProductFamily string            `json:"productFamily"`
		Attributes    map[string]string `json:"attributes"`
		SKU           string            `json:"sku"`
	} `json:"product"`
	ServiceCode string `json:"serviceCode"`
	Terms       struct {
		OnDemand map[string]priceTerm `json:"OnDemand"`
		Reserved map[string]priceTerm `json:"Reserved"`
	} `json:"terms"`
	Version         string `json:"version"`
	PublicationDate string `json:"publicationDate"`
}

type priceTerm struct {
	PriceDimensions map[string]priceDimension `json:"priceDimensions"`
	SKU             string                    `json:"sku"`
	EffectiveDate   string                    `json:"effectiveDate"`
	OfferTermCode   string                    `json:"offerTermCode"`
	TermAttributes  map[string]string         `json:"termAttributes"`
}

type priceDimension struct {
	Unit         string            `json:"unit"`
	EndRange     string            `json:"endRange"`
	Description  string            `json:"description"`
	RateCode     string            `json:"rateCode"`
	BeginRange   string            `json:"beginRange"`
	PricePerUnit map[string]string `json:"pricePerUnit"`
}

// ec2Product is what the adapter needs of an EC2 product, from either
// price file layout.
type ec2Product struct {
	SKU            string
	ProductFamily  string
	Region         string // region code
	Location       string
	LocationType   string
	InstanceType   string
	OS             string
	PreInstalledSW string
	LicenseModel   string
	Tenancy        string
	CapacityStatus string
	NU             float64 // normalizationSizeFactor, 0 when absent
}

// outOfScope marks a product or rate the price book does not hold (storage,
// Dedicated Hosts, Outposts, capacity reservations, …): counted and named in
// the notes, but not a defect of the file.
type outOfScope struct{ reason string }

func (e outOfScope) Error() string { return e.reason }

func isOutOfScope(err error) (string, bool) {
	var o outOfScope
	if errors.As(err, &o) {
		return o.reason, true
	}
	return "", false
}

// pool checks that the product is an EC2 instance the book prices and
// returns its pool and size factor.
func (p ec2Product) pool(wantRegion string) (providers.PoolKey, float64, error) {
	if p.ProductFamily != "Compute Instance" {
		return providers.PoolKey{}, 0, outOfScope{fmt.Sprintf("product family %q", p.ProductFamily)}
	}
	if p.LocationType != "AWS Region" {
		if p.LocationType == "" {
			return providers.PoolKey{}, 0, errors.New("location type is empty")
		}
		return providers.PoolKey{}, 0, outOfScope{fmt.Sprintf("location type %q", p.LocationType)}
	}
	region := p.Region
	if region == "" {
		c, ok := RegionCode(p.Location)
		if !ok {
			return providers.PoolKey{}, 0, fmt.Errorf("unknown location %q", p.Location)
		}
		region = c
	}
	if wantRegion != "" && region != wantRegion {
		return providers.PoolKey{}, 0, fmt.Errorf("location %q (%s) is not the file's region %s", p.Location, region, wantRegion)
	}
	switch p.CapacityStatus {
	case "Used", "":
	case "UnusedCapacityReservation", "AllocatedCapacityReservation", "AllocatedHost", "AllocatedCapacityBlock":
		return providers.PoolKey{}, 0, outOfScope{fmt.Sprintf("capacity status %q", p.CapacityStatus)}
	default:
		return providers.PoolKey{}, 0, fmt.Errorf("unknown capacity status %q", p.CapacityStatus)
	}
	switch p.Tenancy {
	case "Host":
		return providers.PoolKey{}, 0, outOfScope{"tenancy \"Host\" (instances on a Dedicated Host)"}
	case "Shared", "Dedicated":
	default:
		return providers.PoolKey{}, 0, fmt.Errorf("unknown tenancy %q", p.Tenancy)
	}
	platform, err := PlatformFromPriceList(p.OS, p.PreInstalledSW, p.LicenseModel)
	if err != nil {
		return providers.PoolKey{}, 0, err
	}
	return EC2Pool(region, p.InstanceType, platform, p.Tenancy, false, p.NU)
}

func ec2ProductFromAttributes(sku, family string, a map[string]string) (ec2Product, error) {
	p := ec2Product{
		SKU: sku, ProductFamily: family,
		Region: a["regionCode"], Location: a["location"], LocationType: a["locationType"],
		InstanceType: a["instanceType"], OS: a["operatingSystem"], PreInstalledSW: a["preInstalledSw"],
		LicenseModel: a["licenseModel"], Tenancy: a["tenancy"], CapacityStatus: a["capacitystatus"],
	}
	if s := a["normalizationSizeFactor"]; s != "" && s != "NA" {
		f, err := parsePrice(s)
		if err != nil || f <= 0 {
			return p, fmt.Errorf("normalizationSizeFactor %q is not a positive number", s)
		}
		p.NU = f
	}
	return p, nil
}

// itemPrices is what one price list product contributes to a price book.
type itemPrices struct {
	OnDemand  []providers.OnDemandRate
	Offerings []providers.Offering
	Published time.Time
}

// parsePriceListItem turns one GetProducts document into on-demand rates
// and reserved instance offerings, in currency. wantRegion, when set, is
// checked against the product's. An out-of-scope product gives an
// outOfScope error.
func parsePriceListItem(doc []byte, currency, wantRegion string) (itemPrices, error) {
	var it priceListItem
	if err := json.Unmarshal(doc, &it); err != nil {
		return itemPrices{}, fmt.Errorf("price list item is not valid JSON: %w", err)
	}
	var out itemPrices
	if it.PublicationDate != "" {
		t, err := time.Parse(time.RFC3339, it.PublicationDate)
		if err != nil {
			return itemPrices{}, fmt.Errorf("publicationDate %q is not an RFC 3339 time", it.PublicationDate)
		}
		out.Published = t
	}
	sku := it.Product.SKU
	if sku == "" {
		return itemPrices{}, errors.New("product has no sku")
	}
	if it.ServiceCode != "" && it.ServiceCode != ServiceEC2 {
		return itemPrices{}, outOfScope{fmt.Sprintf("service %q", it.ServiceCode)}
	}
	p, err := ec2ProductFromAttributes(sku, it.Product.ProductFamily, it.Product.Attributes)
	if err != nil {
		return itemPrices{}, fmt.Errorf("product %s: %w", sku, err)
	}
	pool, factor, err := p.pool(wantRegion)
	if err != nil {
		if _, ok := isOutOfScope(err); ok {
			return itemPrices{}, err
		}
		return itemPrices{}, fmt.Errorf("product %s: %w", sku, err)
	}
	if len(it.Terms.OnDemand) != 1 {
		return itemPrices{}, fmt.Errorf("product %s: %d on-demand terms, want 1", sku, len(it.Terms.OnDemand))
	}
	for code, term := range it.Terms.OnDemand {
		if len(term.PriceDimensions) != 1 {
			return itemPrices{}, fmt.Errorf("product %s: on-demand term %s has %d price dimensions, want 1", sku, code, len(term.PriceDimensions))
		}
		for _, d := range term.PriceDimensions {
			rate, err := dimensionPrice(d, currency, "Hrs")
			if err != nil {
				return itemPrices{}, fmt.Errorf("product %s: on-demand term %s: %w", sku, code, err)
			}
			eff, err := parseDate(term.EffectiveDate)
			if err != nil {
				return itemPrices{}, fmt.Errorf("product %s: on-demand term %s: %w", sku, code, err)
			}
			out.OnDemand = append(out.OnDemand, providers.OnDemandRate{
				Pool: pool, InstanceType: p.InstanceType, SizeFactor: factor, HourlyRate: rate, SKU: sku, EffectiveDate: eff,
			})
		}
	}
	codes := make([]string, 0, len(it.Terms.Reserved))
	for code := range it.Terms.Reserved {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		term := it.Terms.Reserved[code]
		rt := reservedTerm{
			SKU: sku, OfferTermCode: term.OfferTermCode, Lease: term.TermAttributes["LeaseContractLength"],
			Class: term.TermAttributes["OfferingClass"], Purchase: term.TermAttributes["PurchaseOption"],
			EffectiveDate: term.EffectiveDate,
		}
		if rt.OfferTermCode == "" {
			rt.OfferTermCode = strings.TrimPrefix(code, sku+".")
		}
		for _, d := range term.PriceDimensions {
			price, err := dimensionPrice(d, currency, "")
			if err != nil {
				return itemPrices{}, fmt.Errorf("product %s: reserved term %s: %w", sku, code, err)
			}
			if err := rt.add(d.Unit, price, d.Description); err != nil {
				return itemPrices{}, fmt.Errorf("product %s: reserved term %s: %w", sku, code, err)
			}
		}
		o, err := rt.offering(pool, p.InstanceType, factor, currency)
		if err != nil {
			return itemPrices{}, fmt.Errorf("product %s: reserved term %s: %w", sku, code, err)
		}
		out.Offerings = append(out.Offerings, o)
	}
	return out, nil
}

// reservedTerm collects the price rows of one reserved instance offer: the
// upfront fee ("Quantity") and the hourly fee ("Hrs").
type reservedTerm struct {
	SKU, OfferTermCode, Lease, Class, Purchase, EffectiveDate string
	Upfront, Hourly                                           float64
	HaveUpfront, HaveHourly                                   bool
	Description                                               string
}

func (r *reservedTerm) add(unit string, price float64, description string) error {
	switch unit {
	case "Quantity":
		if r.HaveUpfront {
			return errors.New("two upfront fee rows")
		}
		r.Upfront, r.HaveUpfront = price, true
	case "Hrs":
		if r.HaveHourly {
			return errors.New("two hourly rows")
		}
		r.Hourly, r.HaveHourly = price, true
		r.Description = description
	default:
		return fmt.Errorf("unknown price unit %q (want Hrs or Quantity)", unit)
	}
	return nil
}

func (r *reservedTerm) offering(pool providers.PoolKey, instanceType string, factor float64, currency string) (providers.Offering, error) {
	term, err := providers.ParseTerm(r.Lease)
	if err != nil {
		return providers.Offering{}, fmt.Errorf("LeaseContractLength: %w", err)
	}
	pay, err := providers.ParsePaymentOption(r.Purchase)
	if err != nil {
		return providers.Offering{}, fmt.Errorf("PurchaseOption: %w", err)
	}
	var kind providers.Kind
	switch strings.ToLower(r.Class) {
	case "standard":
		kind = providers.KindRIStandard
	case "convertible":
		kind = providers.KindRIConvertible
	default:
		return providers.Offering{}, fmt.Errorf("unknown OfferingClass %q", r.Class)
	}
	if !r.HaveHourly {
		return providers.Offering{}, errors.New("no hourly (Hrs) price row")
	}
	if pay != providers.NoUpfront && !r.HaveUpfront {
		return providers.Offering{}, fmt.Errorf("%s but no upfront fee (Quantity) row", pay)
	}
	eff, err := parseDate(r.EffectiveDate)
	if err != nil {
		return providers.Offering{}, err
	}
	o := providers.Offering{
		ID: r.SKU + "." + r.OfferTermCode, Provider: providers.AWS, Kind: kind, Term: term, PaymentOption: pay,
		InstanceType: instanceType, UpfrontFee: r.Upfront, RecurringHourlyFee: r.Hourly,
		EffectiveHourlyRate: r.Upfront/term.Hours() + r.Hourly,
		Covers:              []providers.Coverage{{Pool: pool, SizeFactor: factor}},
		PurchaseIncrement:   1, Currency: currency, EffectiveDate: eff, Description: r.Description,
	}
	return o, checkOffering(o, pool)
}

// checkOffering applies the price book's rules to one offering, so that a
// bad offer is reported and skipped rather than failing the whole book.
func checkOffering(o providers.Offering, pools ...providers.PoolKey) error {
	pb := providers.PriceBook{Schema: providers.PriceBookSchema, Currency: o.Currency, Source: providers.PriceSource{Name: "check"}, Offerings: []providers.Offering{o}}
	for _, p := range pools {
		pb.OnDemand = append(pb.OnDemand, providers.OnDemandRate{Pool: p, SizeFactor: 1, InstanceType: "check:" + p.String()})
	}
	err := pb.Validate()
	if err == nil {
		return nil
	}
	var msgs []string
	for _, e := range unjoin(err) {
		var ve *providers.ValidationError
		if errors.As(e, &ve) {
			msgs = append(msgs, strings.TrimPrefix(strings.TrimPrefix(ve.Path, "offerings[0]"), ".")+": "+ve.Err.Error())
		} else {
			msgs = append(msgs, e.Error())
		}
	}
	return errors.New(strings.Join(msgs, "; "))
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// dimensionPrice reads the price of a dimension in currency, checking the
// unit when want is set and the price against a "$X per …" description.
func dimensionPrice(d priceDimension, currency, want string) (float64, error) {
	if want != "" && d.Unit != want {
		return 0, fmt.Errorf("price unit %q, want %q", d.Unit, want)
	}
	s, ok := d.PricePerUnit[currency]
	if !ok {
		have := make([]string, 0, len(d.PricePerUnit))
		for c := range d.PricePerUnit {
			have = append(have, c)
		}
		sort.Strings(have)
		return 0, fmt.Errorf("no price in %s (have %v)", currency, have)
	}
	price, err := parsePrice(s)
	if err != nil {
		return 0, err
	}
	if err := checkDescription(d.Description, price); err != nil {
		return 0, err
	}
	return price, nil
}

var descPriceRE = regexp.MustCompile(`^\$([0-9]+(?:\.[0-9]+)?) `)

// checkDescription compares a price with the one its description states
// ("$0.096 per On Demand Linux m5.large Instance Hour"), when it states one.
func checkDescription(desc string, price float64) error {
	m := descPriceRE.FindStringSubmatch(desc)
	if m == nil {
		return nil
	}
	d, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return nil
	}
	if math.Abs(d-price) > 1e-9*math.Max(1, price) {
		return fmt.Errorf("price %v disagrees with its description %q", price, desc)
	}
	return nil
}

func parsePrice(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return 0, fmt.Errorf("price %q is not a non-negative number", s)
	}
	return f, nil
}

// parseDate reads the dates of the price files: RFC 3339 in the JSON
// layouts, "2021-02-01" or "01/05/2017" (day first) in the CSV layout.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02", "02/01/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("effective date %q is not a date", s)
}
