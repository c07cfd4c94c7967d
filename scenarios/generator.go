package scenarios

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/tranchehq/tranche/internal/planner"
	"github.com/tranchehq/tranche/providers"
)

// Defaults of Generator.
const (
	DefaultScenarios = 20
	DefaultFitWindow = 8 * 7 * 24 * time.Hour
	DefaultIdleAfter = 7 * 24 * time.Hour
	// DefaultMaxBytes bounds the usage Forecast returns: scenarios × pools
	// × horizon hours × 8 bytes. 20 scenarios × 60 pools × 8,760 hours is
	// 84 MB; 1,000 pools × 8,760 hours × 20 scenarios (1.4 GB) is refused,
	// and Stream generates it one scenario (70 MB) at a time.
	DefaultMaxBytes = 1 << 30
)

// hoursPerYear is the year the growth rates of the assumptions are per.
const hoursPerYear = 8760

// ErrTooLarge is what the *planner.ForecastTooLargeError that Forecast
// returns, when the scenarios would take more memory than
// Generator.MaxBytes, unwraps to.
var ErrTooLarge = planner.ErrForecastTooLarge

// Generator makes stochastic scenarios from the usage history: per pool,
// a trend (a straight line, or one bent once, through the weekly means of
// the fit window) times an hour-of-week profile times a bootstrapped week
// of residuals; the trend may break in the future (growth stops, the level
// falls back); migrations in progress are continued; planned events and
// growth ranges come from the Assumptions. docs/scenarios.md writes out
// the method.
//
// The zero value is usable: 20 scenarios, seed 0, an 8-week fit window,
// future trend breaks drawn.
// The same history, as-of time, horizon, options and seed give the same
// scenarios, bit for bit.
type Generator struct {
	// Scenarios is the number of scenarios, each with probability
	// 1/Scenarios; 0 means DefaultScenarios.
	Scenarios int
	// Seed seeds the draws (scenario growth and residual weeks).
	Seed uint64
	// FitWindow is the history, ending at the as-of time, that trend,
	// seasonality and residuals are fitted on, rounded down to whole weeks
	// (whole days when less than two weeks are known); 0 means
	// DefaultFitWindow.
	FitWindow time.Duration
	// GrowthDamping is the time constant τ with which a rising trend is
	// damped: growth adds slope·τ·(1 − e^(−t/τ)) after t hours rather than
	// slope·t, so it never extrapolates much further than the history
	// shows (a commitment bought on growth that stops is paid for
	// regardless). Falling trends are continued undamped. 0 means the fit
	// window or, when shorter, the age of the trend (a trend that bent
	// three weeks ago is damped with τ three weeks: docs/scenarios.md);
	// negative, no damping (a straight line).
	GrowthDamping time.Duration
	// NoBreaks turns future trend breaks off: every scenario then
	// continues the fitted trend (damped if rising) to the end of the
	// horizon. By default each scenario draws a break time and size, shared
	// by all pools: after the break a pool's trend stops and its level
	// falls back, by a drawn share, towards the lowest level its fit window
	// showed; the chance of a break within t hours is t/(age + t), age how
	// long the pool's current trend has held (docs/scenarios.md, "Trend
	// breaks").
	NoBreaks bool
	// Successors names, for pools of a previous generation, the newest
	// generation of their family that the price book prices in the same
	// place (Successors(book) finds them). In each scenario such a pool's
	// usage moves to it, over four weeks, from a drawn time on: the chance
	// of a move within a year is MoveChance (0 means DefaultMoveChance),
	// drawn once per family and place. Nil, or NoMoves, draws no moves
	// (docs/scenarios.md, "Moves to newer generations").
	Successors map[providers.PoolKey]providers.PoolKey
	MoveChance float64
	NoMoves    bool
	// IdleAfter is how long a pool must have had no usage at all, up to
	// the as-of time, to be taken as decommissioned (0 over the horizon);
	// 0 means DefaultIdleAfter, negative turns the rule off.
	IdleAfter time.Duration
	// Assumptions are finance's growth ranges and planned events; nil
	// means none.
	Assumptions *Assumptions
	// MaxBytes bounds the memory of Forecast's answer; 0 means
	// DefaultMaxBytes.
	MaxBytes int64
}

var _ planner.Forecaster = (*Generator)(nil)

// Name is "bootstrap" with what makes its scenarios what they are: the
// seed, and the assumptions file when there is one.
func (g *Generator) Name() string {
	name := fmt.Sprintf("bootstrap (seed %d)", g.Seed)
	if g.Assumptions != nil && g.Assumptions.File != "" {
		name = fmt.Sprintf("bootstrap (seed %d, assumptions %s)", g.Seed, g.Assumptions.File)
	}
	if g.NoBreaks {
		name = name[:len(name)-1] + ", no trend breaks)"
	}
	if g.NoMoves {
		name = name[:len(name)-1] + ", no generation moves)"
	}
	return name
}

// Forecast returns g.Scenarios scenarios of equal probability over
// horizonHours hours from asOf, one series per pool in every scenario, in
// the same order: the history's pools, then the pools that the
// assumptions' launches and migrations create. It reads only the hours of
// history before asOf. lookback is not used: FitWindow says how much
// history is read.
func (g *Generator) Forecast(history []providers.UsageSeries, asOf time.Time, lookback time.Duration, horizonHours int) ([]planner.Scenario, error) {
	m, err := g.prepare(history, asOf, horizonHours)
	if err != nil {
		return nil, err
	}
	n := g.scenarios()
	limit := g.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	one := int64(len(m.pools)) * int64(horizonHours) * 8
	if size := int64(n) * one; size > limit {
		return nil, &planner.ForecastTooLargeError{Scenarios: n, Pools: len(m.pools), Hours: horizonHours, Bytes: size, Limit: limit, Fits: int(limit / max(1, one))}
	}
	// Scenarios are independent (each has its own random stream and
	// buffer; the fit is only read), so they are drawn in parallel with
	// the same result as in order.
	out := make([]planner.Scenario, n)
	next := make(chan int, n)
	for s := range n {
		next <- s
	}
	close(next)
	var wg sync.WaitGroup
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for s := range next {
				out[s] = m.scenario(s, n, make([]float64, len(m.pools)*horizonHours))
			}
		})
	}
	wg.Wait()
	return out, nil
}

// WithScenarios is the generator making the first n of g's scenarios: a
// scenario's draws depend on the seed and its index only, so they are the
// same scenarios, each with probability 1/n (planner.Resizer).
func (g *Generator) WithScenarios(n int) planner.Forecaster {
	c := *g
	c.Scenarios = n
	return &c
}

// WithMaxBytes is the generator whose Forecast refuses scenarios larger
// than n bytes, or than g's own limit if that is lower
// (planner.Limiter).
func (g *Generator) WithMaxBytes(n int64) planner.Forecaster {
	c := *g
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	c.MaxBytes = min(c.MaxBytes, n)
	return &c
}

// Stream generates the scenarios of Forecast one at a time and calls fn
// with each, in order; it holds one scenario in memory (pools × horizon
// hours × 8 bytes) beside the fit. The usage slices are reused by the next
// call: fn must copy what it keeps. An error from fn stops the stream and
// is returned.
func (g *Generator) Stream(history []providers.UsageSeries, asOf time.Time, horizonHours int, fn func(planner.Scenario) error) error {
	m, err := g.prepare(history, asOf, horizonHours)
	if err != nil {
		return err
	}
	n := g.scenarios()
	buf := make([]float64, len(m.pools)*horizonHours)
	for s := range n {
		if err := fn(m.scenario(s, n, buf)); err != nil {
			return err
		}
	}
	return nil
}

func (g *Generator) scenarios() int {
	if g.Scenarios <= 0 {
		return DefaultScenarios
	}
	return g.Scenarios
}

// model is everything fitted, ready to draw scenarios from.
type model struct {
	seed    uint64
	asOf    time.Time
	horizon int
	period  int     // P: seasonal period and bootstrap block, hours
	weeks   int     // K: blocks in the fit window
	tau     float64 // growth damping time constant, hours (0: none)
	tauAge  bool    // tau is at most the age of the trend it damps (the default)
	// rise[j] is damped(1, j, tau) for every horizon hour j: the time a
	// rise damped with the model's own tau has acted, which most rising
	// trends use, computed once rather than per pool, scenario and hour.
	rise    []float64
	breaks  bool // draw future trend breaks
	pools   []pool
	events  []*Event
	targets [][]int // per event, the pools it acts on (migration: pairs from, to)
	// moves to newer generations, drawn at rate moveRate per hour
	moves    []move
	moveRate float64
}

// pool is one output pool.
type pool struct {
	key  providers.PoolKey
	rate float64
	fit  fit
	// fresh pools are not in the history (launches, migration targets):
	// zero until an event fills them.
	fresh bool
	// A migration in progress: the falling pool keeps its own trend
	// (without drawn growth); the rising pool is the pair's trend minus
	// the falling pool's.
	falling bool
	partner int // for the rising pool, the falling pool's index; else −1
	sum     fit // for the rising pool, the pair's trend (level, slope, se)
	growth  *GrowthRule
}

func (g *Generator) prepare(history []providers.UsageSeries, asOf time.Time, horizon int) (*model, error) {
	if len(history) == 0 {
		return nil, planner.ErrNoUsage
	}
	if horizon <= 0 {
		return nil, fmt.Errorf("scenarios: horizon of %d hours: want at least one", horizon)
	}
	start := history[0].Start.UTC()
	if !start.Equal(start.Truncate(time.Hour)) || !asOf.Equal(asOf.Truncate(time.Hour)) {
		return nil, fmt.Errorf("scenarios: history start %s and as-of %s must be whole hours", start.Format(time.RFC3339), asOf.Format(time.RFC3339))
	}
	to := int(asOf.Sub(start) / time.Hour)
	for _, h := range history {
		if !h.Start.Equal(history[0].Start) || len(h.Quantity) != len(history[0].Quantity) {
			return nil, fmt.Errorf("scenarios: history of %s is not aligned with %s (series must share start and length)", h.Pool, history[0].Pool)
		}
	}
	if to < 1 || to > len(history[0].Quantity) {
		return nil, fmt.Errorf("scenarios: as-of %s is outside the history (%s, %d hours)", asOf.Format(time.RFC3339), start.Format(time.RFC3339), len(history[0].Quantity))
	}
	fw := g.FitWindow
	if fw <= 0 {
		fw = DefaultFitWindow
	}
	window := min(to, max(1, int(fw/time.Hour)))
	P := periodFor(window)
	n := window / P * P
	idle := int(DefaultIdleAfter / time.Hour)
	if g.IdleAfter != 0 {
		idle = max(0, int(g.IdleAfter/time.Hour))
	}
	m := &model{seed: g.Seed, asOf: asOf.UTC(), horizon: horizon, period: P, weeks: n / P, tau: float64(window), tauAge: true, breaks: !g.NoBreaks}
	switch {
	case g.GrowthDamping < 0:
		m.tau, m.tauAge = 0, false
	case g.GrowthDamping > 0:
		m.tau, m.tauAge = g.GrowthDamping.Hours(), false
	}
	if m.tau > 0 {
		m.rise = make([]float64, horizon)
		for j := range m.rise {
			m.rise[j] = damped(1, float64(j), m.tau)
		}
	}
	index := make(map[providers.PoolKey]int, len(history))
	windows := make([][]float64, len(history))
	for i, h := range history {
		if _, dup := index[h.Pool]; dup {
			return nil, fmt.Errorf("scenarios: pool %s appears twice in the history", h.Pool)
		}
		y := h.Quantity[to-n : to]
		for j, v := range y {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return nil, fmt.Errorf("scenarios: pool %s, hour %s: usage %v is not a non-negative number", h.Pool, start.Add(time.Duration(to-n+j)*time.Hour).Format(time.RFC3339), v)
			}
		}
		index[h.Pool] = i
		windows[i] = y
		m.pools = append(m.pools, pool{key: h.Pool, rate: h.OnDemandRate, fit: fitPool(y, P, idle), partner: -1})
	}
	m.pairMigrations(windows)
	if a := g.Assumptions; a != nil {
		for i := range m.pools {
			m.pools[i].growth = a.growthFor(m.pools[i].key)
		}
		if err := m.compileEvents(a, index); err != nil {
			return nil, err
		}
	}
	if !g.NoMoves {
		chance := g.MoveChance
		if chance == 0 {
			chance = DefaultMoveChance
		}
		if chance < 0 || chance >= 1 || math.IsNaN(chance) {
			return nil, fmt.Errorf("scenarios: move chance %v: want a probability in [0, 1)", chance)
		}
		m.addMoves(g.Successors, chance, index)
	}
	return m, nil
}

// pairMigrations finds migrations in progress or just done: two pools of
// one account that differ in family or in region (not both), the same in
// everything else, whose usage moves from one to the
// other. In progress: their last trends run opposite, each clearly (a
// change of at least 10 % of its mean over the window, at least three
// standard errors), while their sum moves at most half as fast as either.
// Done: the falling pool had usage in the window and has none now
// (decommissioned), and over the whole window the two pools' straight-line
// slopes run opposite, each a change of at least 10 % of its mean, while
// their sum moves at most half as fast. The closest to offsetting come
// first; each pool is in one pair at most.
// The rising pool then continues the pair's trend: the workload's history
// is the pair's, not the few weeks since it arrived.
func (m *model) pairMigrations(windows [][]float64) {
	type cand struct {
		f, r    int
		quality float64
	}
	span := float64(m.period * m.weeks)
	direction := func(i int) int {
		p := m.pools[i].fit
		if p.zero || p.slope == 0 {
			return 0
		}
		mu := mean(windows[i])
		if math.Abs(p.slope)*span < 0.1*mu || math.Abs(p.slope) < 3*p.se {
			return 0
		}
		if p.slope < 0 {
			return -1
		}
		return 1
	}
	// Within one account only: in a fleet of many accounts a pool
	// falling in one and a pool rising in another match by chance (a
	// 700-pool fleet of 100 independent accounts gave 60 such pairs, none
	// real); and for commitments shared across the billing scope a move
	// between accounts changes little.
	related := func(a, b providers.PoolKey) bool {
		switch {
		case a.Account != b.Account:
			return false
		case a.Family != b.Family && a.Region != b.Region:
			return false
		case a.Family != b.Family:
			a.Family, b.Family = "", ""
		default:
			a.Region, b.Region = "", ""
		}
		return a == b
	}
	dir := make([]int, len(m.pools))
	line := make([]float64, len(m.pools)) // straight-line slope over the window
	gone := make([]bool, len(m.pools))
	for i := range m.pools {
		dir[i] = direction(i)
		line[i] = olsSlope(windows[i])
		gone[i] = m.pools[i].fit.zero && mean(windows[i]) > 0
	}
	moved := func(i int, sign float64) bool {
		return sign*line[i] > 0 && math.Abs(line[i])*span >= 0.1*mean(windows[i])
	}
	var cands []cand
	for f := range m.pools {
		if dir[f] >= 0 && !gone[f] {
			continue
		}
		for r := range m.pools {
			kf, kr := m.pools[f].key, m.pools[r].key
			if r == f || !related(kf, kr) {
				continue
			}
			var bf, br float64
			switch {
			case dir[f] < 0 && dir[r] > 0:
				bf, br = m.pools[f].fit.slope, m.pools[r].fit.slope
			case gone[f] && !m.pools[r].fit.zero && dir[r] >= 0 && moved(f, -1) && moved(r, 1):
				bf, br = line[f], line[r]
			default:
				continue
			}
			q := math.Abs(bf+br) / max(-bf, br)
			if q <= 0.5 {
				cands = append(cands, cand{f: f, r: r, quality: q})
			}
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		return cands[i].quality < cands[j].quality
	})
	used := make([]bool, len(m.pools))
	for _, c := range cands {
		if used[c.f] || used[c.r] {
			continue
		}
		used[c.f], used[c.r] = true, true
		sum := make([]float64, len(windows[c.f]))
		for h := range sum {
			sum[h] = windows[c.f][h] + windows[c.r][h]
		}
		// Both pools take the pair's profile and residuals: it is one
		// workload, and the residuals of a pool that starts or ends in the
		// window are mostly the migration itself.
		sf := fitPool(sum, m.period, 0)
		sf.level = m.pools[c.f].fit.level + m.pools[c.r].fit.level
		for _, i := range []int{c.f, c.r} {
			m.pools[i].fit.season, m.pools[i].fit.resid = sf.season, sf.resid
		}
		m.pools[c.f].falling = true
		m.pools[c.r].partner = c.f
		m.pools[c.r].sum = fit{level: sf.level, slope: sf.slope, se: sf.se, age: sf.age, floor: sf.floor}
	}
}

// olsSlope is the least-squares slope of y against its index.
func olsSlope(y []float64) float64 {
	n := float64(len(y))
	if n < 2 {
		return 0
	}
	xm, ym := (n-1)/2, mean(y)
	var sxy, sxx float64
	for i, v := range y {
		dx := float64(i) - xm
		sxy += dx * (v - ym)
		sxx += dx * dx
	}
	return sxy / sxx
}

// scenario draws scenario s of n into buf (pools × horizon).
func (m *model) scenario(s, n int, buf []float64) planner.Scenario {
	H, P, K := m.horizon, m.period, m.weeks
	rng := rand.New(rand.NewPCG(m.seed, uint64(s)))
	z := rng.NormFloat64()
	blocks := make([]int, (H+P-1)/P)
	for b := range blocks {
		blocks[b] = rng.IntN(K)
	}
	// The break is drawn after the growth and the residual weeks, so that
	// turning breaks off leaves those draws as they were. One draw of each
	// for all pools: a scenario where usage breaks breaks everywhere, as
	// its growth is high or low everywhere.
	uBreak, uDrop := rng.Float64(), rng.Float64()
	usage := make([]providers.UsageSeries, len(m.pools))
	for i := range m.pools {
		p := &m.pools[i]
		q := buf[i*H : (i+1)*H : (i+1)*H]
		usage[i] = providers.UsageSeries{Pool: p.key, Start: m.asOf, Quantity: q, OnDemandRate: p.rate}
		if p.fresh || p.fit.zero {
			clear(q)
			continue
		}
		f := &p.fit
		level, slope := f.level, f.slope
		tf := f // the fit whose trend is drawn (the pair's for a rising pool)
		var fl *fit
		switch {
		case p.falling:
		case p.partner >= 0:
			fl = &m.pools[p.partner].fit
			tf = &p.sum
			level, slope = p.sum.level, p.growth.apply(p.sum.slope+z*p.sum.se, p.sum.level, z)
		default:
			slope = p.growth.apply(slope+z*f.se, level, z)
		}
		fromHistory := p.growth == nil
		tau := m.tauFor(tf.age, fromHistory)
		// From hour jb on, the trend is at most lb: it stops, fallen back
		// by the drawn share uDrop of the way to the window's lowest
		// level. A falling pool of a migration keeps its own course, and
		// a growth rule of finance's assumptions stands as written.
		jb, lb := H, 0.0
		if m.breaks && fromHistory && !p.falling {
			jb, lb = breakAt(tf.age, tf.floor, uBreak, uDrop, H, func(t float64) float64 {
				return level + slope*damped(slope, t, tau)
			})
		}
		for b, k := range blocks {
			res := f.resid[k*P : (k+1)*P]
			for o := range P {
				j := b*P + o
				if j >= H {
					break
				}
				t := float64(j)
				var L float64
				if slope > 0 && tau > 0 && tau == m.tau {
					L = level + slope*m.rise[j]
				} else {
					L = level + slope*damped(slope, t, tau)
				}
				if j >= jb {
					L = min(L, lb)
				}
				if fl != nil {
					L -= max(0, fl.level+fl.slope*t)
				}
				q[j] = max(0, L) * f.season[o] * (1 + res[o])
			}
		}
	}
	m.applyMoves(s, usage)
	m.applyEvents(usage)
	width := len(fmt.Sprint(n))
	return planner.Scenario{Name: fmt.Sprintf("bootstrap-%0*d", width, s+1), Probability: 1 / float64(n), Usage: usage}
}

// breakAt places a future trend break: at hour jb, the first whole hour at
// or after age·u/(1 − u) (so that a break within t hours has probability
// t/(age + t)), the trend stops at lb, the level trend(jb) fallen back by
// the share drop of the way down to floor (never up). jb is horizon when
// the break falls beyond the horizon.
func breakAt(age, floor, u, drop float64, horizon int, trend func(t float64) float64) (jb int, lb float64) {
	at := age * u / (1 - u)
	if !(at < float64(horizon)) {
		return horizon, 0
	}
	jb = int(math.Ceil(at))
	if jb >= horizon {
		return horizon, 0
	}
	l := trend(float64(jb))
	return jb, l - drop*max(0, l-floor)
}

// tauFor is the damping time constant of a trend that has held for age
// hours: the model's, and by default at most age — a rise is extrapolated
// for about as long as it has been seen, as a break is expected about as
// soon (breakAt): a rise that began three weeks ago (a launch ramping, a
// step up not yet finished) adds about three weeks of its slope, not the
// fit window's. 0 (no damping) for a trend that finance's growth rule set
// (fromHistory false: finance's word stands).
func (m *model) tauFor(age float64, fromHistory bool) float64 {
	if !fromHistory || m.tau <= 0 {
		return 0
	}
	if m.tauAge && age > 0 {
		return min(m.tau, age)
	}
	return m.tau
}

// damped is the time over which a trend of this slope has acted after t
// hours: tau·(1 − e^(−t/tau)) for a rising trend (tauFor); t for a falling
// one, or without damping (tau 0).
func damped(slope, t, tau float64) float64 {
	if slope <= 0 || tau <= 0 {
		return t
	}
	return tau * -math.Expm1(-t/tau)
}

// apply bounds or replaces a drawn slope (unit per hour per hour) by the
// rule's annual growth range, relative to level.
func (r *GrowthRule) apply(slope, level, z float64) float64 {
	if r == nil || level <= 0 {
		return slope
	}
	g := slope * hoursPerYear / level
	if r.Draw == DrawRange {
		u := 0.5 * (1 + math.Erf(z/math.Sqrt2))
		g = r.Min.Value + u*(r.Max.Value-r.Min.Value)
	} else {
		if r.Min.set {
			g = max(g, r.Min.Value)
		}
		if r.Max.set {
			g = min(g, r.Max.Value)
		}
	}
	return g * level / hoursPerYear
}

// PoolFit is what the generator learned about one pool, for people and
// plan notes.
type PoolFit struct {
	Pool providers.PoolKey
	// Level is the trend at the as-of hour (unit per hour); Growth the
	// trend's slope over a year as a share of Level (0.2 = +20 % a year),
	// GrowthSE its standard error; 0 when Level is 0. For the rising pool
	// of a migration, Growth and GrowthSE are the pair's.
	Level, Growth, GrowthSE float64
	// Bent says the trend changed slope, or stepped to another level,
	// inside the fit window (only the last segment is continued).
	Bent bool
	// Decommissioned pools had no usage for IdleAfter: 0 over the horizon.
	Decommissioned bool
	// MigratingTo names, for the falling pool of a migration in progress,
	// the pool taking its usage over; MigratingFrom, for the rising one,
	// the pool it takes over.
	MigratingTo, MigratingFrom *providers.PoolKey
	// GrowthRule is the index of the assumptions' growth rule applied, or
	// −1.
	GrowthRule int
	// Fresh pools are not in the history: a launch or a migration of the
	// assumptions creates them.
	Fresh bool
	// TrendAge is how long the continued trend (its last segment) has
	// held up to the as-of time: the fit window, or the time since the
	// bend. In each scenario a break within t of the as-of time has
	// probability t/(TrendAge + t). BreakChance is that probability for a
	// year (8,760 hours). BreakFloor (unit per hour) is the lowest level a
	// break can take the trend to: it stops at a level drawn uniformly
	// between where it is and BreakFloor. For the rising pool of a
	// migration the three are the pair's. All three are 0 where no breaks
	// are drawn: NoBreaks, decommissioned and fresh pools, the falling pool
	// of a migration, pools a growth rule applies to.
	TrendAge    time.Duration
	BreakChance float64
	BreakFloor  float64
	// MovesTo is the newer generation of its family that the pool's usage
	// may move to (Generator.Successors), MoveChance the chance that it
	// does within a year; nil and 0 where no move is drawn.
	MovesTo    *providers.PoolKey
	MoveChance float64
}

// Fit reports what Forecast would fit to the history, pool by pool, in
// Forecast's pool order.
func (g *Generator) Fit(history []providers.UsageSeries, asOf time.Time) ([]PoolFit, error) {
	m, err := g.prepare(history, asOf, 1)
	if err != nil {
		return nil, err
	}
	out := make([]PoolFit, len(m.pools))
	for i, p := range m.pools {
		pf := PoolFit{Pool: p.key, Level: p.fit.level, Bent: p.fit.hinged, Decommissioned: p.fit.zero && !p.fresh, Fresh: p.fresh, GrowthRule: -1}
		f := p.fit
		if p.partner >= 0 {
			f = p.sum
		}
		if f.level > 0 {
			pf.Growth = f.slope * hoursPerYear / f.level
			pf.GrowthSE = f.se * hoursPerYear / f.level
		}
		if p.growth != nil && g.Assumptions != nil {
			for r := range g.Assumptions.Growth {
				if &g.Assumptions.Growth[r] == p.growth {
					pf.GrowthRule = r
				}
			}
		}
		if m.breaks && !p.fresh && !p.fit.zero && !p.falling && p.growth == nil {
			pf.TrendAge = time.Duration(f.age * float64(time.Hour))
			pf.BreakChance = hoursPerYear / (f.age + hoursPerYear)
			pf.BreakFloor = f.floor
		}
		out[i] = pf
	}
	for i, p := range m.pools {
		if p.partner >= 0 {
			from, to := m.pools[p.partner].key, m.pools[i].key
			out[i].MigratingFrom = &from
			out[p.partner].MigratingTo = &to
		}
	}
	for _, mv := range m.moves {
		to := m.pools[mv.to].key
		out[mv.from].MovesTo = &to
		out[mv.from].MoveChance = -math.Expm1(-m.moveRate * hoursPerYear)
	}
	return out, nil
}
