// Package lp builds sparse linear programs and solves them with COIN-OR CLP.
//
// # The problem
//
// A Model is
//
//	minimise    cᵀx + offset
//	subject to  L ≤ A·x ≤ U        (rows)
//	            l ≤ x ≤ u          (columns)
//
// with A stored as (row, column, value) triplets, duplicates summed. There is
// no maximisation: negate the costs. Units are whatever the caller's are; the
// commitment model works in USD and hours.
//
// # Infinity
//
// A missing bound is math.Inf(-1) or math.Inf(1). Like CLP, any bound of
// magnitude ≥ 1e30 counts as infinite. Costs, coefficients and the offset
// must be finite and at most MaxMagnitude (1e20) in magnitude (Validate):
// CLP aborts the process on larger objective coefficients.
//
// # Signs of the duals
//
// For the minimisation above, Solution.Dual (y, one per row) and
// Solution.ReducedCost (d, one per column) satisfy
//
//	d = c − Aᵀy
//
// and at an optimum: y_i ≥ 0 if row i is at its lower bound L_i, y_i ≤ 0 if
// at its upper bound U_i, y_i = 0 if strictly between (an equality row may
// have either sign); likewise d_j ≥ 0 at l_j, d_j ≤ 0 at u_j, 0 in between.
// y_i is the change of the optimal objective per unit increase of the active
// bound of row i (a shadow price), so a binding capacity row
// Σ y ≤ capacity has y ≤ 0: more capacity, lower cost. Strong duality reads
//
//	cᵀx + offset = Σ_i y_i·(L_i if y_i > 0 else U_i) + Σ_j d_j·(l_j if d_j > 0 else u_j) + offset
//
// which the tests check on random problems.
//
// # Tolerances and the post-solve check
//
// CLP works to its default primal and dual tolerances (1e-7, on the scaled
// problem). Solve does not take CLP's word for optimality: it recomputes A·x
// in Go from the model's own triplets and checks every row and column bound.
// A bound b is met by value v when v is within FeasibilityTol·max(1, |b|) of
// it (default 1e-6: absolute for small bounds, relative for large ones).
// Solution.MaxViolation is the largest such scaled violation found. It also
// recomputes the reduced costs c − Aᵀy from CLP's duals and checks their
// signs against where each column sits (Solution.MaxDualViolation, same
// tolerance, relative to max(1, |c_j|)). A failed check first triggers a
// primal simplex clean-up pass and then ErrNumerical; a Problem whose warm
// start fails the check is reloaded and solved once from scratch.
//
// CLP's scaling is switched off: its automatic scaling mishandles columns
// without coefficients (wrong "infeasible" verdicts, wrong warm starts,
// aborts). Models with badly scaled data should be scaled by the caller.
//
// # Time limits and cancellation
//
// CLP has no callback for cancellation in its C interface, so the simplex
// runs in chunks of iterations: 1,000, then each chunk twice the last, up
// to 65,536. Between chunks the context and the wall-clock deadline
// (Options.TimeLimit or the context's, whichever is sooner) are checked,
// and the next chunk resumes from the current basis. A cancelled context
// therefore takes effect within about the time the solve has already taken
// (1,000 iterations at first, 65,536 at most). The chunks are counted,
// never sized by the clock: CLP takes another path when stopped at another
// iteration, so that without a deadline the same model gives the same
// solution, bit for bit, every run (TestReproducible). CLP's own
// time limit, set only when there is a deadline, measures process CPU time
// and so fires early when other solves run at the same time; the loop then
// simply continues until the wall-clock deadline. A solve under a deadline
// can therefore stop at other points from run to run, and its answer
// differ in the last bits.
//
// Barrier runs as a single call bounded only by CLP's time limit
// (cancellation is seen when it returns); crossover is part of it, and any
// remaining work is finished by the primal simplex in chunks.
//
// Barrier caveat: CLP's interior point code uses a dense Cholesky factor in
// this build (16 s on the 20,000 × 10,000 benchmark, against 0.5 s for the
// dual simplex) and has been seen to abort the process ("primal off to
// infinity") on tiny degenerate models while fuzzing. Prefer DualSimplex.
//
// # Concurrency
//
// Every Solve and every Problem owns its own CLP object; CLP keeps no shared
// mutable state on the paths used here (its SIGINT handler, the one global,
// is disabled), so solves run in parallel without locking. Models are plain
// Go data: build separate Models from separate goroutines freely, and share a
// Model between concurrent Solves as long as nobody mutates it.
package lp
