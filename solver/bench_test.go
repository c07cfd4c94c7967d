package solver

import (
	"context"
	"flag"
	"runtime"
	"testing"
	"time"
)

var benchVerbose = flag.Bool("bench.verbose", false, "log Benders progress in benchmarks")

// benchSolve solves a generated fleet and reports what a reader of
// docs/benchmarks.md needs: the solve time, the heap in use at the peak
// (sampled), the Benders iterations and the compression.
func benchSolve(b *testing.B, s fleetSpec, opts Options) {
	p := genFleet(s)
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
	b.ReportMetric(float64(r.Iterations), "iterations")
	b.ReportMetric(r.Compression.Ratio(), "compression")
	b.ReportMetric((r.Objective-r.Bound)/r.Objective, "rel-gap")
	b.ReportMetric(r.Savings, "savings-USD")
}

func BenchmarkSolve1000Pools(b *testing.B) {
	benchSolve(b, fleetSpec{Pools: 1000, PoolsPerFamily: 20, Hours: HoursPerYear, Seed: 1, Increment: 1}, Options{Method: Benders})
}
