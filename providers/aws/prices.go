package aws

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	pricingtypes "github.com/aws/aws-sdk-go-v2/service/pricing/types"
	"github.com/aws/aws-sdk-go-v2/service/savingsplans"
	sptypes "github.com/aws/aws-sdk-go-v2/service/savingsplans/types"

	"github.com/tranchehq/tranche/providers"
)

// Skip is one price item or line left out of a price book because it is
// malformed: where it is and why.
type Skip struct {
	File   string `json:"file,omitempty"` // price file, or the API call
	Line   int    `json:"line,omitempty"` // 1-based line in File, 0 for API items
	Item   string `json:"item,omitempty"` // SKU, offer or rate identifier
	Reason string `json:"reason"`
}

func (s Skip) String() string {
	var b strings.Builder
	b.WriteString(s.File)
	if s.Line > 0 {
		fmt.Fprintf(&b, ":%d", s.Line)
	}
	if s.Item != "" {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString(s.Item)
	}
	b.WriteString(": ")
	b.WriteString(s.Reason)
	return b.String()
}

// Report says what a price book builder read, left out and why. Its
// Notes go into the price book.
type Report struct {
	// Skipped lists the malformed items and lines, each by name.
	Skipped []Skip `json:"skipped"`
	// OutOfScope counts the well-formed items the book does not hold
	// (storage, Dedicated Hosts, …), by reason.
	OutOfScope map[string]int `json:"out_of_scope"`
	// Read counts the items or lines read.
	Read int `json:"read"`
	// Remarks are other facts a reviewer must see (a fallback taken).
	Remarks []string `json:"remarks,omitempty"`
}

func (r *Report) skip(s Skip) { r.Skipped = append(r.Skipped, s) }

func (r *Report) outOfScope(reason string) {
	if r.OutOfScope == nil {
		r.OutOfScope = map[string]int{}
	}
	r.OutOfScope[reason]++
}

// Notes renders the report as price book notes: a summary line, one line
// per skipped item, one per out-of-scope reason.
func (r *Report) Notes() []string {
	notes := []string{fmt.Sprintf("read %d items; skipped %d malformed; left out %d out of scope", r.Read, len(r.Skipped), r.outOfScopeTotal())}
	notes = append(notes, r.Remarks...)
	for _, s := range r.Skipped {
		notes = append(notes, "skipped "+s.String())
	}
	reasons := make([]string, 0, len(r.OutOfScope))
	for k := range r.OutOfScope {
		reasons = append(reasons, k)
	}
	sort.Strings(reasons)
	for _, k := range reasons {
		notes = append(notes, fmt.Sprintf("out of scope: %d × %s", r.OutOfScope[k], k))
	}
	return notes
}

func (r *Report) outOfScopeTotal() int {
	n := 0
	for _, v := range r.OutOfScope {
		n += v
	}
	return n
}

// PriceQuery chooses the prices FetchPrices reads.
type PriceQuery struct {
	// Region is the region code, e.g. "us-east-1". Required.
	Region string
	// Service is the Price List service code. Only "AmazonEC2" is supported.
	Service string
	// InstanceTypes, when set, limits the products to these types.
	InstanceTypes []string
	// SavingsPlans adds the Compute and EC2 Instance Savings Plans offerings
	// for the region (DescribeSavingsPlansOfferingRates).
	SavingsPlans bool
	// Now is the fetch time recorded in the book; zero means time.Now().
	Now time.Time
}

// FetchPrices builds a price book from the Price List API (on-demand rates
// and reserved instance offerings) and, when asked, the Savings Plans
// offering rates. Malformed items are skipped and named in the report and
// in the book's notes.
func (c *Client) FetchPrices(ctx context.Context, q PriceQuery) (*providers.PriceBook, *Report, error) {
	if q.Region == "" {
		return nil, nil, errors.New("aws: fetch prices: no region")
	}
	if q.Service == "" {
		q.Service = ServiceEC2
	}
	if q.Service != ServiceEC2 {
		return nil, nil, fmt.Errorf("aws: fetch prices: service %q is not supported (only %s)", q.Service, ServiceEC2)
	}
	now := q.Now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	const currency = "USD"
	pb := &providers.PriceBook{
		Schema: providers.PriceBookSchema, Currency: currency,
		Source: providers.PriceSource{
			Name:      "aws-price-list-api",
			Reference: fmt.Sprintf("pricing GetProducts ServiceCode=%s regionCode=%s", q.Service, q.Region),
			FetchedAt: now,
		},
	}
	rep := &Report{}
	filters := []pricingtypes.Filter{
		{Type: pricingtypes.FilterTypeTermMatch, Field: aws.String("regionCode"), Value: aws.String(q.Region)},
		{Type: pricingtypes.FilterTypeTermMatch, Field: aws.String("productFamily"), Value: aws.String("Compute Instance")},
		{Type: pricingtypes.FilterTypeTermMatch, Field: aws.String("capacitystatus"), Value: aws.String("Used")},
	}
	if len(q.InstanceTypes) > 0 {
		filters = append(filters, pricingtypes.Filter{Type: pricingtypes.FilterTypeAnyOf, Field: aws.String("instanceType"), Value: aws.String(strings.Join(q.InstanceTypes, ","))})
	}
	in := &pricing.GetProductsInput{ServiceCode: aws.String(q.Service), Filters: filters, FormatVersion: aws.String("aws_v1"), MaxResults: aws.Int32(100)}
	seen := map[string]bool{}
	odSeen := map[string]bool{}
	offerSeen := map[string]bool{}
	for page := 1; ; page++ {
		out, err := c.Pricing.GetProducts(ctx, in)
		if err != nil {
			return nil, nil, wrap("pricing", "GetProducts", err)
		}
		for i, doc := range out.PriceList {
			rep.Read++
			item := fmt.Sprintf("page %d item %d", page, i+1)
			got, err := parsePriceListItem([]byte(doc), currency, q.Region)
			if reason, ok := isOutOfScope(err); ok {
				rep.outOfScope(reason)
				continue
			}
			if err != nil {
				rep.skip(Skip{File: "pricing GetProducts", Item: item, Reason: err.Error()})
				continue
			}
			for _, r := range got.OnDemand {
				k := r.Pool.String() + " " + r.InstanceType
				if odSeen[k] {
					rep.skip(Skip{File: "pricing GetProducts", Item: item + " " + r.SKU, Reason: "second on-demand rate for " + k})
					continue
				}
				odSeen[k] = true
				pb.OnDemand = append(pb.OnDemand, r)
			}
			for _, o := range got.Offerings {
				if offerSeen[o.ID] {
					rep.skip(Skip{File: "pricing GetProducts", Item: item + " " + o.ID, Reason: "second offering with this id"})
					continue
				}
				offerSeen[o.ID] = true
				pb.Offerings = append(pb.Offerings, o)
			}
			if got.Published.After(pb.Source.PublishedAt) {
				pb.Source.PublishedAt = got.Published
			}
		}
		more, err := c.nextToken(seen, page, out.NextToken)
		if err != nil {
			return nil, nil, wrap("pricing", "GetProducts", err)
		}
		if !more {
			break
		}
		in.NextToken = out.NextToken
	}
	if q.SavingsPlans {
		if err := c.addSavingsPlansRates(ctx, pb, rep, q.Region, q.InstanceTypes); err != nil {
			return nil, nil, err
		}
	}
	pb.Notes = rep.Notes()
	pb.Sort()
	if err := pb.Validate(); err != nil {
		return nil, nil, fmt.Errorf("aws: fetch prices: the built price book is invalid: %w", err)
	}
	return pb, rep, nil
}

// addSavingsPlansRates adds the region's Compute and EC2 Instance Savings
// Plans offerings for EC2, each covering the pools of the book it has a
// rate for. One purchased unit is 1 USD/hour of commitment: all upfront
// pays the term's hours upfront, partial upfront half upfront and 0.5 an
// hour, no upfront 1 an hour.
func (c *Client) addSavingsPlansRates(ctx context.Context, pb *providers.PriceBook, rep *Report, region string, instanceTypes []string) error {
	// Pools of the book, by the rate properties that identify them.
	type rateKey struct{ instanceType, platform, tenancy string }
	pools := map[rateKey]providers.OnDemandRate{}
	for _, r := range pb.OnDemand {
		pools[rateKey{r.InstanceType, r.Pool.Platform, r.Pool.Tenancy}] = r
	}
	in := &savingsplans.DescribeSavingsPlansOfferingRatesInput{
		SavingsPlanTypes: []sptypes.SavingsPlanType{sptypes.SavingsPlanTypeCompute, sptypes.SavingsPlanTypeEc2Instance},
		Products:         []sptypes.SavingsPlanProductType{sptypes.SavingsPlanProductTypeEc2},
		ServiceCodes:     []sptypes.SavingsPlanRateServiceCode{sptypes.SavingsPlanRateServiceCodeEc2},
		Filters:          []sptypes.SavingsPlanOfferingRateFilterElement{{Name: sptypes.SavingsPlanRateFilterAttributeRegion, Values: []string{region}}},
		MaxResults:       1000,
	}
	if len(instanceTypes) > 0 {
		in.Filters = append(in.Filters, sptypes.SavingsPlanOfferingRateFilterElement{Name: sptypes.SavingsPlanRateFilterAttributeInstanceType, Values: instanceTypes})
	}
	offers := map[string]*providers.Offering{}
	seen := map[string]bool{}
	const call = "savingsplans DescribeSavingsPlansOfferingRates"
	for page := 1; ; page++ {
		out, err := c.SavingsPlans.DescribeSavingsPlansOfferingRates(ctx, in)
		if err != nil {
			return wrap("savingsplans", "DescribeSavingsPlansOfferingRates", err)
		}
		for i, r := range out.SearchResults {
			rep.Read++
			item := fmt.Sprintf("page %d rate %d", page, i+1)
			props := map[string]string{}
			for _, p := range r.Properties {
				props[aws.ToString(p.Name)] = aws.ToString(p.Value)
			}
			if r.SavingsPlanOffering == nil || aws.ToString(r.SavingsPlanOffering.OfferingId) == "" {
				rep.skip(Skip{File: call, Item: item, Reason: "no savings plan offering"})
				continue
			}
			so := r.SavingsPlanOffering
			id := aws.ToString(so.OfferingId)
			if r.Unit != sptypes.SavingsPlanRateUnitHours {
				rep.outOfScope(fmt.Sprintf("savings plan rate unit %q", r.Unit))
				continue
			}
			if !strings.Contains(aws.ToString(r.UsageType), "BoxUsage") && !strings.Contains(aws.ToString(r.UsageType), "DedicatedUsage") {
				rep.outOfScope(fmt.Sprintf("savings plan rate for usage type %q", usageTypeKind(aws.ToString(r.UsageType))))
				continue
			}
			tenancy, err := TenancyFromEC2(props["tenancy"])
			if err != nil {
				rep.skip(Skip{File: call, Item: item + " " + id, Reason: err.Error()})
				continue
			}
			if props["region"] != "" && props["region"] != region {
				rep.skip(Skip{File: call, Item: item + " " + id, Reason: fmt.Sprintf("rate for region %q in a %s query", props["region"], region)})
				continue
			}
			od, ok := pools[rateKey{props["instanceType"], NormalizePlatform(props["productDescription"]), tenancy}]
			if !ok {
				rep.outOfScope("savings plan rate for a pool with no on-demand rate in the book")
				continue
			}
			rate, err := parsePrice(aws.ToString(r.Rate))
			if err != nil || rate == 0 {
				rep.skip(Skip{File: call, Item: item + " " + id, Reason: fmt.Sprintf("rate %q is not a positive number", aws.ToString(r.Rate))})
				continue
			}
			o, ok := offers[id]
			if !ok {
				o, err = spOffering(id, so.PlanType, so.PaymentOption, so.DurationSeconds, string(so.Currency), aws.ToString(so.PlanDescription), pb.Currency)
				if err != nil {
					rep.skip(Skip{File: call, Item: item + " " + id, Reason: err.Error()})
					continue
				}
				offers[id] = o
			}
			o.Covers = append(o.Covers, providers.Coverage{Pool: od.Pool, InstanceType: od.InstanceType, SizeFactor: od.SizeFactor, Rate: rate})
		}
		more, err := c.nextToken(seen, page, out.NextToken)
		if err != nil {
			return wrap("savingsplans", "DescribeSavingsPlansOfferingRates", err)
		}
		if !more {
			break
		}
		in.NextToken = out.NextToken
	}
	ids := make([]string, 0, len(offers))
	for id := range offers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		o := *offers[id]
		var pools []providers.PoolKey
		for _, c := range o.Covers {
			pools = append(pools, c.Pool)
		}
		if err := checkOffering(o, pools...); err != nil {
			rep.skip(Skip{File: call, Item: id, Reason: err.Error()})
			continue
		}
		pb.Offerings = append(pb.Offerings, o)
	}
	return nil
}

func usageTypeKind(u string) string {
	if _, after, ok := strings.Cut(u, "-"); ok {
		u = after
	}
	k, _, _ := strings.Cut(u, ":")
	return k
}

// spOffering is a savings plan offering sold per 1 currency/hour.
func spOffering(id string, planType sptypes.SavingsPlanType, payment sptypes.SavingsPlanPaymentOption, seconds int64, cur, desc, bookCurrency string) (*providers.Offering, error) {
	var kind providers.Kind
	switch planType {
	case sptypes.SavingsPlanTypeCompute:
		kind = providers.KindComputeSP
	case sptypes.SavingsPlanTypeEc2Instance:
		kind = providers.KindEC2InstanceSP
	default:
		return nil, fmt.Errorf("savings plan type %q is not modelled", planType)
	}
	term, err := providers.ParseTerm(fmt.Sprint(seconds))
	if err != nil {
		return nil, err
	}
	pay, err := providers.ParsePaymentOption(string(payment))
	if err != nil {
		return nil, err
	}
	if cur == "" {
		cur = bookCurrency
	}
	if cur != bookCurrency {
		return nil, fmt.Errorf("currency %q, the book is in %s", cur, bookCurrency)
	}
	return newSPOffering(id, kind, term, pay, desc, bookCurrency), nil
}
