package clp

import (
	"math"
	"sync"
	"testing"
)

// loadWyndor loads max 3x + 5y (as min −3x − 5y) s.t. x ≤ 4, 2y ≤ 12,
// 3x + 2y ≤ 18 (Hillier & Lieberman §3.1): optimum (2, 6), −36, duals
// 0, −1.5, −1 in CLP's convention d = c − Aᵀy.
func loadWyndor(m *Model) {
	inf := math.Inf(1)
	m.LoadProblem(2, 3,
		[]int32{0, 2, 4}, []int32{0, 2, 1, 2}, []float64{1, 3, 2, 2},
		[]float64{0, 0}, []float64{inf, inf}, []float64{-3, -5},
		[]float64{math.Inf(-1), math.Inf(-1), math.Inf(-1)}, []float64{4, 12, 18})
}

func TestSolveMethods(t *testing.T) {
	for _, tc := range []struct {
		name  string
		solve func(m *Model)
	}{
		{"dual", func(m *Model) { m.Dual() }},
		{"primal", func(m *Model) { m.Primal() }},
		{"barrier", func(m *Model) { m.InitialSolve(MethodBarrier, true) }},
		{"initial-dual", func(m *Model) { m.InitialSolve(MethodDual, false) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewModel()
			defer m.Close()
			loadWyndor(m)
			tc.solve(m)
			if m.Status() != StatusOptimal {
				t.Fatalf("status %d", m.Status())
			}
			if got := m.ObjectiveValue(); math.Abs(got+36) > 1e-9 {
				t.Errorf("objective %g, want -36", got)
			}
			x, y := m.PrimalColumnSolution(), m.DualRowSolution()
			if math.Abs(x[0]-2) > 1e-9 || math.Abs(x[1]-6) > 1e-9 {
				t.Errorf("x = %v, want [2 6]", x)
			}
			for i, want := range []float64{0, -1.5, -1} {
				if math.Abs(y[i]-want) > 1e-9 {
					t.Errorf("dual[%d] = %g, want %g", i, y[i], want)
				}
			}
			if act := m.RowActivity(); math.Abs(act[2]-18) > 1e-9 {
				t.Errorf("row activity %v", act)
			}
		})
	}
}

func TestInfinityAndEdits(t *testing.T) {
	m := NewModel()
	defer m.Close()
	loadWyndor(m)
	if up := m.ColumnUpper(); !math.IsInf(up[0], 1) {
		t.Errorf("column upper %g, want +Inf", up[0])
	}
	if lo := m.RowLower(); !math.IsInf(lo[0], -1) {
		t.Errorf("row lower %g, want -Inf", lo[0])
	}
	m.AddRows([]float64{math.Inf(-1)}, []float64{1}, []int32{0, 1}, []int32{0}, []float64{1}) // x ≤ 1
	m.Dual()
	if m.NumRows() != 4 || math.Abs(m.ObjectiveValue()+33) > 1e-9 { // x = 1, y = 6: −3 − 30
		t.Errorf("after AddRows: %d rows, objective %g, want 4 and -33", m.NumRows(), m.ObjectiveValue())
	}
	m.DeleteRows([]int32{3})
	m.ChgColumnUpper([]float64{1.5, math.Inf(1)})
	m.Dual()
	if math.Abs(m.ObjectiveValue()+34.5) > 1e-9 { // x = 1.5, y = 6
		t.Errorf("after edits: objective %g, want -34.5", m.ObjectiveValue())
	}
	m.SetNames([]string{"a", "b", "c"}, []string{"x", "y"})
	m.Close()
	m.Close()
}

func TestConcurrentModels(t *testing.T) {
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			m := NewModel()
			defer m.Close()
			loadWyndor(m)
			m.Dual()
			if m.Status() != StatusOptimal || math.Abs(m.ObjectiveValue()+36) > 1e-9 {
				t.Errorf("status %d objective %g", m.Status(), m.ObjectiveValue())
			}
		})
	}
	wg.Wait()
}
