package lp

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// infBound is the magnitude from which a bound counts as infinite, as in CLP.
const infBound = 1e30

// MaxMagnitude is the largest magnitude Validate accepts for a cost, a
// coefficient or the objective offset. CLP aborts the process (a failed C
// assertion) on objective coefficients of 1e25 and more.
const MaxMagnitude = 1e20

type column struct {
	name         string
	cost         float64
	lower, upper float64
}

type row struct {
	name         string
	lower, upper float64
}

// Model is a sparse linear program
//
//	minimise    cᵀx + offset
//	subject to  rowLower ≤ A·x ≤ rowUpper
//	            colLower ≤ x ≤ colUpper
//
// built column by column and row by row. The matrix is kept as triplets;
// duplicate (row, column) entries are summed. The zero value is not usable;
// call NewModel. A Model is not safe for concurrent mutation, but any number
// of goroutines may Solve (or Load) the same Model concurrently while nobody
// mutates it, and separate Models may be built concurrently.
type Model struct {
	name   string
	cols   []column
	rows   []row
	tRow   []int32
	tCol   []int32
	tVal   []float64
	offset float64
	// errs holds malformed calls (mismatched slice lengths, indices that do
	// not fit an int32) reported by Validate rather than by a panic.
	errs []error
}

// NewModel returns an empty model; name is used in MPS output.
func NewModel(name string) *Model {
	return &Model{name: name}
}

// Name returns the model's name.
func (m *Model) Name() string { return m.name }

// AddColumn adds a variable with objective coefficient cost and bounds
// [lower, upper] and returns its index. Use math.Inf(-1) and math.Inf(1)
// for missing bounds.
func (m *Model) AddColumn(name string, cost, lower, upper float64) int {
	m.cols = append(m.cols, column{name: name, cost: cost, lower: lower, upper: upper})
	return len(m.cols) - 1
}

// AddRow adds a constraint lower ≤ a·x ≤ upper with no coefficients yet and
// returns its index. lower == upper makes an equality; math.Inf(-1) or
// math.Inf(1) leaves a side free.
func (m *Model) AddRow(name string, lower, upper float64) int {
	m.rows = append(m.rows, row{name: name, lower: lower, upper: upper})
	return len(m.rows) - 1
}

// Set adds value to the coefficient of column col in row row. Entries for
// the same pair are summed. Indices out of range are reported by Validate
// (and therefore by Solve), not by a panic.
func (m *Model) Set(row, col int, value float64) {
	if row < 0 || row > math.MaxInt32 || col < 0 || col > math.MaxInt32 {
		m.errs = append(m.errs, fmt.Errorf("lp: coefficient (%d, %d): index out of range", row, col))
		return
	}
	m.tRow = append(m.tRow, int32(row))
	m.tCol = append(m.tCol, int32(col))
	m.tVal = append(m.tVal, value)
}

// AddRowWith adds a row with coefficients vals on columns cols and returns
// its index. Mismatched lengths are reported by Validate.
func (m *Model) AddRowWith(name string, lower, upper float64, cols []int, vals []float64) int {
	i := m.AddRow(name, lower, upper)
	if len(cols) != len(vals) {
		m.errs = append(m.errs, fmt.Errorf("lp: row %d (%q): %d columns but %d values", i, name, len(cols), len(vals)))
		return i
	}
	for k, j := range cols {
		m.Set(i, j, vals[k])
	}
	return i
}

// AddColumnWith adds a column with coefficients vals in rows rows and
// returns its index. Mismatched lengths are reported by Validate.
func (m *Model) AddColumnWith(name string, cost, lower, upper float64, rows []int, vals []float64) int {
	j := m.AddColumn(name, cost, lower, upper)
	if len(rows) != len(vals) {
		m.errs = append(m.errs, fmt.Errorf("lp: column %d (%q): %d rows but %d values", j, name, len(rows), len(vals)))
		return j
	}
	for k, i := range rows {
		m.Set(i, j, vals[k])
	}
	return j
}

// SetCost sets the objective coefficient of column col. It panics if col
// is out of range.
func (m *Model) SetCost(col int, cost float64) { m.cols[col].cost = cost }

// SetColumnBounds sets the bounds of column col. It panics if col is out of range.
func (m *Model) SetColumnBounds(col int, lower, upper float64) {
	m.cols[col].lower, m.cols[col].upper = lower, upper
}

// SetRowBounds sets the bounds of row row. It panics if row is out of range.
func (m *Model) SetRowBounds(row int, lower, upper float64) {
	m.rows[row].lower, m.rows[row].upper = lower, upper
}

// SetObjectiveOffset sets the constant added to the objective.
func (m *Model) SetObjectiveOffset(c float64) { m.offset = c }

// ObjectiveOffset returns the constant added to the objective.
func (m *Model) ObjectiveOffset() float64 { return m.offset }

// NumRows returns the number of rows (constraints).
func (m *Model) NumRows() int { return len(m.rows) }

// NumColumns returns the number of columns (variables).
func (m *Model) NumColumns() int { return len(m.cols) }

// NumNonzeros returns the number of stored triplets, counting duplicates
// separately (before they are summed).
func (m *Model) NumNonzeros() int { return len(m.tVal) }

// ColumnName returns the name of column j, or "C<j>" if it was added unnamed.
func (m *Model) ColumnName(j int) string {
	if n := m.cols[j].name; n != "" {
		return n
	}
	return fmt.Sprintf("C%d", j)
}

// RowName returns the name of row i, or "R<i>" if it was added unnamed.
func (m *Model) RowName(i int) string {
	if n := m.rows[i].name; n != "" {
		return n
	}
	return fmt.Sprintf("R%d", i)
}

// Cost returns the objective coefficient of column j.
func (m *Model) Cost(j int) float64 { return m.cols[j].cost }

// ColumnBounds returns the bounds of column j.
func (m *Model) ColumnBounds(j int) (lower, upper float64) { return m.cols[j].lower, m.cols[j].upper }

// RowBounds returns the bounds of row i.
func (m *Model) RowBounds(i int) (lower, upper float64) { return m.rows[i].lower, m.rows[i].upper }

// Clone returns a deep copy of m.
func (m *Model) Clone() *Model {
	return &Model{
		name:   m.name,
		cols:   slices.Clone(m.cols),
		rows:   slices.Clone(m.rows),
		tRow:   slices.Clone(m.tRow),
		tCol:   slices.Clone(m.tCol),
		tVal:   slices.Clone(m.tVal),
		offset: m.offset,
		errs:   slices.Clone(m.errs),
	}
}

// ErrInvalidModel is wrapped by the errors of Validate.
var ErrInvalidModel = errors.New("lp: invalid model")

// ValidationError names the row or column at fault. Row or Column is -1
// when it does not apply.
type ValidationError struct {
	Row, Column int
	Name        string
	Reason      string
}

func (e *ValidationError) Error() string {
	switch {
	case e.Row >= 0 && e.Column >= 0:
		return fmt.Sprintf("lp: invalid model: coefficient (row %d, column %d): %s", e.Row, e.Column, e.Reason)
	case e.Row >= 0:
		return fmt.Sprintf("lp: invalid model: row %d (%s): %s", e.Row, e.Name, e.Reason)
	case e.Column >= 0:
		return fmt.Sprintf("lp: invalid model: column %d (%s): %s", e.Column, e.Name, e.Reason)
	}
	return "lp: invalid model: " + e.Reason
}

// Unwrap makes errors.Is(err, ErrInvalidModel) hold.
func (e *ValidationError) Unwrap() error { return ErrInvalidModel }

func checkBounds(lower, upper float64) string {
	switch {
	case math.IsNaN(lower) || math.IsNaN(upper):
		return "NaN bound"
	case lower >= infBound:
		return fmt.Sprintf("lower bound %g is +infinite", lower)
	case upper <= -infBound:
		return fmt.Sprintf("upper bound %g is -infinite", upper)
	case lower > upper:
		return fmt.Sprintf("lower bound %g > upper bound %g", lower, upper)
	}
	return ""
}

// Validate reports the first problem found: a malformed call, a cost,
// coefficient or offset that is NaN, infinite or beyond ±MaxMagnitude, a NaN bound, a lower bound of
// +infinity (≥ 1e30), an upper bound of −infinity (≤ −1e30), lower > upper,
// or a coefficient whose row or column does not exist. Errors are
// *ValidationError (or wrap ErrInvalidModel) and name the row or column.
func (m *Model) Validate() error {
	if len(m.errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalidModel, m.errs[0])
	}
	if !(math.Abs(m.offset) <= MaxMagnitude) {
		return &ValidationError{Row: -1, Column: -1, Reason: fmt.Sprintf("objective offset %g is not finite or exceeds %g", m.offset, MaxMagnitude)}
	}
	if len(m.cols) > math.MaxInt32 || len(m.rows) > math.MaxInt32 || len(m.tVal) > math.MaxInt32 {
		return &ValidationError{Row: -1, Column: -1, Reason: "too large for CLP (more than 2³¹−1 rows, columns or nonzeros)"}
	}
	for j := range m.cols {
		c := &m.cols[j]
		if !(math.Abs(c.cost) <= MaxMagnitude) {
			return &ValidationError{Row: -1, Column: j, Name: m.ColumnName(j), Reason: fmt.Sprintf("cost %g is not finite or exceeds %g", c.cost, MaxMagnitude)}
		}
		if r := checkBounds(c.lower, c.upper); r != "" {
			return &ValidationError{Row: -1, Column: j, Name: m.ColumnName(j), Reason: r}
		}
	}
	for i := range m.rows {
		r := &m.rows[i]
		if s := checkBounds(r.lower, r.upper); s != "" {
			return &ValidationError{Row: i, Column: -1, Name: m.RowName(i), Reason: s}
		}
	}
	nr, nc := int32(len(m.rows)), int32(len(m.cols))
	for k, v := range m.tVal {
		i, j := m.tRow[k], m.tCol[k]
		if i >= nr {
			return &ValidationError{Row: int(i), Column: int(j), Reason: fmt.Sprintf("row %d does not exist (%d rows)", i, nr)}
		}
		if j >= nc {
			return &ValidationError{Row: int(i), Column: int(j), Reason: fmt.Sprintf("column %d does not exist (%d columns)", j, nc)}
		}
		if !(math.Abs(v) <= MaxMagnitude) {
			return &ValidationError{Row: int(i), Column: int(j), Reason: fmt.Sprintf("coefficient %g in row %s, column %s is not finite or exceeds %g", v, m.RowName(int(i)), m.ColumnName(int(j)), MaxMagnitude)}
		}
	}
	return nil
}

// csc is the matrix in compressed sparse column form with duplicates summed
// and exact zeros dropped.
type csc struct {
	start []int32
	index []int32
	value []float64
}

// compress builds the column-major matrix. The model must be valid.
func (m *Model) compress() csc {
	nc := len(m.cols)
	count := make([]int32, nc+1)
	for _, j := range m.tCol {
		count[j+1]++
	}
	for j := range nc {
		count[j+1] += count[j]
	}
	next := slices.Clone(count[:nc])
	idx := make([]int32, len(m.tVal))
	val := make([]float64, len(m.tVal))
	for k, j := range m.tCol {
		p := next[j]
		next[j]++
		idx[p], val[p] = m.tRow[k], m.tVal[k]
	}
	// Sort each column by row, sum duplicates, drop zeros, compacting in place.
	out := csc{start: make([]int32, nc+1)}
	w := int32(0)
	type entry struct {
		r int32
		v float64
	}
	var buf []entry
	for j := range nc {
		lo, hi := count[j], count[j+1]
		buf = buf[:0]
		for p := lo; p < hi; p++ {
			buf = append(buf, entry{idx[p], val[p]})
		}
		slices.SortStableFunc(buf, func(a, b entry) int { return int(a.r) - int(b.r) })
		for k := 0; k < len(buf); {
			r, s := buf[k].r, 0.0
			for ; k < len(buf) && buf[k].r == r; k++ {
				s += buf[k].v
			}
			if s != 0 {
				idx[w], val[w] = r, s
				w++
			}
		}
		out.start[j+1] = w
	}
	out.index, out.value = idx[:w], val[:w]
	return out
}

// rowActivity computes A·x from the triplets, independently of CLP.
func (m *Model) rowActivity(x []float64) []float64 {
	ax := make([]float64, len(m.rows))
	for k, v := range m.tVal {
		ax[m.tRow[k]] += v * x[m.tCol[k]]
	}
	return ax
}
