package solver

import (
	"strings"
	"testing"
)

func TestMisallocation(t *testing.T) {
	sp := func(id string, tier int, a, b float64) Offering {
		return Offering{ID: id, Type: Spend, Tier: tier, TermHours: 8760, Recurring: 1, Covers: []Cover{{Pool: 0, Rate: a}, {Pool: 1, Rate: b}}}
	}
	all := func(int) bool { return true }
	for _, tc := range []struct {
		name string
		offs []Offering
		want string
	}{
		{"one plan", []Offering{sp("a", 2, 0.5, 0.55)}, ""},
		{"proportional", []Offering{sp("1yr", 2, 0.6, 0.7), sp("3yr", 2, 0.48, 0.56)}, ""},
		{"copies", []Offering{sp("x", 2, 0.5, 0.55), sp("x later", 2, 0.5, 0.55)}, ""},
		{"other tier", []Offering{sp("ec2", 1, 0.5, 0.9), sp("compute", 2, 0.5, 0.55)}, ""},
		{"ranked differently", []Offering{sp("sp1", 2, 0.5, 0.55), sp("sp2", 2, 0.5, 0.9)}, "sp1 and sp2 (tier 2)"},
	} {
		p := &Problem{Hours: 1, Pools: []Pool{{ID: "A", OnDemandRate: 1, Usage: []float64{1}}, {ID: "B", OnDemandRate: 1, Usage: []float64{1}}}, Offerings: tc.offs}
		got := misallocation(p, all)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
