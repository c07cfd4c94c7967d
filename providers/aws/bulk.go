package aws

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tranchehq/tranche/providers"
)

// ImportOptions configure ImportBulk.
type ImportOptions struct {
	// Regions, when set, limits the import to these region codes.
	Regions []string
	// Now is the import time recorded in the book; zero means time.Now().
	Now time.Time
}

// ImportBulk builds a price book from a directory of AWS bulk price files,
// laid out as AWS publishes them (and as `aws pricing` mirrors them):
//
//	offers/v1.0/aws/AmazonEC2/current/<region>/index.csv
//	savingsPlan/v1.0/aws/AWSComputeSavingsPlan/current/<region>/index.json
//
// EC2 on-demand rates and reserved instance offers come from the CSV files,
// Compute and EC2 Instance Savings Plans rates from the JSON files (joined
// to the CSV products by SKU). Every line or rate that is malformed is
// skipped and named by file and line (or rate code) in the report and in
// the book's notes; files of services the book does not model are read for
// defects and counted. Only an unreadable directory or file is an error.
func ImportBulk(dir string, opts ImportOptions) (*providers.PriceBook, *Report, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	var csvFiles, spFiles []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		switch {
		case strings.HasSuffix(rel, "/index.csv") && strings.Contains(rel, "offers/"):
			csvFiles = append(csvFiles, path)
		case strings.HasSuffix(rel, "/index.json") && strings.Contains(rel, "savingsPlan/") && regionOf(rel) != "":
			spFiles = append(spFiles, path)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("aws: import %s: %w", dir, err)
	}
	if len(csvFiles) == 0 {
		return nil, nil, fmt.Errorf("aws: import %s: no offers/…/current/<region>/index.csv price file found", dir)
	}
	sort.Strings(csvFiles)
	sort.Strings(spFiles)
	const currency = "USD"
	b := &bulkBuilder{
		dir: dir, currency: currency, rep: &Report{}, regions: opts.Regions,
		pb: &providers.PriceBook{
			Schema: providers.PriceBookSchema, Currency: currency,
			Source: providers.PriceSource{Name: "aws-bulk-price-files", Reference: dir, FetchedAt: now},
		},
		bySKU:  map[string]providers.OnDemandRate{},
		odLine: map[string]string{}, skippedSKU: map[string]string{},
	}
	for _, f := range csvFiles {
		if err := b.readCSV(f); err != nil {
			return nil, nil, err
		}
	}
	for _, f := range spFiles {
		if err := b.readSavingsPlans(f); err != nil {
			return nil, nil, err
		}
	}
	b.pb.Notes = append(b.fileNotes, b.rep.Notes()...)
	b.pb.Sort()
	if err := b.pb.Validate(); err != nil {
		return nil, nil, fmt.Errorf("aws: import %s: the built price book is invalid: %w", dir, err)
	}
	return b.pb, b.rep, nil
}

type bulkBuilder struct {
	dir      string
	currency string
	regions  []string
	pb       *providers.PriceBook
	rep      *Report
	bySKU    map[string]providers.OnDemandRate
	odLine   map[string]string // pool+type → "file:line" of its on-demand rate
	// skippedSKU maps the SKU of a skipped line to "file:line".
	skippedSKU map[string]string
	fileNotes  []string
}

func (b *bulkBuilder) rel(path string) string {
	r, err := filepath.Rel(b.dir, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(r)
}

// regionOf is the <region> of a ".../current/<region>/index.*" path.
func regionOf(rel string) string {
	parts := strings.Split(rel, "/")
	if len(parts) >= 3 && parts[len(parts)-3] == "current" {
		r := parts[len(parts)-2]
		if r != "default" {
			return r
		}
	}
	return ""
}

// serviceOf is the offer code of an "…/aws/<Service>/current/…" path.
func serviceOf(rel string) string {
	parts := strings.Split(rel, "/")
	for i := 1; i < len(parts); i++ {
		if parts[i] == "current" {
			return parts[i-1]
		}
	}
	return ""
}

func (b *bulkBuilder) wantRegion(r string) bool {
	if len(b.regions) == 0 {
		return true
	}
	for _, x := range b.regions {
		if x == r {
			return true
		}
	}
	return false
}

// The CSV columns the importer reads.
var (
	csvRequired = []string{"SKU", "OfferTermCode", "TermType", "PriceDescription", "EffectiveDate", "Unit", "PricePerUnit", "Currency",
		"LeaseContractLength", "PurchaseOption", "OfferingClass", "Product Family", "Location", "Location Type"}
	csvEC2 = []string{"Instance Type", "Tenancy", "Operating System", "License Model", "Pre Installed S/W", "CapacityStatus"}
)

func (b *bulkBuilder) readCSV(path string) error {
	name := b.rel(path)
	region, service := regionOf(name), serviceOf(name)
	if region == "" {
		return fmt.Errorf("aws: import %s: no region in the path (want …/current/<region>/index.csv)", name)
	}
	if !b.wantRegion(region) {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("aws: import: %w", err)
	}
	defer f.Close()
	return b.parseCSV(f, name, region, service)
}

// parseCSV reads one bulk offer file. Only I/O failures are errors; every
// defect of the content is a skip in the report.
func (b *bulkBuilder) parseCSV(r io.Reader, name, region, service string) error {
	cr := csv.NewReader(bufio.NewReaderSize(r, 64<<10))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	var (
		col      map[string]int
		ncols    int
		need     int // fields a row needs to hold every column read
		short    int // rows shorter than the header, read by position
		shortMin = -1
		rows     int
		reserved = map[string]*reservedTerm{}
		resLines = map[string][]int{}
		resOrder []string
		resPool  = map[string]ec2Product{}
		// published is the file's publication date, when its preamble
		// states one; it counts for the book only if the file adds prices.
		published time.Time
		before    = len(b.pb.OnDemand) + len(b.pb.Offerings)
	)
	skip := func(line int, item, reason string) {
		b.rep.skip(Skip{File: name, Line: line, Item: item, Reason: reason})
		if item != "" && !strings.Contains(item, ".") {
			if _, ok := b.skippedSKU[item]; !ok {
				b.skippedSKU[item] = fmt.Sprintf("%s:%d", name, line)
			}
		}
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			b.rep.Read++
			skip(pe.StartLine, "", "not valid CSV: "+pe.Err.Error())
			continue
		}
		if err != nil {
			return fmt.Errorf("aws: import %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if col == nil {
			first := strings.TrimSpace(strings.TrimPrefix(rec[0], "\ufeff"))
			if first == "Publication Date" && len(rec) > 1 {
				if t, err := time.Parse(time.RFC3339, strings.TrimSpace(rec[1])); err == nil {
					published = t
				}
			}
			if first != "SKU" {
				continue // preamble (FormatVersion, Disclaimer, …)
			}
			col = map[string]int{}
			for i, h := range rec {
				col[strings.TrimSpace(h)] = i
			}
			ncols = len(rec)
			required := csvRequired
			if service == ServiceEC2 {
				required = append(append([]string(nil), csvRequired...), csvEC2...)
			}
			for _, c := range required {
				i, ok := col[c]
				if !ok {
					return fmt.Errorf("aws: import %s:%d: the header has no %q column", name, line, c)
				}
				need = max(need, i+1)
			}
			continue
		}
		b.rep.Read++
		rows++
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			rows--
			b.rep.Read--
			continue
		}
		if len(rec) > ncols {
			skip(line, rec[0], fmt.Sprintf("%d fields, but the header has %d", len(rec), ncols))
			continue
		}
		if i, ok := col["Product Family"]; ok && i < len(rec) && service == ServiceEC2 {
			if pf := strings.TrimSpace(rec[i]); pf != "Compute Instance" && pf != "" {
				b.rep.outOfScope(fmt.Sprintf("product family %q", pf))
				continue
			}
		}
		if len(rec) < need {
			skip(line, strings.TrimSpace(rec[0]), fmt.Sprintf("%d fields, too few for the columns read (the header has %d)", len(rec), ncols))
			continue
		}
		if len(rec) < ncols {
			short++
			if shortMin < 0 || len(rec) < shortMin {
				shortMin = len(rec)
			}
		}
		get := func(c string) string {
			i, ok := col[c]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		sku := get("SKU")
		if sku == "" {
			skip(line, "", "empty SKU")
			continue
		}
		if svc := get("serviceCode"); svc != "" && svc != service {
			// Offer files carry rows of related services (data transfer).
			b.rep.outOfScope(fmt.Sprintf("serviceCode %q in a %s file", svc, service))
			continue
		}
		if service != ServiceEC2 {
			b.rep.outOfScope(fmt.Sprintf("service %s (not modelled yet)", service))
			continue
		}
		if c := get("Currency"); c != b.currency {
			b.rep.outOfScope(fmt.Sprintf("currency %q", c))
			continue
		}
		p := ec2Product{
			SKU: sku, ProductFamily: get("Product Family"), Region: get("Region Code"), Location: get("Location"),
			LocationType: get("Location Type"), InstanceType: get("Instance Type"), OS: get("Operating System"),
			PreInstalledSW: get("Pre Installed S/W"), LicenseModel: get("License Model"), Tenancy: get("Tenancy"),
			CapacityStatus: get("CapacityStatus"),
		}
		if s := get("Normalization Size Factor"); s != "" && s != "NA" {
			nu, err := parsePrice(s)
			if err != nil || nu == 0 {
				skip(line, sku, fmt.Sprintf("Normalization Size Factor %q is not a positive number", s))
				continue
			}
			p.NU = nu
		}
		pool, factor, err := p.pool(region)
		if reason, ok := isOutOfScope(err); ok {
			b.rep.outOfScope(reason)
			continue
		}
		if err != nil {
			skip(line, sku, err.Error())
			continue
		}
		price, err := parsePrice(get("PricePerUnit"))
		if err != nil {
			skip(line, sku, err.Error())
			continue
		}
		if err := checkDescription(get("PriceDescription"), price); err != nil {
			skip(line, sku, err.Error())
			continue
		}
		switch get("TermType") {
		case "OnDemand":
			if u := get("Unit"); u != "Hrs" {
				skip(line, sku, fmt.Sprintf("on-demand price unit %q, want Hrs", u))
				continue
			}
			eff, err := parseDate(get("EffectiveDate"))
			if err != nil {
				skip(line, sku, err.Error())
				continue
			}
			k := pool.String() + " " + p.InstanceType
			if first, dup := b.odLine[k]; dup {
				skip(line, sku, fmt.Sprintf("second on-demand rate for %s %s (the first is at %s)", pool, p.InstanceType, first))
				continue
			}
			if _, dup := b.bySKU[sku]; dup {
				skip(line, sku, "second on-demand row for this SKU")
				continue
			}
			r := providers.OnDemandRate{Pool: pool, InstanceType: p.InstanceType, SizeFactor: factor, HourlyRate: price, SKU: sku, EffectiveDate: eff}
			b.odLine[k] = fmt.Sprintf("%s:%d", name, line)
			b.bySKU[sku] = r
			b.pb.OnDemand = append(b.pb.OnDemand, r)
		case "Reserved":
			id := sku + "." + get("OfferTermCode")
			rt, ok := reserved[id]
			attrs := reservedTerm{SKU: sku, OfferTermCode: get("OfferTermCode"), Lease: get("LeaseContractLength"), Class: get("OfferingClass"), Purchase: get("PurchaseOption"), EffectiveDate: get("EffectiveDate")}
			if !ok {
				rt = &attrs
				reserved[id] = rt
				resOrder = append(resOrder, id)
				resPool[id] = p
			} else if !sameTerm(rt, &attrs) {
				skip(line, id, fmt.Sprintf("term attributes %q/%q/%q differ from the offer's first row at line %d (%q/%q/%q)",
					attrs.Lease, attrs.Class, attrs.Purchase, resLines[id][0], rt.Lease, rt.Class, rt.Purchase))
				continue
			}
			if err := rt.add(get("Unit"), price, get("PriceDescription")); err != nil {
				skip(line, id, err.Error())
				continue
			}
			resLines[id] = append(resLines[id], line)
		default:
			skip(line, sku, fmt.Sprintf("unknown TermType %q", get("TermType")))
		}
	}
	if col == nil {
		return fmt.Errorf("aws: import %s: no header line (a line starting with SKU)", name)
	}
	for _, id := range resOrder {
		rt, p, lines := reserved[id], resPool[id], resLines[id]
		if len(lines) == 0 {
			continue // every row of the offer was skipped and named already
		}
		pool, factor, _ := p.pool(region)
		where := fmt.Sprintf("lines %v", lines)
		o, err := rt.offering(pool, p.InstanceType, factor, b.currency)
		if err != nil {
			skip(lines[0], id, err.Error()+" ("+where+")")
			continue
		}
		if len(b.pb.OnDemandFor(pool)) == 0 {
			skip(lines[0], id, fmt.Sprintf("no on-demand rate for its pool %s (%s)", pool, where))
			continue
		}
		b.pb.Offerings = append(b.pb.Offerings, o)
	}
	b.published(name, published, len(b.pb.OnDemand)+len(b.pb.Offerings) > before)
	if short > 0 {
		b.fileNotes = append(b.fileNotes, fmt.Sprintf("%s: %d rows have fewer fields than the header (%d of %d); their columns were read by position and the missing trailing columns as empty", name, short, shortMin, ncols))
	}
	return nil
}

// The bulk savings plan rate file.
type spFile struct {
	Version         string `json:"version"`
	PublicationDate string `json:"publicationDate"`
	Products        []struct {
		SKU           string            `json:"sku"`
		ProductFamily string            `json:"productFamily"`
		UsageType     string            `json:"usageType"`
		Attributes    map[string]string `json:"attributes"`
	} `json:"products"`
	Terms struct {
		SavingsPlan []struct {
			SKU                 string `json:"sku"`
			Description         string `json:"description"`
			EffectiveDate       string `json:"effectiveDate"`
			LeaseContractLength struct {
				Duration int    `json:"duration"`
				Unit     string `json:"unit"`
			} `json:"leaseContractLength"`
			Rates []struct {
				DiscountedSKU         string `json:"discountedSku"`
				DiscountedServiceCode string `json:"discountedServiceCode"`
				DiscountedUsageType   string `json:"discountedUsageType"`
				DiscountedOperation   string `json:"discountedOperation"`
				RateCode              string `json:"rateCode"`
				Unit                  string `json:"unit"`
				DiscountedRate        struct {
					Price    string `json:"price"`
					Currency string `json:"currency"`
				} `json:"discountedRate"`
			} `json:"rates"`
		} `json:"savingsPlan"`
	} `json:"terms"`
}

func (b *bulkBuilder) readSavingsPlans(path string) error {
	name := b.rel(path)
	if !b.wantRegion(regionOf(name)) {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("aws: import: %w", err)
	}
	return b.parseSavingsPlans(data, name)
}

func (b *bulkBuilder) parseSavingsPlans(data []byte, name string) error {
	var f spFile
	if err := json.Unmarshal(data, &f); err != nil {
		line := 0
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line = 1 + strings.Count(string(data[:min(int(se.Offset), len(data))]), "\n")
		}
		b.rep.Read++
		b.rep.skip(Skip{File: name, Line: line, Reason: "whole file skipped: not a savings plan rate file: " + err.Error()})
		return nil
	}
	published, _ := time.Parse(time.RFC3339, f.PublicationDate)
	before := len(b.pb.Offerings)
	defer func() { b.published(name, published, len(b.pb.Offerings) > before) }()
	type product struct{ family, term, purchase string }
	products := map[string]product{}
	for _, p := range f.Products {
		products[p.SKU] = product{p.ProductFamily, p.Attributes["purchaseTerm"], p.Attributes["purchaseOption"]}
	}
	for _, plan := range f.Terms.SavingsPlan {
		b.rep.Read++
		p, ok := products[plan.SKU]
		if !ok {
			b.rep.skip(Skip{File: name, Item: plan.SKU, Reason: "savings plan term with no product"})
			continue
		}
		var planType string
		switch p.family {
		case "ComputeSavingsPlans":
			planType = "Compute"
		case "EC2InstanceSavingsPlans":
			planType = "EC2Instance"
		default:
			b.rep.outOfScope(fmt.Sprintf("savings plan family %q (no commitment kind for it)", p.family))
			continue
		}
		term := p.term
		if term == "" && plan.LeaseContractLength.Duration > 0 {
			term = fmt.Sprintf("%dyr", plan.LeaseContractLength.Duration)
		}
		o, err := bulkSPOffering(plan.SKU, planType, term, p.purchase, plan.Description, b.currency)
		if err != nil {
			b.rep.skip(Skip{File: name, Item: plan.SKU, Reason: err.Error()})
			continue
		}
		if eff, err := parseDate(plan.EffectiveDate); err == nil {
			o.EffectiveDate = eff
		}
		seen := map[string]bool{}
		for _, r := range plan.Rates {
			b.rep.Read++
			if r.DiscountedServiceCode != ServiceEC2 {
				b.rep.outOfScope(fmt.Sprintf("savings plan rate for service %q", r.DiscountedServiceCode))
				continue
			}
			ut := usageTypeKind(r.DiscountedUsageType)
			if ut != "BoxUsage" && ut != "DedicatedUsage" {
				b.rep.outOfScope(fmt.Sprintf("savings plan rate for usage type %q", ut))
				continue
			}
			if r.Unit != "" && r.Unit != "Hrs" {
				b.rep.skip(Skip{File: name, Item: r.RateCode, Reason: fmt.Sprintf("unit %q for an instance usage type", r.Unit)})
				continue
			}
			if c := r.DiscountedRate.Currency; c != "" && c != b.currency {
				b.rep.outOfScope(fmt.Sprintf("currency %q", c))
				continue
			}
			od, ok := b.bySKU[r.DiscountedSKU]
			if !ok {
				why := "it is not in the offer files read"
				if at, ok := b.skippedSKU[r.DiscountedSKU]; ok {
					why = "its line was skipped, " + at
				}
				b.rep.skip(Skip{File: name, Item: r.RateCode, Reason: fmt.Sprintf("discounted SKU %q has no on-demand rate in the book: %s", r.DiscountedSKU, why)})
				continue
			}
			rate, err := parsePrice(r.DiscountedRate.Price)
			if err != nil || rate == 0 {
				b.rep.skip(Skip{File: name, Item: r.RateCode, Reason: fmt.Sprintf("rate %q is not a positive number", r.DiscountedRate.Price)})
				continue
			}
			k := od.Pool.String() + " " + od.InstanceType
			if seen[k] {
				b.rep.skip(Skip{File: name, Item: r.RateCode, Reason: "second rate for " + k})
				continue
			}
			seen[k] = true
			o.Covers = append(o.Covers, providers.Coverage{Pool: od.Pool, InstanceType: od.InstanceType, SizeFactor: od.SizeFactor, Rate: rate})
		}
		if len(o.Covers) == 0 {
			b.fileNotes = append(b.fileNotes, fmt.Sprintf("%s: savings plan %s (%s) left out: none of its %d rates covers a pool of the book", name, plan.SKU, plan.Description, len(plan.Rates)))
			continue
		}
		var pools []providers.PoolKey
		for _, c := range o.Covers {
			pools = append(pools, c.Pool)
		}
		if err := checkOffering(*o, pools...); err != nil {
			b.rep.skip(Skip{File: name, Item: plan.SKU, Reason: err.Error()})
			continue
		}
		b.pb.Offerings = append(b.pb.Offerings, *o)
	}
	return nil
}

func bulkSPOffering(sku, planType, term, purchase, desc, currency string) (*providers.Offering, error) {
	t, err := providers.ParseTerm(term)
	if err != nil {
		return nil, err
	}
	pay, err := providers.ParsePaymentOption(purchase)
	if err != nil {
		return nil, err
	}
	kind := providers.KindEC2InstanceSP
	if planType == "Compute" {
		kind = providers.KindComputeSP
	}
	return newSPOffering(sku, kind, t, pay, desc, currency), nil
}

// newSPOffering is a savings plan offering sold per 1 currency unit per
// hour of commitment: all upfront pays the term's hours upfront, partial
// upfront half of them upfront and 0.5 an hour (AWS's minimum upfront
// share), no upfront 1 an hour.
func newSPOffering(id string, kind providers.Kind, t providers.Term, pay providers.PaymentOption, desc, currency string) *providers.Offering {
	o := &providers.Offering{ID: id, Provider: providers.AWS, Kind: kind, Term: t, PaymentOption: pay, PurchaseIncrement: 0.001, Currency: currency, Description: desc, EffectiveHourlyRate: 1}
	switch pay {
	case providers.AllUpfront:
		o.UpfrontFee = t.Hours()
	case providers.PartialUpfront:
		o.UpfrontFee, o.RecurringHourlyFee = t.Hours()/2, 0.5
	case providers.NoUpfront:
		o.RecurringHourlyFee = 1
	}
	return o
}

// sameTerm reports whether two rows of one reserved offer agree on its
// term, class and payment option, spelled either way ("3 yr" or "3yr",
// "AllUpfront" or "All Upfront").
func sameTerm(a, b *reservedTerm) bool {
	ta, errA := providers.ParseTerm(a.Lease)
	tb, errB := providers.ParseTerm(b.Lease)
	pa, errC := providers.ParsePaymentOption(a.Purchase)
	pb, errD := providers.ParsePaymentOption(b.Purchase)
	if errA != nil || errB != nil || errC != nil || errD != nil {
		return a.Lease == b.Lease && a.Purchase == b.Purchase && strings.EqualFold(a.Class, b.Class)
	}
	return ta == tb && pa == pb && strings.EqualFold(a.Class, b.Class)
}

// published records a file's publication date: in the notes always, and
// as the book's date (the latest of them) when the file added prices.
func (b *bulkBuilder) published(name string, t time.Time, contributed bool) {
	if t.IsZero() {
		return
	}
	b.fileNotes = append(b.fileNotes, fmt.Sprintf("%s: published %s", name, t.UTC().Format(time.RFC3339)))
	if contributed && t.After(b.pb.Source.PublishedAt) {
		b.pb.Source.PublishedAt = t.UTC()
	}
}
