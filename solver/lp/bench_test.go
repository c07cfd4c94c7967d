package lp_test

import (
	"math/rand/v2"
	"testing"

	"github.com/tranchehq/tranche/solver/lp"
)

// BenchmarkSolve solves a feasible, bounded random LP of 20,000 columns and
// 10,000 rows (about 3.5 nonzeros per row), the size of a compressed
// commitment model for a few hundred pools.
func BenchmarkSolve(b *testing.B) {
	g := randomLP(rand.New(rand.NewPCG(42, 43)), 20000, 10000)
	for _, a := range algos {
		b.Run(a.String(), func(b *testing.B) {
			iters := 0
			for b.Loop() {
				sol, err := lp.Solve(ctx, g.m, lp.Options{Algorithm: a})
				if err != nil {
					b.Fatal(err)
				}
				iters = sol.Iterations
			}
			b.ReportMetric(float64(iters), "iterations")
		})
	}
}

// BenchmarkBuild measures building the same model through the API.
func BenchmarkBuild(b *testing.B) {
	g := randomLP(rand.New(rand.NewPCG(42, 43)), 20000, 10000)
	for b.Loop() {
		m := lp.NewModel("build")
		for j := range g.numCols {
			m.AddColumn("", g.cost[j], g.cl[j], g.cu[j])
		}
		for i := range g.numRows {
			m.AddRow("", g.rl[i], g.ru[i])
		}
		for _, e := range g.ents {
			m.Set(e.i, e.j, e.v)
		}
	}
}
