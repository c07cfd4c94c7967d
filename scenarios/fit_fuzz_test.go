package scenarios

import (
	"math"
	"testing"
)

// FuzzFitPool feeds the per-pool fit arbitrary non-negative histories —
// steps, spikes, zeros, values from 0 to 1e12 — and checks what the
// generator relies on: every figure finite, the level and the break floor
// non-negative with the floor at most the level, the trend's age inside
// the window, a positive seasonal profile and residuals of at least −1 (so
// that no scenario goes negative).
func FuzzFitPool(f *testing.F) {
	f.Add([]byte{1, 8, 10, 10, 10, 10, 200, 200, 200, 200}, uint8(0), uint8(3))
	f.Add([]byte{24, 5, 0, 0, 0, 255, 255, 255, 255}, uint8(40), uint8(0))
	f.Add([]byte{1, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, uint8(90), uint8(1))
	f.Add([]byte{24, 10, 100, 101, 99, 100, 102, 98, 100, 100, 101, 99}, uint8(20), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, scale, idle uint8) {
		if len(data) < 3 {
			return
		}
		P := 1
		if data[0]%2 == 0 {
			P = day
		}
		K := 1 + int(data[1])%40
		vals := data[2:]
		y := make([]float64, K*P)
		mult := math.Pow(10, float64(scale%13)-3) // 1e-3 … 1e9 per byte unit
		for h := range y {
			y[h] = float64(vals[h%len(vals)]) * mult
			if h/len(vals)%3 == 1 { // repeat the pattern at another level
				y[h] *= 1 + float64(vals[(h/len(vals))%len(vals)])/64
			}
		}
		fp := fitPool(y, P, int(idle)%(len(y)+1))
		if fp.zero {
			return
		}
		span := float64(len(y))
		for name, v := range map[string]float64{"level": fp.level, "slope": fp.slope, "se": fp.se, "age": fp.age, "floor": fp.floor} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%s = %v (P %d, K %d)", name, v, P, K)
			}
		}
		if fp.level < 0 || fp.floor < 0 || fp.floor > fp.level || fp.se < 0 {
			t.Fatalf("level %v, floor %v, se %v (P %d, K %d)", fp.level, fp.floor, fp.se, P, K)
		}
		if fp.age <= 0 || fp.age > span {
			t.Fatalf("age %v outside (0, %v]", fp.age, span)
		}
		for i, s := range fp.season {
			if !(s > 0) || math.IsInf(s, 0) {
				t.Fatalf("season[%d] = %v", i, s)
			}
		}
		for h, r := range fp.resid {
			if !(r >= -1) || math.IsInf(r, 0) {
				t.Fatalf("resid[%d] = %v", h, r)
			}
		}
	})
}
