package providers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
)

// PriceBookSchema is the schema identifier every price book file carries in
// its "schema" field. A change that an older reader would misread gets a new
// version; docs/pricebook.md describes v1.
const PriceBookSchema = "tranche.pricebook/v1"

// Term is the length of a commitment.
type Term string

// Terms.
const (
	Term1Year Term = "1yr"
	Term3Year Term = "3yr"
)

// ParseTerm accepts Tranche's names and the providers' spellings: "1yr",
// "1 yr", "1 year", "P1Y", "3yr", …, and the durations in seconds that the
// AWS APIs return (31536000, 94608000).
func ParseTerm(s string) (Term, error) {
	n := strings.ToLower(strings.NewReplacer(" ", "", "-", "", "_", "").Replace(strings.TrimSpace(s)))
	switch n {
	case "1yr", "1year", "1y", "p1y", "31536000", "oneyear":
		return Term1Year, nil
	case "3yr", "3year", "3years", "3y", "p3y", "94608000", "threeyears", "threeyear":
		return Term3Year, nil
	}
	return "", fmt.Errorf("providers: unknown term %q (want 1yr or 3yr)", s)
}

// Hours is the length of the term in hours: 8760 for one year, 26280 for
// three (AWS counts a year as 365 days). It is 0 for an unknown term.
func (t Term) Hours() float64 {
	switch t {
	case Term1Year:
		return 8760
	case Term3Year:
		return 3 * 8760
	}
	return 0
}

// PriceBook is Tranche's normalised price list: on-demand rates per pool and
// the commitment offerings that can be bought, all in one currency. It is
// written as JSON (see docs/pricebook.md) and checked by Validate on load.
type PriceBook struct {
	// Schema is always PriceBookSchema.
	Schema string `json:"schema"`
	// Currency is the ISO 4217 code every amount in the book is in.
	Currency string `json:"currency"`
	// Source says where the prices come from.
	Source PriceSource `json:"source"`
	// OnDemand lists the on-demand rates, sorted by pool then instance type.
	OnDemand []OnDemandRate `json:"on_demand"`
	// Offerings lists the commitment offerings, sorted by ID.
	Offerings []Offering `json:"offerings"`
	// Notes records what the builder left out and why (skipped lines of a
	// price file, rates outside the scope of the book). A reviewer reads
	// them; nothing is dropped without one.
	Notes []string `json:"notes,omitempty"`
}

// PriceSource says where a price book's prices come from.
type PriceSource struct {
	// Name is the origin, e.g. "aws-price-list-api", "aws-bulk-price-files".
	Name string `json:"name"`
	// Reference locates the prices: a directory, a URL, an API and filter.
	Reference string `json:"reference,omitempty"`
	// PublishedAt is the provider's publication date of the prices, when it
	// states one.
	PublishedAt time.Time `json:"published_at,omitzero"`
	// FetchedAt is when Tranche read the prices.
	FetchedAt time.Time `json:"fetched_at,omitzero"`
}

// OnDemandRate is the on-demand price of one instance type (or one unit of
// usage) in a pool.
type OnDemandRate struct {
	Pool PoolKey `json:"pool"`
	// InstanceType is the size priced (e.g. "m5.large"); empty when the
	// pool is priced per unit directly.
	InstanceType string `json:"instance_type,omitempty"`
	// SizeFactor is how many units of Pool.Unit one instance-hour of
	// InstanceType is: its normalized units for an AWS size-flexible pool
	// (4 for a large), 1 otherwise.
	SizeFactor float64 `json:"size_factor"`
	// HourlyRate is the on-demand price of one instance-hour (or one unit
	// hour when InstanceType is empty), in the book's currency.
	HourlyRate float64 `json:"hourly_rate"`
	// SKU is the provider's identifier of the priced product.
	SKU string `json:"sku,omitempty"`
	// EffectiveDate is when the provider made the rate effective.
	EffectiveDate time.Time `json:"effective_date,omitzero"`
}

// UnitRate is the on-demand price of one unit-hour of the pool's unit:
// HourlyRate / SizeFactor.
func (r OnDemandRate) UnitRate() float64 { return r.HourlyRate / r.SizeFactor }

// Offering is a commitment that can be bought (DESIGN.md, "Offering").
//
// One purchased unit of a resource offering (a reserved instance, a
// resource CUD) is one instance (or one unit) for the term; it covers
// Covers[i].SizeFactor units of Covers[i].Pool each hour. One purchased unit
// of a spend offering (a savings plan, a flexible CUD) is one unit of
// currency per hour for the term; it is consumed at Covers[i].Rate per
// instance-hour of usage it covers.
type Offering struct {
	// ID is the provider's identifier of the offering (for the AWS Price
	// List, SKU.OfferTermCode; for a savings plan, its offering ID).
	ID            string        `json:"id"`
	Provider      Provider      `json:"provider"`
	Kind          Kind          `json:"kind"`
	Term          Term          `json:"term"`
	PaymentOption PaymentOption `json:"payment_option"`
	// InstanceType is the size bought, for resource offerings sold per
	// instance (e.g. "m5.large").
	InstanceType string `json:"instance_type,omitempty"`
	// UpfrontFee is paid once per purchased unit at the start of the term.
	UpfrontFee float64 `json:"upfront_fee"`
	// RecurringHourlyFee is paid every hour of the term per purchased unit.
	RecurringHourlyFee float64 `json:"recurring_hourly_fee"`
	// EffectiveHourlyRate is UpfrontFee / Term.Hours() + RecurringHourlyFee:
	// the cost of one purchased unit per hour, amortized, without a cost of
	// capital. Validate checks it. For spend offerings it is 1.
	EffectiveHourlyRate float64 `json:"effective_hourly_rate"`
	// Covers lists the pools the offering can cover.
	Covers []Coverage `json:"covers"`
	// PurchaseIncrement is the smallest quantity that can be bought and the
	// step between quantities: 1 (instance) for reserved instances, 0.001
	// (currency per hour) for AWS savings plans.
	PurchaseIncrement float64 `json:"purchase_increment"`
	// Currency is the ISO 4217 code of the fees; it equals the book's.
	Currency string `json:"currency"`
	// EffectiveDate is when the provider made the price effective.
	EffectiveDate time.Time `json:"effective_date,omitzero"`
	// Description is the provider's own description, kept for reviewers.
	Description string `json:"description,omitempty"`
}

// Coverage is one pool an offering can cover, and how.
type Coverage struct {
	Pool PoolKey `json:"pool"`
	// InstanceType is the size the rate applies to, for spend offerings
	// priced per instance type; empty for resource offerings and for
	// per-unit rates.
	InstanceType string `json:"instance_type,omitempty"`
	// SizeFactor is, for a resource offering, how many units of Pool.Unit
	// one purchased unit covers per hour (8 normalized units for an m5.2xlarge
	// regional Linux reserved instance; 1 for an instance-hour pool). For a
	// spend offering it is the units of Pool.Unit in one instance-hour of
	// InstanceType (1 when priced per unit).
	SizeFactor float64 `json:"size_factor"`
	// Rate is, for a spend offering only, the commitment consumed by one
	// instance-hour of InstanceType (or one unit-hour), in the book's
	// currency. It is 0 for resource offerings.
	Rate float64 `json:"rate,omitempty"`
}

// UnitRate is, for a spend offering, the commitment consumed per unit-hour
// of the pool: Rate / SizeFactor.
func (c Coverage) UnitRate() float64 { return c.Rate / c.SizeFactor }

// ValidationError is a price book that does not satisfy the schema: which
// file, which field (a JSON path such as "offerings[3].term"), and why.
type ValidationError struct {
	File string
	Path string
	Err  error
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("pricebook: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ValidationError) Unwrap() error { return e.Err }

// maxValidationErrors bounds how many problems one load reports.
const maxValidationErrors = 20

// LoadPriceBook reads and validates the price book file at path.
func LoadPriceBook(path string) (*PriceBook, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pricebook: %w", err)
	}
	defer f.Close()
	return DecodePriceBook(f, path)
}

// DecodePriceBook reads a price book from r and validates it. name is the
// file name used in errors. Unknown fields, wrong JSON types, trailing data
// and every failure of Validate are errors; each names the field by its
// JSON path.
func DecodePriceBook(r io.Reader, name string) (*PriceBook, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &ValidationError{File: name, Err: err}
	}
	var raw any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, &ValidationError{File: name, Err: fmt.Errorf("not valid JSON: %w", err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &ValidationError{File: name, Err: errors.New("trailing data after the price book object")}
	}
	var errs []error
	checkShape(raw, priceBookShape, "", func(path string, err error) {
		if len(errs) < maxValidationErrors {
			errs = append(errs, &ValidationError{File: name, Path: path, Err: err})
		}
	})
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var pb PriceBook
	if err := json.Unmarshal(data, &pb); err != nil {
		// checkShape accepts only what decodes; this is a bug if reached.
		return nil, &ValidationError{File: name, Err: err}
	}
	if err := pb.validate(name); err != nil {
		return nil, err
	}
	return &pb, nil
}

// Validate checks the price book against the v1 schema's rules (see
// docs/pricebook.md). The error joins one *ValidationError per problem
// found, at most 20.
func (pb *PriceBook) Validate() error { return pb.validate("") }

// Encode sorts the book's entries and writes it as indented JSON followed by
// a newline. It refuses to write a book that does not validate.
func (pb *PriceBook) Encode(w io.Writer) error {
	pb.Sort()
	if err := pb.Validate(); err != nil {
		return err
	}
	b, err := json.MarshalIndent(pb, "", "  ")
	if err != nil {
		return fmt.Errorf("pricebook: encode: %w", err)
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// Sort puts the entries in their canonical order (on-demand rates by pool
// then instance type; offerings by ID; coverages by pool then instance
// type) so that the same prices always give the same file.
func (pb *PriceBook) Sort() {
	slices.SortStableFunc(pb.OnDemand, func(a, b OnDemandRate) int {
		if c := strings.Compare(a.Pool.String(), b.Pool.String()); c != 0 {
			return c
		}
		return strings.Compare(a.InstanceType, b.InstanceType)
	})
	for i := range pb.Offerings {
		slices.SortStableFunc(pb.Offerings[i].Covers, func(a, b Coverage) int {
			if c := strings.Compare(a.Pool.String(), b.Pool.String()); c != 0 {
				return c
			}
			return strings.Compare(a.InstanceType, b.InstanceType)
		})
	}
	slices.SortStableFunc(pb.Offerings, func(a, b Offering) int { return strings.Compare(a.ID, b.ID) })
}

// OnDemandFor returns the on-demand rates of a pool.
func (pb *PriceBook) OnDemandFor(pool PoolKey) []OnDemandRate {
	var out []OnDemandRate
	for _, r := range pb.OnDemand {
		if r.Pool == pool {
			out = append(out, r)
		}
	}
	return out
}

var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)

var units = []Unit{UnitNormalizedHour, UnitInstanceHour, UnitVCPUHour, UnitGiBHour, UnitSeatMonth}

// kindProvider is the provider that sells each kind.
var kindProvider = map[Kind]Provider{
	KindRIStandard: AWS, KindRIConvertible: AWS, KindComputeSP: AWS, KindEC2InstanceSP: AWS,
	KindGCPResourceCUD: GCP, KindGCPFlexibleCUD: GCP,
	KindAzureReservation: Azure, KindAzureSavingsPlan: Azure,
}

func (pb *PriceBook) validate(file string) error {
	var errs []error
	bad := func(path, format string, args ...any) {
		if len(errs) < maxValidationErrors {
			errs = append(errs, &ValidationError{File: file, Path: path, Err: fmt.Errorf(format, args...)})
		}
	}
	if pb.Schema != PriceBookSchema {
		bad("schema", "is %q, want %q", pb.Schema, PriceBookSchema)
	}
	if !currencyRE.MatchString(pb.Currency) {
		bad("currency", "%q is not an ISO 4217 currency code", pb.Currency)
	}
	if strings.TrimSpace(pb.Source.Name) == "" {
		bad("source.name", "is empty")
	}
	type odKey struct {
		pool string
		it   string
	}
	seenOD := make(map[odKey]int, len(pb.OnDemand))
	pools := make(map[PoolKey]bool, len(pb.OnDemand))
	for i, r := range pb.OnDemand {
		p := fmt.Sprintf("on_demand[%d]", i)
		validatePool(r.Pool, p+".pool", bad)
		if !positive(r.SizeFactor) {
			bad(p+".size_factor", "must be a positive number, is %v", r.SizeFactor)
		}
		if !nonNegative(r.HourlyRate) {
			bad(p+".hourly_rate", "must be a non-negative number, is %v", r.HourlyRate)
		}
		if r.Pool.Unit == UnitInstanceHour && r.SizeFactor != 1 {
			bad(p+".size_factor", "is %v, but an instance-hour pool has size factor 1", r.SizeFactor)
		}
		k := odKey{r.Pool.String(), r.InstanceType}
		if j, dup := seenOD[k]; dup {
			bad(p, "duplicate of on_demand[%d] (pool %s, instance type %q)", j, k.pool, r.InstanceType)
		} else {
			seenOD[k] = i
		}
		pools[r.Pool] = true
	}
	seenID := make(map[string]int, len(pb.Offerings))
	for i, o := range pb.Offerings {
		p := fmt.Sprintf("offerings[%d]", i)
		if strings.TrimSpace(o.ID) == "" {
			bad(p+".id", "is empty")
		} else if j, dup := seenID[o.ID]; dup {
			bad(p+".id", "%q is also the id of offerings[%d]", o.ID, j)
		} else {
			seenID[o.ID] = i
		}
		if _, err := ParseProvider(string(o.Provider)); err != nil || Provider(strings.ToLower(string(o.Provider))) != o.Provider {
			bad(p+".provider", "unknown provider %q (want aws, gcp or azure)", o.Provider)
		}
		want, kindOK := kindProvider[o.Kind]
		switch {
		case !kindOK:
			bad(p+".kind", "unknown commitment kind %q", o.Kind)
		case want != o.Provider:
			bad(p+".kind", "%s is sold by %s, not by %q", o.Kind, want, o.Provider)
		}
		if o.Term.Hours() == 0 {
			bad(p+".term", "unknown term %q (want 1yr or 3yr)", o.Term)
		}
		switch o.PaymentOption {
		case NoUpfront, PartialUpfront, AllUpfront:
		default:
			bad(p+".payment_option", "unknown payment option %q (want no-upfront, partial-upfront or all-upfront)", o.PaymentOption)
		}
		feesOK := true
		if !nonNegative(o.UpfrontFee) {
			bad(p+".upfront_fee", "must be a non-negative number, is %v", o.UpfrontFee)
			feesOK = false
		}
		if !nonNegative(o.RecurringHourlyFee) {
			bad(p+".recurring_hourly_fee", "must be a non-negative number, is %v", o.RecurringHourlyFee)
			feesOK = false
		}
		switch {
		case o.PaymentOption == NoUpfront && o.UpfrontFee != 0:
			bad(p+".upfront_fee", "is %v, but a no-upfront offering has none", o.UpfrontFee)
		case o.PaymentOption == AllUpfront && o.RecurringHourlyFee != 0:
			bad(p+".recurring_hourly_fee", "is %v, but an all-upfront offering has none", o.RecurringHourlyFee)
		case o.PaymentOption == PartialUpfront && (o.UpfrontFee == 0 || o.RecurringHourlyFee == 0):
			bad(p, "a partial-upfront offering has both an upfront fee and a recurring hourly fee (have %v and %v)", o.UpfrontFee, o.RecurringHourlyFee)
		}
		if h := o.Term.Hours(); h > 0 && feesOK {
			eff := o.UpfrontFee/h + o.RecurringHourlyFee
			if !nearlyEqual(eff, o.EffectiveHourlyRate) {
				bad(p+".effective_hourly_rate", "is %v, but upfront_fee / %v h + recurring_hourly_fee = %v", o.EffectiveHourlyRate, h, eff)
			}
		}
		spend := o.Kind.Spend()
		if kindOK && spend && !nearlyEqual(o.EffectiveHourlyRate, 1) {
			bad(p+".effective_hourly_rate", "is %v, but a spend offering is sold per 1 %s/hour of commitment, so it must be 1", o.EffectiveHourlyRate, pb.Currency)
		}
		if !positive(o.PurchaseIncrement) {
			bad(p+".purchase_increment", "must be a positive number, is %v", o.PurchaseIncrement)
		}
		if o.Currency != pb.Currency {
			bad(p+".currency", "is %q, but the book is in %q (a price book holds one currency)", o.Currency, pb.Currency)
		}
		if len(o.Covers) == 0 {
			bad(p+".covers", "is empty: an offering covers at least one pool")
		}
		seenCov := map[odKey]int{}
		for j, c := range o.Covers {
			cp := fmt.Sprintf("%s.covers[%d]", p, j)
			validatePool(c.Pool, cp+".pool", bad)
			if c.Pool.Provider != o.Provider {
				bad(cp+".pool.provider", "is %q, but the offering is sold by %q", c.Pool.Provider, o.Provider)
			}
			if !positive(c.SizeFactor) {
				bad(cp+".size_factor", "must be a positive number, is %v", c.SizeFactor)
			}
			if kindOK && spend && !positive(c.Rate) {
				bad(cp+".rate", "must be a positive number for a spend offering, is %v", c.Rate)
			}
			if kindOK && !spend && c.Rate != 0 {
				bad(cp+".rate", "is %v, but a resource offering covers size_factor units and has no per-pool rate", c.Rate)
			}
			if !pools[c.Pool] {
				bad(cp+".pool", "no on-demand rate for pool %s in on_demand", c.Pool)
			}
			k := odKey{c.Pool.String(), c.InstanceType}
			if d, dup := seenCov[k]; dup {
				bad(cp, "duplicate of covers[%d]", d)
			} else {
				seenCov[k] = j
			}
		}
	}
	return errors.Join(errs...)
}

func validatePool(k PoolKey, path string, bad func(path, format string, args ...any)) {
	switch k.Provider {
	case AWS, GCP, Azure:
	default:
		bad(path+".provider", "unknown provider %q (want aws, gcp or azure)", k.Provider)
	}
	if strings.TrimSpace(k.Region) == "" {
		bad(path+".region", "is empty")
	}
	if strings.TrimSpace(k.Service) == "" {
		bad(path+".service", "is empty")
	}
	if strings.TrimSpace(k.Family) == "" {
		bad(path+".family", "is empty")
	}
	if !slices.Contains(units, k.Unit) {
		bad(path+".unit", "unknown unit %q", k.Unit)
	}
}

func positive(x float64) bool    { return x > 0 && !math.IsInf(x, 0) }
func nonNegative(x float64) bool { return x >= 0 && !math.IsInf(x, 0) }

// nearlyEqual compares amounts that were computed from the same fees in a
// different order: equal to 1e-9 relative, or 1e-12 absolute near zero.
func nearlyEqual(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b)) || math.Abs(a-b) <= 1e-12
}
