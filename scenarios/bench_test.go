package scenarios

import (
	"fmt"
	"testing"
	"time"

	"github.com/tranchehq/tranche/internal/planner"
	"github.com/tranchehq/tranche/providers"
)

// benchHistory is 120 days of noisy, growing, weekly-cycled usage for n
// pools, with one migration pair.
func benchHistory(n int) ([]providers.UsageSeries, time.Time) {
	hours := 120 * 24
	keys := make([]providers.PoolKey, n)
	for i := range keys {
		keys[i] = key(fmt.Sprintf("acct-%03d", i/12), fmt.Sprintf("fam-%02d", i%12))
	}
	nz := noise(42, hours, 0.05)
	own := noise(43, hours+n, 0.05)
	hist := history(keys, hours, func(i, h int) float64 {
		x := float64(h)
		base := float64(10 + i%37)
		switch i {
		case 0:
			return max(0, base*(1-x/float64(hours))) * weekly(h) * (1 + nz[h])
		case 1:
			return (base + 47*x/float64(hours)) * weekly(h) * (1 + nz[h])
		}
		return base * (1 + 0.00005*float64(i%5)*x) * weekly(h) * (1 + nz[h] + own[h+i])
	})
	return hist, t0.Add(time.Duration(hours) * time.Hour)
}

func BenchmarkForecast(b *testing.B) {
	for _, n := range []int{60, 250} {
		hist, asOf := benchHistory(n)
		b.Run(fmt.Sprintf("pools=%d/scenarios=20/hours=8760", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := (&Generator{Seed: 1}).Forecast(hist, asOf, 0, 8760); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkStream(b *testing.B) {
	hist, asOf := benchHistory(1000)
	b.Run("pools=1000/scenarios=20/hours=8760", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			err := (&Generator{Seed: 1}).Stream(hist, asOf, 8760, func(planner.Scenario) error { return nil })
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
