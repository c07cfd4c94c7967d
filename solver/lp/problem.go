package lp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tranchehq/tranche/solver/clp"
)

// Problem is a model loaded into CLP for repeated solves: rows can be added
// and deleted and column bounds changed between solves, and each Solve
// starts from the previous optimal basis (a warm start), as cutting-plane
// methods such as Benders decomposition need.
//
// A Problem keeps its own copy of the model, taken by Load, so the caller's
// Model may change afterwards. It owns C memory: call Close. It is not safe
// for concurrent use.
type Problem struct {
	m    *Model
	c    *clp.Model
	opts Options
	// solved is set after the first Solve; later ones use the simplex.
	solved bool
	// clpRows counts the rows already in CLP; rows from there on, and the
	// triplets from clpTriplets on, are pending until the next Solve.
	clpRows     int
	clpTriplets int
	// changed lists the columns whose bounds changed since the last Solve.
	changed []int
}

// Load validates m and loads a copy of it into CLP.
func Load(m *Model, opts Options) (*Problem, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	own := m.Clone()
	return &Problem{
		m:           own,
		c:           load(own, opts),
		opts:        opts,
		clpRows:     own.NumRows(),
		clpTriplets: len(own.tVal),
	}, nil
}

// Model returns the Problem's own copy of the model, reflecting the rows
// and bounds changed since Load. It must not be modified.
func (p *Problem) Model() *Model { return p.m }

// NumRows returns the current number of rows.
func (p *Problem) NumRows() int { return p.m.NumRows() }

// AddRow adds the row lower ≤ Σ vals[k]·x[cols[k]] ≤ upper and returns its
// index. Malformed input (mismatched lengths, unknown columns, NaN) is
// reported by the next Solve.
func (p *Problem) AddRow(name string, lower, upper float64, cols []int, vals []float64) int {
	return p.m.AddRowWith(name, lower, upper, cols, vals)
}

// DeleteRows removes the given rows (duplicates ignored). The remaining rows
// keep their order and are renumbered 0, 1, …. It panics if an index is out
// of range.
func (p *Problem) DeleteRows(rows []int) {
	if len(rows) == 0 {
		return
	}
	nr := p.m.NumRows()
	gone := make([]bool, nr)
	var inCLP []int32
	for _, i := range rows {
		if i < 0 || i >= nr {
			panic(fmt.Sprintf("lp: DeleteRows: row %d out of range [0, %d)", i, nr))
		}
		if gone[i] {
			continue
		}
		gone[i] = true
		if i < p.clpRows {
			inCLP = append(inCLP, int32(i))
		}
	}
	p.c.DeleteRows(inCLP)

	newIndex := make([]int32, nr)
	var kept []row
	for i, r := range p.m.rows {
		if gone[i] {
			newIndex[i] = -1
			continue
		}
		newIndex[i] = int32(len(kept))
		kept = append(kept, r)
	}
	m := p.m
	w, mark := 0, 0
	for k := range m.tVal {
		if k == p.clpTriplets {
			mark = w
		}
		r := m.tRow[k]
		if int(r) < nr && newIndex[r] < 0 {
			continue
		}
		if int(r) < nr {
			r = newIndex[r]
		}
		m.tRow[w], m.tCol[w], m.tVal[w] = r, m.tCol[k], m.tVal[k]
		w++
	}
	if p.clpTriplets >= len(m.tVal) {
		mark = w
	}
	m.tRow, m.tCol, m.tVal = m.tRow[:w], m.tCol[:w], m.tVal[:w]
	m.rows = kept
	p.clpTriplets = mark
	p.clpRows -= len(inCLP)
}

// SetColumnBounds changes the bounds of column col from the next Solve on.
// It panics if col is out of range.
func (p *Problem) SetColumnBounds(col int, lower, upper float64) {
	p.m.SetColumnBounds(col, lower, upper)
	p.changed = append(p.changed, col)
}

// Solve re-solves the problem with the changes made since the last Solve,
// warm-started from its basis (dual simplex, or primal if
// Options.Algorithm is PrimalSimplex; Barrier is used only for the first
// Solve). Results and errors are as for the package-level Solve.
func (p *Problem) Solve(ctx context.Context) (*Solution, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("lp: solve %q: %w", p.m.name, err)
	}
	if err := p.m.Validate(); err != nil {
		return nil, err
	}
	p.flush()
	sol, err := run(ctx, p.c, p.m, p.opts, !p.solved)
	p.solved = true
	if errors.Is(err, ErrNumerical) {
		// The warm start led CLP astray, as it does when column bounds move
		// on columns that have no coefficients (CLP scales them by about
		// 1e-20, marks them fixed and never frees them): reload the model
		// and solve from scratch, once.
		p.c.Close()
		p.c = load(p.m, p.opts)
		p.clpRows, p.clpTriplets, p.changed = p.m.NumRows(), len(p.m.tVal), p.changed[:0]
		sol, err = run(ctx, p.c, p.m, p.opts, true)
	}
	return sol, err
}

// flush sends pending rows and bounds to CLP. The model must be valid.
func (p *Problem) flush() {
	m := p.m
	if n := m.NumRows() - p.clpRows; n > 0 {
		type entry struct {
			r, c int32
			v    float64
		}
		es := make([]entry, 0, len(m.tVal)-p.clpTriplets)
		for k := p.clpTriplets; k < len(m.tVal); k++ {
			es = append(es, entry{m.tRow[k] - int32(p.clpRows), m.tCol[k], m.tVal[k]})
		}
		slices.SortStableFunc(es, func(a, b entry) int {
			return cmp.Or(cmp.Compare(a.r, b.r), cmp.Compare(a.c, b.c))
		})
		starts := make([]int32, n+1)
		var cols []int32
		var vals []float64
		for k := 0; k < len(es); {
			r, c, s := es[k].r, es[k].c, 0.0
			for ; k < len(es) && es[k].r == r && es[k].c == c; k++ {
				s += es[k].v
			}
			if s != 0 {
				cols = append(cols, c)
				vals = append(vals, s)
				starts[r+1]++
			}
		}
		for i := range n {
			starts[i+1] += starts[i]
		}
		lo, up := make([]float64, n), make([]float64, n)
		for i, r := range m.rows[p.clpRows:] {
			lo[i], up[i] = clpBound(r.lower), clpBound(r.upper)
		}
		p.c.AddRows(lo, up, starts, cols, vals)
		p.clpRows = m.NumRows()
		p.clpTriplets = len(m.tVal)
	}
	if len(p.changed) > 0 {
		lo, up := make([]float64, len(m.cols)), make([]float64, len(m.cols))
		for j, c := range m.cols {
			lo[j], up[j] = clpBound(c.lower), clpBound(c.upper)
		}
		var d []float64
		if p.solved {
			d = p.c.DualColumnSolution()
		}
		p.c.ChgColumnLower(lo)
		p.c.ChgColumnUpper(up)
		// CLP keeps the old status and value of a nonbasic column whose
		// bounds moved, and its simplex then trusts a basis that is no
		// longer dual feasible (seen as wrong "optimal" answers). Put each
		// such column at the bound its reduced cost asks for.
		for _, j := range p.changed {
			if d == nil || p.c.ColumnStatus(j) == clp.BasisBasic {
				continue
			}
			p.c.SetColumnStatus(j, nonbasicStatus(d[j], lo[j], up[j]))
		}
		p.changed = p.changed[:0]
	}
}

// Close frees the CLP model. It is safe to call more than once.
func (p *Problem) Close() {
	if p.c != nil {
		p.c.Close()
	}
}
