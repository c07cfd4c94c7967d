package lp_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/tranchehq/tranche/solver/lp"
)

var (
	inf    = math.Inf(1)
	ninf   = math.Inf(-1)
	ctx    = context.Background()
	algos  = []lp.Algorithm{lp.DualSimplex, lp.PrimalSimplex, lp.Barrier}
	relTol = 1e-6
)

func near(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*max(1, math.Abs(a), math.Abs(b))
}

// knownCase is an LP with an optimum known from outside this package.
type knownCase struct {
	name  string
	build func() *lp.Model
	obj   float64
	x     []float64   // nil: not unique or not checked
	dual  []float64   // nil: not checked
	check func() bool // an extra independent verification of obj, if any
}

func wyndor() *lp.Model {
	// Hillier & Lieberman, Introduction to Operations Research, §3.1 (Wyndor
	// Glass): max 3x₁ + 5x₂ s.t. x₁ ≤ 4, 2x₂ ≤ 12, 3x₁ + 2x₂ ≤ 18. Optimum
	// (2, 6), Z = 36; shadow prices 0, 3/2, 1 (§4.7). Minimising −Z gives
	// −36 and, with d = c − Aᵀy, duals 0, −3/2, −1 on the ≤ rows.
	m := lp.NewModel("wyndor")
	x1 := m.AddColumn("x1", -3, 0, inf)
	x2 := m.AddColumn("x2", -5, 0, inf)
	m.AddRowWith("plant1", ninf, 4, []int{x1}, []float64{1})
	m.AddRowWith("plant2", ninf, 12, []int{x2}, []float64{2})
	m.AddRowWith("plant3", ninf, 18, []int{x1, x2}, []float64{3, 2})
	return m
}

// transportation costs, supplies and demands of a balanced 2×3 problem.
var (
	trCost   = [2][3]float64{{8, 6, 10}, {9, 12, 13}}
	trSupply = [2]float64{20, 30}
	trDemand = [3]float64{10, 25, 15}
)

func transportation() *lp.Model {
	m := lp.NewModel("transport")
	var x [2][3]int
	for i := range 2 {
		for j := range 3 {
			x[i][j] = m.AddColumn(fmt.Sprintf("x%d%d", i, j), trCost[i][j], 0, inf)
		}
	}
	for i := range 2 {
		m.AddRowWith(fmt.Sprintf("supply%d", i), trSupply[i], trSupply[i], []int{x[i][0], x[i][1], x[i][2]}, []float64{1, 1, 1})
	}
	for j := range 3 {
		m.AddRowWith(fmt.Sprintf("demand%d", j), trDemand[j], trDemand[j], []int{x[0][j], x[1][j]}, []float64{1, 1})
	}
	return m
}

// transportationByEnumeration finds the optimum by enumerating the integer
// points of the 2-dimensional feasible set: x00 and x01 determine the rest,
// and the constraint matrix is totally unimodular, so every vertex is
// integral and the best integer point is the LP optimum.
func transportationByEnumeration() float64 {
	best := inf
	for a := 0.0; a <= trDemand[0]; a++ {
		for b := 0.0; b <= trDemand[1]; b++ {
			x := [2][3]float64{{a, b, trSupply[0] - a - b}, {trDemand[0] - a, trDemand[1] - b, 0}}
			x[1][2] = trDemand[2] - x[0][2]
			cost, ok := 0.0, true
			for i := range 2 {
				for j := range 3 {
					ok = ok && x[i][j] >= 0
					cost += trCost[i][j] * x[i][j]
				}
			}
			if ok {
				best = min(best, cost)
			}
		}
	}
	return best
}

var knownCases = []knownCase{
	{name: "wyndor", build: wyndor, obj: -36, x: []float64{2, 6}, dual: []float64{0, -1.5, -1}},
	{
		// Solved graphically: min x + y s.t. x + 2y ≥ 4, 3x + y ≥ 6. The
		// vertices are (0, 6) → 6, (8/5, 6/5) → 14/5, (4, 0) → 4.
		name: "graphical-2var",
		build: func() *lp.Model {
			m := lp.NewModel("graphical")
			x := m.AddColumn("x", 1, 0, inf)
			y := m.AddColumn("y", 1, 0, inf)
			m.AddRowWith("a", 4, inf, []int{x, y}, []float64{1, 2})
			m.AddRowWith("b", 6, inf, []int{x, y}, []float64{3, 1})
			return m
		},
		obj: 14.0 / 5, x: []float64{8.0 / 5, 6.0 / 5},
		// Dual: max 4u + 6v, u + 3v ≤ 1, 2u + v ≤ 1 → u = 2/5, v = 1/5.
		dual: []float64{0.4, 0.2},
	},
	{
		name: "transportation", build: transportation, obj: 465,
		check: func() bool { return transportationByEnumeration() == 465 },
	},
	{
		// Chvátal, Linear Programming, ch. 4 (Klee–Minty, n = 3):
		// max 100x₁ + 10x₂ + x₃ s.t. x₁ ≤ 1, 20x₁ + x₂ ≤ 100,
		// 200x₁ + 20x₂ + x₃ ≤ 10000. Optimum x = (0, 0, 10000).
		name: "klee-minty-3",
		build: func() *lp.Model {
			m := lp.NewModel("klee-minty")
			x1 := m.AddColumn("x1", -100, 0, inf)
			x2 := m.AddColumn("x2", -10, 0, inf)
			x3 := m.AddColumn("x3", -1, 0, inf)
			m.AddRowWith("r1", ninf, 1, []int{x1}, []float64{1})
			m.AddRowWith("r2", ninf, 100, []int{x1, x2}, []float64{20, 1})
			m.AddRowWith("r3", ninf, 10000, []int{x1, x2, x3}, []float64{200, 20, 1})
			return m
		},
		obj: -10000, x: []float64{0, 0, 10000},
	},
	{
		// |x − 3| + |x − 7| with x free is 4 for any x in [3, 7]; the
		// offset 10 is added: 14.
		name: "free-variable-offset",
		build: func() *lp.Model {
			m := lp.NewModel("abs")
			x := m.AddColumn("x", 0, ninf, inf)
			t1 := m.AddColumn("t1", 1, 0, inf)
			t2 := m.AddColumn("t2", 1, 0, inf)
			m.AddRowWith("t1>=x-3", -3, inf, []int{t1, x}, []float64{1, -1})
			m.AddRowWith("t1>=3-x", 3, inf, []int{t1, x}, []float64{1, 1})
			m.AddRowWith("t2>=x-7", -7, inf, []int{t2, x}, []float64{1, -1})
			m.AddRowWith("t2>=7-x", 7, inf, []int{t2, x}, []float64{1, 1})
			m.SetObjectiveOffset(10)
			return m
		},
		obj: 14,
	},
	{
		// max x + y with 1 ≤ x + y ≤ 3 (ranged), x ∈ [−2, 2], y ≤ 1.5:
		// the ranged row binds at 3.
		name: "ranged-row-negative-bounds",
		build: func() *lp.Model {
			m := lp.NewModel("ranged")
			x := m.AddColumn("x", -1, -2, 2)
			y := m.AddColumn("y", -1, ninf, 1.5)
			m.AddRowWith("range", 1, 3, []int{x, y}, []float64{1, 1})
			return m
		},
		obj: -3, dual: []float64{-1},
	},
	{
		// Set twice on the same entry sums: 2x ≤ 4, max x → x = 2.
		name: "duplicate-triplets-summed",
		build: func() *lp.Model {
			m := lp.NewModel("dups")
			x := m.AddColumn("x", -1, 0, inf)
			r := m.AddRow("r", ninf, 4)
			m.Set(r, x, 1)
			m.Set(r, x, 1)
			return m
		},
		obj: -2, x: []float64{2}, dual: []float64{-0.5},
	},
	{
		// Column built with AddColumnWith and a fixed column: min x + 2y,
		// x + y = 5 with y fixed at 1 → x = 4, objective 6.
		name: "column-wise-and-fixed",
		build: func() *lp.Model {
			m := lp.NewModel("colwise")
			r := m.AddRow("sum", 5, 5)
			m.AddColumnWith("x", 1, 0, inf, []int{r}, []float64{1})
			m.AddColumnWith("y", 2, 1, 1, []int{r}, []float64{1})
			return m
		},
		obj: 6, x: []float64{4, 1}, dual: []float64{1},
	},
	{
		// No rows at all: each column sits at its cheaper bound:
		// 2·1 + (−1)·3 = −1.
		name: "bounds-only",
		build: func() *lp.Model {
			m := lp.NewModel("bounds")
			m.AddColumn("a", 2, 1, 5)
			m.AddColumn("b", -1, -4, 3)
			return m
		},
		obj: -1, x: []float64{1, 3},
	},
	{
		name:  "empty",
		build: func() *lp.Model { m := lp.NewModel("empty"); m.SetObjectiveOffset(2.5); return m },
		obj:   2.5,
	},
}

func TestKnownOptima(t *testing.T) {
	for _, tc := range knownCases {
		if tc.check != nil && !tc.check() {
			t.Fatalf("%s: the independent check of the expected optimum fails", tc.name)
		}
		for _, a := range algos {
			t.Run(tc.name+"/"+a.String(), func(t *testing.T) {
				m := tc.build()
				sol, err := lp.Solve(ctx, m, lp.Options{Algorithm: a})
				if err != nil {
					t.Fatalf("Solve: %v", err)
				}
				if sol.Status != lp.Optimal {
					t.Errorf("status = %v, want optimal", sol.Status)
				}
				if !near(sol.Objective, tc.obj, 1e-9) {
					t.Errorf("objective = %.12g, want %.12g", sol.Objective, tc.obj)
				}
				for j, want := range tc.x {
					if !near(sol.Primal[j], want, 1e-7) {
						t.Errorf("x[%d] = %g, want %g", j, sol.Primal[j], want)
					}
				}
				for i, want := range tc.dual {
					if !near(sol.Dual[i], want, 1e-7) {
						t.Errorf("dual[%d] = %g, want %g", i, sol.Dual[i], want)
					}
				}
				checkOptimality(t, m, sol, 1e-6)
			})
		}
	}
}

func TestInfeasibleUnbounded(t *testing.T) {
	cases := []struct {
		name  string
		build func() *lp.Model
		want  error
	}{
		{"rows-contradict", func() *lp.Model {
			m := lp.NewModel("")
			x, y := m.AddColumn("x", 1, 0, inf), m.AddColumn("y", 1, 0, inf)
			m.AddRowWith("le", ninf, 1, []int{x, y}, []float64{1, 1})
			m.AddRowWith("ge", 2, inf, []int{x, y}, []float64{1, 1})
			return m
		}, lp.ErrInfeasible},
		{"row-vs-bound", func() *lp.Model {
			m := lp.NewModel("")
			x := m.AddColumn("x", 1, 0, 1)
			m.AddRowWith("ge", 2, inf, []int{x}, []float64{1})
			return m
		}, lp.ErrInfeasible},
		{"empty-row", func() *lp.Model {
			m := lp.NewModel("")
			m.AddColumn("x", 1, 0, 1)
			m.AddRow("empty", 1, 2)
			return m
		}, lp.ErrInfeasible},
		{"equalities", func() *lp.Model {
			m := lp.NewModel("")
			x, y := m.AddColumn("x", 0, ninf, inf), m.AddColumn("y", 0, ninf, inf)
			m.AddRowWith("a", 1, 1, []int{x, y}, []float64{1, 1})
			m.AddRowWith("b", 3, 3, []int{x, y}, []float64{2, 2})
			return m
		}, lp.ErrInfeasible},
		{"free-ray", func() *lp.Model {
			m := lp.NewModel("")
			m.AddColumn("x", -1, 0, inf)
			return m
		}, lp.ErrUnbounded},
		{"ray-through-rows", func() *lp.Model {
			m := lp.NewModel("")
			x, y := m.AddColumn("x", -1, 0, inf), m.AddColumn("y", -1, 0, inf)
			m.AddRowWith("r", ninf, 1, []int{x, y}, []float64{1, -1})
			return m
		}, lp.ErrUnbounded},
		{"free-column-unbounded", func() *lp.Model {
			m := lp.NewModel("")
			x := m.AddColumn("x", 1, ninf, inf)
			y := m.AddColumn("y", 0, 0, 5)
			m.AddRowWith("r", ninf, 3, []int{x, y}, []float64{1, 1})
			return m
		}, lp.ErrUnbounded},
	}
	for _, tc := range cases {
		for _, a := range algos {
			t.Run(tc.name+"/"+a.String(), func(t *testing.T) {
				sol, err := lp.Solve(ctx, tc.build(), lp.Options{Algorithm: a})
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				want := lp.Infeasible
				if tc.want == lp.ErrUnbounded {
					want = lp.Unbounded
				}
				if sol == nil || sol.Status != want {
					t.Errorf("solution = %+v, want status %v", sol, want)
				}
			})
		}
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name    string
		build   func(m *lp.Model)
		mention string // the error must name this row or column
	}{
		{"nan-cost", func(m *lp.Model) { m.AddColumn("bad", math.NaN(), 0, 1) }, "bad"},
		{"inf-cost", func(m *lp.Model) { m.AddColumn("bad", inf, 0, 1) }, "bad"},
		{"lower>upper", func(m *lp.Model) { m.AddColumn("flip", 0, 2, 1) }, "flip"},
		{"nan-bound", func(m *lp.Model) { m.AddColumn("nanb", 0, math.NaN(), 1) }, "nanb"},
		{"lower-plus-inf", func(m *lp.Model) { m.AddColumn("up", 0, inf, inf) }, "up"},
		{"upper-minus-inf", func(m *lp.Model) { m.AddRow("down", ninf, ninf) }, "down"},
		{"row-lower>upper", func(m *lp.Model) { m.AddRow("rflip", 1, 0) }, "rflip"},
		{"nan-coefficient", func(m *lp.Model) {
			m.AddRowWith("rnan", 0, 1, []int{m.AddColumn("cnan", 0, 0, 1)}, []float64{math.NaN()})
		}, "cnan"},
		{"inf-coefficient", func(m *lp.Model) {
			m.AddRowWith("rinf", 0, 1, []int{m.AddColumn("cinf", 0, 0, 1)}, []float64{ninf})
		}, "rinf"},
		{"row-out-of-range", func(m *lp.Model) { m.Set(3, m.AddColumn("c", 0, 0, 1), 1) }, "row 3"},
		{"column-out-of-range", func(m *lp.Model) { m.Set(m.AddRow("r", 0, 1), 7, 1) }, "column 7"},
		{"negative-index", func(m *lp.Model) { m.Set(-1, 0, 1) }, "-1"},
		{"length-mismatch", func(m *lp.Model) { m.AddRowWith("short", 0, 1, []int{0}, nil) }, "short"},
		{"nan-offset", func(m *lp.Model) { m.SetObjectiveOffset(math.NaN()) }, "offset"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := lp.NewModel("v")
			tc.build(m)
			err := m.Validate()
			if !errors.Is(err, lp.ErrInvalidModel) {
				t.Fatalf("Validate = %v, want ErrInvalidModel", err)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error %q does not mention %q", err, tc.mention)
			}
			if _, err := lp.Solve(ctx, m, lp.Options{}); !errors.Is(err, lp.ErrInvalidModel) {
				t.Errorf("Solve = %v, want ErrInvalidModel", err)
			}
			if _, err := lp.Load(m, lp.Options{}); !errors.Is(err, lp.ErrInvalidModel) {
				t.Errorf("Load = %v, want ErrInvalidModel", err)
			}
		})
	}
}

// checkOptimality verifies a solution against the model through the public
// API only: primal feasibility (recomputing A·x from the model's MPS-free
// description is done in randomLP tests; here from RowActivity), the sign
// convention d = c − Aᵀy for the columns, dual feasibility, complementary
// slackness and strong duality.
func checkOptimality(t *testing.T, m *lp.Model, sol *lp.Solution, tol float64) {
	t.Helper()
	// Strong duality: the dual objective from y, d and the active bounds.
	dualObj := m.ObjectiveOffset()
	const zero = 1e-9
	for i := range m.NumRows() {
		lo, up := m.RowBounds(i)
		y, act := sol.Dual[i], sol.RowActivity[i]
		switch {
		case y > zero:
			if math.IsInf(lo, -1) {
				t.Errorf("row %s: dual %g > 0 but no lower bound", m.RowName(i), y)
				continue
			}
			dualObj += y * lo
			if !near(act, lo, tol) {
				t.Errorf("row %s: dual %g > 0 but activity %g ≠ lower %g", m.RowName(i), y, act, lo)
			}
		case y < -zero:
			if math.IsInf(up, 1) {
				t.Errorf("row %s: dual %g < 0 but no upper bound", m.RowName(i), y)
				continue
			}
			dualObj += y * up
			if !near(act, up, tol) {
				t.Errorf("row %s: dual %g < 0 but activity %g ≠ upper %g", m.RowName(i), y, act, up)
			}
		}
	}
	for j := range m.NumColumns() {
		lo, up := m.ColumnBounds(j)
		d, x := sol.ReducedCost[j], sol.Primal[j]
		switch {
		case d > zero:
			if math.IsInf(lo, -1) {
				t.Errorf("column %s: reduced cost %g > 0 but no lower bound", m.ColumnName(j), d)
				continue
			}
			dualObj += d * lo
			if !near(x, lo, tol) {
				t.Errorf("column %s: reduced cost %g > 0 but x = %g ≠ lower %g", m.ColumnName(j), d, x, lo)
			}
		case d < -zero:
			if math.IsInf(up, 1) {
				t.Errorf("column %s: reduced cost %g < 0 but no upper bound", m.ColumnName(j), d)
				continue
			}
			dualObj += d * up
			if !near(x, up, tol) {
				t.Errorf("column %s: reduced cost %g < 0 but x = %g ≠ upper %g", m.ColumnName(j), d, x, up)
			}
		}
	}
	if !near(dualObj, sol.Objective, tol) {
		t.Errorf("strong duality: dual objective %.12g ≠ primal objective %.12g", dualObj, sol.Objective)
	}
	// Recompute cᵀx + offset.
	obj := m.ObjectiveOffset()
	for j := range m.NumColumns() {
		obj += m.Cost(j) * sol.Primal[j]
	}
	if !near(obj, sol.Objective, 1e-12) {
		t.Errorf("objective %g ≠ cᵀx + offset = %g", sol.Objective, obj)
	}
}

// genLP is a random LP that is feasible and bounded by construction, with
// its data kept outside the Model so tests can recompute everything.
type genLP struct {
	m        *lp.Model
	cost     []float64
	cl, cu   []float64
	rl, ru   []float64
	ents     []entry
	x0       []float64 // a feasible point
	y0, d0   []float64 // a dual feasible point
	offset   float64
	numRows  int
	numCols  int
	rowsOfCT [][]entry // entries by row
}

type entry struct {
	i, j int
	v    float64
}

// randomLP builds a model with nc columns and nr rows that is primal
// feasible (x0 satisfies it) and dual feasible (c = Aᵀy0 + d0 with y0, d0 of
// the signs the bounds require), hence has a finite optimum. Every bound
// type occurs: ≥ 0, boxed, ≤ u, free, fixed columns; ≤, ≥, =, ranged and
// free rows. Coefficients are random with some duplicates.
func randomLP(rng *rand.Rand, nc, nr int) *genLP {
	g := &genLP{numRows: nr, numCols: nc}
	g.cl, g.cu, g.x0, g.d0 = make([]float64, nc), make([]float64, nc), make([]float64, nc), make([]float64, nc)
	for j := range nc {
		v := math.Round(rng.Float64()*50) / 10
		switch k := rng.IntN(10); {
		case k < 5: // x ≥ 0
			if rng.IntN(3) == 0 {
				v = 0
			}
			g.cl[j], g.cu[j], g.x0[j] = 0, inf, v
			g.d0[j] = rng.Float64() * 3
		case k < 7: // boxed
			g.cl[j], g.cu[j], g.x0[j] = v-rng.Float64()*3, v+rng.Float64()*3, v
			g.d0[j] = rng.Float64()*6 - 3
		case k < 8: // x ≤ u
			g.cl[j], g.cu[j], g.x0[j] = ninf, v+rng.Float64(), v
			g.d0[j] = -rng.Float64() * 3
		case k < 9: // free
			g.cl[j], g.cu[j], g.x0[j] = ninf, inf, v-2
		default: // fixed
			g.cl[j], g.cu[j], g.x0[j] = v, v, v
			g.d0[j] = rng.Float64()*6 - 3
		}
	}
	g.rowsOfCT = make([][]entry, nr)
	for i := range nr {
		k := 1 + rng.IntN(min(nc, 6))
		for range k {
			e := entry{i, rng.IntN(nc), math.Round((rng.Float64()*10-5)*100) / 100}
			g.ents = append(g.ents, e)
			g.rowsOfCT[i] = append(g.rowsOfCT[i], e)
		}
	}
	ax := make([]float64, nr)
	for _, e := range g.ents {
		ax[e.i] += e.v * g.x0[e.j]
	}
	g.rl, g.ru, g.y0 = make([]float64, nr), make([]float64, nr), make([]float64, nr)
	for i := range nr {
		slack := rng.Float64() * 2
		if rng.IntN(3) == 0 {
			slack = 0
		}
		switch k := rng.IntN(20); {
		case k < 7:
			g.rl[i], g.ru[i], g.y0[i] = ninf, ax[i]+slack, -rng.Float64()*2
		case k < 14:
			g.rl[i], g.ru[i], g.y0[i] = ax[i]-slack, inf, rng.Float64()*2
		case k < 17:
			g.rl[i], g.ru[i], g.y0[i] = ax[i], ax[i], rng.Float64()*4-2
		case k < 19:
			g.rl[i], g.ru[i], g.y0[i] = ax[i]-slack-1, ax[i]+slack, rng.Float64()*4-2
		default:
			g.rl[i], g.ru[i] = ninf, inf
		}
	}
	g.cost = slicesClone(g.d0)
	for _, e := range g.ents {
		g.cost[e.j] += e.v * g.y0[e.i]
	}
	g.offset = math.Round(rng.Float64()*100) - 50
	m := lp.NewModel(fmt.Sprintf("random-%dx%d", nr, nc))
	for j := range nc {
		m.AddColumn("", g.cost[j], g.cl[j], g.cu[j])
	}
	for i := range nr {
		m.AddRow("", g.rl[i], g.ru[i])
	}
	for _, e := range g.ents {
		m.Set(e.i, e.j, e.v)
	}
	m.SetObjectiveOffset(g.offset)
	g.m = m
	return g
}

func slicesClone(v []float64) []float64 { return append([]float64(nil), v...) }

// verify checks sol against g's own copy of the data: feasibility of the
// primal, d = c − Aᵀy, and then optimality conditions via checkOptimality.
func (g *genLP) verify(t *testing.T, sol *lp.Solution) {
	t.Helper()
	const tol = 1e-6
	ax := make([]float64, g.numRows)
	aty := make([]float64, g.numCols)
	for _, e := range g.ents {
		ax[e.i] += e.v * sol.Primal[e.j]
		aty[e.j] += e.v * sol.Dual[e.i]
	}
	for i := range g.numRows {
		if ax[i] < g.rl[i]-tol*max(1, math.Abs(g.rl[i])) || ax[i] > g.ru[i]+tol*max(1, math.Abs(g.ru[i])) {
			t.Errorf("row %d: A·x = %g outside [%g, %g]", i, ax[i], g.rl[i], g.ru[i])
		}
		if !near(ax[i], sol.RowActivity[i], 1e-9) {
			t.Errorf("row %d: RowActivity %g ≠ recomputed %g", i, sol.RowActivity[i], ax[i])
		}
	}
	for j := range g.numCols {
		x := sol.Primal[j]
		if x < g.cl[j]-tol*max(1, math.Abs(g.cl[j])) || x > g.cu[j]+tol*max(1, math.Abs(g.cu[j])) {
			t.Errorf("column %d: x = %g outside [%g, %g]", j, x, g.cl[j], g.cu[j])
		}
		if d := g.cost[j] - aty[j]; math.Abs(d-sol.ReducedCost[j]) > 1e-6*max(1, math.Abs(g.cost[j])) {
			t.Errorf("column %d: reduced cost %g ≠ c − Aᵀy = %g", j, sol.ReducedCost[j], d)
		}
	}
	checkOptimality(t, g.m, sol, tol)
}

func TestRandom(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 40
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for k := range n {
		nc, nr := 5+rng.IntN(56), 5+rng.IntN(56)
		g := randomLP(rng, nc, nr)
		t.Run(fmt.Sprintf("%03d-%dx%d", k, nr, nc), func(t *testing.T) {
			var objs []float64
			for _, a := range algos {
				sol, err := lp.Solve(ctx, g.m, lp.Options{Algorithm: a})
				if err != nil {
					t.Fatalf("%v: %v", a, err)
				}
				g.verify(t, sol)
				objs = append(objs, sol.Objective)
			}
			for i, o := range objs[1:] {
				if !near(o, objs[0], relTol) {
					t.Errorf("%v objective %.12g ≠ dual simplex %.12g", algos[i+1], o, objs[0])
				}
			}
		})
	}
}

func TestConcurrentSolves(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 64
	gs := make([]*genLP, n)
	want := make([]float64, n)
	for k := range gs {
		gs[k] = randomLP(rng, 20+rng.IntN(60), 20+rng.IntN(60))
		sol, err := lp.Solve(ctx, gs[k].m, lp.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want[k] = sol.Objective
	}
	// Every goroutine builds its own model too (the models are rebuilt
	// from the same seed), and half of them share one model read-only.
	errs := make(chan error, n)
	for k := range n {
		go func() {
			m := gs[k].m
			if k%2 == 1 {
				m = gs[0].m
			}
			sol, err := lp.Solve(ctx, m, lp.Options{Algorithm: algos[k%3]})
			switch {
			case err != nil:
				errs <- err
			case k%2 == 1 && !near(sol.Objective, want[0], relTol):
				errs <- fmt.Errorf("goroutine %d: objective %g, want %g", k, sol.Objective, want[0])
			case k%2 == 0 && !near(sol.Objective, want[k], relTol):
				errs <- fmt.Errorf("goroutine %d: objective %g, want %g", k, sol.Objective, want[k])
			default:
				errs <- nil
			}
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestConcurrentBuild(t *testing.T) {
	const n = 32
	errs := make(chan error, n)
	for k := range n {
		go func() {
			rng := rand.New(rand.NewPCG(uint64(k), 9))
			g := randomLP(rng, 30, 30)
			p, err := lp.Load(g.m, lp.Options{})
			if err != nil {
				errs <- err
				return
			}
			defer p.Close()
			_, err = p.Solve(ctx)
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestSolutionSlicesSized(t *testing.T) {
	g := randomLP(rand.New(rand.NewPCG(5, 6)), 17, 11)
	sol, err := lp.Solve(ctx, g.m, lp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sol.Primal) != 17 || len(sol.ReducedCost) != 17 || len(sol.Dual) != 11 || len(sol.RowActivity) != 11 {
		t.Errorf("slice lengths %d %d %d %d", len(sol.Primal), len(sol.ReducedCost), len(sol.Dual), len(sol.RowActivity))
	}
	if sol.MaxViolation > lp.DefaultFeasibilityTol {
		t.Errorf("MaxViolation %g", sol.MaxViolation)
	}
}

func TestStatusAndAlgorithmStrings(t *testing.T) {
	for _, a := range algos {
		got, err := lp.ParseAlgorithm(strings.ToUpper(a.String()))
		if err != nil || got != a {
			t.Errorf("ParseAlgorithm(%q) = %v, %v", a.String(), got, err)
		}
	}
	if _, err := lp.ParseAlgorithm("simplex"); err == nil {
		t.Error("ParseAlgorithm(simplex) succeeded")
	}
	seen := map[string]bool{}
	for s := lp.NotSolved; s <= lp.Canceled; s++ {
		name := s.String()
		if seen[name] || strings.HasPrefix(name, "Status(") {
			t.Errorf("status %d has name %q", int(s), name)
		}
		seen[name] = true
	}
}

// TestReproducible solves one model, long enough to be stopped and resumed
// between chunks, alone and then twice at once (so that the
// solves run at other speeds), and wants the same path every time: the
// same iterations, the same bits of every value. CLP takes another path
// when stopped at another iteration, so chunks sized by the clock made
// plans differ from run to run.
func TestReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("solves a 10,000-row model six times")
	}
	g := randomLP(rand.New(rand.NewPCG(42, 43)), 20000, 10000)
	for _, a := range []lp.Algorithm{lp.DualSimplex, lp.PrimalSimplex} {
		t.Run(a.String(), func(t *testing.T) {
			first, err := lp.Solve(ctx, g.m, lp.Options{Algorithm: a})
			if err != nil {
				t.Fatal(err)
			}
			if first.Iterations < 8000 {
				t.Fatalf("%d iterations: the model no longer needs several chunks", first.Iterations)
			}
			sols := make([]*lp.Solution, 2)
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i := range sols {
				wg.Go(func() { sols[i], errs[i] = lp.Solve(ctx, g.m, lp.Options{Algorithm: a}) })
			}
			wg.Wait()
			for i, sol := range sols {
				if errs[i] != nil {
					t.Fatal(errs[i])
				}
				if sol.Iterations != first.Iterations || math.Float64bits(sol.Objective) != math.Float64bits(first.Objective) {
					t.Errorf("solve %d: %d iterations, objective %v; the first: %d, %v", i+2, sol.Iterations, sol.Objective, first.Iterations, first.Objective)
				}
				for _, v := range []struct {
					name      string
					got, want []float64
				}{{"x", sol.Primal, first.Primal}, {"y", sol.Dual, first.Dual}} {
					for j := range v.got {
						if math.Float64bits(v.got[j]) != math.Float64bits(v.want[j]) {
							t.Errorf("solve %d: %s[%d] = %v, the first %v", i+2, v.name, j, v.got[j], v.want[j])
							break
						}
					}
				}
			}
		})
	}
}
