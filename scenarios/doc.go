// Package scenarios makes the stochastic forecast scenarios of a plan from
// the usage history, and reads finance's assumptions (growth ranges,
// planned events, caps, cost of capital) from YAML files.
//
// Generator implements planner.Forecaster. For each pool it fits, on the
// last FitWindow of history (whole weeks, P = 168 hours),
//
//	y_h = L(h) · S(h mod P) · (1 + ε_h)
//
// where L is a trend fitted by least squares to the K weekly means — a
// straight line, or a continuous line with one change of slope when an F
// test prefers it — S the hour-of-week profile Σ y / Σ L per hour of the
// week, normalized to mean 1, and ε the relative residuals (≥ −1 since
// y ≥ 0). Scenario s draws z_s ~ N(0, 1) and, for every horizon week b, one
// residual week k_{s,b} ∈ {0..K−1} shared by all pools, and sets
//
//	u_s(j) = max(0, L(n) + (β + z_s·σ_β)·j) · S(j mod P) · (1 + ε_{k_{s,⌊j/P⌋}·P + j mod P})
//
// with β the last trend segment's slope and σ_β its standard error: growth
// varies as the history's own trend is uncertain, pools move together, and
// usage is never negative. Pools idle for IdleAfter stay at zero; a
// migration in progress (two pools of one region and service whose trends
// run opposite while their sum stays on trend) is continued: the falling
// pool follows its trend to zero, the rising one the pair's trend minus
// the falling one. Growth rules then bound or replace the growth, and the
// planned events of the Assumptions are applied in order.
//
// docs/scenarios.md describes the method, every parameter and its
// default, the YAML fields, and a worked example on the demo data set.
package scenarios
