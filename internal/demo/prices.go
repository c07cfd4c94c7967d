package demo

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tranchehq/tranche/providers"
)

// The demo's prices. Every number below is a real published AWS price,
// copied from the public source named beside it, or derived from one by a
// rule the source field states ("derived: …"). docs/demo.md lists them.

// Sources of the prices, as they appear in the price book's notes and in
// the offerings' descriptions.
const (
	srcM5 = "aws/amazon-ec2-instance-selector@71c31e5 test/static/GetProducts/m5_large.json " +
		"(AWS Price List GetProducts item, m5.large us-east-1 Linux Shared, published 2021-02-05)"
	srcX2 = "vantage-sh/ec2instances.info@4ef36cd next/utils/mocks/ec2_single_instance.json " +
		"(ec2instances.info record of x2iedn.32xlarge, commit of 2026-07-20)"
	srcEU = "ligoj/plugin-prov-aws@9fd53b2 src/test/resources/mock-server/aws/offers/v1.0/aws/AmazonEC2/current/eu-west-1/index.csv " +
		"(AWS bulk price file rows, EffectiveDate 2017-05-01)"
	srcUSE2 = "alexjguy/AWS-costs-markdown@689a4bb aws_costs.md, Region US East (Ohio), OS Windows " +
		"(a dump of the AWS Price List; the file states no publication date)"
	// ruleSP is how savings plan rates are derived: the book has no
	// published savings plan rate for these instance types.
	ruleSPCompute = "Compute Savings Plan rate taken equal to the convertible RI's effective hourly rate of the same type, term and payment option " +
		"(an approximation: AWS states the same maximum discount, up to 66%, for both; https://aws.amazon.com/savingsplans/compute-pricing/)"
	ruleSPEC2 = "EC2 Instance Savings Plan rate taken equal to the standard RI's effective hourly rate of the same type, term and payment option " +
		"(an approximation: AWS states the same maximum discount, up to 72%, for both; https://aws.amazon.com/savingsplans/compute-pricing/)"
)

// Effective dates stated by the sources.
var (
	effM5OD  = time.Date(2021, 2, 1, 0, 0, 0, 0, time.UTC)
	effM5RI  = time.Date(2020, 4, 1, 0, 0, 0, 0, time.UTC)      // standard offers
	effM5CRI = time.Date(2017, 10, 31, 23, 59, 59, 0, time.UTC) // convertible offers
	effEU    = time.Date(2017, 5, 1, 0, 0, 0, 0, time.UTC)
	effX2    = time.Date(2026, 7, 20, 0, 0, 0, 0, time.UTC) // the source's commit date
)

// Platforms, as the price book and the FOCUS ChargeDescription name them.
const (
	linux   = "Linux/UNIX"
	windows = "Windows"
)

// odPrice is one on-demand rate of the catalogue.
type odPrice struct {
	region, itype, platform string
	rate                    float64 // USD per instance-hour
	sku                     string
	eff                     time.Time
	source                  string
}

// riPrice is one reserved instance offer: one instance of itype for the
// term.
type riPrice struct {
	region, itype, platform string
	kind                    providers.Kind
	term                    providers.Term
	pay                     providers.PaymentOption
	upfront, recurring      float64
	id                      string
	eff                     time.Time
	source                  string
}

// effective is the offer's amortized cost per instance-hour.
func (r riPrice) effective() float64 { return r.upfront/r.term.Hours() + r.recurring }

// normFactor is AWS's normalization factor of an instance size (nano 0.25 …
// xlarge 8, Nxlarge 8N); 0 for sizes without one.
func normFactor(itype string) float64 {
	_, size, _ := strings.Cut(itype, ".")
	switch size {
	case "nano":
		return 0.25
	case "micro":
		return 0.5
	case "small":
		return 1
	case "medium":
		return 2
	case "large":
		return 4
	case "xlarge":
		return 8
	}
	if n, err := strconv.ParseFloat(strings.TrimSuffix(size, "xlarge"), 64); err == nil && strings.HasSuffix(size, "xlarge") && n > 0 {
		return 8 * n
	}
	return 0
}

func family(itype string) string { f, _, _ := strings.Cut(itype, "."); return f }

// catalogue is every price the demo uses, built once from the tables below.
type catalogue struct {
	od  []odPrice
	ri  []riPrice
	sp  []spPlan
	idx map[string]int // region/itype/platform → od index
}

// spPlan is a savings plan offering with its rate for each instance type
// it covers.
type spPlan struct {
	id     string
	kind   providers.Kind
	term   providers.Term
	pay    providers.PaymentOption
	region string // EC2 Instance SP: the region; Compute SP: ""
	family string // EC2 Instance SP: the family; Compute SP: ""
	rates  map[string]float64
	// rateSrc says, per key of rates, which RI offer the rate comes from.
	rateSrc map[string]string
	desc    string
}

func odKey(region, itype, platform string) string { return region + "/" + itype + "/" + platform }

// m5 us-east-1: the real GetProducts item of m5.large.
var m5RIs = []struct {
	code               string
	kind               providers.Kind
	term               providers.Term
	pay                providers.PaymentOption
	upfront, recurring float64
}{
	{"4NA7Y494T4", providers.KindRIStandard, providers.Term1Year, providers.NoUpfront, 0, 0.06},
	{"HU7G6KETJZ", providers.KindRIStandard, providers.Term1Year, providers.PartialUpfront, 252, 0.029},
	{"6QCMYABX3D", providers.KindRIStandard, providers.Term1Year, providers.AllUpfront, 494, 0},
	{"BPH4J8HBKS", providers.KindRIStandard, providers.Term3Year, providers.NoUpfront, 0, 0.041},
	{"38NPMPTW36", providers.KindRIStandard, providers.Term3Year, providers.PartialUpfront, 505, 0.019},
	{"NQ3QZPMQV9", providers.KindRIStandard, providers.Term3Year, providers.AllUpfront, 949, 0},
	{"7NE97W5U4E", providers.KindRIConvertible, providers.Term1Year, providers.NoUpfront, 0, 0.071},
	{"CUZHX8X6JH", providers.KindRIConvertible, providers.Term1Year, providers.PartialUpfront, 294, 0.034},
	{"VJWZNREJX2", providers.KindRIConvertible, providers.Term1Year, providers.AllUpfront, 577, 0},
	{"Z2E3P23VKM", providers.KindRIConvertible, providers.Term3Year, providers.NoUpfront, 0, 0.049},
	{"R5XV2EPZQZ", providers.KindRIConvertible, providers.Term3Year, providers.PartialUpfront, 592, 0.023},
	{"MZU6U2429S", providers.KindRIConvertible, providers.Term3Year, providers.AllUpfront, 1161, 0},
}

// x2iedn.32xlarge per region (Linux): on-demand and the effective hourly
// rates of the reserved offers, as ec2instances.info publishes them
// (yrTerm1Standard.noUpfront, …).
var x2Regions = []struct {
	region                                                             string
	od                                                                 float64
	std1NU, std1AU, conv1NU, conv1AU, std3NU, std3AU, conv3NU, conv3AU float64
}{
	{"us-east-1", 26.676, 16.41374, 15.319521, 19.7189, 18.404338, 8.55659, 7.447412, 10.2852, 9.332877},
	{"us-west-2", 26.676, 16.41374, 15.319521, 19.7189, 18.404338, 8.55659, 7.447412, 10.2852, 9.332877},
	{"eu-west-1", 32.012, 19.69698, 18.383904, 23.66327, 22.085731, 10.26817, 8.9371, 12.34255, 11.199734},
}

// eu-west-1 Linux on-demand rows of the bulk price file (SKU, type, rate).
var euOD = []struct {
	sku, itype string
	rate       float64
}{
	{"XWEGA3UJZ88J37T5", "c4.large", 0.113}, {"V4Q928Z7YAM3TJ6X", "c4.xlarge", 0.226}, {"V2SRX3YBPSJPD8E4", "c4.2xlarge", 0.453},
	{"RASFAC97JWEGEPYS", "c3.large", 0.12}, {"WDZRKB8HUJXEKH45", "c3.xlarge", 0.239}, {"P75KF3MVS7BD8VRA", "c3.2xlarge", 0.478},
	{"7X4K64YA59VZZAC3", "m4.large", 0.111}, {"6FU9JEK79WWSARQ9", "m4.xlarge", 0.222}, {"8FFUWN2ESZYSB84N", "m4.2xlarge", 0.444},
	{"BNSCBCWPZHWPDKKS", "m4.4xlarge", 0.888},
	{"JGXNGK5X7WE7K3VF", "m3.large", 0.146}, {"QRP5VBPEA34W72YQ", "m3.xlarge", 0.293}, {"P3CTRQJY7SHQ6BJR", "m3.2xlarge", 0.585},
	{"VAUARUU95QRV96BX", "r4.large", 0.1482}, {"C65HY6EVYSPTGWDH", "r4.xlarge", 0.2964}, {"4JKQTWY5J6VJ6ESF", "r4.2xlarge", 0.5928},
	{"C3M6ZGSU66GC75NF", "r3.large", 0.185}, {"VPAFYT3KA5TFAK4M", "r3.xlarge", 0.371}, {"CP6AQ5U62SXMQV9P", "r3.2xlarge", 0.741},
	{"K7YHHNFGTNN2DP28", "i3.large", 0.172}, {"WR44KB22K2XD9343", "i3.xlarge", 0.344}, {"QA275J7BMXJR8X35", "i3.2xlarge", 0.688},
	{"9VHN6EZGZGFZEHHK", "d2.xlarge", 0.735}, {"2SX63SRBXZK94TSA", "d2.2xlarge", 1.47},
	{"N6KDUVR23T758UUC", "t2.small", 0.025}, {"4G2Z3WVSPDEGMKFH", "t2.large", 0.101}, {"JYFU75N5Q79WYWZE", "t2.xlarge", 0.202},
}

// us-east-2 Windows (License Included, Shared): on-demand and the 12
// reserved offers of each type, in the order std1, conv1, std3, conv3 ×
// no / partial / all upfront (upfront USD, hourly USD).
var use2Win = []struct {
	itype string
	od    float64
	offer [12][2]float64
}{
	{"c5.xlarge", 0.354, [12][2]float64{
		{0, 0.292}, {1256, 0.143}, {2494, 0}, {0, 0.308}, {1323, 0.151}, {2626, 0},
		{0, 0.254}, {3275, 0.125}, {6447, 0}, {0, 0.265}, {3404, 0.13}, {6768, 0}}},
	{"c5.2xlarge", 0.708, [12][2]float64{
		{0, 0.584}, {2512, 0.287}, {4988, 0}, {0, 0.616}, {2647, 0.302}, {5253, 0},
		{0, 0.509}, {6550, 0.249}, {12895, 0}, {0, 0.53}, {6808, 0.259}, {13536, 0}}},
	{"c4.xlarge", 0.383, [12][2]float64{
		{0, 0.31}, {1291, 0.147}, {2529, 0}, {0, 0.329}, {1410, 0.161}, {2797, 0},
		{0, 0.273}, {3164, 0.12}, {5939, 0}, {0, 0.286}, {3657, 0.139}, {7242, 0}}},
	{"c4.2xlarge", 0.766, [12][2]float64{
		{0, 0.62}, {2590, 0.295}, {5076, 0}, {0, 0.658}, {2821, 0.322}, {5593, 0},
		{0, 0.545}, {6314, 0.24}, {11863, 0}, {0, 0.572}, {7314, 0.278}, {14537, 0}}},
}

// The standard AWS offer term codes (the same for every SKU), in the
// order of use2Win's offers.
var offerCodes = [12]struct {
	code string
	kind providers.Kind
	term providers.Term
	pay  providers.PaymentOption
}{
	{"4NA7Y494T4", providers.KindRIStandard, providers.Term1Year, providers.NoUpfront},
	{"HU7G6KETJZ", providers.KindRIStandard, providers.Term1Year, providers.PartialUpfront},
	{"6QCMYABX3D", providers.KindRIStandard, providers.Term1Year, providers.AllUpfront},
	{"7NE97W5U4E", providers.KindRIConvertible, providers.Term1Year, providers.NoUpfront},
	{"CUZHX8X6JH", providers.KindRIConvertible, providers.Term1Year, providers.PartialUpfront},
	{"VJWZNREJX2", providers.KindRIConvertible, providers.Term1Year, providers.AllUpfront},
	{"BPH4J8HBKS", providers.KindRIStandard, providers.Term3Year, providers.NoUpfront},
	{"38NPMPTW36", providers.KindRIStandard, providers.Term3Year, providers.PartialUpfront},
	{"NQ3QZPMQV9", providers.KindRIStandard, providers.Term3Year, providers.AllUpfront},
	{"Z2E3P23VKM", providers.KindRIConvertible, providers.Term3Year, providers.NoUpfront},
	{"R5XV2EPZQZ", providers.KindRIConvertible, providers.Term3Year, providers.PartialUpfront},
	{"MZU6U2429S", providers.KindRIConvertible, providers.Term3Year, providers.AllUpfront},
}

// x2Sizes are the x2iedn sizes the demo prices (all derived from the
// 32xlarge by normalization factor, except the 32xlarge itself).
var x2Sizes = []string{"x2iedn.xlarge", "x2iedn.2xlarge", "x2iedn.4xlarge", "x2iedn.8xlarge", "x2iedn.32xlarge"}

// m5Sizes are the m5 sizes the demo prices.
var m5Sizes = []string{"m5.large", "m5.xlarge", "m5.2xlarge", "m5.4xlarge"}

func newCatalogue() *catalogue {
	c := &catalogue{idx: map[string]int{}}
	addOD := func(p odPrice) {
		c.idx[odKey(p.region, p.itype, p.platform)] = len(c.od)
		c.od = append(c.od, p)
	}
	// m5, us-east-1, Linux.
	for _, it := range m5Sizes {
		p := odPrice{region: "us-east-1", itype: it, platform: linux, rate: 0.096, sku: "6C86BEPQVG73ZGGR", eff: effM5OD, source: srcM5}
		if it != "m5.large" {
			p.rate = round6(0.096 * normFactor(it) / 4)
			p.sku = ""
			p.source = fmt.Sprintf("derived: m5.large on-demand 0.096 USD/h × normalization factor %g / 4 (AWS Linux prices scale with the factor) from %s", normFactor(it), srcM5)
		}
		addOD(p)
	}
	for _, o := range m5RIs {
		eff := effM5RI
		if o.kind == providers.KindRIConvertible {
			eff = effM5CRI
		}
		c.ri = append(c.ri, riPrice{region: "us-east-1", itype: "m5.large", platform: linux, kind: o.kind, term: o.term, pay: o.pay,
			upfront: o.upfront, recurring: o.recurring, id: "6C86BEPQVG73ZGGR." + o.code, eff: eff, source: srcM5})
	}
	// x2iedn, three regions, Linux.
	for _, r := range x2Regions {
		for _, it := range x2Sizes {
			f := normFactor(it) / 256
			p := odPrice{region: r.region, itype: it, platform: linux, rate: round6(r.od * f), eff: effX2, source: srcX2}
			if it != "x2iedn.32xlarge" {
				p.source = fmt.Sprintf("derived: x2iedn.32xlarge on-demand %g USD/h × normalization factor %g / 256 from %s", r.od, normFactor(it), srcX2)
			}
			addOD(p)
		}
		offers := []struct {
			kind providers.Kind
			term providers.Term
			pay  providers.PaymentOption
			rate float64
			key  string
		}{
			{providers.KindRIStandard, providers.Term1Year, providers.NoUpfront, r.std1NU, "yrTerm1Standard.noUpfront"},
			{providers.KindRIStandard, providers.Term1Year, providers.AllUpfront, r.std1AU, "yrTerm1Standard.allUpfront"},
			{providers.KindRIConvertible, providers.Term1Year, providers.NoUpfront, r.conv1NU, "yrTerm1Convertible.noUpfront"},
			{providers.KindRIConvertible, providers.Term1Year, providers.AllUpfront, r.conv1AU, "yrTerm1Convertible.allUpfront"},
			{providers.KindRIStandard, providers.Term3Year, providers.NoUpfront, r.std3NU, "yrTerm3Standard.noUpfront"},
			{providers.KindRIStandard, providers.Term3Year, providers.AllUpfront, r.std3AU, "yrTerm3Standard.allUpfront"},
			{providers.KindRIConvertible, providers.Term3Year, providers.NoUpfront, r.conv3NU, "yrTerm3Convertible.noUpfront"},
			{providers.KindRIConvertible, providers.Term3Year, providers.AllUpfront, r.conv3AU, "yrTerm3Convertible.allUpfront"},
		}
		for _, o := range offers {
			ri := riPrice{region: r.region, itype: "x2iedn.32xlarge", platform: linux, kind: o.kind, term: o.term, pay: o.pay,
				id: fmt.Sprintf("demo:%s:x2iedn.32xlarge:linux:%s", r.region, o.key), eff: effX2}
			if o.pay == providers.NoUpfront {
				ri.recurring = o.rate
				ri.source = fmt.Sprintf("%s: pricing.%s.linux.reserved.%s (no upfront: the effective rate is the hourly fee)", srcX2, r.region, o.key)
			} else {
				ri.upfront = math.Round(o.rate * o.term.Hours())
				ri.source = fmt.Sprintf("derived: upfront = effective rate %g USD/h × %g h, rounded to the dollar, from %s: pricing.%s.linux.reserved.%s",
					o.rate, o.term.Hours(), srcX2, r.region, o.key)
			}
			c.ri = append(c.ri, ri)
			// The same offer for the smallest size, x2iedn.xlarge (8 NU):
			// plans can then buy in steps of 8 NU rather than 256.
			small := ri
			small.itype = "x2iedn.xlarge"
			small.id = fmt.Sprintf("demo:%s:x2iedn.xlarge:linux:%s", r.region, o.key)
			small.recurring = ri.recurring * 8 / 256
			small.upfront = math.Round(ri.upfront * 8 / 256)
			small.source = fmt.Sprintf("derived: the x2iedn.32xlarge offer %s × normalization factor 8 / 256 (Linux RI prices scale with it)%s", ri.id,
				map[bool]string{true: ", upfront rounded to the dollar", false: ""}[o.pay != providers.NoUpfront])
			c.ri = append(c.ri, small)
		}
	}
	// eu-west-1, Linux, older generations: on-demand only.
	for _, r := range euOD {
		addOD(odPrice{region: "eu-west-1", itype: r.itype, platform: linux, rate: r.rate, sku: r.sku, eff: effEU, source: srcEU})
	}
	// us-east-2, Windows, c4 and c5.
	for _, w := range use2Win {
		addOD(odPrice{region: "us-east-2", itype: w.itype, platform: windows, rate: w.od, source: srcUSE2})
		for i, oc := range offerCodes {
			c.ri = append(c.ri, riPrice{region: "us-east-2", itype: w.itype, platform: windows, kind: oc.kind, term: oc.term, pay: oc.pay,
				upfront: w.offer[i][0], recurring: w.offer[i][1], id: fmt.Sprintf("demo:us-east-2:%s:windows.%s", w.itype, oc.code), source: srcUSE2})
		}
	}
	c.sp = c.savingsPlans()
	return c
}

// savingsPlans derives the savings plan offerings from the RI offers (see
// ruleSPCompute and ruleSPEC2): Compute SPs cover every priced pool that has
// reserved offers; EC2 Instance SPs cover one family in one region.
func (c *catalogue) savingsPlans() []spPlan {
	type key struct {
		region, itype, platform string
		kind                    providers.Kind
		term                    providers.Term
		pay                     providers.PaymentOption
	}
	ri := map[key]riPrice{}
	for _, r := range c.ri {
		ri[key{r.region, r.itype, r.platform, r.kind, r.term, r.pay}] = r
	}
	// rateFor is the RI-derived rate of an instance type: from the RI of
	// that type, else from the RI of the family's priced size scaled by
	// normalization factor (Linux only, where prices scale with it).
	rateFor := func(p odPrice, kind providers.Kind, term providers.Term, pay providers.PaymentOption) (float64, string, bool) {
		if r, ok := ri[key{p.region, p.itype, p.platform, kind, term, pay}]; ok {
			return r.effective(), "the RI offer " + r.id, true
		}
		if p.platform != linux {
			return 0, "", false
		}
		for _, r := range c.ri {
			if r.region == p.region && r.platform == p.platform && family(r.itype) == family(p.itype) && r.kind == kind && r.term == term && r.pay == pay {
				f := normFactor(p.itype) / normFactor(r.itype)
				return r.effective() * f, fmt.Sprintf("the RI offer %s × normalization factor %g / %g", r.id, normFactor(p.itype), normFactor(r.itype)), true
			}
		}
		return 0, "", false
	}
	var out []spPlan
	for _, term := range []providers.Term{providers.Term1Year, providers.Term3Year} {
		for _, pay := range []providers.PaymentOption{providers.NoUpfront, providers.AllUpfront} {
			cs := spPlan{id: fmt.Sprintf("demo:compute-sp:%s:%s", term, pay), kind: providers.KindComputeSP, term: term, pay: pay,
				rates: map[string]float64{}, rateSrc: map[string]string{},
				desc: fmt.Sprintf("%s %s Compute Savings Plan", termWords(term), payWords(pay))}
			ec2 := map[string]*spPlan{}
			for _, p := range c.od {
				k := odKey(p.region, p.itype, p.platform)
				if r, src, ok := rateFor(p, providers.KindRIConvertible, term, pay); ok {
					cs.rates[k], cs.rateSrc[k] = r, src
				}
				if r, src, ok := rateFor(p, providers.KindRIStandard, term, pay); ok {
					fk := p.region + "/" + family(p.itype)
					e := ec2[fk]
					if e == nil {
						e = &spPlan{id: fmt.Sprintf("demo:ec2-instance-sp:%s:%s:%s:%s", p.region, family(p.itype), term, pay),
							kind: providers.KindEC2InstanceSP, term: term, pay: pay, region: p.region, family: family(p.itype),
							rates: map[string]float64{}, rateSrc: map[string]string{},
							desc: fmt.Sprintf("%s %s %s EC2 Instance Savings Plan in %s", termWords(term), payWords(pay), family(p.itype), p.region)}
						ec2[fk] = e
					}
					e.rates[k], e.rateSrc[k] = r, src
				}
			}
			out = append(out, cs)
			keys := make([]string, 0, len(ec2))
			for k := range ec2 {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				out = append(out, *ec2[k])
			}
		}
	}
	return out
}

func termWords(t providers.Term) string {
	if t == providers.Term3Year {
		return "3 year"
	}
	return "1 year"
}

func payWords(p providers.PaymentOption) string {
	switch p {
	case providers.AllUpfront:
		return "All Upfront"
	case providers.PartialUpfront:
		return "Partial Upfront"
	}
	return "No Upfront"
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// bookPool is the price book's pool of an instance type: size-flexible
// Linux pools per family in normalized units, other platforms per
// instance type (docs/pricebook.md).
func bookPool(region, itype, platform string) (providers.PoolKey, float64) {
	k := providers.PoolKey{Provider: providers.AWS, Region: region, Service: "AmazonEC2", Platform: platform, Tenancy: "Shared"}
	if platform == linux {
		k.Family, k.Unit = family(itype), providers.UnitNormalizedHour
		return k, normFactor(itype)
	}
	k.Family, k.Unit = itype, providers.UnitInstanceHour
	return k, 1
}

// PriceBook returns the demo's price book (testdata/demo/pricebook.json):
// the catalogue's on-demand rates, reserved instance offers and derived
// savings plan offerings, each with its source in the notes or the
// offering's description.
func PriceBook() *providers.PriceBook {
	return newCatalogue().book()
}

func (c *catalogue) book() *providers.PriceBook {
	pb := &providers.PriceBook{
		Schema:   providers.PriceBookSchema,
		Currency: "USD",
		Source: providers.PriceSource{Name: "tranche-demo",
			Reference: "internal/demo (prices.go): real published AWS prices from public files, and prices derived from them; docs/demo.md lists every source and rule"},
	}
	pb.Notes = append(pb.Notes, fmt.Sprintf("built by tranche demo: %d on-demand rates, %d reserved instance offers, %d savings plan offerings; nothing skipped",
		len(c.od), len(c.ri), len(c.sp)))
	for _, p := range c.od {
		pool, sf := bookPool(p.region, p.itype, p.platform)
		pb.OnDemand = append(pb.OnDemand, providers.OnDemandRate{Pool: pool, InstanceType: p.itype, SizeFactor: sf, HourlyRate: p.rate, SKU: p.sku, EffectiveDate: p.eff})
		pb.Notes = append(pb.Notes, fmt.Sprintf("on-demand %s %s %s %g USD/h: %s", p.region, p.platform, p.itype, p.rate, p.source))
	}
	for _, r := range c.ri {
		pool, sf := bookPool(r.region, r.itype, r.platform)
		pb.Offerings = append(pb.Offerings, providers.Offering{
			ID: r.id, Provider: providers.AWS, Kind: r.kind, Term: r.term, PaymentOption: r.pay, InstanceType: r.itype,
			UpfrontFee: r.upfront, RecurringHourlyFee: r.recurring, EffectiveHourlyRate: r.effective(),
			Covers:            []providers.Coverage{{Pool: pool, SizeFactor: sf}},
			PurchaseIncrement: 1, Currency: "USD", EffectiveDate: r.eff,
			Description: fmt.Sprintf("%s %s %s %s RI, %s %s; source: %s", r.region, r.platform, r.itype, kindWords(r.kind), termWords(r.term), payWords(r.pay), r.source),
		})
	}
	for _, s := range c.sp {
		o := providers.Offering{ID: s.id, Provider: providers.AWS, Kind: s.kind, Term: s.term, PaymentOption: s.pay,
			EffectiveHourlyRate: 1, PurchaseIncrement: 0.001, Currency: "USD"}
		switch s.pay {
		case providers.AllUpfront:
			o.UpfrontFee = s.term.Hours()
		case providers.NoUpfront:
			o.RecurringHourlyFee = 1
		}
		rule := ruleSPCompute
		if s.kind == providers.KindEC2InstanceSP {
			rule = ruleSPEC2
		}
		o.Description = s.desc + "; rates derived: " + rule
		keys := make([]string, 0, len(s.rates))
		for k := range s.rates {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := c.od[c.idx[k]]
			pool, sf := bookPool(p.region, p.itype, p.platform)
			o.Covers = append(o.Covers, providers.Coverage{Pool: pool, InstanceType: p.itype, SizeFactor: sf, Rate: s.rates[k]})
			pb.Notes = append(pb.Notes, fmt.Sprintf("savings plan %s rate for %s %s %s %g USD/h: derived: %s, from %s", s.id, p.region, p.platform, p.itype, s.rates[k], rule, s.rateSrc[k]))
		}
		pb.Offerings = append(pb.Offerings, o)
	}
	pb.Sort()
	return pb
}

func kindWords(k providers.Kind) string {
	switch k {
	case providers.KindRIConvertible:
		return "Convertible"
	case providers.KindComputeSP:
		return "Compute Savings Plan"
	case providers.KindEC2InstanceSP:
		return "EC2 Instance Savings Plan"
	}
	return "Standard"
}
