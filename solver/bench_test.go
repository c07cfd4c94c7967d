package solver

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"time"
)

var benchVerbose = flag.Bool("bench.verbose", false, "log Benders progress in benchmarks")

// benchSolve solves a generated fleet and reports what a reader of
// docs/benchmarks.md needs: the solve time, the heap in use at the peak
// (sampled), the Benders iterations and the compression.
func benchSolve(b *testing.B, s fleetSpec, opts Options) {
	benchSolveProblem(b, genFleet(s), opts)
}

// benchSolveProblem is benchSolve on a given problem.
func benchSolveProblem(b *testing.B, p *Problem, opts Options) {
	if *benchVerbose {
		opts.Progress = func(pr Progress) {
			if pr.Iteration%10 == 0 {
				b.Logf("%s it=%d upper=%.2f lower=%.2f", pr.Stage, pr.Iteration, pr.Upper, pr.Lower)
			}
		}
	}
	var peak uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak {
					peak = ms.HeapInuse
				}
			}
		}
	}()
	var r *Result
	for b.Loop() {
		var err error
		r, err = Solve(context.Background(), p, opts)
		if err != nil {
			b.Fatal(err)
		}
	}
	close(done)
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MiB")
	}
	b.ReportMetric(float64(r.Iterations), "iterations")
	b.ReportMetric(r.Compression.Ratio(), "compression")
	b.ReportMetric((r.Objective-r.Bound)/r.Objective, "rel-gap")
	b.ReportMetric(r.Savings, "savings-USD")
}

var (
	benchLarge = flag.Bool("bench.large", false, "also run the 1,000- and 10,000-pool benchmarks")
	benchLimit = flag.Duration("bench.limit", 10*time.Second, "time limit of the decomposition in the 1,000- and 10,000-pool benchmarks")
)

// BenchmarkSolve runs the decomposition on a year of hourly usage of
// generated AWS-like fleets (RIs per pool, an EC2 Instance SP per family of
// 20 pools, a Compute SP), exact compression on and off.
func BenchmarkSolve(b *testing.B) {
	for _, usage := range []string{"noisy", "scheduled"} {
		for _, pools := range []int{20, 50, 100, 1000, 10000} {
			for _, compress := range []bool{true, false} {
				name := fmt.Sprintf("usage=%s/pools=%d/hours=8760/compression=%v", usage, pools, compress)
				b.Run(name, func(b *testing.B) {
					if pools >= 1000 && !*benchLarge {
						b.Skip("run with -bench.large")
					}
					opts := Options{Method: Benders, NoCompression: !compress}
					if pools >= 1000 {
						// Exactness is out of reach here (docs/benchmarks.md):
						// measure the gap proven in a fixed time instead.
						opts.TimeLimit = *benchLimit
					}
					benchSolve(b, fleetSpec{Pools: pools, PoolsPerFamily: 20, Hours: HoursPerYear, Seed: 1, Increment: 1, Scheduled: usage == "scheduled"}, opts)
				})
			}
		}
	}
}

// BenchmarkSolveDirect is the reference method on the sizes it can hold.
func BenchmarkSolveDirect(b *testing.B) {
	for _, pools := range []int{20, 50} {
		b.Run(fmt.Sprintf("pools=%d/hours=720", pools), func(b *testing.B) {
			benchSolve(b, fleetSpec{Pools: pools, PoolsPerFamily: 10, Hours: 720, Seed: 1, Increment: 1}, Options{Method: Direct})
		})
	}
}

// BenchmarkSolveWindows solves the shape of a backtest's hindsight
// optimum: every offering offered again at each monthly decision date of a
// year (fleetSpec.Dates), so that the decomposition works with purchase
// windows.
func BenchmarkSolveWindows(b *testing.B) {
	for _, pools := range []int{20} {
		b.Run(fmt.Sprintf("pools=%d/hours=8760/dates=12", pools), func(b *testing.B) {
			benchSolve(b, fleetSpec{Pools: pools, PoolsPerFamily: 10, Hours: HoursPerYear, Seed: 1, Increment: 1, Dates: 12}, Options{Method: Benders})
		})
	}
}

// BenchmarkSolveScenarios solves a year of hours split into three
// scenarios of four months each (multiFleet: the history, a slump with a
// family gone, growth), by decomposition, without and with a CVaR limit on
// regret (a third of the free plan's).
func BenchmarkSolveScenarios(b *testing.B) {
	for _, pools := range []int{20} {
		for _, cvar := range []bool{false, true} {
			b.Run(fmt.Sprintf("pools=%d/hours=3x2920/cvar=%v", pools, cvar), func(b *testing.B) {
				p := multiFleet(fleetSpec{Pools: pools, PoolsPerFamily: 10, Hours: 2920, Seed: 1, Increment: 1})
				if cvar {
					free, err := Solve(context.Background(), p, Options{Method: Benders})
					if err != nil {
						b.Fatal(err)
					}
					p.Policy.MaxCVaRRegret = Limit(CVaR(regrets(free), probsOf(p), 0.9) / 3)
				}
				benchSolveProblem(b, p, Options{Method: Benders})
			})
		}
	}
}

// BenchmarkSolveScenariosLarge is the stochastic model at fleet size
// (-bench.large): a year of hours in each of 10 equally likely scenarios,
// each scaling every family of 20 pools by its own factor (0.3 to 1.5), by
// decomposition within -bench.limit per decomposition; the reported gap is
// what is proven (docs/benchmarks.md).
func BenchmarkSolveScenariosLarge(b *testing.B) {
	for _, pools := range []int{200, 1000} {
		for _, sample := range []int{1, 4} {
			b.Run(fmt.Sprintf("pools=%d/hours=10x8760/sample-weeks=%d", pools, sample), func(b *testing.B) {
				if !*benchLarge {
					b.Skip("run with -bench.large")
				}
				p := genFleet(fleetSpec{Pools: pools, PoolsPerFamily: 20, Hours: HoursPerYear, Seed: 1, Increment: 1})
				r := rand.New(rand.NewPCG(1, 17))
				const n = 10
				var paths [][][]float64
				var probs []float64
				for range n {
					f := make([]float64, pools/20+1)
					for i := range f {
						f[i] = 0.3 + 1.2*r.Float64()
					}
					paths = append(paths, scaledPaths(p, func(i int) float64 { return f[i/20] }))
					probs = append(probs, 1.0/n)
				}
				benchSolveProblem(b, withScenarios(p, paths, probs), Options{Method: Benders, TimeLimit: *benchLimit, SampleWeeks: sample})
			})
		}
	}
}

// BenchmarkEvaluate times one pass of the billing fill over a year of
// distinct hours with subgradients, as each Benders iteration makes it: the
// decomposition's unit of work at fleet size.
func BenchmarkEvaluate(b *testing.B) {
	for _, pools := range []int{200} {
		b.Run(fmt.Sprintf("pools=%d/hours=8760", pools), func(b *testing.B) {
			c, x := warmFleet(fleetSpec{Pools: pools, PoolsPerFamily: 20, Hours: HoursPerYear, Seed: 1, Increment: 1})
			for b.Loop() {
				c.evaluate(x, 4, true)
			}
		})
	}
}

// BenchmarkLagrangeBound prices a year of 200 pools at the warm start:
// reserved instances of one pool each (the quantile rule), and shared by
// ten pools (sizeShared, a knapsack of each class's usage).
func BenchmarkLagrangeBound(b *testing.B) {
	for _, shared := range []int{0, 10} {
		b.Run(fmt.Sprintf("pools=200/hours=8760/shared=%d", shared), func(b *testing.B) {
			c, x := warmFleet(fleetSpec{Pools: 200, PoolsPerFamily: 20, Hours: HoursPerYear, Seed: 1, Increment: 1, SharedRI: shared})
			for b.Loop() {
				c.lagrangeBound(x, bounds{})
			}
		})
	}
}

// warmFleet compiles the fleet of s and its warm start, the purchase the
// fill and bound benchmarks price.
func warmFleet(s fleetSpec) (*compiled, []float64) {
	p := genFleet(s)
	c := compile(context.Background(), p, true, 1)
	lo, hi := make([]float64, len(p.Offerings)), make([]float64, len(p.Offerings))
	for k := range hi {
		hi[k] = math.Inf(1)
	}
	return c, c.warmStart(lo, hi)
}
