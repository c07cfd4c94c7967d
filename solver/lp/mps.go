package lp

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// mpsNames returns names usable in free MPS and LP files: whitespace
// replaced by '_', empty names given the default, duplicates suffixed.
func mpsNames(n int, name func(int) string, reserved map[string]bool) []string {
	out := make([]string, n)
	seen := make(map[string]bool, n)
	for k := range reserved {
		seen[k] = true
	}
	for i := range n {
		s := strings.Map(func(r rune) rune {
			if r <= ' ' || r == 0x7f {
				return '_'
			}
			return r
		}, name(i))
		if seen[s] {
			base := s
			for k := 1; seen[s]; k++ {
				s = fmt.Sprintf("%s_%d", base, k)
			}
		}
		seen[s] = true
		out[i] = s
	}
	return out
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// WriteMPS writes the model in free MPS format, for debugging and for
// feeding other solvers. Names are sanitised (whitespace becomes '_',
// duplicates get a suffix). The objective row is "OBJ"; the offset is
// written as the objective's RHS with its sign flipped, the MPS convention
// (objective = cᵀx − RHS). Rows free on both sides are written as N rows.
func (m *Model) WriteMPS(w io.Writer) error {
	if err := m.Validate(); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	rn := mpsNames(len(m.rows), m.RowName, map[string]bool{"OBJ": true})
	cn := mpsNames(len(m.cols), m.ColumnName, nil)
	a := m.compress()
	name := m.name
	if name == "" {
		name = "LP"
	}
	fmt.Fprintf(bw, "NAME %s\nROWS\n N  OBJ\n", strings.ReplaceAll(name, " ", "_"))
	for i, r := range m.rows {
		lo, up := clpBound(r.lower), clpBound(r.upper)
		t := "N"
		switch {
		case lo == up:
			t = "E"
		case math.IsInf(lo, -1) && !math.IsInf(up, 1):
			t = "L"
		case !math.IsInf(lo, -1) && math.IsInf(up, 1):
			t = "G"
		case !math.IsInf(lo, -1) && !math.IsInf(up, 1):
			t = "L" // ranged: RANGES below
		}
		fmt.Fprintf(bw, " %s  %s\n", t, rn[i])
	}
	bw.WriteString("COLUMNS\n")
	for j, c := range m.cols {
		wrote := false
		if c.cost != 0 {
			fmt.Fprintf(bw, "    %s  OBJ  %s\n", cn[j], num(c.cost))
			wrote = true
		}
		for p := a.start[j]; p < a.start[j+1]; p++ {
			fmt.Fprintf(bw, "    %s  %s  %s\n", cn[j], rn[a.index[p]], num(a.value[p]))
			wrote = true
		}
		if !wrote {
			fmt.Fprintf(bw, "    %s  OBJ  0\n", cn[j])
		}
	}
	bw.WriteString("RHS\n")
	if m.offset != 0 {
		fmt.Fprintf(bw, "    RHS  OBJ  %s\n", num(-m.offset))
	}
	var ranges []int
	for i, r := range m.rows {
		lo, up := clpBound(r.lower), clpBound(r.upper)
		var rhs float64
		switch {
		case !math.IsInf(up, 1):
			rhs = up
			if !math.IsInf(lo, -1) && lo != up {
				ranges = append(ranges, i)
			}
		case !math.IsInf(lo, -1):
			rhs = lo
		}
		if rhs != 0 {
			fmt.Fprintf(bw, "    RHS  %s  %s\n", rn[i], num(rhs))
		}
	}
	if len(ranges) > 0 {
		bw.WriteString("RANGES\n")
		for _, i := range ranges {
			fmt.Fprintf(bw, "    RNG  %s  %s\n", rn[i], num(m.rows[i].upper-m.rows[i].lower))
		}
	}
	bw.WriteString("BOUNDS\n")
	for j, c := range m.cols {
		lo, up := clpBound(c.lower), clpBound(c.upper)
		switch {
		case lo == up:
			fmt.Fprintf(bw, " FX BND  %s  %s\n", cn[j], num(lo))
		case math.IsInf(lo, -1) && math.IsInf(up, 1):
			fmt.Fprintf(bw, " FR BND  %s\n", cn[j])
		default:
			if math.IsInf(lo, -1) {
				fmt.Fprintf(bw, " MI BND  %s\n", cn[j])
			} else if lo != 0 {
				fmt.Fprintf(bw, " LO BND  %s  %s\n", cn[j], num(lo))
			}
			if !math.IsInf(up, 1) {
				fmt.Fprintf(bw, " UP BND  %s  %s\n", cn[j], num(up))
			}
		}
	}
	bw.WriteString("ENDATA\n")
	return bw.Flush()
}

// WriteLP writes the model in CPLEX LP format, for reading by eye. Names are
// sanitised as for WriteMPS; the offset appears as a constant term.
func (m *Model) WriteLP(w io.Writer) error {
	if err := m.Validate(); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	rn := mpsNames(len(m.rows), m.RowName, map[string]bool{"obj": true})
	cn := mpsNames(len(m.cols), m.ColumnName, nil)
	term := func(first bool, v float64, name string) string {
		switch {
		case first && v < 0:
			return fmt.Sprintf("- %s %s", num(-v), name)
		case first:
			return fmt.Sprintf("%s %s", num(v), name)
		case v < 0:
			return fmt.Sprintf(" - %s %s", num(-v), name)
		}
		return fmt.Sprintf(" + %s %s", num(v), name)
	}
	fmt.Fprintf(bw, "\\ %s\nMinimize\n obj: ", m.name)
	first := true
	for j, c := range m.cols {
		if c.cost != 0 {
			bw.WriteString(term(first, c.cost, cn[j]))
			first = false
		}
	}
	switch {
	case m.offset != 0 && first:
		bw.WriteString(num(m.offset))
	case m.offset < 0:
		fmt.Fprintf(bw, " - %s", num(-m.offset))
	case m.offset > 0:
		fmt.Fprintf(bw, " + %s", num(m.offset))
	case first:
		bw.WriteString("0 " + cn0(cn))
	}
	bw.WriteString("\nSubject To\n")
	// Row-major view of the matrix.
	a := m.compress()
	type ent struct {
		c int
		v float64
	}
	byRow := make([][]ent, len(m.rows))
	for j := range m.cols {
		for p := a.start[j]; p < a.start[j+1]; p++ {
			byRow[a.index[p]] = append(byRow[a.index[p]], ent{j, a.value[p]})
		}
	}
	for i, r := range m.rows {
		lo, up := clpBound(r.lower), clpBound(r.upper)
		if math.IsInf(lo, -1) && math.IsInf(up, 1) {
			continue // free row: LP format has no place for it
		}
		var expr strings.Builder
		for k, e := range byRow[i] {
			expr.WriteString(term(k == 0, e.v, cn[e.c]))
		}
		if len(byRow[i]) == 0 {
			expr.WriteString("0 " + cn0(cn))
		}
		switch {
		case lo == up:
			fmt.Fprintf(bw, " %s: %s = %s\n", rn[i], expr.String(), num(lo))
		case math.IsInf(lo, -1):
			fmt.Fprintf(bw, " %s: %s <= %s\n", rn[i], expr.String(), num(up))
		case math.IsInf(up, 1):
			fmt.Fprintf(bw, " %s: %s >= %s\n", rn[i], expr.String(), num(lo))
		default:
			fmt.Fprintf(bw, " %s: %s <= %s\n", rn[i], expr.String(), num(up))
			fmt.Fprintf(bw, " %s_lo: %s >= %s\n", rn[i], expr.String(), num(lo))
		}
	}
	bw.WriteString("Bounds\n")
	for j, c := range m.cols {
		lo, up := clpBound(c.lower), clpBound(c.upper)
		switch {
		case lo == up:
			fmt.Fprintf(bw, " %s = %s\n", cn[j], num(lo))
		case math.IsInf(lo, -1) && math.IsInf(up, 1):
			fmt.Fprintf(bw, " %s free\n", cn[j])
		case math.IsInf(lo, -1):
			fmt.Fprintf(bw, " -inf <= %s <= %s\n", cn[j], num(up))
		case math.IsInf(up, 1):
			if lo != 0 {
				fmt.Fprintf(bw, " %s >= %s\n", cn[j], num(lo))
			}
		default:
			fmt.Fprintf(bw, " %s <= %s <= %s\n", num(lo), cn[j], num(up))
		}
	}
	bw.WriteString("End\n")
	return bw.Flush()
}

// cn0 names a column for an otherwise empty expression; LP format needs one.
func cn0(cn []string) string {
	if len(cn) == 0 {
		return "x"
	}
	return cn[0]
}
