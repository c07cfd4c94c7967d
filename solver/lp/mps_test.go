package lp_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/solver/lp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("%s differs at line %d:\n got: %q\nwant: %q", path, i+1, g, w)
				break
			}
		}
	}
}

// goldenModel uses every row and column type, a duplicate entry, an
// unnamed row, a name with a space and a duplicate name.
func goldenModel() *lp.Model {
	m := lp.NewModel("golden model")
	x := m.AddColumn("x", 1, 0, math.Inf(1))
	y := m.AddColumn("y", -2.5, -1, 4)
	z := m.AddColumn("z", 0, math.Inf(-1), math.Inf(1))
	w := m.AddColumn("w", 3, math.Inf(-1), 7)
	v := m.AddColumn("v v", 0.125, 2, 2)
	u := m.AddColumn("x", 0, 1.5, math.Inf(1))
	m.AddRowWith("le", math.Inf(-1), 10, []int{x, y}, []float64{1, 2})
	m.AddRowWith("ge", -3, math.Inf(1), []int{y, z, y}, []float64{1, -1, 0.5})
	m.AddRowWith("eq", 4, 4, []int{x, z, w}, []float64{1, 1, 1})
	m.AddRowWith("", 1, 6, []int{w, v, u}, []float64{1, 1, 1})
	m.AddRowWith("free", math.Inf(-1), math.Inf(1), []int{x}, []float64{1e-3})
	m.SetObjectiveOffset(12.75)
	return m
}

func TestWriteMPS(t *testing.T) {
	var b bytes.Buffer
	if err := goldenModel().WriteMPS(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "golden.mps", b.Bytes())
}

func TestWriteLP(t *testing.T) {
	var b bytes.Buffer
	if err := goldenModel().WriteLP(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "golden.lp", b.Bytes())
}

func TestWriteInvalid(t *testing.T) {
	m := lp.NewModel("bad")
	m.AddColumn("x", math.NaN(), 0, 1)
	if err := m.WriteMPS(&bytes.Buffer{}); !errors.Is(err, lp.ErrInvalidModel) {
		t.Errorf("WriteMPS = %v", err)
	}
}

// fuzzValue maps a byte to a value, favouring the awkward ones.
func fuzzValue(b byte) float64 {
	special := []float64{0, 1, -1, math.NaN(), math.Inf(1), math.Inf(-1), 1e300, -1e300, 1e30, -1e30, 1e-300, 2.5, -7, 1e6, 1e-9, 0.5}
	if int(b) < len(special) {
		return special[b]
	}
	return float64(int(b)-128) / 8
}

// FuzzModel builds a model from bytes: sizes, then bounds, costs and
// entries. Whatever comes in, Validate must reject it or Solve must return
// either a clean error or a solution that passes its own check.
func FuzzModel(f *testing.F) {
	f.Add([]byte{2, 2, 16, 20, 1, 40, 16, 20, 1, 3, 200, 0, 0, 1, 1, 1, 2})
	f.Add([]byte{3, 1, 0, 4, 3, 5, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Add([]byte{0, 0})
	f.Add([]byte{1, 1, 2, 2, 2, 2, 2, 2, 0, 0, 3})
	f.Add([]byte{4, 3, 6, 7, 8, 9, 10, 11, 12, 13, 200, 150, 100, 50, 1, 2, 0, 1, 255, 254, 253})
	f.Fuzz(func(t *testing.T, data []byte) {
		next := func() byte {
			if len(data) == 0 {
				return 0
			}
			b := data[0]
			data = data[1:]
			return b
		}
		nc, nr := int(next()%8), int(next()%8)
		m := lp.NewModel("fuzz")
		for range nc {
			m.AddColumn("", fuzzValue(next()), fuzzValue(next()), fuzzValue(next()))
		}
		for range nr {
			m.AddRow("", fuzzValue(next()), fuzzValue(next()))
		}
		for len(data) >= 3 {
			// Indices may point past the model on purpose.
			m.Set(int(next()%10), int(next()%10), fuzzValue(next()))
		}
		if err := m.Validate(); err != nil {
			if !errors.Is(err, lp.ErrInvalidModel) {
				t.Fatalf("Validate error %v does not wrap ErrInvalidModel", err)
			}
			return
		}
		if err := m.WriteMPS(&bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		// Barrier is left out: CLP's interior point code can abort the
		// process ("primal off to infinity") on degenerate models.
		for _, a := range []lp.Algorithm{lp.DualSimplex, lp.PrimalSimplex} {
			sol, err := lp.Solve(ctx, m, lp.Options{Algorithm: a})
			if err == nil && (sol.MaxViolation > lp.DefaultFeasibilityTol || sol.Status != lp.Optimal) {
				t.Fatalf("%v: nil error with %+v", a, sol)
			}
		}
	})
}
