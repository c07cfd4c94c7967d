package solver

import (
	"context"
	"math"
	"strings"
	"testing"
)

// Evaluate of Solve's own purchase on the same problem bills it exactly as
// Solve did: same bill, same lines.
func TestEvaluateMatchesSolve(t *testing.T) {
	for _, s := range []fleetSpec{
		{Pools: 6, PoolsPerFamily: 3, Hours: 24 * 7, Seed: 21, Increment: 1},
		{Pools: 9, PoolsPerFamily: 3, Hours: 24 * 5, Seed: 22, Dates: 3},
	} {
		p := genFleet(s)
		res := mustSolve(t, p, Options{})
		ev, err := Evaluate(context.Background(), p, res.Quantity, "")
		if err != nil {
			t.Fatal(err)
		}
		if !near(ev.Bill.Total, res.Bill.Total, 1e-12) || !near(ev.Baseline.Total, res.Baseline.Total, 1e-12) {
			t.Errorf("%+v: evaluated bill %v / baseline %v, solved %v / %v", s, ev.Bill.Total, ev.Baseline.Total, res.Bill.Total, res.Baseline.Total)
		}
		if len(ev.Purchases) != len(res.Purchases) {
			t.Fatalf("%+v: %d lines evaluated, %d solved", s, len(ev.Purchases), len(res.Purchases))
		}
		for i, l := range ev.Purchases {
			r := res.Purchases[i]
			if l.Offering != r.Offering || l.Quantity != r.Quantity || !near(l.Savings, r.Savings, 1e-9) || !near(l.Utilization, r.Utilization, 1e-12) {
				t.Errorf("%+v line %d: evaluated %+v, solved %+v", s, i, l, r)
			}
		}
		if ev.Converged {
			t.Error("an evaluation claims to be a converged optimum")
		}
	}
}

// A purchase that is not the optimum: the lines say why the next unit,
// which would still save money here, was not bought, in the caller's
// words; buying nothing evaluates to the baseline.
func TestEvaluateNote(t *testing.T) {
	p := genFleet(fleetSpec{Pools: 3, PoolsPerFamily: 3, Hours: 48, Seed: 23, Increment: 1, NoSP: true})
	res := mustSolve(t, p, Options{})
	q := append([]float64(nil), res.Quantity...)
	cut := -1
	for k, v := range q {
		if v >= 2 {
			q[k] = v - 1
			cut = k
			break
		}
	}
	if cut < 0 {
		t.Fatalf("no purchase of 2 or more instances to cut back: %v", res.Quantity)
	}
	ev, err := Evaluate(context.Background(), p, q, "but it was held back for the test")
	if err != nil {
		t.Fatal(err)
	}
	if ev.Bill.Total < res.Bill.Total-1e-9 {
		t.Errorf("a cut-back purchase bills %v, below the optimum's %v", ev.Bill.Total, res.Bill.Total)
	}
	found := false
	for _, l := range ev.Purchases {
		if l.Offering == cut && l.NextUnitSavings > 0 {
			found = strings.Contains(strings.Join(l.Reasons, " "), "held back for the test")
		}
	}
	if !found {
		t.Errorf("the cut-back line does not carry the note: %+v", ev.Purchases)
	}
	none, err := Evaluate(context.Background(), p, make([]float64, len(p.Offerings)), "")
	if err != nil {
		t.Fatal(err)
	}
	if none.Bill.Total != none.Baseline.Total || len(none.Purchases) != 0 {
		t.Errorf("buying nothing: bill %v, baseline %v, %d lines", none.Bill.Total, none.Baseline.Total, len(none.Purchases))
	}
	for _, bad := range [][]float64{q[:1], append(append([]float64(nil), q[:len(q)-1]...), math.NaN()), append(append([]float64(nil), q[:len(q)-1]...), -1)} {
		if _, err := Evaluate(context.Background(), p, bad, ""); err == nil {
			t.Errorf("quantities %v accepted", bad)
		}
	}
}
