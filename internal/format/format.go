// Package format writes the numbers of reports, plans and backtests for
// people: amounts with thousands separators, ratios as percentages.
package format

import (
	"strconv"
	"strings"
)

// Count writes n and the noun, plural (noun + "s") unless n is 1:
// "1 pool", "3 pools".
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// Amount writes x with two decimals and thousands separators
// ("-1,234.50").
func Amount(x float64) string {
	s := strconv.FormatFloat(x, 'f', 2, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String() + "." + frac
}

// Ratio writes a ratio as a percentage with one decimal, "n/a" when
// undefined.
func Ratio(x *float64) string {
	if x == nil {
		return "n/a"
	}
	return strconv.FormatFloat(*x*100, 'f', 1, 64) + "%"
}
