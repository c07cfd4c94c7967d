package scenarios

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/internal/planner"
	"github.com/tranchehq/tranche/providers"
)

// bookOf prices one size of each family at 0.1 per hour, in the pools of
// key (account "", the family set).
func bookOf(families ...string) *providers.PriceBook {
	b := &providers.PriceBook{Schema: providers.PriceBookSchema, Currency: "USD"}
	for _, f := range families {
		b.OnDemand = append(b.OnDemand, providers.OnDemandRate{Pool: key("", f), SizeFactor: 1, HourlyRate: 0.1})
	}
	return b
}

// TestSuccessors checks which family a pool's usage may move to: the
// newest later generation of the same class, attributes (a leading Intel
// or AMD letter aside) and size, priced in the same place.
func TestSuccessors(t *testing.T) {
	book := bookOf("c3", "c4", "c5", "m5", "m6i", "m7i", "m6g", "m7g", "r5", "x2iedn", "c4.xlarge", "c5.xlarge", "c5.2xlarge", "m5n", "m6in", "t2", "weird_family", "u-6tb1")
	// A newer generation in another region is no successor.
	other := key("", "r7i")
	other.Region = "eu-west-1"
	book.OnDemand = append(book.OnDemand, providers.OnDemandRate{Pool: other, SizeFactor: 1, HourlyRate: 0.1})
	succ := Successors(book)
	for from, want := range map[string]string{
		"c3": "c5", "c4": "c5", "c5": "", // the newest has none
		"m5": "m7i", "m6i": "m7i", "m7i": "",
		"m6g":    "m7g", // Graviton stays Graviton
		"r5":     "",    // r7i is in another region
		"x2iedn": "", "t2": "", "weird_family": "", "u-6tb1": "",
		"c4.xlarge": "c5.xlarge", // the same size, not c5.2xlarge
		"m5n":       "m6in",
	} {
		// Any account: the book prices pools without one.
		got, ok := successorOf(succ, key("acct-1", from))
		switch {
		case want == "" && ok:
			t.Errorf("%s: successor %s, want none", from, got.Family)
		case want != "" && !ok:
			t.Errorf("%s: no successor, want %s", from, want)
		case ok && (got != key("acct-1", want)):
			t.Errorf("%s: successor %s, want %s in the same place and account", from, got, key("acct-1", want))
		}
	}
}

// TestGenerationMoves checks the moves drawn: in each scenario the usage
// of a previous generation and its successor together is what it would be
// without moves (usage moves, it is not made or lost); the share of
// scenarios that moved within a year is about the chance asked for; the
// sizes of one family move at the same hour; the move takes four weeks;
// a pool of the newest generation never moves; and NoMoves, or no
// successors, gives the scenarios without moves, bit for bit.
func TestGenerationMoves(t *testing.T) {
	const (
		H     = 8760
		n     = 400
		hours = 8 * week
	)
	keys := []providers.PoolKey{key("a", "c4.xlarge"), key("a", "c4.2xlarge"), key("a", "m7i")}
	nz := noise(5, hours, 0.03)
	hist := history(keys, hours, func(i, h int) float64 { return float64(10*(i+1)) * weekly(h) * (1 + nz[h]) })
	asOf := t0.Add(hours * time.Hour)
	book := bookOf("c4.xlarge", "c4.2xlarge", "c5.xlarge", "c5.2xlarge", "m7i")
	succ := Successors(book)
	for _, chance := range []float64{0.5, 0.2} {
		g := &Generator{Seed: 3, Scenarios: n, Successors: succ, MoveChance: chance}
		on := forecast(t, g, hist, asOf, H)
		off := forecast(t, &Generator{Seed: 3, Scenarios: n}, hist, asOf, H)
		if !sameBits(off, forecast(t, &Generator{Seed: 3, Scenarios: n, Successors: succ, NoMoves: true}, hist, asOf, H)) {
			t.Fatal("NoMoves changes the scenarios")
		}
		// The successors come after the history's pools.
		if len(on[0].Usage) != 5 || on[0].Usage[3].Pool != key("a", "c5.xlarge") || on[0].Usage[4].Pool != key("a", "c5.2xlarge") {
			t.Fatalf("pools %v, want the history's then c5.xlarge and c5.2xlarge", poolsOf(on[0]))
		}
		moved := 0
		for s := range on {
			a, b := on[s].Usage, off[s].Usage
			first := [2]int{H, H}
			for i := range 2 {
				for j := range H {
					if d := a[i].Quantity[j] + a[3+i].Quantity[j] - b[i].Quantity[j]; math.Abs(d) > 1e-9*(1+b[i].Quantity[j]) {
						t.Fatalf("chance %v, scenario %d, pool %d, hour %d: %v + %v moved, %v without moves", chance, s, i, j, a[i].Quantity[j], a[3+i].Quantity[j], b[i].Quantity[j])
					}
					if first[i] == H && a[3+i].Quantity[j] > 0 {
						first[i] = j
					}
				}
			}
			if first[0] != first[1] {
				t.Errorf("chance %v, scenario %d: c4.xlarge moves from hour %d, c4.2xlarge from %d: one family moves at once", chance, s, first[0], first[1])
			}
			if j := first[0]; j < H {
				moved++
				// Four weeks after the start all of it has moved, and
				// not a day before.
				if end := j + moveHours; end < H {
					if a[0].Quantity[end] != 0 || a[0].Quantity[end-24] == 0 && b[0].Quantity[end-24] > 0 {
						t.Errorf("chance %v, scenario %d: moving from hour %d, %v left at hour %d and %v a day earlier", chance, s, j, a[0].Quantity[end], end, a[0].Quantity[end-24])
					}
				}
			}
			if !sameSeries(a[2].Quantity, b[2].Quantity) {
				t.Errorf("chance %v, scenario %d: m7i, the newest generation, moved", chance, s)
			}
		}
		if got := float64(moved) / n; math.Abs(got-chance) > 4*math.Sqrt(chance*(1-chance)/n) {
			t.Errorf("chance %v: %.3f of the scenarios moved within the year", chance, got)
		}
		fits, err := g.Fit(hist, asOf)
		if err != nil {
			t.Fatal(err)
		}
		if fits[0].MovesTo == nil || *fits[0].MovesTo != key("a", "c5.xlarge") || math.Abs(fits[0].MoveChance-chance) > 1e-9 || fits[2].MovesTo != nil {
			t.Errorf("Fit: c4.xlarge moves to %v with chance %v, m7i to %v", fits[0].MovesTo, fits[0].MoveChance, fits[2].MovesTo)
		}
	}
	notes, err := (&Generator{Successors: succ}).Explain(hist, asOf)
	if err != nil || len(notes) != 1 || !strings.Contains(notes[0], "c4.2xlarge → c5.2xlarge (us-east-1 Linux/UNIX), c4.xlarge → c5.xlarge (us-east-1 Linux/UNIX)") || !strings.Contains(notes[0], "50%") {
		t.Errorf("Explain: %q, %v", notes, err)
	}
	if _, err := (&Generator{Successors: succ, MoveChance: 1}).Forecast(hist, asOf, 0, H); err == nil {
		t.Error("a move chance of 1 is accepted")
	}
}

func poolsOf(s planner.Scenario) []providers.PoolKey {
	out := make([]providers.PoolKey, len(s.Usage))
	for i, u := range s.Usage {
		out[i] = u.Pool
	}
	return out
}

func sameSeries(a, b []float64) bool {
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return len(a) == len(b)
}
