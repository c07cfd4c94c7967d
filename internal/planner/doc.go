// Package planner turns what the provider adapters produce — usage series
// per pool, a price book, owned commitments — into the optimizer's
// problem, and the optimizer's answer back into the providers' terms.
//
// This is the first part of the planner: the deterministic problem over
// one usage path (BuildProblem). The plan command, forecasts and the
// backtest build on it.
package planner
