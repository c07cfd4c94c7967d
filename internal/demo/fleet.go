package demo

import (
	"math"
	"math/rand/v2"
	"time"
)

// The fictional company: Larkspur Analytics, an AWS organization with one
// payer account (which owns the commitments, as many companies do) and
// fourteen linked accounts running EC2 in four regions.

// Account is one AWS account of the demo company.
type Account struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// PayerAccount is the management (payer) account: the FOCUS
// BillingAccountId of every row, and the owner of every commitment.
var PayerAccount = Account{"400011110000", "larkspur-payer"}

// accounts are the linked accounts (FOCUS SubAccountId) that run instances.
var accounts = []Account{
	{"400011110001", "web-prod"},
	{"400011110002", "web-staging"},
	{"400011110003", "data-platform"},
	{"400011110004", "analytics"},
	{"400011110005", "ml-research"},
	{"400011110006", "eu-commerce"},
	{"400011110007", "eu-legacy"},
	{"400011110008", "windows-apps"},
	{"400011110009", "ci-build"},
	{"400011110010", "search"},
	{"400011110011", "payments"},
	{"400011110012", "identity"},
	{"400011110013", "media"},
	{"400011110014", "eu-search"},
}

// role is how a workload's usage moves: its daily and weekly cycles, its
// growth, its noise, and how much of it stays during the holiday slump.
type role struct {
	daily   float64 // amplitude of the daily cycle, relative
	weekend float64 // share of usage gone on Saturdays and Sundays
	growth  float64 // per day, relative (compounded)
	noise   float64 // standard deviation of the AR(1) log-noise
	slump   float64 // share of usage left during the holiday slump
	night   bool    // peaks at night (batch) rather than in business hours
}

var roles = map[string]role{
	"web":     {daily: 0.35, weekend: 0.15, growth: 0.0025, noise: 0.05, slump: 0.65},
	"staging": {daily: 0.25, weekend: 0.5, growth: 0.001, noise: 0.08, slump: 0.3},
	"batch":   {daily: 0.4, weekend: 0.1, growth: 0.002, noise: 0.1, slump: 0.8, night: true},
	"db":      {daily: 0.03, weekend: 0, growth: 0.0015, noise: 0.015, slump: 0.95},
	"ci":      {daily: 0.8, weekend: 0.85, growth: 0.003, noise: 0.12, slump: 0.15},
	"legacy":  {daily: 0.1, weekend: 0.1, growth: -0.001, noise: 0.04, slump: 0.7},
}

// workload is one group of instances: one account, region, instance type
// and platform, whose count varies hour by hour. It is the grain of the
// usage rows.
type workload struct {
	account  int // index in accounts
	region   string
	itype    string
	platform string
	base     float64 // mean instance count at the start of the window
	role     role
	// migrateTo is the index of the workload that takes this one's usage
	// over during the migration; migrateFrom the reverse (-1: none).
	migrateTo, migrateFrom int
	// decommissioned workloads fall to zero at the decommission event.
	decommissioned bool
}

func (w *workload) nf() float64 { return normFactor(w.itype) }

// Migrations and the decommission, by (account name, region, type).
type migration struct{ account, region, from, to string }

var migrations = []migration{
	// Windows servers move from c4 to c5 in us-east-2 (the newer family is cheaper).
	{"windows-apps", "us-east-2", "c4.xlarge", "c5.xlarge"},
	{"windows-apps", "us-east-2", "c4.2xlarge", "c5.2xlarge"},
	// The legacy cache moves from r3 to r4 in eu-west-1.
	{"eu-legacy", "eu-west-1", "r3.xlarge", "r4.xlarge"},
	{"eu-legacy", "eu-west-1", "r3.2xlarge", "r4.2xlarge"},
}

// decommissioned: the Hadoop cluster on d2 in eu-west-1 is switched off.
const decomAccount, decomRegion, decomFamily = "data-platform", "eu-west-1", "d2"

// fleetSpec lists the workloads: account name, region, instance type,
// mean count at the start, role. Platform: Windows in us-east-2, Linux
// elsewhere.
var fleetSpec = []struct {
	account, region, itype string
	base                   float64
	role                   string
}{
	// us-east-1, m5, Linux.
	{"web-prod", "us-east-1", "m5.large", 40, "web"},
	{"web-prod", "us-east-1", "m5.xlarge", 14, "web"},
	{"web-prod", "us-east-1", "m5.2xlarge", 4, "db"},
	{"web-staging", "us-east-1", "m5.large", 8, "staging"},
	{"web-staging", "us-east-1", "m5.xlarge", 3, "staging"},
	{"data-platform", "us-east-1", "m5.xlarge", 10, "batch"},
	{"data-platform", "us-east-1", "m5.4xlarge", 3, "batch"},
	{"analytics", "us-east-1", "m5.2xlarge", 6, "web"},
	{"ml-research", "us-east-1", "m5.xlarge", 4, "batch"},
	{"ci-build", "us-east-1", "m5.large", 14, "ci"},
	{"ci-build", "us-east-1", "m5.xlarge", 5, "ci"},
	{"search", "us-east-1", "m5.xlarge", 8, "web"},
	{"search", "us-east-1", "m5.2xlarge", 2, "db"},
	{"payments", "us-east-1", "m5.large", 12, "web"},
	{"payments", "us-east-1", "m5.xlarge", 2, "db"},
	{"identity", "us-east-1", "m5.large", 6, "web"},
	{"media", "us-east-1", "m5.xlarge", 5, "batch"},
	{"media", "us-east-1", "m5.large", 4, "web"},
	// x2iedn, Linux: in-memory databases and analytics.
	{"data-platform", "us-east-1", "x2iedn.xlarge", 16, "db"},
	{"data-platform", "us-east-1", "x2iedn.2xlarge", 6, "db"},
	{"data-platform", "us-east-1", "x2iedn.4xlarge", 2, "db"},
	{"analytics", "us-east-1", "x2iedn.2xlarge", 2, "web"},
	{"search", "us-east-1", "x2iedn.xlarge", 3, "db"},
	{"data-platform", "us-west-2", "x2iedn.xlarge", 6, "db"},
	{"ml-research", "us-west-2", "x2iedn.8xlarge", 1, "batch"},
	{"payments", "us-west-2", "x2iedn.xlarge", 2, "db"},
	{"eu-commerce", "eu-west-1", "x2iedn.xlarge", 4, "db"},
	{"data-platform", "eu-west-1", "x2iedn.2xlarge", 2, "db"},
	// us-east-2, Windows.
	{"windows-apps", "us-east-2", "c4.xlarge", 12, "web"},
	{"windows-apps", "us-east-2", "c4.2xlarge", 5, "web"},
	{"windows-apps", "us-east-2", "c5.xlarge", 0.6, "web"},
	{"windows-apps", "us-east-2", "c5.2xlarge", 0.3, "web"},
	{"web-prod", "us-east-2", "c5.xlarge", 4, "web"},
	{"web-staging", "us-east-2", "c4.xlarge", 2, "staging"},
	{"payments", "us-east-2", "c5.2xlarge", 2, "db"},
	{"identity", "us-east-2", "c4.xlarge", 3, "web"},
	// eu-west-1, older generations, Linux.
	{"eu-commerce", "eu-west-1", "m4.large", 12, "web"},
	{"eu-commerce", "eu-west-1", "m4.xlarge", 6, "web"},
	{"eu-commerce", "eu-west-1", "c4.large", 8, "web"},
	{"eu-commerce", "eu-west-1", "c4.xlarge", 4, "web"},
	{"eu-commerce", "eu-west-1", "r4.xlarge", 3, "db"},
	{"eu-commerce", "eu-west-1", "t2.small", 10, "web"},
	{"eu-commerce", "eu-west-1", "t2.large", 4, "web"},
	{"eu-commerce", "eu-west-1", "i3.xlarge", 2, "db"},
	{"eu-legacy", "eu-west-1", "m3.large", 6, "legacy"},
	{"eu-legacy", "eu-west-1", "m3.xlarge", 2, "legacy"},
	{"eu-legacy", "eu-west-1", "r3.xlarge", 4, "legacy"},
	{"eu-legacy", "eu-west-1", "r3.2xlarge", 2, "legacy"},
	{"eu-legacy", "eu-west-1", "r4.xlarge", 0.3, "legacy"},
	{"eu-legacy", "eu-west-1", "r4.2xlarge", 0.15, "legacy"},
	{"eu-legacy", "eu-west-1", "c3.large", 5, "legacy"},
	{"eu-legacy", "eu-west-1", "c3.xlarge", 2, "legacy"},
	{"eu-legacy", "eu-west-1", "t2.small", 6, "legacy"},
	{"data-platform", "eu-west-1", "d2.xlarge", 6, "batch"},
	{"data-platform", "eu-west-1", "d2.2xlarge", 3, "batch"},
	{"data-platform", "eu-west-1", "i3.2xlarge", 3, "db"},
	{"data-platform", "eu-west-1", "r4.2xlarge", 2, "batch"},
	{"data-platform", "eu-west-1", "c4.2xlarge", 3, "batch"},
	{"analytics", "eu-west-1", "r4.large", 4, "web"},
	{"analytics", "eu-west-1", "m4.xlarge", 3, "web"},
	{"analytics", "eu-west-1", "t2.large", 2, "web"},
	{"web-staging", "eu-west-1", "m4.large", 4, "staging"},
	{"web-staging", "eu-west-1", "c4.large", 3, "staging"},
	{"web-staging", "eu-west-1", "t2.small", 4, "staging"},
	{"ci-build", "eu-west-1", "c4.xlarge", 6, "ci"},
	{"ci-build", "eu-west-1", "c4.2xlarge", 2, "ci"},
	{"ci-build", "eu-west-1", "m4.large", 6, "ci"},
	{"ci-build", "eu-west-1", "t2.large", 5, "ci"},
	{"eu-search", "eu-west-1", "m4.xlarge", 6, "web"},
	{"eu-search", "eu-west-1", "r4.xlarge", 2, "db"},
	{"eu-search", "eu-west-1", "c4.large", 4, "web"},
	{"eu-search", "eu-west-1", "t2.small", 3, "web"},
	{"payments", "eu-west-1", "m4.large", 4, "web"},
	{"payments", "eu-west-1", "r4.large", 2, "db"},
	{"identity", "eu-west-1", "t2.large", 3, "web"},
	{"identity", "eu-west-1", "m4.large", 2, "web"},
	{"media", "eu-west-1", "c4.2xlarge", 2, "batch"},
	{"media", "eu-west-1", "i3.xlarge", 2, "db"},
	{"search", "eu-west-1", "m3.large", 3, "legacy"},
}

func accountIndex(name string) int {
	for i, a := range accounts {
		if a.Name == name {
			return i
		}
	}
	panic("demo: unknown account " + name)
}

// newFleet builds the workloads from fleetSpec, with the events wired in.
// It panics on an inconsistent table (a programming error caught by every
// test).
func newFleet(c *catalogue) []workload {
	var ws []workload
	for _, s := range fleetSpec {
		platform := linux
		if s.region == "us-east-2" {
			platform = windows
		}
		if _, ok := c.idx[odKey(s.region, s.itype, platform)]; !ok {
			panic("demo: no on-demand price for " + odKey(s.region, s.itype, platform))
		}
		r, ok := roles[s.role]
		if !ok {
			panic("demo: unknown role " + s.role)
		}
		ws = append(ws, workload{account: accountIndex(s.account), region: s.region, itype: s.itype, platform: platform,
			base: s.base, role: r, migrateTo: -1, migrateFrom: -1,
			decommissioned: s.account == decomAccount && s.region == decomRegion && family(s.itype) == decomFamily})
	}
	find := func(acct, region, itype string) int {
		for i, w := range ws {
			if accounts[w.account].Name == acct && w.region == region && w.itype == itype {
				return i
			}
		}
		panic("demo: no workload " + acct + " " + region + " " + itype)
	}
	for _, m := range migrations {
		from, to := find(m.account, m.region, m.from), find(m.account, m.region, m.to)
		if normFactor(m.from) != normFactor(m.to) {
			panic("demo: a migration keeps the size")
		}
		ws[from].migrateTo, ws[to].migrateFrom = to, from
	}
	return ws
}

// window is the data set's time frame and its events, in hours from the
// first hour.
type window struct {
	start time.Time
	hours int
	// Migration: the old family's share of the pair's usage falls from
	// 1 to migrationFloor between migStart and migEnd.
	migStart, migEnd int
	// Decommission: usage falls linearly to zero over [decomStart, decomEnd).
	decomStart, decomEnd int
	// Holiday slump: [slumpStart, slumpEnd).
	slumpStart, slumpEnd int
	slumpName            string
}

const migrationFloor = 0.05

func newWindow(start time.Time, days int) window {
	w := window{start: start, hours: days * 24}
	day := func(f float64) int { return int(math.Round(f*float64(days))) * 24 }
	w.migStart, w.migEnd = day(0.35), day(0.75)
	w.decomStart = day(0.55)
	w.decomEnd = w.decomStart + 72
	// The slump: US Thanksgiving, Wednesday to Sunday, when the window
	// holds it; otherwise five days from 80% of the window.
	end := start.Add(time.Duration(w.hours) * time.Hour)
	for y := start.Year(); y <= end.Year(); y++ {
		nov1 := time.Date(y, 11, 1, 0, 0, 0, 0, time.UTC)
		thu := nov1.AddDate(0, 0, (int(time.Thursday)-int(nov1.Weekday())+7)%7+21)
		s, e := thu.AddDate(0, 0, -1), thu.AddDate(0, 0, 4)
		if !s.Before(start) && !e.After(end) {
			w.slumpStart, w.slumpEnd = int(s.Sub(start).Hours()), int(e.Sub(start).Hours())
			w.slumpName = "US Thanksgiving " + thu.Format("2006-01-02") + " (Wednesday to Sunday)"
		}
	}
	if w.slumpName == "" {
		w.slumpStart = day(0.8)
		w.slumpEnd = w.slumpStart + 5*24
		w.slumpName = "holiday slump (five days from 80% of the window)"
	}
	return w
}

// usageModel draws each workload's instance count hour by hour. Each
// workload has its own random source seeded from (seed, workload index),
// so counts do not depend on the order of evaluation.
type usageModel struct {
	ws    []workload
	win   window
	rng   []*rand.Rand
	noise []float64 // AR(1) state per workload
}

func newUsageModel(seed uint64, ws []workload, win window) *usageModel {
	m := &usageModel{ws: ws, win: win, rng: make([]*rand.Rand, len(ws)), noise: make([]float64, len(ws))}
	for i := range ws {
		m.rng[i] = rand.New(rand.NewPCG(seed, uint64(i)+1))
	}
	return m
}

// counts fills n with the instance count of every workload in hour h
// (hours must be asked in order from 0).
func (m *usageModel) counts(h int, n []int) {
	t := m.win.start.Add(time.Duration(h) * time.Hour)
	days := float64(h) / 24
	for i := range m.ws {
		w := &m.ws[i]
		r := w.role
		m.noise[i] = 0.8*m.noise[i] + r.noise*m.rng[i].NormFloat64()
		peak := 18.0 // business hours in the US, UTC
		if w.region == "eu-west-1" {
			peak = 13
		}
		if r.night {
			peak = math.Mod(peak+12, 24)
		}
		x := math.Pow(1+r.growth, days)
		x *= 1 + r.daily*math.Cos(2*math.Pi*(float64(t.Hour())-peak)/24)
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			x *= 1 - r.weekend
		}
		if h >= m.win.slumpStart && h < m.win.slumpEnd {
			x *= r.slump
		}
		if w.decommissioned {
			x *= rampDown(h, m.win.decomStart, m.win.decomEnd)
		}
		base := w.base
		switch {
		case w.migrateTo >= 0: // the old family: its share falls
			pair := w.base + m.ws[w.migrateTo].base
			base = pair * (1 - migrationShare(h, m.win))
		case w.migrateFrom >= 0: // the new family: it takes the old one's share
			pair := w.base + m.ws[w.migrateFrom].base
			base = pair * migrationShare(h, m.win)
		}
		v := base * x * math.Exp(m.noise[i])
		n[i] = int(math.Max(0, math.Round(v)))
	}
}

// migrationShare is the new family's share of a migrating pair in hour h:
// its starting share until the migration starts, then rising linearly to
// 1 − migrationFloor at its end.
func migrationShare(h int, w window) float64 {
	const first = 0.05
	switch {
	case h < w.migStart:
		return first
	case h >= w.migEnd:
		return 1 - migrationFloor
	}
	f := float64(h-w.migStart) / float64(w.migEnd-w.migStart)
	return first + f*(1-migrationFloor-first)
}

func rampDown(h, s, e int) float64 {
	switch {
	case h < s:
		return 1
	case h >= e:
		return 0
	}
	return 1 - float64(h-s)/float64(e-s)
}
