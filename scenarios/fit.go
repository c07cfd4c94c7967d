package scenarios

import (
	"math"
)

// Hours in a week and a day: the seasonal periods the generator knows.
const (
	week = 168
	day  = 24
)

// Thresholds below which a fitted quantity is taken as exactly zero, so
// that a deterministic history gives identical scenarios, bit for bit.
const (
	snapResidual = 1e-9  // relative residual
	snapSlope    = 1e-12 // slope × window / level
)

// hingeF is the F statistic a trend with one change of slope must reach
// over a straight line to be preferred (F(1, 5) at 1 % is 16.3, at 5 %
// 6.6; 10 sits between, so noise rarely bends the trend).
const hingeF = 10

// fit is what the generator learns from one pool's fit window.
type fit struct {
	zero   bool    // no usage in the idle window (or none at all): 0 over the horizon
	level  float64 // trend at the first horizon hour, in the pool's unit per hour
	slope  float64 // trend slope, unit per hour per hour, of the last trend segment
	se     float64 // standard error of slope
	hinged bool    // the trend changed slope inside the window
	// age is how long, in hours up to the first horizon hour, the last
	// trend segment has held: the whole window, or the time since the
	// bend. A future break within t hours has probability t/(age + t).
	age float64
	// floor is the lowest level a future break can take the trend to: the
	// lowest point of the fitted trend over the window (over its last
	// segment, for a plateau) less the RMS deviation of the period means
	// from it, at least 0 and at most level.
	floor  float64
	season []float64 // multiplicative profile over one period, mean 1
	resid  []float64 // relative residual of every window hour, ≥ −1
}

// periodFor is the seasonal period and block length for n hours of
// history: a week when two weeks or more are known, else a day when two
// days are known, else an hour (no seasonality).
func periodFor(n int) int {
	switch {
	case n >= 2*week:
		return week
	case n >= 2*day:
		return day
	}
	return 1
}

// fitPool fits trend, seasonality and residuals to y, whose length is a
// whole number K of periods P. idle is the number of trailing hours that
// must all be zero for the pool to count as decommissioned.
func fitPool(y []float64, P, idle int) fit {
	n := len(y)
	K := n / P
	f := fit{season: make([]float64, P), resid: make([]float64, n)}
	for i := range f.season {
		f.season[i] = 1
	}
	used := false
	for _, v := range y {
		if v > 0 {
			used = true
			break
		}
	}
	if !used {
		f.zero = true
		return f
	}
	if idle > 0 && idle <= n {
		quiet := true
		for _, v := range y[n-idle:] {
			if v > 0 {
				quiet = false
				break
			}
		}
		if quiet {
			f.zero = true
			return f
		}
	}

	// Trend: a straight line, or a line with one change of slope, through
	// the period means of the deseasonalized usage (whole periods cancel
	// the seasonality out); seasonality: the ratio of usage to trend per
	// hour of the period. Each is refitted with the other until the
	// profile settles, so that a history that is exactly trend × profile
	// leaves no residual.
	m := make([]float64, K)
	x := make([]float64, K)
	for k := range K {
		x[k] = float64(k*P) + float64(P-1)/2
	}
	num := make([]float64, P)
	den := make([]float64, P)
	var tr trend
	for iter := 0; iter < 30; iter++ {
		for k := range K {
			var s float64
			for o, v := range y[k*P : (k+1)*P] {
				s += v / f.season[o]
			}
			m[k] = s / float64(P)
		}
		tr = fitTrend(x, m)
		clear(num)
		clear(den)
		for h, v := range y {
			num[h%P] += v
			den[h%P] += max(0, tr.at(float64(h)))
		}
		var total float64
		next := make([]float64, P)
		for i := range P {
			next[i] = f.season[i]
			if den[i] > 0 && num[i] > 0 {
				next[i] = num[i] / den[i]
			}
			total += next[i]
		}
		change := 0.0
		for i := range next {
			next[i] *= float64(P) / total
			change = max(change, math.Abs(next[i]-f.season[i]))
		}
		f.season = next
		if P == 1 || change < 1e-14 {
			break
		}
	}
	for i := range f.season {
		if math.Abs(f.season[i]-1) < snapResidual {
			f.season[i] = 1
		}
	}
	span := float64(n)
	scale := math.Abs(tr.at(span))
	for _, v := range m {
		scale = max(scale, math.Abs(v))
	}
	if math.Abs(tr.last)*span <= snapSlope*scale {
		tr.last = 0
		if !tr.hinged {
			tr.b1 = 0
			tr.a = mean(m)
		}
	}
	if tr.se*span <= snapResidual*scale {
		tr.se = 0
	}
	if tr.rms <= snapResidual*scale {
		tr.rms = 0
	}
	f.level = max(0, tr.at(span))
	f.slope, f.se, f.hinged = tr.last, tr.se, tr.hinged
	f.age, f.floor = tr.age(span), tr.floor(span)
	if f.level-f.floor <= snapResidual*scale {
		f.floor = f.level
	}

	// Residuals, relative to trend × season, so that y ≥ 0 gives ε ≥ −1
	// and a bootstrapped future is never negative. Where the fitted usage
	// is below a fifth of the window's mean (a pool that started or ended
	// inside the window), a ratio would blow small errors up: ε is 0.
	floor := 0.2 * mean(y)
	for h, v := range y {
		e := max(0, tr.at(float64(h))) * f.season[h%P]
		if e <= 0 || e < floor {
			continue
		}
		r := v/e - 1
		if math.Abs(r) < snapResidual {
			r = 0
		}
		f.resid[h] = r
	}
	return f
}

// trend is a line a + b1·x, with, when hinged, slope b1 + d after c —
// or, when also step, the same slope and the level moved by d after c.
type trend struct {
	a, b1, d, c float64
	hinged      bool
	step        bool
	last        float64 // slope of the last segment
	se          float64 // its standard error
	rms         float64 // root mean square of the points' deviations from the trend (0 without degrees of freedom)
}

// age is how long the last segment has held at span: since the bend, or
// over the whole span.
func (t trend) age(span float64) float64 {
	if t.hinged {
		return span - t.c
	}
	return span
}

// floor is the lowest level the trend took over [0, span] (a broken line
// is lowest at an end or at its bend) less rms, at least 0. A plateau's is
// the lowest level of its last segment: a break of a level gives back what
// the level's own weeks strayed, not the rise that led to it (a step up,
// a launch that has finished ramping, a step up on a pool that goes on
// growing).
func (t trend) floor(span float64) float64 {
	var lo float64
	switch {
	case t.plateau() && t.step:
		lo = min(t.at(t.c)+t.d, t.at(span))
	case t.plateau():
		lo = min(t.at(t.c), t.at(span))
	case t.step:
		lo = min(t.at(0), t.at(span), t.at(t.c), t.at(t.c)+t.d)
	case t.hinged:
		lo = min(t.at(0), t.at(span), t.at(t.c))
	default:
		lo = min(t.at(0), t.at(span))
	}
	return max(0, lo-t.rms)
}

// plateau reports a rise that bent into a level or into a slower rise: the
// segment before the bend rose, the last one rises more slowly and does not
// clearly fall (its slope is above minus two standard errors). A rise that
// bent into a fall is not one: its floor is the whole window's. A step up
// whose level does not clearly fall after it is one too.
func (t trend) plateau() bool {
	if t.step {
		return t.d > 0 && t.last >= -2*t.se
	}
	return t.hinged && t.b1 > 0 && t.last < t.b1 && t.last >= -2*t.se
}

func (t trend) at(x float64) float64 {
	v := t.a + t.b1*x
	switch {
	case t.step && x > t.c:
		v += t.d
	case t.hinged && x > t.c:
		v += t.d * (x - t.c)
	}
	return v
}

// fitTrend fits a line to (x, m) by least squares, and a continuous line
// with one change of slope at each interior point that leaves two points
// before and three after; the bent line is kept when its F statistic
// against the straight one reaches hingeF.
func fitTrend(x, m []float64) trend {
	K := len(m)
	if K < 2 {
		return trend{a: m[0]}
	}
	var xm, ym float64
	for k := range K {
		xm += x[k]
		ym += m[k]
	}
	xm /= float64(K)
	ym /= float64(K)
	var sxx, sxy float64
	for k := range K {
		sxx += (x[k] - xm) * (x[k] - xm)
		sxy += (x[k] - xm) * (m[k] - ym)
	}
	b := sxy / sxx
	line := trend{a: ym - b*xm, b1: b, last: b}
	sseLine := 0.0
	for k := range K {
		r := m[k] - line.at(x[k])
		sseLine += r * r
	}
	if K > 2 {
		line.se = math.Sqrt(sseLine / float64(K-2) / sxx)
		line.rms = math.Sqrt(sseLine / float64(K-2))
	}
	var sq float64
	for _, v := range m {
		sq += v * v
	}
	if K < 5 || sseLine <= 1e-18*sq {
		return line
	}
	best, bestSSE := line, sseLine
	for c := 1; c <= K-4; c++ {
		h, sse, ok := fitHinge(x, m, x[c])
		if ok && sse < bestSSE {
			best, bestSSE = h, sse
		}
	}
	// A step between points k−1 and k, with two points or more before it
	// and three after, as for a bend.
	for k := 2; k <= K-3; k++ {
		if h, sse := fitStep(x, m, k, sxx); sse < bestSSE {
			best, bestSSE = h, sse
		}
	}
	if !best.hinged || (sseLine-bestSSE)/(bestSSE/float64(K-3)+1e-300) < hingeF {
		return line
	}
	return best
}

// fitHinge fits m = a + b1·x + d·max(0, x − c) by least squares.
func fitHinge(x, m []float64, c float64) (trend, float64, bool) {
	var A [3][3]float64
	var r [3]float64
	for k := range x {
		v := [3]float64{1, x[k], max(0, x[k]-c)}
		for i := range 3 {
			for j := range 3 {
				A[i][j] += v[i] * v[j]
			}
			r[i] += v[i] * m[k]
		}
	}
	inv, ok := invert3(A)
	if !ok {
		return trend{}, 0, false
	}
	var p [3]float64
	for i := range 3 {
		for j := range 3 {
			p[i] += inv[i][j] * r[j]
		}
	}
	t := trend{a: p[0], b1: p[1], d: p[2], c: c, hinged: true, last: p[1] + p[2]}
	var sse float64
	for k := range x {
		e := m[k] - t.at(x[k])
		sse += e * e
	}
	if dof := len(x) - 3; dof > 0 {
		v := inv[1][1] + inv[2][2] + 2*inv[1][2]
		t.se = math.Sqrt(max(0, sse/float64(dof)*v))
		t.rms = math.Sqrt(sse / float64(dof))
	}
	return t, sse, true
}

// fitStep fits a level that moves once, between points k−1 and k: m = a
// before, a + d after, each the mean of its points. It has no slope — a
// step with a slope of its own on each side would also fit noise that
// rises, drops and rises again, which a level shift cannot — and the
// standard error of its (zero) slope is that of a line's through the same
// residuals (sxx is Σ(x − x̄)², the line's).
func fitStep(x, m []float64, k int, sxx float64) (trend, float64) {
	a, b := mean(m[:k]), mean(m[k:])
	t := trend{a: a, d: b - a, c: (x[k-1] + x[k]) / 2, hinged: true, step: true}
	var sse float64
	for i := range m {
		e := m[i] - t.at(x[i])
		sse += e * e
	}
	if dof := len(x) - 3; dof > 0 {
		t.rms = math.Sqrt(sse / float64(dof))
		t.se = t.rms / math.Sqrt(sxx)
	}
	return t, sse
}

func invert3(a [3][3]float64) ([3][3]float64, bool) {
	var inv [3][3]float64
	det := a[0][0]*(a[1][1]*a[2][2]-a[1][2]*a[2][1]) -
		a[0][1]*(a[1][0]*a[2][2]-a[1][2]*a[2][0]) +
		a[0][2]*(a[1][0]*a[2][1]-a[1][1]*a[2][0])
	if det == 0 || math.IsNaN(det) {
		return inv, false
	}
	for i := range 3 {
		for j := range 3 {
			// cofactor of a[j][i]
			r0, r1 := (j+1)%3, (j+2)%3
			c0, c1 := (i+1)%3, (i+2)%3
			inv[i][j] = (a[r0][c0]*a[r1][c1] - a[r0][c1]*a[r1][c0]) / det
		}
	}
	return inv, true
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
