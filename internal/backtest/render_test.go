package backtest

import (
	"bytes"
	"encoding/json"
	"flag"
	"strings"
	"testing"

	"github.com/tranchehq/tranche/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestRender(t *testing.T) {
	in := Input{Usage: trace(90, func(h int) float64 {
		if h%24 < 12 {
			return 10
		}
		return 6
	})}
	res := runTest(t, in, Options{Strategies: []StrategyName{Recommender, Hindsight}})
	for _, c := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"table.txt", func(b *bytes.Buffer) error { return WriteTable(b, res) }},
		{"table.md", func(b *bytes.Buffer) error { return WriteMarkdown(b, res) }},
		{"periods.csv", func(b *bytes.Buffer) error { return WriteCSV(b, res) }},
	} {
		var b bytes.Buffer
		if err := c.write(&b); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, c.name, b.Bytes(), *update)
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, res); err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Schema != SchemaVersion || len(back.Strategies) != 3 || back.Strategies[0].Totals.Cost != money(res.Strategies[0].Totals.Cost) {
		t.Errorf("JSON round trip: %+v", back)
	}
	b.Reset()
	if err := WriteHTML(&b, res); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{"<!DOCTYPE html>", "<svg", "Cumulative savings", "Hindsight LP:", "recommender/2026-02-01/1"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "http://", "https://"} {
		if strings.Contains(strings.ReplaceAll(html, "http://www.w3.org", ""), bad) {
			t.Errorf("HTML is not self-contained: has %q", bad)
		}
	}
}
