package solver

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
)

// withProcs runs fn with GOMAXPROCS set to n and restores it.
func withProcs(n int, fn func()) {
	old := runtime.GOMAXPROCS(n)
	defer runtime.GOMAXPROCS(old)
	fn()
}

// sameBits reports the first index where a and b differ in any bit, or -1.
func sameBits(a, b []float64) int {
	if len(a) != len(b) {
		return 0
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return i
		}
	}
	return -1
}

// TestCoreCount: the billing fill's sums, the Lagrangian bound and a whole
// Benders solve give the same bits whatever the number of cores, so a plan
// made on a laptop is the plan made on the server. The sweeps cut the hour
// classes into shards that do not depend on GOMAXPROCS and add the shards'
// sums in shard order; adding them per worker, as they once were, changes
// the last bits with the worker count (this test failed then: 1 and 3 cores
// gave another on-demand sum).
func TestCoreCount(t *testing.T) {
	p := multiFleet(fleetSpec{Pools: 24, PoolsPerFamily: 4, Hours: 24 * 28, Seed: 41, Dates: 3})
	c := compile(context.Background(), p, true, 1)
	if nc := len(c.weight); nc < 64*maxShards {
		t.Fatalf("%d classes: too few to use every shard", nc)
	}
	r := rand.New(rand.NewPCG(41, 1))
	x := make([]float64, len(p.Offerings))
	for k := range x {
		x[k] = 20 * r.Float64()
	}
	type out struct {
		od, bound float64
		groupOD   []float64
		grad      []float64
		used      []float64
		xr        []float64
		res       *Result
	}
	run := func() out {
		ev := c.evaluate(x, 4, true)
		var o out
		o.od, o.groupOD, o.used = ev.onDemand, ev.groupOD, ev.used
		for _, g := range ev.grad {
			o.grad = append(o.grad, g...)
		}
		o.bound, o.xr = c.lagrangeBound(x, bounds{})
		o.res = mustSolve(t, p, Options{Method: Benders})
		return o
	}
	var ref out
	withProcs(1, func() { ref = run() })
	for _, n := range []int{2, 3, 8} {
		var got out
		withProcs(n, func() { got = run() })
		if math.Float64bits(got.od) != math.Float64bits(ref.od) || sameBits(got.groupOD, ref.groupOD) >= 0 {
			t.Errorf("%d cores: on-demand %v, per group %v; 1 core: %v, %v", n, got.od, got.groupOD, ref.od, ref.groupOD)
		}
		if i := sameBits(got.grad, ref.grad); i >= 0 {
			t.Errorf("%d cores: subgradient differs at %d: %v against %v", n, i, got.grad[i], ref.grad[i])
		}
		if i := sameBits(got.used, ref.used); i >= 0 {
			t.Errorf("%d cores: use of offering %d: %v against %v", n, i, got.used[i], ref.used[i])
		}
		if math.Float64bits(got.bound) != math.Float64bits(ref.bound) || sameBits(got.xr, ref.xr) >= 0 {
			t.Errorf("%d cores: Lagrangian bound %v; 1 core: %v", n, got.bound, ref.bound)
		}
		a, b := got.res, ref.res
		if math.Float64bits(a.Objective) != math.Float64bits(b.Objective) || math.Float64bits(a.Bound) != math.Float64bits(b.Bound) ||
			sameBits(a.Relaxed, b.Relaxed) >= 0 || sameBits(a.Quantity, b.Quantity) >= 0 {
			t.Errorf("%d cores: Benders objective %v, bound %v; 1 core: %v, %v", n, a.Objective, a.Bound, b.Objective, b.Bound)
		}
	}
}

// TestSweepCanceled: once the solve's context is done, a sweep hands out
// no more shards, so a cancel waits for the shards being filled (one per
// worker), not for a whole pass over the hours; and Solve then returns the
// cancellation.
func TestSweepCanceled(t *testing.T) {
	p := genFleet(fleetSpec{Pools: 12, PoolsPerFamily: 4, Hours: 24 * 90, Seed: 43})
	c := compile(context.Background(), p, true, 1)
	nc, shards := len(c.weight), c.sweepShards()
	if shards < 4 {
		t.Fatalf("%d classes in %d shards: too few", nc, shards)
	}
	x := make([]float64, len(p.Offerings))
	// count sweeps and returns how many classes were filled; stop, when
	// set, is called at the first.
	count := func(stop func()) int {
		var mu sync.Mutex
		n := 0
		c.sweep(c.sweepWorkers(), x, false, nil, func(wi int, _ *fillWork, _, _ int) {
			mu.Lock()
			if wi < 0 || wi >= c.sweepWorkers() {
				t.Errorf("worker %d of %d", wi, c.sweepWorkers())
			}
			n++
			if n == 1 && stop != nil {
				stop()
			}
			mu.Unlock()
		}, func(int) {})
		return n
	}
	if n := count(nil); n != nc {
		t.Fatalf("no context: %d of %d classes filled", n, nc)
	}
	// The caller's count of workers, not GOMAXPROCS at the time of the
	// sweep, numbers the workers: callers size per-worker partials by it.
	withProcs(1, func() {
		seen := map[int]bool{}
		var mu sync.Mutex
		c.sweep(5, x, false, nil, func(wi int, _ *fillWork, _, _ int) {
			mu.Lock()
			seen[wi] = true
			mu.Unlock()
		}, nil)
		for wi := range seen {
			if wi < 0 || wi >= 5 {
				t.Errorf("5 workers asked for, worker %d ran", wi)
			}
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.ctx = ctx
	largest := (nc + shards - 1) / shards
	if n, most := count(cancel), c.sweepWorkers()*largest; n > most || n >= nc {
		t.Errorf("cancelled at the first class: %d of %d classes filled, want at most %d", n, nc, most)
	}
	if n := count(nil); n != 0 {
		t.Errorf("already cancelled: %d classes filled", n)
	}
	if _, err := Solve(ctx, p, Options{Method: Benders}); !errors.Is(err, context.Canceled) {
		t.Errorf("Solve with a cancelled context: %v", err)
	}

	// A cancel that lands between a worker's taking a shard and its filling
	// it: worker A takes shard 2 and waits, worker B takes shard 3 and starts
	// filling it, then the test cancels and lets A go on. A must fill and
	// fold shard 2, or B's fold of shard 3 waits for its turn for ever (as
	// it did when the check came after the taking). The watchdog is a
	// deadlock detector, not a time limit.
	ctx, cancel = context.WithCancel(context.Background())
	c.ctx = ctx
	threeStarted := make(chan struct{})
	var once sync.Once
	sweepTaken = func(sh int) {
		if sh == 2 {
			<-threeStarted
			cancel()
		}
	}
	defer func() { sweepTaken = nil }()
	var mu sync.Mutex
	filled, folded := map[int]bool{}, 0
	done := make(chan struct{})
	withProcs(2, func() {
		go func() {
			defer close(done)
			c.sweep(2, x, false, nil, func(_ int, _ *fillWork, cl, _ int) {
				sh := 0 // the shard sweep puts class cl in
				for cl >= (sh+1)*nc/shards {
					sh++
				}
				mu.Lock()
				filled[sh] = true
				mu.Unlock()
				if sh == 3 {
					once.Do(func() { close(threeStarted) })
				}
			}, func(int) {
				mu.Lock()
				folded++
				mu.Unlock()
			})
		}()
		select {
		case <-done:
		case <-time.After(time.Minute):
			t.Fatal("a sweep cancelled between taking shard 2 and filling it never returned")
		}
	})
	if !filled[2] || folded != len(filled) {
		t.Errorf("cancelled while shard 2 was taken: shards filled %v, %d folded", filled, folded)
	}
	c.ctx = nil
}

// TestDualPriceGroups: dualValue prices a purchase without capacity once
// per group of offerings with the same covers; each must get what its own
// covers give, max_p π_p / r_sp, computed here offering by offering.
func TestDualPriceGroups(t *testing.T) {
	p := genFleet(fleetSpec{Pools: 8, PoolsPerFamily: 4, Hours: 24 * 28, Seed: 5, Dates: 4})
	c := compile(context.Background(), p, true, 1)
	c.dualCuts = true
	if c.covGroups >= len(p.Offerings) {
		t.Fatalf("%d groups of covers for %d offerings: the dates' copies should share", c.covGroups, len(p.Offerings))
	}
	x := make([]float64, len(p.Offerings))
	for k := range x {
		if k%5 == 0 { // some bought, most not
			x[k] = 1
		}
	}
	w := c.newWork()
	zero := 0
	for cl := range c.weight {
		seg := c.classSeg[cl]
		c.caps(seg, x, w.caps)
		c.fill(cl, w.caps, w, true)
		for _, si := range c.segSrc[seg] {
			if w.caps[si] > 0 {
				continue
			}
			zero++
			k := c.srcs[si].offering
			var want float64
			for i := c.covStart[k]; i < c.covStart[k+1]; i++ {
				want = max(want, w.pi[c.covPool[i]]/c.covRate[i])
			}
			if math.Float64bits(w.dualMu[si]) != math.Float64bits(want) {
				t.Fatalf("class %d, offering %d: μ %v, want %v", cl, k, w.dualMu[si], want)
			}
		}
	}
	if zero == 0 {
		t.Fatal("no purchase without capacity was priced")
	}
}
