package lp_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tranchehq/tranche/solver/lp"
)

// scratch solves the Problem's current model from scratch.
func scratch(t *testing.T, p *lp.Problem) *lp.Solution {
	t.Helper()
	sol, err := lp.Solve(ctx, p.Model(), lp.Options{})
	if err != nil {
		t.Fatalf("from-scratch Solve: %v", err)
	}
	return sol
}

// TestProblemCuttingPlane runs Kelley's cutting-plane method on
// max x + y s.t. x² + y² ≤ 25 within the box [0, 10]²: each round adds the
// tangent cut at the direction of the current point. The optimum of the
// circle is 5√2 at (5/√2, 5/√2). Every warm-started re-solve must equal a
// from-scratch solve of the same rows.
func TestProblemCuttingPlane(t *testing.T) {
	for _, a := range algos {
		t.Run(a.String(), func(t *testing.T) {
			m := lp.NewModel("kelley")
			x := m.AddColumn("x", -1, 0, 10)
			y := m.AddColumn("y", -1, 0, 10)
			p, err := lp.Load(m, lp.Options{Algorithm: a})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			var sol *lp.Solution
			for round := range 60 {
				sol, err = p.Solve(ctx)
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
				if want := scratch(t, p); !near(sol.Objective, want.Objective, 1e-9) {
					t.Fatalf("round %d: warm objective %.12g ≠ scratch %.12g", round, sol.Objective, want.Objective)
				}
				px, py := sol.Primal[x], sol.Primal[y]
				r := math.Hypot(px, py)
				if r <= 5+1e-6 {
					break
				}
				if got := p.AddRow(fmt.Sprintf("cut%d", round), math.Inf(-1), 5, []int{x, y}, []float64{px / r, py / r}); got != p.NumRows()-1 {
					t.Fatalf("AddRow returned %d with %d rows", got, p.NumRows())
				}
			}
			if !near(-sol.Objective, 5*math.Sqrt2, 1e-3) {
				t.Errorf("cutting plane converged to %g, want 5√2 = %g", -sol.Objective, 5*math.Sqrt2)
			}
			// Deleting every cut but the last leaves a looser problem.
			n := p.NumRows()
			del := make([]int, n-1)
			for i := range del {
				del[i] = i
			}
			p.DeleteRows(del)
			if p.NumRows() != 1 || p.Model().RowName(0) != fmt.Sprintf("cut%d", n-1) {
				t.Fatalf("after DeleteRows: %d rows, first %q", p.NumRows(), p.Model().RowName(0))
			}
			sol, err = p.Solve(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := scratch(t, p); !near(sol.Objective, want.Objective, 1e-9) {
				t.Errorf("after delete: warm %.12g ≠ scratch %.12g", sol.Objective, want.Objective)
			}
		})
	}
}

// TestProblemRandomIncremental loads the first rows of a random LP, adds
// the others one at a time, deletes random subsets and changes column
// bounds, checking every warm-started solve against a from-scratch solve.
func TestProblemRandomIncremental(t *testing.T) {
	n := 30
	if testing.Short() {
		n = 8
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for k := range n {
		nc, nr := 5+rng.IntN(40), 10+rng.IntN(40)
		g := randomLP(rng, nc, nr)
		t.Run(fmt.Sprintf("%02d-%dx%d", k, nr, nc), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(k), 99)) // for the deletions
			// Base model: the columns, boxed into [−100, 100] so that every
			// subset of the rows has a finite optimum (x0 stays feasible),
			// and the first half of the rows.
			half := nr / 2
			base := lp.NewModel("base")
			full := lp.NewModel("full")
			for j := range nc {
				base.AddColumn("", g.cost[j], max(g.cl[j], -100), min(g.cu[j], 100))
				full.AddColumn("", g.cost[j], max(g.cl[j], -100), min(g.cu[j], 100))
			}
			for i := range nr {
				full.AddRow("", g.rl[i], g.ru[i])
				for _, e := range g.rowsOfCT[i] {
					full.Set(i, e.j, e.v)
				}
			}
			full.SetObjectiveOffset(g.offset)
			for i := range half {
				base.AddRow(fmt.Sprintf("r%d", i), g.rl[i], g.ru[i])
				for _, e := range g.rowsOfCT[i] {
					base.Set(i, e.j, e.v)
				}
			}
			base.SetObjectiveOffset(g.offset)
			p, err := lp.Load(base, lp.Options{Algorithm: algos[k%3]})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			// Loading took a copy: changing base now must not matter.
			base.SetObjectiveOffset(1e6)
			check := func(stage string) {
				t.Helper()
				sol, err := p.Solve(ctx)
				want, werr := lp.Solve(ctx, p.Model(), lp.Options{})
				if err != nil || werr != nil {
					t.Fatalf("%s: warm err %v, scratch err %v", stage, err, werr)
				}
				if !near(sol.Objective, want.Objective, 1e-7) {
					checkOptimality(t, p.Model(), sol, 1e-6)
					t.Fatalf("%s: warm objective %.12g ≠ scratch %.12g", stage, sol.Objective, want.Objective)
				}
			}
			check("base")
			for i := half; i < nr; i++ {
				cols, vals := []int{}, []float64{}
				for _, e := range g.rowsOfCT[i] {
					cols, vals = append(cols, e.j), append(vals, e.v)
				}
				p.AddRow(fmt.Sprintf("r%d", i), g.rl[i], g.ru[i], cols, vals)
				if i%3 == 0 || i == nr-1 {
					check(fmt.Sprintf("add r%d", i))
				}
			}
			sol, err := lp.Solve(ctx, full, lp.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if last, err := p.Solve(ctx); err != nil || !near(last.Objective, sol.Objective, 1e-7) {
				t.Fatalf("all rows added: %v, %v; want objective %g", last, err, sol.Objective)
			}
			// Add two rows without solving, then delete a mix of solved and
			// pending rows.
			p.AddRow("pending1", math.Inf(-1), 1e3, []int{0}, []float64{1})
			p.AddRow("pending2", -1e3, math.Inf(1), []int{nc - 1, 0}, []float64{1, 1})
			for range 3 {
				var del []int
				for i := range p.NumRows() {
					if rng.IntN(4) == 0 {
						del = append(del, i)
					}
				}
				names := map[string]bool{}
				for i := range p.NumRows() {
					names[p.Model().RowName(i)] = true
				}
				for _, i := range del {
					delete(names, p.Model().RowName(i))
				}
				before := p.NumRows()
				p.DeleteRows(del)
				if p.NumRows() != before-len(del) {
					t.Fatalf("DeleteRows(%v): %d rows, want %d", del, p.NumRows(), before-len(del))
				}
				prev := -1
				for i := range p.NumRows() {
					name := p.Model().RowName(i)
					if !names[name] {
						t.Fatalf("row %q survived or reappeared", name)
					}
					var idx int
					fmt.Sscanf(name, "r%d", &idx)
					if name[0] == 'r' && idx <= prev {
						t.Fatalf("rows out of order after delete: %q after r%d", name, prev)
					}
					if name[0] == 'r' {
						prev = idx
					}
				}
				check(fmt.Sprintf("delete %v", del))
			}
			// Tighten and loosen bounds of a few columns around the optimum.
			sol, err = p.Solve(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for j := range min(nc, 5) {
				lo, up := g.cl[j], g.cu[j]
				v := sol.Primal[j]
				p.SetColumnBounds(j, max(lo, v-0.5), min(up, v+0.25))
			}
			check("bounds")
		})
	}
}

func TestProblemInvalidRow(t *testing.T) {
	m := lp.NewModel("m")
	m.AddColumn("x", 1, 0, 1)
	p, err := lp.Load(m, lp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.AddRow("bad", 0, 1, []int{3}, []float64{1})
	if _, err := p.Solve(ctx); !errors.Is(err, lp.ErrInvalidModel) {
		t.Fatalf("Solve with a row on column 3 of 1: %v", err)
	}
	p.DeleteRows([]int{0})
	if _, err := p.Solve(ctx); err != nil {
		t.Fatalf("after deleting the bad row: %v", err)
	}
	p.Close()
	p.Close() // twice is fine
}

// hardLP is a random LP big enough that the simplex needs a while.
func hardLP(nc, nr int) *lp.Model {
	return randomLP(rand.New(rand.NewPCG(11, 12)), nc, nr).m
}

func TestCancel(t *testing.T) {
	m := hardLP(6000, 3000)
	t.Run("before", func(t *testing.T) {
		c, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := lp.Solve(c, m, lp.Options{}); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("during", func(t *testing.T) {
		c, cancel := context.WithCancel(ctx)
		time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		sol, err := lp.Solve(c, m, lp.Options{})
		if err == nil {
			t.Skipf("solved in %v before the cancel", time.Since(start))
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if sol == nil || sol.Status != lp.Canceled {
			t.Errorf("solution %v, want status canceled", sol)
		}
		if el := time.Since(start); el > 3*time.Second {
			t.Errorf("cancel took effect after %v", el)
		}
	})
	t.Run("time-limit", func(t *testing.T) {
		start := time.Now()
		sol, err := lp.Solve(ctx, m, lp.Options{TimeLimit: 50 * time.Millisecond})
		if err == nil {
			t.Skipf("solved in %v within the limit", time.Since(start))
		}
		if !errors.Is(err, lp.ErrTimeLimit) || errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want ErrTimeLimit only", err)
		}
		if sol == nil || sol.Status != lp.TimeLimit || len(sol.Primal) != m.NumColumns() {
			t.Errorf("solution %v, want status time limit with a primal", sol)
		}
		if el := time.Since(start); el > 3*time.Second {
			t.Errorf("time limit took effect after %v", el)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		c, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := lp.Solve(c, m, lp.Options{TimeLimit: time.Hour})
		if err == nil {
			t.Skip("solved before the deadline")
		}
		if !errors.Is(err, lp.ErrTimeLimit) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want ErrTimeLimit and DeadlineExceeded", err)
		}
	})
	t.Run("iteration-limit", func(t *testing.T) {
		sol, err := lp.Solve(ctx, m, lp.Options{IterationLimit: 25})
		if !errors.Is(err, lp.ErrIterationLimit) {
			t.Fatalf("err = %v, want ErrIterationLimit", err)
		}
		if sol.Status != lp.IterationLimit || sol.Iterations != 25 {
			t.Errorf("status %v after %d iterations, want iteration limit after 25", sol.Status, sol.Iterations)
		}
	})
	t.Run("problem-canceled", func(t *testing.T) {
		p, err := lp.Load(m, lp.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		c, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := p.Solve(c); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}
