package demo

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/solver"
)

// ManifestSchema is the "schema" of manifest.json.
const ManifestSchema = "tranche.demo/v1"

// DefaultEnd is the end of the default window (exclusive): the data set
// does not depend on the day it is generated.
var DefaultEnd = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// Defaults of Config.
const (
	DefaultSeed = 1
	DefaultDays = 120
	// MinDays is the shortest window: the events need room.
	MinDays = 28
)

// Config says which data set to generate. The zero value is the default
// data set (seed 1, 120 days ending 2026-12-01).
type Config struct {
	// Seed seeds the noise of the usage; the fleet, the events, the
	// commitments and the prices do not depend on it.
	Seed uint64
	// End is the end of the window (exclusive), a midnight UTC; zero means
	// DefaultEnd.
	End time.Time
	// Days is the length of the window in days; zero means DefaultDays.
	Days int
}

func (c Config) withDefaults() (Config, error) {
	if c.Seed == 0 {
		c.Seed = DefaultSeed
	}
	if c.End.IsZero() {
		c.End = DefaultEnd
	}
	if c.Days == 0 {
		c.Days = DefaultDays
	}
	c.End = c.End.UTC()
	if !c.End.Equal(c.End.Truncate(24 * time.Hour)) {
		return c, fmt.Errorf("demo: end %s is not a midnight UTC", c.End.Format(time.RFC3339))
	}
	if c.Days < MinDays || c.Days > 3*365 {
		return c, fmt.Errorf("demo: %d days: want between %d and %d", c.Days, MinDays, 3*365)
	}
	return c, nil
}

// Start is the first hour of the window.
func (c Config) Start() time.Time { return c.End.AddDate(0, 0, -c.Days) }

// Manifest describes a generated data set and holds the generator's own
// totals (its ground truth), written as manifest.json beside the files.
type Manifest struct {
	Schema    string    `json:"schema"`
	Seed      uint64    `json:"seed"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Days      int       `json:"days"`
	Company   string    `json:"company"`
	Payer     Account   `json:"payer"`
	Accounts  []Account `json:"accounts"`
	PriceBook string    `json:"price_book"`
	Files     []File    `json:"files"`
	// Pools are the pools providers/focus derives from the files
	// (Dataset.UsageSeries), with the generator's totals.
	Pools []PoolTruth `json:"pools"`
	// Events are the usage events the data shows.
	Events []Event `json:"events"`
	// Commitments are the owned commitments, with what the bill made of
	// them inside the window.
	Commitments []CommitmentTruth `json:"commitments"`
	Totals      Totals            `json:"totals"`
	// SimulatorCheck is the largest difference between this bill and
	// solver.Simulate's, over every commitment's used capacity and every
	// pool's covered usage (units of each).
	SimulatorCheck float64 `json:"simulator_check_max_abs_diff"`
	// Notes say what the data set simplifies.
	Notes []string `json:"notes"`
}

// File is one generated billing file.
type File struct {
	Path   string `json:"path"` // relative to the manifest
	Month  string `json:"month"`
	Rows   int    `json:"rows"`
	SHA256 string `json:"sha256"`
}

// PoolTruth is one pool as providers/focus names it, with the generator's
// totals over the window.
type PoolTruth struct {
	Pool          providers.PoolKey `json:"pool"`
	InstanceTypes []string          `json:"instance_types"`
	// Quantity is the usage in Pool.Unit (NU-hours), OnDemandCost its
	// value at on-demand rates (USD), CoveredCost the part commitments
	// covered, valued at on-demand rates.
	Quantity     float64 `json:"quantity"`
	OnDemandCost float64 `json:"on_demand_cost"`
	CoveredCost  float64 `json:"covered_cost"`
	// LastHour is the last hour with usage (decommissioned pools end early).
	LastHour time.Time `json:"last_hour"`
}

// Event is one planned change of usage visible in the data.
type Event struct {
	Kind  string    `json:"kind"` // migration, decommission, holiday-slump, purchase, expiry
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	What  string    `json:"what"`
	// Pools names the pools concerned (PoolKey.String()).
	Pools []string `json:"pools,omitempty"`
}

// CommitmentTruth is an owned commitment and its bill inside the window.
type CommitmentTruth struct {
	providers.Commitment
	// Name, Type and Category are the FOCUS CommitmentDiscountName, Type
	// and Category of its rows; Offering the price book offering.
	Name     string `json:"name"`
	Type     string `json:"type"`
	Category string `json:"category"`
	Offering string `json:"offering"`
	Term     string `json:"term"`
	// Instances is the number of instances of InstanceType (RIs).
	Instances float64 `json:"instances,omitempty"`
	// FOCUSQuantity and FOCUSUnit are its hourly capacity as its FOCUS
	// rows state it (CommitmentDiscountQuantity and Unit).
	FOCUSQuantity float64 `json:"focus_quantity"`
	FOCUSUnit     string  `json:"focus_unit"`
	// Inside the window: capacity, used and unused, in FOCUS units; fees
	// (= purchase rows = amortized cost of its usage rows), USD;
	// utilization = used / capacity.
	Capacity    float64 `json:"capacity"`
	Used        float64 `json:"used"`
	Unused      float64 `json:"unused"`
	Fees        float64 `json:"fees"`
	Utilization float64 `json:"utilization"`
}

// Totals are sums over every row of the data set, USD.
type Totals struct {
	Rows           int     `json:"rows"`
	UsageRows      int     `json:"usage_rows"`
	BilledCost     float64 `json:"billed_cost"`
	EffectiveCost  float64 `json:"effective_cost"`
	ListCost       float64 `json:"list_cost"`
	OnDemandCost   float64 `json:"on_demand_cost"`  // all usage at on-demand rates
	CoveredCost    float64 `json:"covered_cost"`    // covered usage at on-demand rates
	CommitmentFees float64 `json:"commitment_fees"` // purchase rows
}

var header = []string{"BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd",
	"ChargeCategory", "ChargeDescription", "ChargeFrequency", "ChargePeriodStart", "ChargePeriodEnd",
	"CommitmentDiscountCategory", "CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountQuantity",
	"CommitmentDiscountStatus", "CommitmentDiscountType", "CommitmentDiscountUnit", "ConsumedQuantity", "ConsumedUnit",
	"ContractedCost", "EffectiveCost", "BilledCost", "ListCost", "PricingCategory", "PricingQuantity",
	"PricingUnit", "ProviderName", "RegionId", "ResourceId", "ServiceName", "SkuId", "SubAccountId", "SubAccountName", "x_InstanceType"}

const (
	cBillingAccountID = iota
	cBillingAccountName
	cBillingCurrency
	cBillingPeriodStart
	cBillingPeriodEnd
	cChargeCategory
	cChargeDescription
	cChargeFrequency
	cChargePeriodStart
	cChargePeriodEnd
	cCDCategory
	cCDID
	cCDName
	cCDQuantity
	cCDStatus
	cCDType
	cCDUnit
	cConsumedQuantity
	cConsumedUnit
	cContractedCost
	cEffectiveCost
	cBilledCost
	cListCost
	cPricingCategory
	cPricingQuantity
	cPricingUnit
	cProviderName
	cRegionID
	cResourceID
	cServiceName
	cSkuID
	cSubAccountID
	cSubAccountName
	cInstanceType
	nColumns
)

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// num writes an amount or quantity with at most 10 decimals: enough for
// every sum the tests and providers/focus check, and short rows read fast.
func num(x float64) string { return strconv.FormatFloat(math.Round(x*1e10)/1e10, 'f', -1, 64) }

// osWord is the operating system as AWS's charge descriptions name it.
func osWord(platform string) string {
	if platform == linux {
		return "Linux"
	}
	return platform
}

// Generate writes the demo data set into dir; GenerateManifest says how.
func Generate(ctx context.Context, dir string, cfg Config, progress io.Writer) error {
	_, err := GenerateManifest(ctx, dir, cfg, progress)
	return err
}

// ReadManifest reads the manifest.json of a generated data set in dir.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("demo: reading %s: %w", filepath.Join(dir, "manifest.json"), err)
	}
	if m.Schema != ManifestSchema {
		return nil, fmt.Errorf("demo: %s: schema %q, want %q", filepath.Join(dir, "manifest.json"), m.Schema, ManifestSchema)
	}
	return &m, nil
}

// GenerateManifest writes the demo data set into dir: one gzipped FOCUS 1.2 CSV
// file per month (focus-YYYY-MM.csv.gz) and manifest.json, replacing the
// files of an earlier run (and nothing else in dir). Rows are
// streamed: at most one hour of rows is held in memory. The same Config
// gives the same bytes. progress, when not nil, gets a line per file.
func GenerateManifest(ctx context.Context, dir string, cfg Config, progress io.Writer) (*Manifest, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if progress == nil {
		progress = io.Discard
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	// Files of an earlier run would mix another window into this one.
	old, err := filepath.Glob(filepath.Join(dir, "focus-*.csv.gz"))
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	for _, f := range append(old, filepath.Join(dir, "manifest.json"), filepath.Join(dir, InventoryFile)) {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("demo: removing the earlier run's %w", err)
		}
	}
	cat := newCatalogue()
	ws := newFleet(cat)
	win := newWindow(cfg.Start(), cfg.Days)
	b, err := newBilling(cat, ws, win)
	if err != nil {
		return nil, err
	}
	g := &gen{cfg: cfg, cat: cat, ws: ws, win: win, b: b, dir: dir, progress: progress}
	if err := g.run(ctx); err != nil {
		g.closeFile()
		return nil, err
	}
	m := g.manifest()
	f, err := os.Create(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		f.Close()
		return nil, fmt.Errorf("demo: writing manifest: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("demo: writing manifest: %w", err)
	}
	if err := writeInventory(filepath.Join(dir, InventoryFile), m); err != nil {
		return nil, err
	}
	return m, nil
}

// InventoryFile is the name of the inventory the generator writes beside
// the billing files: the owned commitments as the AWS APIs
// (DescribeReservedInstances, DescribeSavingsPlans) would list them at the
// end of the window, with what FOCUS does not carry — kind, end, size.
const InventoryFile = "inventory.json"

func writeInventory(path string, m *Manifest) error {
	inv := &providers.Inventory{Schema: providers.InventorySchema, AsOf: m.End,
		Source: fmt.Sprintf("tranche demo generate (seed %d): the demo company's commitments as the AWS APIs would list them", m.Seed)}
	for _, c := range m.Commitments {
		inv.Commitments = append(inv.Commitments, c.Commitment)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := inv.Encode(f); err != nil {
		f.Close()
		return fmt.Errorf("demo: writing the inventory: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("demo: writing the inventory: %w", err)
	}
	return nil
}

// gen is one run of the generator.
type gen struct {
	cfg      Config
	cat      *catalogue
	ws       []workload
	win      window
	b        *billing
	dir      string
	progress io.Writer

	// the open month file
	month    time.Time
	file     *os.File
	sum      hash.Hash
	zw       *gzip.Writer
	bw       *bufio.Writer
	cw       *csv.Writer
	rows     int
	files    []File
	rec      []string
	bpStart  string
	bpEnd    string
	chStart  string
	chEnd    string
	totals   Totals
	used     []float64 // per holding, FOCUS units, over the window
	capacity []float64
	fees     []float64
	// per pool (FOCUS grain: account, region, family, platform)
	poolIdx     []int // workload → focus pool
	focusPools  []PoolTruth
	poolLast    []int
	simUsage    [][]float64 // bill pool × hour
	simCovered  []float64   // bill pool
	simHoldUsed []float64   // holding, solver units
	simCheck    float64
}

func (g *gen) run(ctx context.Context) error {
	hours := g.win.hours
	nw, nh := len(g.ws), len(g.b.holdings)
	counts := make([]int, nw)
	model := newUsageModel(g.cfg.Seed, g.ws, g.win)
	resid := make([]float64, len(g.b.pools))
	take := make([][]float64, nh)
	for k := range take {
		take[k] = make([]float64, len(g.b.holdings[k].covers))
	}
	usedSolver := make([]float64, nh)
	g.used, g.capacity, g.fees = make([]float64, nh), make([]float64, nh), make([]float64, nh)
	g.simHoldUsed = make([]float64, nh)
	g.simCovered = make([]float64, len(g.b.pools))
	g.simUsage = make([][]float64, len(g.b.pools))
	for p := range g.simUsage {
		g.simUsage[p] = make([]float64, hours)
	}
	g.focusPoolsInit()
	g.rec = make([]string, nColumns)
	// covered[w][k]: units of workload w covered by holding k this hour.
	covered := make([][]float64, nw)
	for i := range covered {
		covered[i] = make([]float64, nh)
	}
	left := make([]float64, nw)
	for h := 0; h < hours; h++ {
		if h%24 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		t := g.win.start.Add(time.Duration(h) * time.Hour)
		if err := g.ensureMonth(t); err != nil {
			return err
		}
		model.counts(h, counts)
		for p := range resid {
			resid[p] = 0
		}
		for i, w := range g.ws {
			u := float64(counts[i])
			if g.b.pools[g.b.wlPool[i]].nu {
				u *= w.nf()
			}
			resid[g.b.wlPool[i]] += u
			left[i] = u
			for k := range covered[i] {
				covered[i][k] = 0
			}
			if counts[i] > 0 {
				g.poolLast[g.poolIdx[i]] = h
			}
		}
		for p := range resid {
			g.simUsage[p][h] = resid[p]
		}
		g.b.allocate(h, resid, take, usedSolver)
		// Hand each holding's take of a pool to the pool's workloads,
		// smallest size first (AWS applies size-flexible RIs that way).
		for _, k := range g.b.order {
			for c, cv := range g.b.holdings[k].covers {
				t := take[k][c]
				if t <= 0 {
					continue
				}
				g.simCovered[cv.pool] += t
				for _, wi := range g.b.pools[cv.pool].wls {
					if t <= 0 {
						break
					}
					x := math.Min(t, left[wi])
					if x <= 0 {
						continue
					}
					covered[wi][k] += x
					left[wi] -= x
					t -= x
				}
			}
			g.simHoldUsed[k] += usedSolver[k]
		}
		g.chStart, g.chEnd = ts(t), ts(t.Add(time.Hour))
		for i := range g.ws {
			if counts[i] == 0 {
				continue
			}
			if err := g.usageRows(i, counts[i], covered[i], left[i]); err != nil {
				return err
			}
		}
		for k := range g.b.holdings {
			if err := g.commitmentRows(k, h, t, usedSolver[k]); err != nil {
				return err
			}
		}
	}
	if err := g.closeFile(); err != nil {
		return err
	}
	return g.check(hours)
}

// focusPoolsInit maps workloads to the pools providers/focus derives:
// account, region, family and platform, in normalized units.
func (g *gen) focusPoolsInit() {
	idx := map[providers.PoolKey]int{}
	g.poolIdx = make([]int, len(g.ws))
	for i, w := range g.ws {
		// The price book's pool, in the accounts that use it: the pool
		// providers/focus derives (Service AmazonEC2, RI platform names,
		// Linux/UNIX per family in NU, other platforms per instance type).
		k, _ := bookPool(w.region, w.itype, w.platform)
		k.BillingScope, k.Account = PayerAccount.ID, accounts[w.account].ID
		p, ok := idx[k]
		if !ok {
			p = len(g.focusPools)
			idx[k] = p
			g.focusPools = append(g.focusPools, PoolTruth{Pool: k})
		}
		g.poolIdx[i] = p
		g.focusPools[p].InstanceTypes = append(g.focusPools[p].InstanceTypes, w.itype)
	}
	g.poolLast = make([]int, len(g.focusPools))
	for i := range g.poolLast {
		g.poolLast[i] = -1
	}
}

func (g *gen) ensureMonth(t time.Time) error {
	m := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	if g.file != nil && m.Equal(g.month) {
		return nil
	}
	if err := g.closeFile(); err != nil {
		return err
	}
	g.month = m
	name := "focus-" + m.Format("2006-01") + ".csv.gz"
	f, err := os.Create(filepath.Join(g.dir, name))
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	g.file, g.sum, g.rows = f, sha256.New(), 0
	zw, err := gzip.NewWriterLevel(io.MultiWriter(f, g.sum), gzip.BestSpeed)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	g.zw = zw
	g.bw = bufio.NewWriterSize(zw, 1<<16)
	g.cw = csv.NewWriter(g.bw)
	g.bpStart, g.bpEnd = ts(m), ts(m.AddDate(0, 1, 0))
	if err := g.cw.Write(header); err != nil {
		return fmt.Errorf("demo: writing %s: %w", name, err)
	}
	// The month's recurring RI fees (AWS bills them as one RIFee line a
	// month), over the part of the month inside the window and the term.
	end := g.cfg.End
	for k := range g.b.holdings {
		hd := &g.b.holdings[k]
		if hd.spend {
			continue
		}
		s := maxTime(maxTime(m, g.win.start), hd.start)
		e := minTime(minTime(m.AddDate(0, 1, 0), end), hd.end)
		if !s.Before(e) {
			continue
		}
		hrs := e.Sub(s).Hours()
		cost := hd.fee * hrs
		ri := g.riOf(hd)
		desc := fmt.Sprintf("USD %s hourly fee per %s (Amazon VPC), %s instance", num(ri.recurring), hd.spec.platform, hd.spec.itype)
		if hd.spec.platform == windows {
			desc = fmt.Sprintf("USD %s hourly fee per Windows (Amazon VPC), %s instance", num(ri.recurring), hd.spec.itype)
		}
		g.purchaseRow(hd, s, e, cost, hd.capUnits*hrs, desc, "Amazon Elastic Compute Cloud", hd.spec.region)
		g.fees[k] += cost
		if err := g.flushRow(); err != nil {
			return err
		}
	}
	fmt.Fprintf(g.progress, "demo: writing %s\n", filepath.Join(g.dir, name))
	return nil
}

func (g *gen) riOf(hd *holding) *riPrice {
	for i := range g.cat.ri {
		if g.cat.ri[i].id == hd.offering {
			return &g.cat.ri[i]
		}
	}
	panic("demo: unknown offering " + hd.offering)
}

func (g *gen) closeFile() error {
	if g.file == nil {
		return nil
	}
	f := g.file
	g.file = nil
	g.cw.Flush()
	err := g.cw.Error()
	if err == nil {
		err = g.bw.Flush()
	}
	if cerr := g.zw.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("demo: writing %s: %w", f.Name(), err)
	}
	name := filepath.Base(f.Name())
	g.files = append(g.files, File{Path: name, Month: g.month.Format("2006-01"), Rows: g.rows, SHA256: hex.EncodeToString(g.sum.Sum(nil))})
	return nil
}

// base fills the columns every row shares.
func (g *gen) base(account int) {
	r := g.rec
	for i := range r {
		r[i] = ""
	}
	r[cBillingAccountID], r[cBillingAccountName], r[cBillingCurrency] = PayerAccount.ID, PayerAccount.Name, "USD"
	r[cBillingPeriodStart], r[cBillingPeriodEnd] = g.bpStart, g.bpEnd
	r[cProviderName] = "AWS"
	r[cChargePeriodStart], r[cChargePeriodEnd] = g.chStart, g.chEnd
	if account >= 0 {
		r[cSubAccountID], r[cSubAccountName] = accounts[account].ID, accounts[account].Name
	} else {
		r[cSubAccountID], r[cSubAccountName] = PayerAccount.ID, PayerAccount.Name
	}
}

func (g *gen) flushRow() error {
	if err := g.cw.Write(g.rec); err != nil {
		return fmt.Errorf("demo: writing %s: %w", g.file.Name(), err)
	}
	g.rows++
	g.totals.Rows++
	return nil
}

// usageRows writes one workload's hour: a row per commitment that covered
// part of it (Used), and a row for the rest at the on-demand rate.
func (g *gen) usageRows(i, count int, covered []float64, left float64) error {
	w := &g.ws[i]
	od := g.cat.od[g.cat.idx[odKey(w.region, w.itype, w.platform)]]
	nu := g.b.pools[g.b.wlPool[i]].nu
	perUnit := 1.0 // instance-hours per unit of the bill pool
	if nu {
		perUnit = 1 / w.nf()
	}
	fp := &g.focusPools[g.poolIdx[i]]
	fp.Quantity += float64(count) / perUnit
	fp.OnDemandCost += float64(count) * od.rate
	g.totals.OnDemandCost += float64(count) * od.rate
	desc := fmt.Sprintf("$%s per On Demand %s %s Instance Hour", num(od.rate), osWord(w.platform), w.itype)
	common := func() {
		g.base(w.account)
		r := g.rec
		r[cChargeCategory], r[cChargeFrequency], r[cChargeDescription] = "Usage", "Usage-Based", desc
		r[cConsumedUnit], r[cPricingUnit] = "Hours", "Hours"
		r[cRegionID], r[cServiceName] = w.region, "Amazon Elastic Compute Cloud"
		r[cSkuID], r[cInstanceType] = od.sku, w.itype
	}
	for _, k := range g.b.order {
		units := covered[k]
		if units <= 0 {
			continue
		}
		hd := &g.b.holdings[k]
		q := units * perUnit // instance-hours
		list := q * od.rate
		var eff, cdq float64
		if hd.spend {
			// The commitment consumed: the plan's rate per unit.
			eff = units * g.coverRate(k, g.b.wlPool[i])
			cdq = eff
		} else {
			// RIs: units are NU (or instances) of the reservation.
			eff = units * hd.ownerRate
			cdq = units
		}
		common()
		r := g.rec
		if !hd.spend {
			// AWS's description of usage a reservation covers.
			r[cChargeDescription] = fmt.Sprintf("USD 0.0 hourly fee per %s (Amazon VPC), %s instance", w.platform, w.itype)
		}
		r[cPricingCategory] = "Committed"
		r[cConsumedQuantity], r[cPricingQuantity] = num(q), num(q)
		r[cListCost], r[cContractedCost], r[cBilledCost], r[cEffectiveCost] = num(list), num(list), "0", num(eff)
		g.commitmentColumns(hd)
		r[cCDStatus], r[cCDQuantity] = "Used", num(cdq)
		g.totals.ListCost += list
		g.totals.EffectiveCost += eff
		g.totals.CoveredCost += list
		g.totals.UsageRows++
		fp.CoveredCost += list
		if err := g.flushRow(); err != nil {
			return err
		}
	}
	if left > 1e-9 {
		q := left * perUnit
		cost := q * od.rate
		common()
		r := g.rec
		r[cPricingCategory] = "Standard"
		r[cConsumedQuantity], r[cPricingQuantity] = num(q), num(q)
		r[cListCost], r[cContractedCost], r[cBilledCost], r[cEffectiveCost] = num(cost), num(cost), num(cost), num(cost)
		g.totals.ListCost += cost
		g.totals.EffectiveCost += cost
		g.totals.BilledCost += cost
		g.totals.UsageRows++
		if err := g.flushRow(); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) coverRate(k, pool int) float64 {
	for _, c := range g.b.holdings[k].covers {
		if c.pool == pool {
			return c.rate
		}
	}
	panic("demo: holding does not cover the pool")
}

func (g *gen) commitmentColumns(hd *holding) {
	r := g.rec
	r[cCDID], r[cCDName], r[cCDUnit] = hd.id, hd.name, hd.unit
	if hd.spend {
		r[cCDType], r[cCDCategory] = "Savings Plan", "Spend"
	} else {
		r[cCDType], r[cCDCategory] = "Reserved Instance", "Usage"
	}
}

// commitmentRows writes a commitment's hour: its unused remainder, and for
// savings plans the hourly recurring fee (AWS's SavingsPlanRecurringFee).
func (g *gen) commitmentRows(k, h int, t time.Time, usedSolver float64) error {
	hd := &g.b.holdings[k]
	if h < hd.startH || h >= hd.endH {
		return nil
	}
	perSolver := hd.capUnits / hd.quantity // FOCUS units per solver unit
	used := usedSolver * perSolver
	g.used[k] += used
	g.capacity[k] += hd.capUnits
	region := hd.spec.region
	if hd.spend {
		g.base(-1)
		g.purchaseColumns(hd, hd.fee, hd.capUnits, hd.name, "Savings Plans for AWS Compute usage", "")
		r := g.rec
		r[cResourceID] = hd.id
		g.fees[k] += hd.fee
		if err := g.flushRow(); err != nil {
			return err
		}
	}
	unused := hd.capUnits - used
	if unused <= 1e-9*hd.capUnits {
		return nil
	}
	g.base(-1)
	r := g.rec
	r[cChargeCategory], r[cChargeFrequency], r[cPricingCategory] = "Usage", "Usage-Based", "Committed"
	r[cServiceName] = "Amazon Elastic Compute Cloud"
	r[cResourceID], r[cRegionID] = hd.id, region
	cost := unused * hd.fee / hd.capUnits
	if hd.spend {
		r[cChargeDescription] = "Unused " + hd.name + " commitment"
	} else {
		r[cChargeDescription] = fmt.Sprintf("Unused reservation: %s %s", hd.spec.platform, hd.spec.itype)
		r[cInstanceType] = hd.spec.itype
	}
	r[cListCost], r[cContractedCost], r[cBilledCost], r[cEffectiveCost] = "0", "0", "0", num(cost)
	g.commitmentColumns(hd)
	r[cCDStatus], r[cCDQuantity] = "Unused", num(unused)
	g.totals.EffectiveCost += cost
	return g.flushRow()
}

// purchaseRow fills a recurring purchase row of an RI covering [s, e).
func (g *gen) purchaseRow(hd *holding, s, e time.Time, cost, qty float64, desc, service, region string) {
	g.base(-1)
	g.rec[cChargePeriodStart], g.rec[cChargePeriodEnd] = ts(s), ts(e)
	g.purchaseColumns(hd, cost, qty, desc, service, region)
	g.rec[cResourceID] = hd.id
}

func (g *gen) purchaseColumns(hd *holding, cost, qty float64, desc, service, region string) {
	r := g.rec
	r[cChargeCategory], r[cChargeFrequency], r[cPricingCategory] = "Purchase", "Recurring", "Standard"
	r[cChargeDescription] = desc
	r[cServiceName], r[cRegionID] = service, region
	r[cListCost], r[cContractedCost], r[cBilledCost], r[cEffectiveCost] = num(cost), num(cost), num(cost), "0"
	g.commitmentColumns(hd)
	r[cCDQuantity] = num(qty)
	g.totals.BilledCost += cost
	g.totals.ListCost += cost
	g.totals.CommitmentFees += cost
}

// check compares the bill with solver.Simulate on the same usage and
// commitments: every commitment's used capacity and every pool's covered
// usage must agree.
func (g *gen) check(hours int) error {
	p, hs := g.b.problem(g.simUsage, hours)
	bill, err := solver.Simulate(p, hs, solver.SimOptions{})
	if err != nil {
		return fmt.Errorf("demo: simulating the bill: %w", err)
	}
	var worst float64
	var errs []error
	for k := range hs {
		d := math.Abs(bill.Holdings[k].Used - g.simHoldUsed[k])
		worst = math.Max(worst, d)
		if d > 1e-6*math.Max(1, bill.Holdings[k].Used) {
			errs = append(errs, fmt.Errorf("commitment %s: the demo's bill uses %g, solver.Simulate %g", hs[k].ID, g.simHoldUsed[k], bill.Holdings[k].Used))
		}
	}
	for i := range p.Pools {
		d := math.Abs(bill.Pools[i].Covered - g.simCovered[i])
		worst = math.Max(worst, d)
		if d > 1e-6*math.Max(1, bill.Pools[i].Covered) {
			errs = append(errs, fmt.Errorf("pool %d: the demo's bill covers %g, solver.Simulate %g", i, g.simCovered[i], bill.Pools[i].Covered))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("demo: the bill disagrees with solver.Simulate: %w", errors.Join(errs...))
	}
	g.simCheck = worst
	g.simUsage = nil
	return nil
}

func (g *gen) manifest() *Manifest {
	m := &Manifest{Schema: ManifestSchema, Seed: g.cfg.Seed, Start: g.win.start, End: g.cfg.End, Days: g.cfg.Days,
		Company: "Larkspur Analytics (fictional)", Payer: PayerAccount, Accounts: accounts,
		PriceBook: "testdata/demo/pricebook.json", Files: g.files, Totals: g.totals, SimulatorCheck: g.simCheck}
	for i := range g.focusPools {
		fp := g.focusPools[i]
		fp.InstanceTypes = sortedUnique(fp.InstanceTypes)
		if g.poolLast[i] >= 0 {
			fp.LastHour = g.win.start.Add(time.Duration(g.poolLast[i]) * time.Hour)
		}
		m.Pools = append(m.Pools, fp)
	}
	sort.Slice(m.Pools, func(i, j int) bool { return m.Pools[i].Pool.String() < m.Pools[j].Pool.String() })
	m.Events = g.events()
	for k := range g.b.holdings {
		m.Commitments = append(m.Commitments, g.commitmentTruth(k))
	}
	sort.Slice(m.Commitments, func(i, j int) bool { return m.Commitments[i].ID < m.Commitments[j].ID })
	m.Notes = []string{
		"every owned commitment is No Upfront, so that its purchase rows inside the window equal the amortized cost of its usage rows (providers/focus Reconcile); an upfront fee paid before the window could not reconcile",
		"FOCUS has no commitment end date: Dataset.Commitments cannot tell when a No Upfront commitment ends; the end dates are in this manifest",
		"usage rows aggregate the instances of one account, region, instance type and platform per hour (AWS exports one row per instance); ResourceId is empty on them",
		"regional reserved instances and savings plans apply across the linked accounts in pool order (the simulator's rule), not owner account first: every commitment is owned by the payer account, which runs nothing",
		"eu-west-1 older generations have no reserved instance or savings plan price in the book, so they are billed on demand",
	}
	return m
}

func (g *gen) events() []Event {
	at := func(h int) time.Time { return g.win.start.Add(time.Duration(h) * time.Hour) }
	var ev []Event
	poolName := func(i int) string { return g.focusPools[g.poolIdx[i]].Pool.String() }
	for i, w := range g.ws {
		if w.migrateTo >= 0 {
			to := g.ws[w.migrateTo]
			ev = append(ev, Event{Kind: "migration", Start: at(g.win.migStart), End: at(g.win.migEnd),
				What:  fmt.Sprintf("%s %s: %s → %s (the old type's share falls to %g%%, the sum stays on trend)", accounts[w.account].Name, w.region, w.itype, to.itype, 100*migrationFloor),
				Pools: []string{poolName(i), poolName(w.migrateTo)}})
		}
	}
	var decom []string
	for i, w := range g.ws {
		if w.decommissioned {
			decom = append(decom, poolName(i))
		}
	}
	decom = sortedUnique(decom)
	ev = append(ev, Event{Kind: "decommission", Start: at(g.win.decomStart), End: at(g.win.decomEnd),
		What: fmt.Sprintf("%s %s: the %s Hadoop cluster is switched off (usage falls to zero over three days)", decomAccount, decomRegion, decomFamily), Pools: decom})
	ev = append(ev, Event{Kind: "holiday-slump", Start: at(g.win.slumpStart), End: at(g.win.slumpEnd),
		What: g.win.slumpName + ": usage falls by role (CI to 15%, staging to 30%, web to 65%, batch to 80%, databases to 95%)"})
	for _, hd := range g.b.holdings {
		if hd.startH > 0 && hd.startH < g.win.hours {
			ev = append(ev, Event{Kind: "purchase", Start: hd.start, End: hd.end, What: "bought " + hd.name + " (" + hd.id + ")"})
		}
		if hd.endH > 0 && hd.endH <= g.win.hours {
			ev = append(ev, Event{Kind: "expiry", Start: hd.end, End: hd.end, What: "expired " + hd.name + " (" + hd.id + ")"})
		}
	}
	sort.SliceStable(ev, func(i, j int) bool { return ev[i].Start.Before(ev[j].Start) })
	return ev
}

func (g *gen) commitmentTruth(k int) CommitmentTruth {
	hd := &g.b.holdings[k]
	c := CommitmentTruth{Name: hd.name, Offering: hd.offering, Term: string(hd.spec.term), FOCUSQuantity: hd.capUnits, FOCUSUnit: hd.unit,
		Capacity: g.capacity[k], Used: g.used[k], Unused: g.capacity[k] - g.used[k], Fees: g.fees[k]}
	if c.Capacity > 0 {
		c.Utilization = c.Used / c.Capacity
	}
	c.ID, c.Provider, c.Kind, c.PaymentOption = hd.id, providers.AWS, hd.spec.kind, providers.NoUpfront
	c.Start, c.End, c.Currency = hd.start, hd.end, "USD"
	c.RecurringHourlyFee = hd.fee
	c.Scope = providers.PoolKey{Provider: providers.AWS, BillingScope: PayerAccount.ID, Region: hd.spec.region, Service: "AmazonEC2", Family: hd.spec.family}
	if hd.spend {
		c.Type, c.Category, c.Quantity = "Savings Plan", "Spend", hd.quantity
	} else {
		pk, _ := bookPool(hd.spec.region, hd.spec.itype, hd.spec.platform)
		c.Type, c.Category = "Reserved Instance", "Usage"
		// Quantity counts instances of InstanceType, as the price book's
		// offerings do; FOCUSQuantity is the same in FOCUS units.
		c.Quantity, c.InstanceType, c.Instances = hd.quantity, hd.spec.itype, hd.quantity
		c.Scope.Family, c.Scope.Platform, c.Scope.Tenancy, c.Scope.Unit = pk.Family, pk.Platform, pk.Tenancy, pk.Unit
	}
	return c
}

func sortedUnique(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
