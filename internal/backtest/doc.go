// Package backtest replays usage history to measure purchasing strategies
// against each other with the providers' real billing rules (DESIGN.md,
// "Measuring the answer").
//
// Run walks forward through the window [Start, End) one decision date at
// a time (monthly by default). At each date every strategy decides with
// only the data known then; its purchases join the commitments it owns;
// and the period up to the next date is billed by solver.Simulate on a
// problem that planner.BuildProblem builds from the period's actual usage
// and every commitment the strategy owns by then, including those owned
// at the start. The strategies:
//
//   - Tranche: internal/planner's plan from the history before the date;
//   - Recommender: the provider-style recommender (recommender.go): RIs
//     per set of pools, then one savings plan per provider, each the
//     amount that would have saved most over the lookback, 1-year no
//     upfront;
//   - Hindsight: the best purchases at the same dates knowing the actual
//     usage: one LP over the whole window, with a copy of every offering
//     per decision date active from that date to the end of its term or of
//     the window (hindsight.go) — the limit;
//   - None: buy nothing.
//
// Accounting: a commitment is charged for each backtest hour it is active,
// its upfront fee amortized over its term plus its recurring fee; the part
// of a term after End is charged to no strategy and reported as its
// liability at the end. Every figure is the simulator's; a strategy's
// total is the sum of its period bills, which a single simulation of the
// whole window reproduces (StrategyResult.AccountingCheck).
//
// ReadUsageTable reads the plain hourly usage table that lets traces other
// than FOCUS exports be replayed. docs/backtest.md describes the method,
// the table and the JSON schema.
package backtest
