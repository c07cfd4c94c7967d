// Package clp is a thin cgo binding of the C interface of COIN-OR CLP
// (Clp_C_Interface.h), the simplex and barrier LP solver.
//
// It mirrors the C API closely and adds no modelling: callers hand over a
// problem in compressed sparse column form and read back solution arrays.
// Package lp builds on it; most code should use lp instead.
//
// # Memory
//
// Every Model owns one Clp_Simplex allocated in C. Close frees it and must be
// called; a cleanup registered with runtime.AddCleanup frees a forgotten model
// only as a safety net. Slices passed in are read by C for the duration of the
// call only (CLP copies them), which the cgo pointer rules allow because they
// hold no Go pointers. Slices returned are Go copies of CLP's arrays.
//
// # Infinity
//
// CLP represents an infinite bound by COIN_DBL_MAX (math.MaxFloat64) and
// treats any bound of magnitude ≥ 1e27 as infinite. Values passed to the
// functions here are converted: ±Inf becomes ±math.MaxFloat64. Values read back
// are converted the other way.
//
// # Threads
//
// A Model is not safe for concurrent use, but distinct Models may be used from
// different goroutines at the same time: CLP keeps its state per model. The
// one piece of global state in CLP, the SIGINT handler that
// ClpSimplex::initialSolve installs, is switched off by InitialSolve (special
// option 2), so no signal handler ever competes with the Go runtime's.
// Dual and Primal do not touch signals.
package clp

/*
#cgo pkg-config: clp
#include <stdio.h>
#include <stdlib.h>
#include <Clp_C_Interface.h>

// CLP logs through C stdio, which is block-buffered when stdout is not a
// terminal, and Go's os.Exit never flushes it: flush after every solve.
static int tranche_clp_dual(Clp_Simplex *model) {
	int rc = Clp_dual(model, 0);
	fflush(stdout);
	return rc;
}

static int tranche_clp_primal(Clp_Simplex *model) {
	int rc = Clp_primal(model, 0);
	fflush(stdout);
	return rc;
}

// tranche_clp_initial_solve runs ClpSimplex::initialSolve with the given method
// (a ClpSolve::SolveType) and presolve switch, with CLP's SIGINT handler turned
// off: it is process-global and would race with the Go runtime's handlers.
static int tranche_clp_initial_solve(Clp_Simplex *model, int method, int presolve) {
	Clp_Solve *opts = ClpSolve_new();
	ClpSolve_setSolveType(opts, method, -1);
	ClpSolve_setPresolveType(opts, presolve ? 0 : 1, -1);
	ClpSolve_setSpecialOption(opts, 2, 1, -1);
	int rc = Clp_initialSolveWithOptions(model, opts);
	ClpSolve_delete(opts);
	fflush(stdout);
	return rc;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"unsafe"
)

// Status is CLP's primary problem status (ClpModel::status).
type Status int

// Primary statuses as CLP defines them.
const (
	StatusOptimal        Status = 0 // proven optimal
	StatusInfeasible     Status = 1 // primal infeasible
	StatusUnbounded      Status = 2 // dual infeasible (primal unbounded, or both infeasible)
	StatusStopped        Status = 3 // stopped on iterations or time
	StatusErrors         Status = 4 // stopped due to numerical errors
	StatusEventHandler   Status = 5 // stopped by an event handler
	StatusNotInitialised Status = -1
)

// Solve methods for InitialSolve (ClpSolve::SolveType).
const (
	MethodDual               = 0
	MethodPrimal             = 1
	MethodBarrier            = 3
	MethodBarrierNoCrossover = 4
	MethodAutomatic          = 5
)

// ErrClosed is returned by functions called on a closed Model.
var ErrClosed = errors.New("clp: model is closed")

// Model is one CLP simplex model (a Clp_Simplex).
type Model struct {
	ptr     unsafe.Pointer
	cleanup runtime.Cleanup
}

// NewModel allocates an empty CLP model with logging switched off.
func NewModel() *Model {
	p := C.Clp_newModel()
	C.Clp_setLogLevel(p, 0)
	m := &Model{ptr: p}
	m.cleanup = runtime.AddCleanup(m, func(p unsafe.Pointer) { C.Clp_deleteModel(p) }, p)
	return m
}

// Close frees the C model. It is safe to call more than once.
func (m *Model) Close() {
	if m.ptr == nil {
		return
	}
	m.cleanup.Stop()
	C.Clp_deleteModel(m.ptr)
	m.ptr = nil
}

func (m *Model) p() unsafe.Pointer {
	if m.ptr == nil {
		panic(ErrClosed)
	}
	return m.ptr
}

// toC converts a Go bound or value to CLP's representation (±Inf → ±COIN_DBL_MAX).
func toC(v float64) C.double {
	switch {
	case math.IsInf(v, 1):
		return C.double(math.MaxFloat64)
	case math.IsInf(v, -1):
		return C.double(-math.MaxFloat64)
	}
	return C.double(v)
}

// fromC converts CLP's ±COIN_DBL_MAX back to ±Inf.
func fromC(v C.double) float64 {
	f := float64(v)
	switch {
	case f >= math.MaxFloat64:
		return math.Inf(1)
	case f <= -math.MaxFloat64:
		return math.Inf(-1)
	}
	return f
}

func doubles(v []float64) []C.double {
	out := make([]C.double, len(v))
	for i, x := range v {
		out[i] = toC(x)
	}
	return out
}

func ints(v []int32) []C.int {
	out := make([]C.int, len(v))
	for i, x := range v {
		out[i] = C.int(x)
	}
	return out
}

// bigIndex converts starts to CoinBigIndex, which is int in the Debian build
// but may be wider elsewhere.
func bigIndex(v []int32) []C.CoinBigIndex {
	out := make([]C.CoinBigIndex, len(v))
	for i, x := range v {
		out[i] = C.CoinBigIndex(x)
	}
	return out
}

// first returns a pointer to the first element, or nil for an empty slice.
func first[T any](v []T) *T {
	if len(v) == 0 {
		return nil
	}
	return &v[0]
}

// LoadProblem replaces the model's problem. The matrix is in compressed
// sparse column form: column j holds index[start[j]:start[j+1]] (row indices)
// with value[start[j]:start[j+1]]; len(start) = numCols+1. colLower, colUpper,
// obj have numCols entries, rowLower, rowUpper numRows. It panics if the
// lengths disagree, since CLP would read out of bounds.
func (m *Model) LoadProblem(numCols, numRows int, start, index []int32, value []float64,
	colLower, colUpper, obj, rowLower, rowUpper []float64) {
	if len(start) != numCols+1 || len(colLower) != numCols || len(colUpper) != numCols ||
		len(obj) != numCols || len(rowLower) != numRows || len(rowUpper) != numRows {
		panic("clp: LoadProblem: inconsistent array lengths")
	}
	nnz := int(start[numCols])
	if len(index) < nnz || len(value) < nnz {
		panic("clp: LoadProblem: matrix arrays shorter than start[numCols]")
	}
	for _, r := range index[:nnz] {
		if r < 0 || int(r) >= numRows {
			panic("clp: LoadProblem: row index out of range")
		}
	}
	cStart := bigIndex(start)
	cIndex := ints(index)
	cValue := doubles(value)
	cl, cu, co := doubles(colLower), doubles(colUpper), doubles(obj)
	rl, ru := doubles(rowLower), doubles(rowUpper)
	C.Clp_loadProblem(m.p(), C.int(numCols), C.int(numRows),
		first(cStart), first(cIndex), first(cValue),
		first(cl), first(cu), first(co), first(rl), first(ru))
	runtime.KeepAlive(m)
}

// ReadMPS replaces the problem by the one in the named MPS file (free or
// fixed format, detected by CLP). Used by tests to read back WriteMPS output.
func (m *Model) ReadMPS(path string) error {
	cs := C.CString(path)
	defer C.free(unsafe.Pointer(cs))
	rc := C.Clp_readMps(m.p(), cs, 1, 0)
	runtime.KeepAlive(m)
	if rc != 0 {
		// CLP leaves a half-read model that crashes the simplex: reset it.
		m.LoadProblem(0, 0, []int32{0}, nil, nil, nil, nil, nil, nil, nil)
		return fmt.Errorf("clp: reading MPS file %s: %d errors", path, int(rc))
	}
	return nil
}

// ObjectiveOffset returns CLP's objective offset; ObjectiveValue has it
// subtracted (CLP's convention, matching an MPS RHS on the objective row).
func (m *Model) ObjectiveOffset() float64 {
	v := C.Clp_objectiveOffset(m.p())
	runtime.KeepAlive(m)
	return float64(v)
}

// AddRows appends rows given in compressed sparse row form: row k holds
// columns[starts[k]:starts[k+1]] with elements[starts[k]:starts[k+1]].
func (m *Model) AddRows(rowLower, rowUpper []float64, starts, columns []int32, elements []float64) {
	n := len(rowLower)
	if len(rowUpper) != n || len(starts) != n+1 {
		panic("clp: AddRows: inconsistent array lengths")
	}
	if n == 0 {
		return
	}
	nnz := int(starts[n])
	if len(columns) < nnz || len(elements) < nnz {
		panic("clp: AddRows: arrays shorter than starts[n]")
	}
	nc := int32(m.NumColumns())
	for _, c := range columns[:nnz] {
		if c < 0 || c >= nc {
			panic("clp: AddRows: column index out of range")
		}
	}
	rl, ru := doubles(rowLower), doubles(rowUpper)
	cs, cc, ce := bigIndex(starts), ints(columns), doubles(elements)
	C.Clp_addRows(m.p(), C.int(n), first(rl), first(ru), first(cs), first(cc), first(ce))
	runtime.KeepAlive(m)
}

// DeleteRows removes the given rows; the others keep their order.
func (m *Model) DeleteRows(which []int32) {
	if len(which) == 0 {
		return
	}
	nr := int32(m.NumRows())
	for _, r := range which {
		if r < 0 || r >= nr {
			panic("clp: DeleteRows: row index out of range")
		}
	}
	w := ints(which)
	C.Clp_deleteRows(m.p(), C.int(len(w)), first(w))
	runtime.KeepAlive(m)
}

func (m *Model) checkLen(name string, v []float64, n int) {
	if len(v) != n {
		panic("clp: " + name + ": wrong length")
	}
}

// ChgColumnLower replaces all column lower bounds (len = NumColumns).
func (m *Model) ChgColumnLower(v []float64) {
	m.checkLen("ChgColumnLower", v, m.NumColumns())
	c := doubles(v)
	C.Clp_chgColumnLower(m.p(), first(c))
	runtime.KeepAlive(m)
}

// ChgColumnUpper replaces all column upper bounds (len = NumColumns).
func (m *Model) ChgColumnUpper(v []float64) {
	m.checkLen("ChgColumnUpper", v, m.NumColumns())
	c := doubles(v)
	C.Clp_chgColumnUpper(m.p(), first(c))
	runtime.KeepAlive(m)
}

// ChgRowLower replaces all row lower bounds (len = NumRows).
func (m *Model) ChgRowLower(v []float64) {
	m.checkLen("ChgRowLower", v, m.NumRows())
	c := doubles(v)
	C.Clp_chgRowLower(m.p(), first(c))
	runtime.KeepAlive(m)
}

// ChgRowUpper replaces all row upper bounds (len = NumRows).
func (m *Model) ChgRowUpper(v []float64) {
	m.checkLen("ChgRowUpper", v, m.NumRows())
	c := doubles(v)
	C.Clp_chgRowUpper(m.p(), first(c))
	runtime.KeepAlive(m)
}

// ChgObjCoefficients replaces the objective (len = NumColumns).
func (m *Model) ChgObjCoefficients(v []float64) {
	m.checkLen("ChgObjCoefficients", v, m.NumColumns())
	c := doubles(v)
	C.Clp_chgObjCoefficients(m.p(), first(c))
	runtime.KeepAlive(m)
}

// SetNames copies row and column names into CLP (used in its log and MPS
// output). len(rows) must be NumRows and len(cols) NumColumns.
func (m *Model) SetNames(rows, cols []string) {
	if len(rows) != m.NumRows() || len(cols) != m.NumColumns() {
		panic("clp: SetNames: wrong length")
	}
	alloc := func(names []string) (**C.char, func()) {
		n := max(len(names), 1)
		arr := unsafe.Slice((**C.char)(C.calloc(C.size_t(n), C.size_t(unsafe.Sizeof((*C.char)(nil))))), n)
		for i, s := range names {
			arr[i] = C.CString(s)
		}
		return &arr[0], func() {
			for i := range names {
				C.free(unsafe.Pointer(arr[i]))
			}
			C.free(unsafe.Pointer(&arr[0]))
		}
	}
	r, freeR := alloc(rows)
	defer freeR()
	c, freeC := alloc(cols)
	defer freeC()
	C.Clp_copyNames(m.p(), r, c)
	runtime.KeepAlive(m)
}

// SetLogLevel sets CLP's amount of printing to stdout: 0 none, 1 final,
// 2 factorizations, 3 more, 4 verbose.
func (m *Model) SetLogLevel(level int) {
	C.Clp_setLogLevel(m.p(), C.int(level))
	runtime.KeepAlive(m)
}

// SetMaximumSeconds limits the next solves to the given number of seconds
// from now; negative removes the limit. CLP measures process CPU time
// (CoinCpuTime), not wall time, so with other threads busy the limit fires
// early: callers that need a wall-clock deadline must check it themselves.
func (m *Model) SetMaximumSeconds(s float64) {
	C.Clp_setMaximumSeconds(m.p(), C.double(s))
	runtime.KeepAlive(m)
}

// SetMaximumIterations limits the iteration count (compared with
// NumberIterations, which each simplex call restarts from zero).
func (m *Model) SetMaximumIterations(n int) {
	C.Clp_setMaximumIterations(m.p(), C.int(min(n, math.MaxInt32)))
	runtime.KeepAlive(m)
}

// SetPrimalTolerance sets CLP's primal feasibility tolerance (default 1e-7).
func (m *Model) SetPrimalTolerance(v float64) {
	C.Clp_setPrimalTolerance(m.p(), C.double(v))
	runtime.KeepAlive(m)
}

// SetDualTolerance sets CLP's dual feasibility tolerance (default 1e-7).
func (m *Model) SetDualTolerance(v float64) {
	C.Clp_setDualTolerance(m.p(), C.double(v))
	runtime.KeepAlive(m)
}

// SetScaling sets the scaling mode: 0 off, 1 equilibrium, 2 geometric, 3 auto.
func (m *Model) SetScaling(mode int) {
	C.Clp_scaling(m.p(), C.int(mode))
	runtime.KeepAlive(m)
}

// Dual runs the dual simplex from the current basis and returns CLP's code.
func (m *Model) Dual() int {
	rc := C.tranche_clp_dual(m.p())
	runtime.KeepAlive(m)
	return int(rc)
}

// Primal runs the primal simplex from the current basis.
func (m *Model) Primal() int {
	rc := C.tranche_clp_primal(m.p())
	runtime.KeepAlive(m)
	return int(rc)
}

// InitialSolve runs ClpSimplex::initialSolve with the given Method* constant,
// optionally with presolve. MethodBarrier runs the interior point method
// followed by crossover to a basic solution; MethodBarrierNoCrossover stops at
// the interior solution.
func (m *Model) InitialSolve(method int, presolve bool) int {
	pre := C.int(0)
	if presolve {
		pre = 1
	}
	rc := C.tranche_clp_initial_solve(m.p(), C.int(method), pre)
	runtime.KeepAlive(m)
	return int(rc)
}

// Basis statuses of a variable, as in ClpSimplex::Status.
const (
	BasisFree       = 0
	BasisBasic      = 1
	BasisAtUpper    = 2
	BasisAtLower    = 3
	BasisSuperbasic = 4
	BasisFixed      = 5
)

// ColumnStatus returns the basis status (Basis*) of column j.
func (m *Model) ColumnStatus(j int) int {
	v := C.Clp_getColumnStatus(m.p(), C.int(j))
	runtime.KeepAlive(m)
	return int(v)
}

// SetColumnStatus sets the basis status of column j; for BasisAtLower and
// BasisAtUpper CLP also moves the column's value to that bound.
func (m *Model) SetColumnStatus(j, status int) {
	C.Clp_setColumnStatus(m.p(), C.int(j), C.int(status))
	runtime.KeepAlive(m)
}

// RowStatus returns the basis status (Basis*) of row i's slack.
func (m *Model) RowStatus(i int) int {
	v := C.Clp_getRowStatus(m.p(), C.int(i))
	runtime.KeepAlive(m)
	return int(v)
}

// SetRowStatus sets the basis status of row i's slack.
func (m *Model) SetRowStatus(i, status int) {
	C.Clp_setRowStatus(m.p(), C.int(i), C.int(status))
	runtime.KeepAlive(m)
}

// Status returns the primary status of the last solve.
func (m *Model) Status() Status {
	s := C.Clp_status(m.p())
	runtime.KeepAlive(m)
	return Status(s)
}

// SecondaryStatus returns CLP's secondary status: 0 none; 1 primal
// infeasible because the dual limit was reached; 2, 3, 4 scaled problem
// optimal but the unscaled one has primal, dual or both infeasibilities;
// 5 gave up in primal with flagged variables; 6 empty problem check failed;
// 7 postsolve says not optimal; 8 bad element check; 9 stopped on time;
// 10 stopped as primal feasible.
func (m *Model) SecondaryStatus() int {
	s := C.Clp_secondaryStatus(m.p())
	runtime.KeepAlive(m)
	return int(s)
}

// IsAbandoned reports whether CLP gave up on numerical difficulties.
func (m *Model) IsAbandoned() bool {
	v := C.Clp_isAbandoned(m.p())
	runtime.KeepAlive(m)
	return v != 0
}

// ObjectiveValue returns c·x − ObjectiveOffset of the current solution.
// Package lp never sets an offset in CLP.
func (m *Model) ObjectiveValue() float64 {
	v := C.Clp_objectiveValue(m.p())
	runtime.KeepAlive(m)
	return float64(v)
}

// NumberIterations returns the iteration count of the last simplex call.
func (m *Model) NumberIterations() int {
	v := C.Clp_numberIterations(m.p())
	runtime.KeepAlive(m)
	return int(v)
}

// NumRows returns the number of rows.
func (m *Model) NumRows() int {
	v := C.Clp_numberRows(m.p())
	runtime.KeepAlive(m)
	return int(v)
}

// NumColumns returns the number of columns.
func (m *Model) NumColumns() int {
	v := C.Clp_numberColumns(m.p())
	runtime.KeepAlive(m)
	return int(v)
}

func copyOut(p *C.double, n int) []float64 {
	out := make([]float64, n)
	if p == nil || n == 0 {
		return out
	}
	src := unsafe.Slice(p, n)
	for i, v := range src {
		out[i] = fromC(v)
	}
	return out
}

// PrimalColumnSolution returns a copy of the column values x.
func (m *Model) PrimalColumnSolution() []float64 {
	out := copyOut(C.Clp_primalColumnSolution(m.p()), m.NumColumns())
	runtime.KeepAlive(m)
	return out
}

// RowActivity returns a copy of the row activities A·x.
func (m *Model) RowActivity() []float64 {
	out := copyOut(C.Clp_primalRowSolution(m.p()), m.NumRows())
	runtime.KeepAlive(m)
	return out
}

// DualRowSolution returns a copy of the row duals y. For a minimisation CLP's
// convention is reducedCost = c − Aᵀy.
func (m *Model) DualRowSolution() []float64 {
	out := copyOut(C.Clp_dualRowSolution(m.p()), m.NumRows())
	runtime.KeepAlive(m)
	return out
}

// DualColumnSolution returns a copy of the reduced costs c − Aᵀy.
func (m *Model) DualColumnSolution() []float64 {
	out := copyOut(C.Clp_dualColumnSolution(m.p()), m.NumColumns())
	runtime.KeepAlive(m)
	return out
}

// ColumnLower returns a copy of the column lower bounds.
func (m *Model) ColumnLower() []float64 {
	out := copyOut(C.Clp_columnLower(m.p()), m.NumColumns())
	runtime.KeepAlive(m)
	return out
}

// ColumnUpper returns a copy of the column upper bounds.
func (m *Model) ColumnUpper() []float64 {
	out := copyOut(C.Clp_columnUpper(m.p()), m.NumColumns())
	runtime.KeepAlive(m)
	return out
}

// RowLower returns a copy of the row lower bounds.
func (m *Model) RowLower() []float64 {
	out := copyOut(C.Clp_rowLower(m.p()), m.NumRows())
	runtime.KeepAlive(m)
	return out
}

// RowUpper returns a copy of the row upper bounds.
func (m *Model) RowUpper() []float64 {
	out := copyOut(C.Clp_rowUpper(m.p()), m.NumRows())
	runtime.KeepAlive(m)
	return out
}

// NumElements returns the number of stored matrix elements.
func (m *Model) NumElements() int {
	v := C.Clp_getNumElements(m.p())
	runtime.KeepAlive(m)
	return int(v)
}
