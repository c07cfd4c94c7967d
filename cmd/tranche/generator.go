package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/scenarios"
)

// genFlags are the scenario generator's flags, shared by plan, backtest
// and scenario compare.
type genFlags struct {
	noBreaks bool
	moves    float64
}

func (g *genFlags) register(f *pflag.FlagSet) {
	f.BoolVar(&g.noBreaks, "no-trend-breaks", false, "scenarios: continue every fitted trend to the horizon, with no future trend breaks (docs/scenarios.md)")
	f.Float64Var(&g.moves, "generation-moves", scenarios.DefaultMoveChance,
		"scenarios: chance that usage of a family with a newer generation in the price book moves to it within a year; 0 draws no moves (docs/scenarios.md)")
}

// generator is the scenario generator the flags ask for, finding newer
// generations in the book.
func (g *genFlags) generator(cmd string, book *providers.PriceBook, n int, seed uint64) (*scenarios.Generator, error) {
	if !(g.moves >= 0 && g.moves < 1) {
		return nil, usageError{fmt.Errorf("%s: --generation-moves %v: want a probability from 0 to under 1", cmd, g.moves)}
	}
	gen := &scenarios.Generator{Scenarios: n, Seed: seed, NoBreaks: g.noBreaks, MoveChance: g.moves, NoMoves: g.moves == 0}
	if !gen.NoMoves {
		gen.Successors = scenarios.Successors(book)
	}
	return gen, nil
}
