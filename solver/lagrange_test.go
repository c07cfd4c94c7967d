package solver

import (
	"math/rand/v2"
	"testing"
)

// TestLagrangeBound: the Lagrangian bound is a lower bound on the direct
// LP's optimum (the cheapest allocation) whatever purchase prices it, and
// priced at the optimum it is close to it.
func TestLagrangeBound(t *testing.T) {
	for _, s := range []fleetSpec{
		{Pools: 4, PoolsPerFamily: 2, Hours: 48, Seed: 1},
		{Pools: 9, PoolsPerFamily: 3, Hours: 24 * 7, Seed: 2},
		{Pools: 12, PoolsPerFamily: 4, Hours: 24 * 14, Seed: 3},
		{Pools: 6, PoolsPerFamily: 3, Hours: 24 * 7, Seed: 4, NoRI: true},
		{Pools: 6, PoolsPerFamily: 2, Hours: 24 * 7, Seed: 5, NoSP: true},
		{Pools: 30, PoolsPerFamily: 6, Hours: 24 * 10, Seed: 6},
		{Pools: 6, PoolsPerFamily: 3, Hours: 24 * 7, Seed: 7, Dates: 4},
		{Pools: 9, PoolsPerFamily: 3, Hours: 24 * 14, Seed: 8, Dates: 3},
	} {
		p := genFleet(s)
		d := mustSolve(t, p, Options{Method: Direct})
		c := compile(p, true)
		at, _ := c.lagrangeBound(d.Relaxed, bounds{})
		if at > d.Objective*(1+1e-9)+1e-7 {
			t.Errorf("%+v: bound %v above the optimum %v", s, at, d.Objective)
		}
		gap := (d.Objective - at) / d.Objective
		if gap > 0.01 {
			t.Errorf("%+v: priced at the optimum, the bound %v is %.3f%% below it (%v)", s, at, 100*gap, d.Objective)
		}
		r := rand.New(rand.NewPCG(s.Seed, 5))
		for trial := 0; trial < 20; trial++ {
			x := make([]float64, len(d.Relaxed))
			for k := range x {
				x[k] = d.Relaxed[k] * 3 * r.Float64()
			}
			if l, _ := c.lagrangeBound(x, bounds{}); l > d.Objective*(1+1e-9)+1e-7 {
				t.Fatalf("%+v: priced at a random purchase the bound %v is above the optimum %v", s, l, d.Objective)
			}
		}
		t.Logf("%+v: optimum %.2f, bound at it %.2f (%.4f%%)", s, d.Objective, at, 100*gap)
	}
}
