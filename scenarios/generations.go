package scenarios

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tranchehq/tranche/internal/planner"
	"github.com/tranchehq/tranche/providers"
)

// DefaultMoveChance is the chance that the usage of a pool whose family
// has a newer generation in the price book moves to it within a year, in
// each scenario (Generator.MoveChance).
const DefaultMoveChance = 0.5

// moveHours is how long a move to a newer generation takes, start to
// finish: four weeks, the usage shifting linearly.
const moveHours = 4 * 7 * 24

// familyName splits an EC2-style family name — class letters, generation,
// attribute letters, and for a family that is one instance type (Windows
// and other pools that are not size-flexible) a size: "c4", "m5a",
// "x2iedn", "c4.xlarge", "m7i-flex.large". Machine series of Compute
// Engine ("n1", "n2d", "c3") have the same shape.
var familyName = regexp.MustCompile(`^([a-z]+)([0-9]+)([a-z-]*)(\.[a-z0-9-]+)?$`)

// generation is a parsed family name: the pool may move to another family
// with the same class, attributes and size and a later generation.
type generation struct {
	class, attrs, size string
	gen                int
}

func parseGeneration(family string) (generation, bool) {
	m := familyName.FindStringSubmatch(family)
	if m == nil {
		return generation{}, false
	}
	g, err := strconv.Atoi(m[2])
	if err != nil {
		return generation{}, false
	}
	// A leading processor letter (i: Intel, a: AMD) does not change what
	// a workload needs: m5 moves to m6i, m5n to m6in, m5a to m7a. Graviton
	// (g) does, and stays part of the attributes.
	attrs := m[3]
	if strings.HasPrefix(attrs, "i") || strings.HasPrefix(attrs, "a") {
		attrs = attrs[1:]
	}
	return generation{class: m[1], attrs: attrs, size: m[4], gen: g}, true
}

// Successors finds, for each pool the price book prices on demand, the
// newest later generation of its family priced in the same place (same
// provider, region, service, platform, tenancy and unit): c3 → c5 where
// the book has c4 and c5, c4.xlarge Windows → c5.xlarge Windows, m5 → m7i.
// Families of the newest generation the book knows, and names that are not
// class-generation-attributes, have none. The answer is keyed by price
// key (the pool without billing scope or account), so it holds for the
// pools of every account.
func Successors(book *providers.PriceBook) map[providers.PoolKey]providers.PoolKey {
	type place struct {
		k     providers.PoolKey // without family, scope and account
		class string
		attrs string
		size  string
	}
	newest := map[place]struct {
		gen    int
		family string
	}{}
	var keys []providers.PoolKey
	seen := map[providers.PoolKey]bool{}
	for _, od := range book.OnDemand {
		k := od.Pool
		k.BillingScope, k.Account = "", ""
		if seen[k] {
			continue
		}
		seen[k] = true
		g, ok := parseGeneration(k.Family)
		if !ok {
			continue
		}
		keys = append(keys, k)
		pk := k
		pk.Family = ""
		p := place{pk, g.class, g.attrs, g.size}
		if n, ok := newest[p]; !ok || g.gen > n.gen || (g.gen == n.gen && k.Family < n.family) {
			newest[p] = struct {
				gen    int
				family string
			}{g.gen, k.Family}
		}
	}
	out := map[providers.PoolKey]providers.PoolKey{}
	for _, k := range keys {
		g, _ := parseGeneration(k.Family)
		pk := k
		pk.Family = ""
		n := newest[place{pk, g.class, g.attrs, g.size}]
		if n.gen > g.gen {
			to := k
			to.Family = n.family
			out[k] = to
		}
	}
	return out
}

// successorOf is the pool that k's usage may move to, with k's billing
// scope and account, or false.
func successorOf(succ map[providers.PoolKey]providers.PoolKey, k providers.PoolKey) (providers.PoolKey, bool) {
	pk := k
	pk.BillingScope, pk.Account = "", ""
	to, ok := succ[pk]
	if !ok {
		return providers.PoolKey{}, false
	}
	to.BillingScope, to.Account = k.BillingScope, k.Account
	return to, true
}

// addMoves pairs each pool with a successor (and a course of its own, not
// the falling side of a migration in progress) with the pool its usage may
// move to, adding successors the history does not have as fresh pools.
func (m *model) addMoves(succ map[providers.PoolKey]providers.PoolKey, chance float64, index map[providers.PoolKey]int) {
	if len(succ) == 0 || !(chance > 0) {
		return
	}
	// Pools that a migration of finance's assumptions moves: its word
	// stands.
	planned := map[int]bool{}
	for e, ev := range m.events {
		if ev.Kind == Migration {
			for k := 0; k < len(m.targets[e]); k += 2 {
				planned[m.targets[e][k]] = true
			}
		}
	}
	// P(move within a year) = chance: an exponential time to the move of
	// rate −ln(1 − chance) per year.
	m.moveRate = -math.Log1p(-min(chance, 1-1e-9)) / hoursPerYear
	n := len(m.pools)
	for i := range n {
		p := &m.pools[i]
		if p.fresh || p.fit.zero || p.falling || p.partner >= 0 || planned[i] {
			continue
		}
		to, ok := successorOf(succ, p.key)
		if !ok {
			continue
		}
		j, ok := index[to]
		if !ok {
			j = len(m.pools)
			index[to] = j
			m.pools = append(m.pools, pool{key: to, fresh: true, partner: -1})
			p = &m.pools[i]
		}
		h := fnv.New64a()
		g, _ := parseGeneration(p.key.Family)
		// One draw per family and place, so the sizes of one family (each
		// its own pool when not size-flexible) move together, as one
		// modernization would move them.
		h.Write([]byte(p.key.BillingScope + "|" + p.key.Account + "|" + p.key.Region + "|" + p.key.Platform + "|" + g.class + strconv.Itoa(g.gen) + g.attrs))
		m.moves = append(m.moves, move{from: i, to: j, stream: h.Sum64()})
	}
}

// move is a pool whose usage may move to a newer generation.
type move struct {
	from, to int
	stream   uint64 // the draw's random stream: one per family and place
}

// applyMoves moves, in scenario s, each pool's usage to its successor from
// the drawn hour on, over moveHours.
func (m *model) applyMoves(s int, usage []providers.UsageSeries) {
	for _, mv := range m.moves {
		u := rand.New(rand.NewPCG(m.seed^mv.stream, uint64(s))).Float64()
		at := -math.Log1p(-u) / m.moveRate
		if !(at < float64(m.horizon)) {
			continue
		}
		from, to := usage[mv.from].Quantity, usage[mv.to].Quantity
		for j := int(math.Ceil(at)); j < m.horizon; j++ {
			moved := min(1, (float64(j)-at)/moveHours) * from[j]
			from[j] -= moved
			to[j] += moved
		}
	}
}

var _ planner.Explainer = (*Generator)(nil)

// Explain says what the scenarios assume beyond each pool's own history:
// the migrations they continue and the moves to newer generations they
// draw, for the plan's notes.
func (g *Generator) Explain(history []providers.UsageSeries, asOf time.Time) ([]string, error) {
	fits, err := g.Fit(history, asOf)
	if err != nil {
		return nil, err
	}
	var notes, moves []string
	chance := 0.0
	for _, f := range fits {
		if f.MigratingTo != nil {
			if f.Decommissioned {
				notes = append(notes, fmt.Sprintf("scenarios: usage moved from %s to %s within the fit window; the scenarios continue the two pools' joint trend on the second", f.Pool, *f.MigratingTo))
			} else {
				notes = append(notes, fmt.Sprintf("scenarios: usage is moving from %s to %s; the scenarios finish the move at its pace and continue the two pools' joint trend", f.Pool, *f.MigratingTo))
			}
		}
		if f.MovesTo != nil {
			chance = f.MoveChance
			moves = append(moves, fmt.Sprintf("%s → %s (%s %s)", f.Pool.Family, f.MovesTo.Family, f.Pool.Region, f.Pool.Platform))
		}
	}
	if len(moves) > 0 {
		sort.Strings(moves)
		moves = slices.Compact(moves)
		const show = 8
		list := strings.Join(moves[:min(show, len(moves))], ", ")
		if len(moves) > show {
			list += fmt.Sprintf(" and %d more", len(moves)-show)
		}
		notes = append(notes, fmt.Sprintf("scenarios: usage of a previous generation moves to the newest one the price book has in the same place, over four weeks from a drawn time, with a chance of %.0f%% within a year (--generation-moves; 0 turns it off): %s",
			100*chance, list))
	}
	return notes, nil
}
