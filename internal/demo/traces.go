package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/tranchehq/tranche/providers"
)

// Backtest traces: hourly usage histories of known shapes (growth, a trend
// break, a holiday slump, migrations between families, a decline, bursty
// business-hours usage, a step up, a launch), in pools the demo price book
// prices, so that a planner can be backtested on futures the lookback does
// not foretell ("tranche demo traces" writes them with
// backtest.WriteUsageTable).
// docs/backtest.md shows the table they give.

// Trace is one generated usage history.
type Trace struct {
	Name        string
	Description string
	Usage       []providers.UsageSeries
}

// TraceConfig sets the traces' window and noise.
type TraceConfig struct {
	Seed  uint64
	Start time.Time // the first hour; zero means DefaultTraceStart
	Days  int       // zero means 270
}

// DefaultTraceStart is a Monday, so weeks line up with the decisions.
var DefaultTraceStart = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// TraceNames lists the traces Traces makes, in order.
var TraceNames = []string{"growth", "trend-break", "slump", "migration", "decline", "bursty", "step-up", "launch"}

// shape is a pool's level (relative to its base) at a day of the window,
// before the daily and weekly cycles and the noise.
type shape func(day float64) float64

// tracePool is one pool of a trace: which demo price-book pool (region,
// family, platform), its base usage in the pool's unit, its shape and its
// business-hours profile.
type tracePool struct {
	region, family, platform string
	base                     float64
	shape                    shape
	peak                     float64 // weekday business-hours usage added, relative to base
	weekend                  float64 // share of usage gone at weekends
	noise                    float64 // standard deviation of the AR(1) log-noise
}

func flat(float64) float64 { return 1 }

// linear goes from a to b between days d0 and d1, flat outside.
func linear(d0, d1, a, b float64) shape {
	return func(d float64) float64 {
		switch {
		case d <= d0:
			return a
		case d >= d1:
			return b
		}
		return a + (b-a)*(d-d0)/(d1-d0)
	}
}

func traceSpecs(days float64) map[string]struct {
	desc  string
	pools []tracePool
} {
	type spec = struct {
		desc  string
		pools []tracePool
	}
	m5, x2 := "m5", "x2iedn"
	linux, windows := "Linux/UNIX", "Windows"
	return map[string]spec{
		"growth": {"m5 in us-east-1 growing 60 % a year, x2iedn flat beside it", []tracePool{
			{region: "us-east-1", family: m5, platform: linux, base: 400, shape: linear(0, 365, 1, 1.6), peak: 0.3, weekend: 0.15, noise: 0.05},
			{region: "us-east-1", family: x2, platform: linux, base: 256, shape: flat, noise: 0.02},
		}},
		"trend-break": {"m5 in us-east-1 grows 50 % for 90 days, then falls to 40 % of its peak over 30 days and stays there", []tracePool{
			{region: "us-east-1", family: m5, platform: linux, base: 400, shape: func(d float64) float64 {
				if d <= 90 {
					return 1 + 0.5*d/90
				}
				return linear(90, 120, 1.5, 0.6)(d)
			}, peak: 0.3, weekend: 0.15, noise: 0.05},
		}},
		"slump": {"m5 and x2iedn in us-east-1, flat, with a three-week holiday slump to 55 % (days 140 to 161)", []tracePool{
			{region: "us-east-1", family: m5, platform: linux, base: 400, shape: slumped(140, 161, 0.55), peak: 0.3, weekend: 0.15, noise: 0.05},
			{region: "us-east-1", family: x2, platform: linux, base: 256, shape: slumped(140, 161, 0.55), noise: 0.03},
		}},
		"migration": {"us-east-2 Windows: c4.xlarge moves to c5.xlarge over days 100 to 130, c4.2xlarge to c5.2xlarge over days 160 to 175; x2iedn moves from us-east-1 to us-west-2 over days 130 to 150; the totals stay", []tracePool{
			{region: "us-east-2", family: "c4.xlarge", platform: windows, base: 40, shape: linear(100, 130, 1, 0), peak: 0.2, weekend: 0.1, noise: 0.04},
			{region: "us-east-2", family: "c5.xlarge", platform: windows, base: 40, shape: linear(100, 130, 0, 1), peak: 0.2, weekend: 0.1, noise: 0.04},
			{region: "us-east-2", family: "c4.2xlarge", platform: windows, base: 16, shape: linear(160, 175, 1, 0), noise: 0.03},
			{region: "us-east-2", family: "c5.2xlarge", platform: windows, base: 16, shape: linear(160, 175, 0, 1), noise: 0.03},
			{region: "us-east-1", family: x2, platform: linux, base: 256, shape: linear(130, 150, 1, 0), noise: 0.02},
			{region: "us-west-2", family: x2, platform: linux, base: 256, shape: linear(130, 150, 0, 1), noise: 0.02},
		}},
		"decline": {"m5 in us-east-1 decommissioned slowly, from 100 % to 40 % over the window; x2iedn flat", []tracePool{
			{region: "us-east-1", family: m5, platform: linux, base: 400, shape: linear(0, days, 1, 0.4), peak: 0.3, weekend: 0.15, noise: 0.05},
			{region: "us-east-1", family: x2, platform: linux, base: 128, shape: flat, noise: 0.02},
		}},
		"step-up": {"m5 in us-east-1 steps up from 300 to 500 NU on day 100 (a new workload) and stays there", []tracePool{
			{region: "us-east-1", family: m5, platform: linux, base: 300, shape: linear(100, 101, 1, 5.0/3), peak: 0.3, weekend: 0.15, noise: 0.05},
		}},
		"launch": {"x2iedn in us-east-1 launched on day 120, ramping to 20 x2iedn.xlarge by day 140, beside a steady m5", []tracePool{
			{region: "us-east-1", family: m5, platform: linux, base: 400, shape: flat, peak: 0.2, weekend: 0.1, noise: 0.04},
			{region: "us-east-1", family: x2, platform: linux, base: 160, shape: linear(120, 140, 0, 1), noise: 0.02},
		}},
		"bursty": {"c5.xlarge Windows in us-east-2 run mostly in weekday business hours (5× the base), m5 steady beside them", []tracePool{
			{region: "us-east-2", family: "c5.xlarge", platform: windows, base: 4, shape: flat, peak: 4, weekend: 0.5, noise: 0.1},
			{region: "us-east-1", family: m5, platform: linux, base: 200, shape: linear(0, 365, 1, 1.2), peak: 0.1, weekend: 0.05, noise: 0.04},
		}},
	}
}

// slumped is 1 except between days a and b, where it is level.
func slumped(a, b, level float64) shape {
	return func(d float64) float64 {
		if d >= a && d < b {
			return level
		}
		return 1
	}
}

// fill sets cfg's defaults and checks it.
func (cfg *TraceConfig) fill() error {
	if cfg.Start.IsZero() {
		cfg.Start = DefaultTraceStart
	}
	if cfg.Days == 0 {
		cfg.Days = 270
	}
	if cfg.Days < 60 || cfg.Days > 3*365 {
		return fmt.Errorf("demo: traces of %d days (want 60 to 1095)", cfg.Days)
	}
	if cfg.Start.Truncate(time.Hour) != cfg.Start {
		return fmt.Errorf("demo: traces start %s, not on the hour", cfg.Start)
	}
	return nil
}

// bookPools is the demo price book's pools by region, family and platform.
func bookPools() map[string]providers.PoolKey {
	pools := map[string]providers.PoolKey{}
	for _, od := range PriceBook().OnDemand {
		pools[od.Pool.Region+"|"+od.Pool.Family+"|"+od.Pool.Platform] = od.Pool
	}
	return pools
}

// render is pool p's hourly usage over cfg's window, in whole units: its
// shape, its business-hours peak and weekend dip, and AR(1) log-noise drawn
// from rng.
func (p tracePool) render(key providers.PoolKey, cfg TraceConfig, rng *rand.Rand) providers.UsageSeries {
	// Whole units: instances (or normalized units of whole m5.large,
	// 4 NU) are what runs.
	step := 1.0
	if key.Unit == providers.UnitNormalizedHour {
		step = 4
	}
	q := make([]float64, cfg.Days*24)
	noise := 0.0
	for h := range q {
		t := cfg.Start.Add(time.Duration(h) * time.Hour)
		level := p.shape(float64(h) / 24)
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			level *= 1 - p.weekend
		} else if hr := t.Hour(); hr >= 9 && hr < 18 {
			level *= 1 + p.peak
		}
		noise = 0.9*noise + math.Sqrt(1-0.81)*p.noise*rng.NormFloat64()
		q[h] = math.Max(0, math.Round(p.base*level*math.Exp(noise)/step)*step)
	}
	return providers.UsageSeries{Pool: key, Start: cfg.Start, Quantity: q}
}

// Traces makes the backtest traces, in the order of TraceNames. The pools
// are those of the demo price book (PriceBook), so the traces can be
// backtested with it. The same config gives the same traces.
func Traces(cfg TraceConfig) ([]Trace, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	pools := bookPools()
	specs := traceSpecs(float64(cfg.Days))
	out := make([]Trace, 0, len(TraceNames))
	for ti, name := range TraceNames {
		sp := specs[name]
		tr := Trace{Name: name, Description: sp.desc}
		for pi, p := range sp.pools {
			key, ok := pools[p.region+"|"+p.family+"|"+p.platform]
			if !ok {
				return nil, fmt.Errorf("demo: trace %s: the price book has no pool %s %s %s", name, p.region, p.family, p.platform)
			}
			rng := rand.New(rand.NewPCG(cfg.Seed, uint64(ti*100+pi+1)))
			tr.Usage = append(tr.Usage, p.render(key, cfg, rng))
		}
		out = append(out, tr)
	}
	return out, nil
}
