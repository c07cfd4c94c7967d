package backtest

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tranchehq/tranche/providers"
)

// benchInput is a year of hourly usage of n pools with daily and weekly
// cycles and a trend, priced by randomBook.
func benchInput(n int) Input {
	rng := rand.New(rand.NewPCG(1, 2))
	book, pools := randomBook(rng, n)
	var usage []providers.UsageSeries
	for i, p := range pools {
		base, trend := 5+rng.Float64()*50, (rng.Float64()-0.4)*0.004
		u := trace(365, func(h int) float64 {
			q := base * (1 + trend*float64(h)/24) * (1 + 0.3*math.Sin(2*math.Pi*float64(h%24)/24))
			if (h/24)%7 >= 5 {
				q *= 0.7
			}
			return max(0, math.Round(q+float64(i%3)))
		})[0]
		u.Pool = p
		usage = append(usage, u)
	}
	return Input{Book: book, Usage: usage}
}

// BenchmarkRun backtests a year of 20 pools monthly (11 decisions) with
// every strategy but Tranche (whose cost is the planner's), and with
// each strategy alone.
func BenchmarkRun(b *testing.B) {
	in := benchInput(20)
	for _, c := range []struct {
		name string
		s    []StrategyName
	}{
		{"recommender", []StrategyName{Recommender}},
		{"hindsight", []StrategyName{Hindsight}},
		{"tranche", []StrategyName{Tranche}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Run(context.Background(), in, Options{Strategies: c.s}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
