package scenarios

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/internal/planner"
	"github.com/tranchehq/tranche/providers"
)

// t0 is a Monday, so hour h of a history is hour h mod 168 of the week.
var t0 = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

func key(account, family string) providers.PoolKey {
	return providers.PoolKey{Provider: providers.AWS, Account: account, Region: "us-east-1", Service: "AmazonEC2", Family: family, Platform: "Linux/UNIX", Unit: providers.UnitNormalizedHour}
}

// history makes aligned series of hours hours from t0, pool i's hour h
// being f(i, h).
func history(keys []providers.PoolKey, hours int, f func(i, h int) float64) []providers.UsageSeries {
	out := make([]providers.UsageSeries, len(keys))
	for i, k := range keys {
		q := make([]float64, hours)
		for h := range q {
			q[h] = f(i, h)
		}
		out[i] = providers.UsageSeries{Pool: k, Start: t0, Quantity: q, OnDemandRate: 0.1}
	}
	return out
}

// weekly is a daily and weekly cycle with mean about 1.
func weekly(h int) float64 {
	day := 1 + 0.3*math.Sin(2*math.Pi*float64(h%24)/24)
	if d := (h / 24) % 7; d >= 5 {
		day *= 0.7
	}
	return day
}

// noise is a seeded AR(1) series with standard deviation about sd.
func noise(seed uint64, n int, sd float64) []float64 {
	r := rand.New(rand.NewPCG(seed, 99))
	out := make([]float64, n)
	x := 0.0
	for i := range out {
		x = 0.7*x + math.Sqrt(1-0.49)*r.NormFloat64()
		out[i] = sd * x
	}
	return out
}

func forecast(t *testing.T, g *Generator, hist []providers.UsageSeries, asOf time.Time, horizon int) []planner.Scenario {
	t.Helper()
	sc, err := g.Forecast(hist, asOf, 30*24*time.Hour, horizon)
	if err != nil {
		t.Fatalf("Forecast: %v", err)
	}
	checkShape(t, g, sc, hist, asOf, horizon)
	return sc
}

// checkShape checks what every answer must be: N scenarios of
// probability 1/N, the same pools in the same order, each series horizon
// hours from asOf, never negative.
func checkShape(t *testing.T, g *Generator, sc []planner.Scenario, hist []providers.UsageSeries, asOf time.Time, horizon int) {
	t.Helper()
	n := g.Scenarios
	if n == 0 {
		n = DefaultScenarios
	}
	if len(sc) != n {
		t.Fatalf("%d scenarios, want %d", len(sc), n)
	}
	for s, x := range sc {
		if x.Probability != 1/float64(n) || x.Name == "" {
			t.Fatalf("scenario %d: name %q probability %v", s, x.Name, x.Probability)
		}
		if len(x.Usage) < len(hist) || len(x.Usage) != len(sc[0].Usage) {
			t.Fatalf("scenario %d: %d pools, history %d, first scenario %d", s, len(x.Usage), len(hist), len(sc[0].Usage))
		}
		for i, u := range x.Usage {
			if u.Pool != sc[0].Usage[i].Pool || (i < len(hist) && u.Pool != hist[i].Pool) {
				t.Fatalf("scenario %d pool %d is %s", s, i, u.Pool)
			}
			if !u.Start.Equal(asOf) || len(u.Quantity) != horizon {
				t.Fatalf("scenario %d pool %s: start %s, %d hours", s, u.Pool, u.Start, len(u.Quantity))
			}
			for j, q := range u.Quantity {
				if !(q >= 0) || math.IsInf(q, 0) {
					t.Fatalf("scenario %d pool %s hour %d: %v", s, u.Pool, j, q)
				}
			}
		}
	}
}

func sameBits(a, b []planner.Scenario) bool {
	if len(a) != len(b) {
		return false
	}
	for s := range a {
		if a[s].Name != b[s].Name || len(a[s].Usage) != len(b[s].Usage) {
			return false
		}
		for i := range a[s].Usage {
			x, y := a[s].Usage[i].Quantity, b[s].Usage[i].Quantity
			if len(x) != len(y) {
				return false
			}
			for j := range x {
				if math.Float64bits(x[j]) != math.Float64bits(y[j]) {
					return false
				}
			}
		}
	}
	return true
}

func allEqual(sc []planner.Scenario) bool {
	for s := 1; s < len(sc); s++ {
		a, b := sc[0], sc[s]
		b.Name = a.Name
		if !sameBits([]planner.Scenario{a}, []planner.Scenario{b}) {
			return false
		}
	}
	return true
}

func TestReproducible(t *testing.T) {
	keys := []providers.PoolKey{key("a", "m5"), key("b", "c5"), key("a", "r5")}
	nz := noise(1, 10*week, 0.1)
	hist := history(keys, 10*week, func(i, h int) float64 { return float64(10*(i+1)) * weekly(h) * (1 + 0.001*float64(h)) * (1 + nz[h]) })
	asOf := t0.Add(10 * week * time.Hour)
	a := forecast(t, &Generator{Seed: 7}, hist, asOf, 2000)
	b := forecast(t, &Generator{Seed: 7}, hist, asOf, 2000)
	if !sameBits(a, b) {
		t.Fatal("same seed, different scenarios")
	}
	c := forecast(t, &Generator{Seed: 8}, hist, asOf, 2000)
	if sameBits(a, c) {
		t.Fatal("different seeds, same scenarios")
	}
	if allEqual(a) {
		t.Fatal("noisy history, all scenarios equal")
	}
	// Stream yields the same scenarios as Forecast.
	var streamed []planner.Scenario
	err := (&Generator{Seed: 7}).Stream(hist, asOf, 2000, func(s planner.Scenario) error {
		for i := range s.Usage {
			s.Usage[i].Quantity = append([]float64(nil), s.Usage[i].Quantity...)
		}
		streamed = append(streamed, s)
		return nil
	})
	if err != nil || !sameBits(a, streamed) {
		t.Fatalf("Stream differs from Forecast (err %v)", err)
	}
	// Only hours before asOf are read: what follows may be anything.
	later := history(keys, 12*week, func(i, h int) float64 {
		if h >= 10*week {
			return math.NaN()
		}
		return hist[i].Quantity[h]
	})
	if d := forecast(t, &Generator{Seed: 7}, later, asOf, 2000); !sameBits(a, d) {
		t.Fatal("hours after asOf changed the scenarios")
	}
}

func TestFlat(t *testing.T) {
	for _, level := range []float64{0.1, 42, 1234.5678} {
		hist := history([]providers.PoolKey{key("a", "m5")}, 9*week+5, func(i, h int) float64 { return level })
		sc := forecast(t, &Generator{Seed: 3}, hist, t0.Add((9*week+5)*time.Hour), 8760)
		if !allEqual(sc) {
			t.Fatalf("level %v: scenarios differ", level)
		}
		for j, q := range sc[0].Usage[0].Quantity {
			if math.Abs(q-level) > 1e-9*level {
				t.Fatalf("level %v: hour %d is %v", level, j, q)
			}
		}
	}
}

func TestLinearTrend(t *testing.T) {
	line := func(h int) float64 { return 50 + 0.01*float64(h) }
	hours := 12 * week
	hist := history([]providers.PoolKey{key("a", "m5")}, hours, func(i, h int) float64 { return line(h) })
	// Without damping and breaks, every scenario is on the line.
	sc := forecast(t, &Generator{GrowthDamping: -1, NoBreaks: true}, hist, t0.Add(time.Duration(hours)*time.Hour), 8760)
	for s := range sc {
		for j, q := range sc[s].Usage[0].Quantity {
			if want := line(hours + j); math.Abs(q-want) > 1e-6*want {
				t.Fatalf("scenario %d hour %d: %v, want %v", s, j, q, want)
			}
		}
	}
	// A falling line reaches zero and stays there (breaks on: they never
	// raise a falling trend).
	down := history([]providers.PoolKey{key("a", "m5")}, hours, func(i, h int) float64 { return max(0, 100-0.02*float64(h)) })
	sc = forecast(t, &Generator{}, down, t0.Add(time.Duration(hours)*time.Hour), 8760)
	q := sc[0].Usage[0].Quantity
	if zeroAt := (100/0.02 - float64(hours)); math.Abs(q[int(zeroAt)-10]-0.2) > 1e-6 || q[int(zeroAt)+1] != 0 || q[8759] != 0 {
		t.Fatalf("falling line: %v at %d, %v after", q[int(zeroAt)-10], int(zeroAt)-10, q[int(zeroAt)+1])
	}
}

// TestGrowthDamped: by default a rising trend drawn from the history is
// damped — after t hours it has added slope·τ·(1 − e^(−t/τ)), τ the fit
// window — while a falling one is continued as a line. (Without breaks:
// with them, the trend stops at a drawn time.)
func TestGrowthDamped(t *testing.T) {
	line := func(h int) float64 { return 50 + 0.01*float64(h) }
	hours := 12 * week
	hist := history([]providers.PoolKey{key("a", "m5")}, hours, func(i, h int) float64 { return line(h) })
	sc := forecast(t, &Generator{NoBreaks: true}, hist, t0.Add(time.Duration(hours)*time.Hour), 8760)
	tau := float64(8 * week) // the default fit window
	for _, j := range []int{0, 100, 1000, 5000, 8759} {
		want := line(hours) + 0.01*tau*(1-math.Exp(-float64(j)/tau))
		if got := sc[0].Usage[0].Quantity[j]; math.Abs(got-want) > 1e-6*want {
			t.Errorf("hour %d: %v, want the damped %v (undamped: %v)", j, got, want, line(hours+j))
		}
	}
	if end := sc[0].Usage[0].Quantity[8759]; end > line(hours)+0.01*tau+1e-9 {
		t.Errorf("damped growth overshoots its asymptote: %v", end)
	}
}

// profile is the mean of q per hour of the week (hour 0 = Monday 00:00),
// divided by the overall mean.
func profile(qs [][]float64, first int) []float64 {
	sum := make([]float64, week)
	cnt := make([]float64, week)
	var all, n float64
	for _, q := range qs {
		for j, v := range q {
			sum[(first+j)%week] += v
			cnt[(first+j)%week]++
			all += v
			n++
		}
	}
	for i := range sum {
		sum[i] /= cnt[i] * all / n
	}
	return sum
}

func TestWeeklySeasonality(t *testing.T) {
	hours := 8*week + 37 // asOf on a Tuesday 13:00: the profile must stay aligned
	nz := noise(5, hours, 0.05)
	hist := history([]providers.PoolKey{key("a", "m5")}, hours, func(i, h int) float64 { return 100 * weekly(h) * (1 + nz[h]) })
	sc := forecast(t, &Generator{Seed: 1}, hist, t0.Add(time.Duration(hours)*time.Hour), 4*week)
	var qs [][]float64
	for _, s := range sc {
		qs = append(qs, s.Usage[0].Quantity)
	}
	got := profile(qs, hours%week)
	want := profile([][]float64{hist[0].Quantity[hours-8*week:]}, (hours-8*week)%week)
	for i := range got {
		if math.Abs(got[i]-want[i]) > 0.03 {
			t.Fatalf("hour of week %d: scenarios %.3f, history %.3f", i, got[i], want[i])
		}
	}
	// and the shape is the true one, not flat
	if got[5*24+18]/got[18] > 0.75 {
		t.Fatalf("weekend dip lost: Saturday 18:00 %.3f, Monday 18:00 %.3f", got[5*24+18], got[18])
	}
}

func TestMigrationContinued(t *testing.T) {
	keys := []providers.PoolKey{key("a", "c4"), key("a", "c5"), key("b", "m5")}
	hours := 8 * week
	nz := noise(3, hours, 0.03)
	hist := history(keys, hours, func(i, h int) float64 {
		x := float64(h)
		switch i {
		case 0:
			return (100 - 0.05*x) * weekly(h) * (1 + nz[h])
		case 1:
			return (20 + 0.05*x) * weekly(h) * (1 + nz[h])
		}
		return 30 * weekly(h) * (1 + nz[h])
	})
	H := 8760
	var cycle float64
	for h := range week {
		cycle += weekly(h) / week
	}
	sc := forecast(t, &Generator{Seed: 2}, hist, t0.Add(time.Duration(hours)*time.Hour), H)
	// The falling pool's trend reaches zero 100/0.05 − 1344 = 656 hours
	// after asOf; a week later it is zero for good.
	for _, s := range sc {
		f, r := s.Usage[0].Quantity, s.Usage[1].Quantity
		for j := 656 + week; j < H; j++ {
			if f[j] != 0 {
				t.Fatalf("%s: falling pool at hour %d: %v", s.Name, j, f[j])
			}
		}
		// The sum stays on its (flat) trend of 120 × the cycle's mean: weekly
		// means within 20 % (the growth drawn from the trend's standard
		// error spreads them), where continuing the rising pool alone would
		// reach 4 times that.
		for w := 0; w+week <= H; w += 4 * week {
			var sum float64
			for j := w; j < w+week; j++ {
				sum += f[j] + r[j]
			}
			if m := sum / week; math.Abs(m-120*cycle) > 24*cycle {
				t.Fatalf("%s: week from hour %d: pair's mean %.1f, want %.1f", s.Name, w, m, 120*cycle)
			}
		}
	}
	// Over the scenarios, the pair's last week is within 8 % of the true
	// trend (the trend fitted on this noise falls 6 % a year).
	var last float64
	for _, s := range sc {
		for j := H - week; j < H; j++ {
			last += (s.Usage[0].Quantity[j] + s.Usage[1].Quantity[j]) / week / float64(len(sc))
		}
	}
	if math.Abs(last-120*cycle) > 0.08*120*cycle {
		t.Fatalf("pair's mean over the scenarios in the last week: %.1f, want %.1f", last, 120*cycle)
	}
	fits, err := (&Generator{}).Fit(hist, t0.Add(time.Duration(hours)*time.Hour))
	if err != nil || fits[0].MigratingTo == nil || *fits[0].MigratingTo != keys[1] || fits[1].MigratingFrom == nil ||
		*fits[1].MigratingFrom != keys[0] || fits[2].MigratingTo != nil || fits[2].MigratingFrom != nil {
		t.Fatalf("Fit: %+v %v", fits, err)
	}
	// The third pool, flat, is no part of it.
	if m := mean(sc[0].Usage[2].Quantity); math.Abs(m-30*cycle) > 3 {
		t.Fatalf("unrelated pool's mean %.1f, want %.1f", m, 30*cycle)
	}
}

// TestMigrationAccounts checks that pools in different accounts are never
// a migration, however well their slopes offset: in a fleet of many
// accounts such pairs are mostly chance.
func TestMigrationAccounts(t *testing.T) {
	hours := 8 * week
	nz := noise(3, hours, 0.03)
	west := key("b", "c4")
	west.Region = "us-west-2"
	for _, c := range []struct {
		name       string
		from, to   providers.PoolKey
		pairedWant bool
	}{
		{"same account, new family", key("a", "c4"), key("a", "c5"), true},
		{"account move", key("a", "c4"), key("b", "c4"), false},
		{"new account and family", key("a", "c4"), key("b", "c5"), false},
		{"new account and region", key("a", "c4"), west, false},
	} {
		hist := history([]providers.PoolKey{c.from, c.to}, hours, func(i, h int) float64 {
			if i == 0 {
				return (100 - 0.05*float64(h)) * weekly(h) * (1 + nz[h])
			}
			return (20 + 0.05*float64(h)) * weekly(h) * (1 + nz[h])
		})
		fits, err := (&Generator{}).Fit(hist, t0.Add(time.Duration(hours)*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		paired := fits[0].MigratingTo != nil && *fits[0].MigratingTo == c.to && fits[1].MigratingFrom != nil
		if paired != c.pairedWant || (!paired && (fits[0].MigratingTo != nil || fits[1].MigratingFrom != nil)) {
			t.Errorf("%s: MigratingTo %v, MigratingFrom %v; want paired %v", c.name, fits[0].MigratingTo, fits[1].MigratingFrom, c.pairedWant)
		}
	}
}

func TestDecommissionedStaysZero(t *testing.T) {
	keys := []providers.PoolKey{key("a", "d2"), key("a", "m5")}
	hours := 8 * week
	hist := history(keys, hours, func(i, h int) float64 {
		if i == 0 && h > hours-10*24 {
			return 0
		}
		return 40 * weekly(h)
	})
	sc := forecast(t, &Generator{Seed: 1}, hist, t0.Add(time.Duration(hours)*time.Hour), 8760)
	for _, s := range sc {
		for j, q := range s.Usage[0].Quantity {
			if q != 0 {
				t.Fatalf("%s: decommissioned pool at hour %d: %v", s.Name, j, q)
			}
		}
		if mean(s.Usage[1].Quantity) < 30 {
			t.Fatalf("%s: live pool dropped", s.Name)
		}
	}
	// Idle for less than IdleAfter: not decommissioned by the rule (its
	// trend, bent by the drop, still takes it down).
	fits, err := (&Generator{IdleAfter: 30 * 24 * time.Hour}).Fit(hist, t0.Add(time.Duration(hours)*time.Hour))
	if err != nil || fits[0].Decommissioned || !fits[0].Bent {
		t.Fatalf("IdleAfter 30 days: %+v %v", fits[0], err)
	}
	if fits, _ := (&Generator{}).Fit(hist, t0.Add(time.Duration(hours)*time.Hour)); !fits[0].Decommissioned || fits[1].Decommissioned {
		t.Fatalf("default IdleAfter: %+v", fits)
	}
}

// corr is Pearson's correlation of x and y.
func corr(x, y []float64) float64 {
	mx, my := mean(x), mean(y)
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

func TestCorrelationKept(t *testing.T) {
	keys := []providers.PoolKey{key("a", "m5"), key("b", "m5"), key("c", "m5")}
	hours := 8 * week
	common, own1, own2, own3 := noise(11, hours, 0.08), noise(12, hours, 0.04), noise(13, hours, 0.04), noise(14, hours, 0.08)
	hist := history(keys, hours, func(i, h int) float64 {
		switch i {
		case 0:
			return 100 * weekly(h) * (1 + common[h] + own1[h])
		case 1:
			return 60 * weekly(h) * (1 + common[h] + own2[h])
		}
		return 80 * weekly(h) * (1 + own3[h]) // independent
	})
	g := &Generator{Seed: 4}
	sc := forecast(t, g, hist, t0.Add(time.Duration(hours)*time.Hour), 8*week)
	// Residuals: usage over its fitted trend × season, history vs scenarios.
	m, err := g.prepare(hist, t0.Add(time.Duration(hours)*time.Hour), 8*week)
	if err != nil {
		t.Fatal(err)
	}
	resid := func(i int, q []float64) []float64 {
		f := m.pools[i].fit
		out := make([]float64, len(q))
		for j, v := range q {
			out[j] = v/((f.level+f.slope*float64(j))*f.season[j%week]) - 1
		}
		return out
	}
	hc := corr(m.pools[0].fit.resid, m.pools[1].fit.resid)
	hi := corr(m.pools[0].fit.resid, m.pools[2].fit.resid)
	for _, s := range sc {
		c := corr(resid(0, s.Usage[0].Quantity), resid(1, s.Usage[1].Quantity))
		if math.Abs(c-hc) > 0.1 {
			t.Fatalf("%s: correlation %.3f, history %.3f", s.Name, c, hc)
		}
		ci := corr(resid(0, s.Usage[0].Quantity), resid(2, s.Usage[2].Quantity))
		if math.Abs(ci-hi) > 0.15 {
			t.Fatalf("%s: correlation with the independent pool %.3f, history %.3f", s.Name, ci, hi)
		}
	}
	if hc < 0.6 || math.Abs(hi) > 0.2 {
		t.Fatalf("test data: correlations %.3f and %.3f", hc, hi)
	}
}

func TestDeterministicHistoryAllEqual(t *testing.T) {
	keys := []providers.PoolKey{key("a", "m5"), key("b", "c5"), key("c", "x2iedn")}
	hours := 10 * week
	hist := history(keys, hours, func(i, h int) float64 {
		return float64(10*(i+1)) * (1 + 0.0005*float64(i)*float64(h)) * weekly(h)
	})
	// Breaks off: the two growing pools would break at drawn times (a
	// steady rise may stop too); the flat pool is tested with breaks on
	// in TestBreaks.
	sc := forecast(t, &Generator{Seed: 99, GrowthDamping: -1, NoBreaks: true}, hist, t0.Add(time.Duration(hours)*time.Hour), 8760)
	if !allEqual(sc) {
		t.Fatal("deterministic history: scenarios differ")
	}
	// and it continues the history exactly: trend × the same week
	for i := range keys {
		for j := 0; j < 8760; j += 97 {
			h := hours + j
			want := float64(10*(i+1)) * (1 + 0.0005*float64(i)*float64(h)) * weekly(h)
			if got := sc[0].Usage[i].Quantity[j]; math.Abs(got-want) > 0.02*want {
				t.Fatalf("pool %d hour %d: %v, want %v", i, j, got, want)
			}
		}
	}
}

func TestInputErrors(t *testing.T) {
	keys := []providers.PoolKey{key("a", "m5")}
	good := history(keys, 3*week, func(i, h int) float64 { return 1 })
	asOf := t0.Add(3 * week * time.Hour)
	bad := history(keys, 3*week, func(i, h int) float64 { return 1 })
	bad[0].Quantity[3*week-2] = -1
	misaligned := append(history(keys, 3*week, func(i, h int) float64 { return 1 }), history([]providers.PoolKey{key("b", "m5")}, 2*week, func(i, h int) float64 { return 1 })...)
	for _, c := range []struct {
		name    string
		hist    []providers.UsageSeries
		asOf    time.Time
		horizon int
		want    string
	}{
		{"no history", nil, asOf, 10, "no usage"},
		{"no horizon", good, asOf, 0, "horizon"},
		{"as-of after history", good, asOf.Add(time.Hour), 10, "outside the history"},
		{"as-of not on the hour", good, asOf.Add(-time.Minute), 10, "whole hours"},
		{"negative usage", bad, asOf, 10, "not a non-negative number"},
		{"misaligned", misaligned, asOf, 10, "not aligned"},
		{"duplicate pool", append(good, good...), asOf, 10, "twice"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := (&Generator{}).Forecast(c.hist, c.asOf, 0, c.horizon)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
	small := &Generator{MaxBytes: 1 << 20}
	_, err := small.Forecast(good, asOf, 0, 8760)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("error %v, want ErrTooLarge", err)
	}
	// The error says how many scenarios fit, and those are the first of
	// the full forecast (planner.Resizer): the planner's risk figures
	// fall back to them.
	var tl *planner.ForecastTooLargeError
	if !errors.As(err, &tl) || tl.Scenarios != DefaultScenarios || tl.Fits < 1 || tl.Fits >= tl.Scenarios ||
		int64(tl.Fits)*int64(tl.Pools*tl.Hours*8) > tl.Limit || int64(tl.Fits+1)*int64(tl.Pools*tl.Hours*8) <= tl.Limit {
		t.Fatalf("error %#v: want the scenarios that fit in %d bytes", tl, small.MaxBytes)
	}
	// WithMaxBytes lowers the limit, never raises it.
	for _, g := range []planner.Forecaster{(&Generator{}).WithMaxBytes(small.MaxBytes), small.WithMaxBytes(1 << 40)} {
		if _, err := g.Forecast(good, asOf, 0, 8760); !errors.As(err, &tl) || tl.Limit != small.MaxBytes {
			t.Fatalf("limited: error %v, want a limit of %d bytes", err, small.MaxBytes)
		}
	}
	fewer, err := small.WithScenarios(tl.Fits).Forecast(good, asOf, 0, 8760)
	if err != nil {
		t.Fatal(err)
	}
	all, err := (&Generator{}).Forecast(good, asOf, 0, 8760)
	if err != nil {
		t.Fatal(err)
	}
	if len(fewer) != tl.Fits {
		t.Fatalf("%d scenarios, want %d", len(fewer), tl.Fits)
	}
	for s, sc := range fewer {
		if math.Abs(sc.Probability-1/float64(tl.Fits)) > 1e-15 {
			t.Fatalf("scenario %d has probability %v, want 1/%d", s, sc.Probability, tl.Fits)
		}
		for i, u := range sc.Usage {
			if !slices.Equal(u.Quantity, all[s].Usage[i].Quantity) {
				t.Fatalf("scenario %d pool %s differs from the full forecast's", s, u.Pool)
			}
		}
	}
}

func TestShortHistory(t *testing.T) {
	// A day and a half: hourly blocks, no seasonality, still a forecast.
	for _, hours := range []int{1, 36, 3 * 24, 10 * 24} {
		hist := history([]providers.PoolKey{key("a", "m5")}, hours, func(i, h int) float64 { return 5 + float64(h%3) })
		forecast(t, &Generator{Scenarios: 3}, hist, t0.Add(time.Duration(hours)*time.Hour), 500)
	}
}

// TestMigrationDone checks a move between regions finished three weeks
// before the as-of time: the old region's pool ran at 100 for three weeks,
// moved to the new region over two, and has been idle since. The new
// region's pool continues the pair's trend — flat at 100 for the whole
// window — so its future breaks fall back to about that level, not
// towards the zero it started from three weeks ago, as they do when the
// two pools are not a pair (the same usage, but the old pool in another
// family and region, so nothing says the usage moved).
func TestMigrationDone(t *testing.T) {
	const H = 8760
	hours := 8 * week
	nz := noise(9, hours, 0.02)
	share := func(h int) float64 { // the share moved by hour h
		return min(1, max(0, float64(h-3*week)/(2*week)))
	}
	east, west := key("a", "x2iedn"), key("a", "x2iedn")
	west.Region = "us-west-2"
	elsewhere := key("a", "r5")
	elsewhere.Region = "us-west-2"
	histTo := func(to providers.PoolKey) []providers.UsageSeries {
		return history([]providers.PoolKey{east, to}, hours, func(i, h int) float64 {
			s := share(h)
			if i == 0 {
				s = 1 - s
			}
			return 100 * s * (1 + nz[h])
		})
	}
	asOf := t0.Add(time.Duration(hours) * time.Hour)
	low := func(hist []providers.UsageSeries) (float64, []PoolFit) {
		fits, err := (&Generator{}).Fit(hist, asOf)
		if err != nil {
			t.Fatal(err)
		}
		lo := math.Inf(1)
		for _, s := range forecast(t, &Generator{Seed: 4, Scenarios: 200}, hist, asOf, H) {
			for j := 0; j+week <= H; j += week {
				lo = min(lo, weekMean(s.Usage[1].Quantity, j))
			}
		}
		return lo, fits
	}
	lo, fits := low(histTo(west))
	if fits[0].MigratingTo == nil || *fits[0].MigratingTo != west || fits[1].MigratingFrom == nil || !fits[0].Decommissioned {
		t.Fatalf("Fit: the moved pools are not a pair: %+v", fits)
	}
	if notes, err := (&Generator{}).Explain(histTo(west), asOf); err != nil || len(notes) != 1 || !strings.Contains(notes[0], "usage moved from aws/-/a/us-east-1/AmazonEC2/x2iedn/Linux/UNIX/-/NU-hour to aws/-/a/us-west-2/") {
		t.Errorf("Explain: %q, %v", notes, err)
	}
	if lo < 85 {
		t.Errorf("paired: the new region's lowest weekly mean in any scenario is %.1f, want about 100", lo)
	}
	lo, fits = low(histTo(elsewhere))
	if fits[0].MigratingTo != nil || fits[1].MigratingFrom != nil {
		t.Fatalf("Fit: pools of another family and region are a pair: %+v", fits)
	}
	if lo > 50 {
		t.Errorf("unpaired: the new pool's lowest weekly mean in any scenario is %.1f; its breaks should fall towards 0", lo)
	}
}

// TestGrowthDampedByAge: a rise that began inside the fit window is
// extrapolated for about as long as it has been seen — damped with τ its
// age, not the window — unless GrowthDamping sets τ.
func TestGrowthDampedByAge(t *testing.T) {
	hours := 8 * week
	bend := 5 * week
	rise := func(h int) float64 { return 100 + 0.05*float64(max(0, h-bend)) }
	hist := history([]providers.PoolKey{key("a", "m5")}, hours, func(i, h int) float64 { return rise(h) })
	asOf := t0.Add(time.Duration(hours) * time.Hour)
	fits, err := (&Generator{}).Fit(hist, asOf)
	if err != nil {
		t.Fatal(err)
	}
	pf := fits[0]
	age := pf.TrendAge.Hours()
	if !pf.Bent || age < 2*week || age > 4*week {
		t.Fatalf("fit: bent %v, age %v h; want the bend about three weeks back", pf.Bent, age)
	}
	slope := pf.Growth * pf.Level / hoursPerYear
	// The mean over the scenarios and over a week from hour j (whole weeks
	// average the bootstrapped residuals out), less the level.
	added := func(g *Generator, j int) float64 {
		var s float64
		sc := forecast(t, g, hist, asOf, 8760)
		for _, x := range sc {
			for _, q := range x.Usage[0].Quantity[j : j+week] {
				s += q
			}
		}
		return s/float64(len(sc)*week) - pf.Level
	}
	for _, c := range []struct {
		g   *Generator
		tau float64
	}{
		{&Generator{NoBreaks: true}, age},
		{&Generator{NoBreaks: true, GrowthDamping: DefaultFitWindow}, float64(hours)},
	} {
		for _, j := range []int{2 * week, 8760 - week} {
			var want float64
			for h := j; h < j+week; h++ {
				want += slope * c.tau * -math.Expm1(-float64(h)/c.tau) / week
			}
			// Within 10 %: the weekly means' hinge does not fit a bend
			// inside a week exactly (4–5 % low here); the other τ is off
			// by more than half.
			if got := added(c.g, j); math.Abs(got-want) > 0.1*want {
				t.Errorf("damping %v, the week from hour %d: the trend added %.2f, want about %.2f (τ %.0f h)", c.g.GrowthDamping, j, got, want, c.tau)
			}
		}
	}
}
