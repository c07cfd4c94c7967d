package demo

import (
	"crypto/sha256"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/solver"
)

// ownedSpec is one commitment the company owns. Its dates are relative to
// the end of the window, so that whatever --end is chosen, some
// commitments expire inside the window and some within the year after it.
type ownedSpec struct {
	key      string // stable name, hashed into the ID
	kind     providers.Kind
	term     providers.Term
	region   string // RIs and EC2 Instance SPs
	itype    string // RIs: the size bought
	platform string // RIs
	family   string // EC2 Instance SPs
	count    float64
	perHour  float64 // savings plans: the commitment, USD per hour
	startDay int     // start, in days relative to the window's end (negative: before)
}

var ownedSpecs = []ownedSpec{
	{key: "ri-m5-std-1yr", kind: providers.KindRIStandard, term: providers.Term1Year, region: "us-east-1", itype: "m5.large", platform: linux, count: 24, startDay: -290},
	{key: "ri-m5-conv-3yr", kind: providers.KindRIConvertible, term: providers.Term3Year, region: "us-east-1", itype: "m5.large", platform: linux, count: 10, startDay: -(3*365 - 150)},
	{key: "ri-m5-std-expiring", kind: providers.KindRIStandard, term: providers.Term1Year, region: "us-east-1", itype: "m5.large", platform: linux, count: 12, startDay: -(365 + 20)},
	{key: "ri-c4-windows", kind: providers.KindRIStandard, term: providers.Term1Year, region: "us-east-2", itype: "c4.xlarge", platform: windows, count: 10, startDay: -320},
	{key: "ri-x2iedn-use1", kind: providers.KindRIStandard, term: providers.Term1Year, region: "us-east-1", itype: "x2iedn.32xlarge", platform: linux, count: 1, startDay: -200},
	{key: "sp-compute-1yr", kind: providers.KindComputeSP, term: providers.Term1Year, perHour: 16, startDay: -350},
	{key: "sp-compute-3yr", kind: providers.KindComputeSP, term: providers.Term3Year, perHour: 6, startDay: -(3*365 - 300)},
	{key: "sp-ec2-m5-use1", kind: providers.KindEC2InstanceSP, term: providers.Term1Year, region: "us-east-1", family: "m5", perHour: 4, startDay: -45},
}

// holding is an owned commitment as the billing engine uses it.
type holding struct {
	spec      ownedSpec
	id        string // ARN
	name      string // FOCUS CommitmentDiscountName
	offering  string // price book offering ID
	start     time.Time
	end       time.Time
	startH    int // hours from the window's first hour
	endH      int
	quantity  float64 // solver units: instances (RIs) or USD per hour (SPs)
	fee       float64 // USD per hour for the whole quantity
	tier      int
	capUnits  float64 // FOCUS CommitmentDiscountQuantity per hour: NU, instances or USD
	unit      string  // FOCUS CommitmentDiscountUnit
	covers    []cover // in billing order (highest discount first)
	spend     bool
	ownerRate float64 // RIs: USD per NU (or per instance) covered
}

// cover is a pool a holding can cover, with the solver's rate.
type cover struct {
	pool int
	rate float64
}

// billPool is a pool at the grain the bill works at: account, region,
// family (Linux, in NU) or instance type (other platforms), platform.
type billPool struct {
	account  int
	region   string
	family   string // the book's family: m5, or c4.xlarge for Windows
	platform string
	nu       bool
	odRate   float64 // USD per unit-hour (per NU for NU pools)
	wls      []int   // workloads, smallest size first
	spRate   map[string]float64
}

// billing is the demo's bill: pools, holdings, and per hour the
// allocation of each holding to each pool, by the providers' rule (the
// same rule as solver.Simulate, which checks it).
type billing struct {
	cat      *catalogue
	ws       []workload
	pools    []billPool
	wlPool   []int
	holdings []holding
	order    []int // holdings in billing order
}

// commitmentUUID is a stable, UUID-shaped ID for the commitment named key.
func commitmentUUID(key string) string {
	h := sha256.Sum256([]byte("tranche-demo/" + key))
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func newBilling(cat *catalogue, ws []workload, win window) (*billing, error) {
	b := &billing{cat: cat, ws: ws, wlPool: make([]int, len(ws))}
	idx := map[string]int{}
	for i, w := range ws {
		pk, _ := bookPool(w.region, w.itype, w.platform)
		k := fmt.Sprintf("%d/%s/%s/%s", w.account, w.region, pk.Family, w.platform)
		p, ok := idx[k]
		if !ok {
			p = len(b.pools)
			idx[k] = p
			od := cat.od[cat.idx[odKey(w.region, w.itype, w.platform)]]
			_, sf := bookPool(w.region, w.itype, w.platform)
			b.pools = append(b.pools, billPool{account: w.account, region: w.region, family: pk.Family, platform: w.platform,
				nu: pk.Unit == providers.UnitNormalizedHour, odRate: od.rate / sf})
		}
		b.wlPool[i] = p
		b.pools[p].wls = append(b.pools[p].wls, i)
	}
	for p := range b.pools {
		sort.SliceStable(b.pools[p].wls, func(i, j int) bool { return ws[b.pools[p].wls[i]].nf() < ws[b.pools[p].wls[j]].nf() })
	}
	end := win.start.Add(time.Duration(win.hours) * time.Hour)
	for _, s := range ownedSpecs {
		h, err := b.newHolding(s, end, win.start)
		if err != nil {
			return nil, err
		}
		b.holdings = append(b.holdings, h)
	}
	// Billing order: tier, then start (older first), then position — the
	// order of solver.Simulate.
	b.order = make([]int, len(b.holdings))
	for i := range b.order {
		b.order[i] = i
	}
	sort.SliceStable(b.order, func(i, j int) bool {
		hi, hj := &b.holdings[b.order[i]], &b.holdings[b.order[j]]
		if hi.tier != hj.tier {
			return hi.tier < hj.tier
		}
		return hi.startH < hj.startH
	})
	return b, nil
}

func (b *billing) newHolding(s ownedSpec, end, start time.Time) (holding, error) {
	h := holding{spec: s, tier: s.kind.BillingTier(), spend: s.kind.Spend()}
	h.start = end.AddDate(0, 0, s.startDay)
	h.end = h.start.Add(time.Duration(s.term.Hours()) * time.Hour)
	h.startH = int(h.start.Sub(start).Hours())
	h.endH = int(h.end.Sub(start).Hours())
	uuid := commitmentUUID(s.key)
	if !h.spend {
		var ri *riPrice
		for i := range b.cat.ri {
			r := &b.cat.ri[i]
			if r.region == s.region && r.itype == s.itype && r.platform == s.platform && r.kind == s.kind && r.term == s.term && r.pay == providers.NoUpfront {
				ri = r
			}
		}
		if ri == nil {
			return h, fmt.Errorf("demo: no no-upfront %s %s offer for %s %s %s in the catalogue", s.kind, s.term, s.region, s.platform, s.itype)
		}
		h.offering = ri.id
		h.id = fmt.Sprintf("arn:aws:ec2:%s:%s:reserved-instances/%s", s.region, PayerAccount.ID, uuid)
		h.name = fmt.Sprintf("%s %s %s RI, %s %s, %g × %s (%s)", kindWords(s.kind), s.platform, s.itype, termWords(s.term), payWords(providers.NoUpfront), s.count, s.itype, s.region)
		h.quantity = s.count
		h.fee = s.count * ri.recurring
		pk, sf := bookPool(s.region, s.itype, s.platform)
		if pk.Unit == providers.UnitNormalizedHour {
			h.capUnits, h.unit = s.count*sf, "Normalized Hour"
		} else {
			h.capUnits, h.unit = s.count, "Hours"
		}
		h.ownerRate = h.fee / h.capUnits
		for p, bp := range b.pools {
			if bp.region == s.region && bp.family == pk.Family && bp.platform == s.platform {
				// One purchased instance covers sf units a hour.
				h.covers = append(h.covers, cover{pool: p, rate: 1 / sf})
			}
		}
	} else {
		var plan *spPlan
		for i := range b.cat.sp {
			sp := &b.cat.sp[i]
			if sp.kind == s.kind && sp.term == s.term && sp.pay == providers.NoUpfront && sp.region == s.region && sp.family == s.family {
				plan = sp
			}
		}
		if plan == nil {
			return h, fmt.Errorf("demo: no no-upfront %s %s savings plan %s %s in the catalogue", s.kind, s.term, s.region, s.family)
		}
		h.offering = plan.id
		h.id = fmt.Sprintf("arn:aws:savingsplans::%s:savingsplan/%s", PayerAccount.ID, uuid)
		h.name = plan.desc
		h.quantity, h.fee, h.capUnits, h.unit = s.perHour, s.perHour, s.perHour, "USD"
		for p, bp := range b.pools {
			// The per-unit rate of the pool: the rate of any size it
			// prices, over its size factor (the same for every size).
			for _, wi := range bp.wls {
				w := b.ws[wi]
				r, ok := plan.rates[odKey(w.region, w.itype, w.platform)]
				if !ok {
					continue
				}
				_, sf := bookPool(w.region, w.itype, w.platform)
				h.covers = append(h.covers, cover{pool: p, rate: r / sf})
				break
			}
		}
	}
	if len(h.covers) == 0 {
		return h, fmt.Errorf("demo: commitment %s covers no pool of the fleet", s.key)
	}
	// Highest discount first (lowest rate / on-demand rate), ties by pool.
	sort.SliceStable(h.covers, func(i, j int) bool {
		ri := h.covers[i].rate / b.pools[h.covers[i].pool].odRate
		rj := h.covers[j].rate / b.pools[h.covers[j].pool].odRate
		if ri != rj {
			return ri < rj
		}
		return h.covers[i].pool < h.covers[j].pool
	})
	return h, nil
}

// allocate applies the active holdings to one hour's usage (units per
// pool, consumed in place) and writes into take[k][c] the units of pool
// holdings[k].covers[c].pool covered by holding k, and into used[k] the
// capacity it used (units of capUnits per solver unit are converted by the
// caller). It is the rule of solver.Simulate, hour by hour.
func (b *billing) allocate(h int, resid []float64, take [][]float64, used []float64) {
	for _, k := range b.order {
		hd := &b.holdings[k]
		used[k] = 0
		for c := range take[k] {
			take[k][c] = 0
		}
		if h < hd.startH || h >= hd.endH || hd.quantity == 0 {
			continue
		}
		left := hd.quantity
		for c, cv := range hd.covers {
			if left <= 0 {
				break
			}
			if resid[cv.pool] <= 0 {
				continue
			}
			t := math.Min(resid[cv.pool], left/cv.rate)
			resid[cv.pool] -= t
			left -= t * cv.rate
			if left < 0 {
				left = 0
			}
			take[k][c] = t
			used[k] += t * cv.rate
		}
	}
}

// problem is the solver's view of the same bill, for the cross-check with
// solver.Simulate: one offering per holding, usage per pool per hour.
func (b *billing) problem(usage [][]float64, hours int) (*solver.Problem, []solver.Holding) {
	p := &solver.Problem{Hours: hours}
	for i, bp := range b.pools {
		p.Pools = append(p.Pools, solver.Pool{ID: fmt.Sprintf("pool-%d", i), OnDemandRate: bp.odRate, Usage: usage[i]})
	}
	var hs []solver.Holding
	for k, hd := range b.holdings {
		o := solver.Offering{ID: hd.offering, Tier: hd.tier, TermHours: int(hd.spec.term.Hours()), Recurring: hd.fee / hd.quantity}
		if hd.spend {
			o.Type = solver.Spend
		}
		for _, c := range hd.covers {
			o.Covers = append(o.Covers, solver.Cover{Pool: c.pool, Rate: c.rate})
		}
		sort.Slice(o.Covers, func(i, j int) bool { return o.Covers[i].Pool < o.Covers[j].Pool })
		p.Offerings = append(p.Offerings, o)
		hs = append(hs, solver.Holding{ID: hd.id, Offering: k, Quantity: hd.quantity, Start: hd.startH, End: hd.endH})
	}
	return p, hs
}
