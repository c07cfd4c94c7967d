package format

import "testing"

func TestAmount(t *testing.T) {
	for x, want := range map[float64]string{0: "0.00", 12.345: "12.35", 1234.5: "1,234.50", -1234567.891: "-1,234,567.89", 999999.999: "1,000,000.00", -0.004: "-0.00"} {
		if got := Amount(x); got != want {
			t.Errorf("Amount(%v) = %q, want %q", x, got, want)
		}
	}
}

func TestRatio(t *testing.T) {
	half := 0.5
	if got := Ratio(&half); got != "50.0%" {
		t.Errorf("Ratio(0.5) = %q", got)
	}
	if got := Ratio(nil); got != "n/a" {
		t.Errorf("Ratio(nil) = %q", got)
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0 pools", 1: "1 pool", 2: "2 pools", 1000: "1000 pools"} {
		if got := Count(n, "pool"); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}
