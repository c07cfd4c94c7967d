// Package solver turns hourly usage, offerings and owned commitments into
// the cheapest purchase of commitments, and proves the answer by billing it.
//
// It knows nothing of clouds: pools are usage vectors with an on-demand
// rate, offerings are capacity (Resource) or a currency amount per hour
// (Spend) that covers pools at given rates, and the provider's billing
// order is the offering's Tier. The planner maps the providers' products
// onto these terms (AWS: reserved instances tier 0, EC2 Instance Savings
// Plans tier 1, Compute Savings Plans tier 2; GCP: resource CUDs 0,
// flexible CUDs 1; Azure: reservations 0, savings plans 1).
//
// # The model (deterministic: one usage path, the "repeat" scenario)
//
// Sets: pools p; hours t (merged into classes c of identical hours with
// weights w_c, see Compression); sources s — each owned commitment and the
// purchase of each allowed offering k — with their active hours.
// Data: usage u_pc, on-demand rate d_p, for offering k the rate a_kp it
// consumes per unit-hour of pool p covered and the hourly cost
// h_k = upfront_k / term_k + recurring_k; the window W_k of a purchase, the
// hours [start_k, min(end_k, start_k + term_k, horizon)) in which it is
// active (Offering.Window: [0, min(horizon, term)) by default), and their
// number A_k = |W_k|.
// Variables: purchase x_k ≥ 0; coverage y_spc ≥ 0, only for the sources
// active in class c.
//
//	minimize   Σ_k h_k A_k x_k + Σ_c w_c Σ_p d_p (u_pc − Σ_s y_spc) + owned fees
//	subject to Σ_p a_kp y_spc ≤ x_k            (capacity of a purchase in a class of W_k)
//	           Σ_p a_kp y_spc ≤ x̄_s            (capacity of an owned commitment in its window)
//	           Σ_s y_spc ≤ u_pc                (demand)
//	           Σ_k upfront_k x_k ≤ U           (policy: upfront cash)
//	           Σ_{k: t ∈ W_k} h_k x_k ≤ H  ∀t  (policy: hourly commitment in every hour)
//	           Σ_c w_c Σ_{s,p} d_p y_spc ≤ γ·E (policy: coverage ceiling, E the eligible usage value)
//	           Σ_c w_c Σ_p a_kp y_kpc ≥ φ A_k x_k   (policy: utilization floor of each purchase)
//	           Σ_{k 3-year} h_k x_k ≤ θ Σ_k h_k x_k (policy: three-year share)
//
// A purchase whose term outlasts the horizon or its window's end is charged
// only for its active hours: under the repeat scenario the horizon stands
// for the rest of the term (the upfront fee is still paid in full, and
// counted in full against U). The hourly commitment row is needed only for
// the maximal sets of purchases active together, one per window start at
// most (concurrent); without windows every purchase is active in hour 0 and
// it is the single row Σ_k h_k x_k ≤ H.
//
// # Scenarios (the two-stage stochastic model)
//
// With Problem.Scenarios, the horizon's hours are the scenarios' blocks laid
// end to end: scenario s, with probability π_s, is H_s hours of usage
// u_ps·. The purchase x is the first stage, shared by every scenario; the
// coverage y is the second, per scenario. Windows are relative to each
// block's first hour, so every scenario sees the same commitments over its
// own hours: W_ks is W_k read in block s, A_ks its hours there. Each
// scenario's cost is
//
//	C_s = Σ_k h_k A_ks x_k + owned fees_s + Σ_{c in s} n_c Σ_p d_p (u_pc − Σ_s' y_s'pc)
//
// (n_c the hours class c stands for), and the objective is the expected cost
// Σ_s π_s C_s: the model above with class weights w_c = π_s·n_c and
// A_k = Σ_s π_s A_ks. Without scenarios there is one, with π = 1. Every
// money figure (Objective, Bound, the bills, the lines, Binding values) is
// the expectation; Bill.Scenarios holds each scenario's own bill.
//
// Risk rows, each optional (Policy), with β = CVaRLevel (default 0.9):
//
//	η + 1/(1−β) Σ_s π_s z_s ≤ ρ,  z_s ≥ C_s − C⁰_s − η,  z_s ≥ 0
//	    (MaxCVaRRegret: CVaR_β of the regret C_s − C⁰_s ≤ ρ, Rockafellar &
//	    Uryasev 2000; C⁰_s is scenario s's cost buying nothing new, its
//	    owned commitments billed by the fill, the LP's optimum at x = 0
//	    where the billing rule allocates optimally)
//	Σ_k h_k (A_k x_k − U_k) ≤ ω Σ_k h_k A_k x_k
//	    (MaxExpectedWasteShare; U_k = Σ_c w_c Σ_p a_kp y_kpc the capacity
//	    of purchase k used, in expectation)
//	η' + 1/(1−β) Σ_s π_s z'_s ≤ 0,  z'_s ≥ (F_s − V_s) − ω' F_s − η',  z'_s ≥ 0
//	    (MaxTailWasteShare: CVaR_β over the scenarios of the unused fees
//	    beyond the share, F_s = Σ_k h_k A_ks x_k the new fees in s and V_s
//	    their used part; with equally long scenarios F_s is the same in
//	    every one, and this is CVaR_β of the unused share ≤ ω')
//	Σ_{c in s*} n_c Σ_p a_kp y_kpc ≥ φ A_ks* x_k   ∀k
//	    (UtilizationFloorPercentile: the floor also in scenario s*, the one
//	    at that percentile of total usage, ranked by on-demand value)
//	Σ_{k expiring in month m} h_k x_k ≤ max(0, L − owned expiring in m)  ∀m
//	    (MaxExpiringPerMonth, laddering: 730-hour months of the horizon)
//
// # Solving
//
// Exact compression comes first: hours with identical usage vectors merge
// into one class with a weight, but only inside segments where no source
// starts or ends; groups of pools that no offering links are solved apart
// when no policy row couples them. Small models are solved directly
// (solveDirect) with CLP through package lp. At fleet size (a thousand
// pools × 8,760 hours is tens of millions of coverage columns) the problem
// is decomposed (solveBenders): the master holds the purchases, and each
// hour's subproblem is the billing fill, solved greedily in O(covers) with
// its subgradient from a backward pass (compiled.fill). The direct LP is the
// reference the decomposition is tested against. With scenarios, segments
// never cross a scenario's block, the Benders cut groups are per scenario,
// and the CVaR-of-regret rows sit in the master with each scenario's
// on-demand cost read from its groups' epigraph variables (a relaxation
// that tightens as cuts accumulate; a candidate is made the incumbent only
// when the fill shows it within the limit). The waste rows depend on the
// allocation, which the cuts do not describe: Auto solves them directly and
// Benders refuses them (ErrUnsupported).
//
// # The bill and the model
//
// Simulate applies the providers' rule: by tier, and inside a savings plan
// to the usage with the highest discount first. That allocation is optimal
// for the LP when the tiers nest (a lower tier covers a subset of a higher
// tier's pools, as RIs, EC2 Instance Savings Plans and Compute Savings
// Plans do) and the discount orders of nested offerings agree; then the
// simulated cost of the LP's purchase equals its objective. When they do
// not agree (a pool with the deepest EC2 Instance SP discount but a shallow
// Compute SP one) the bill is worse than the LP's allocation, Result.ModelGap
// reports by how much, and the Benders cuts built from the fill may no
// longer bound the optimum from below; TestModelGap shows such a case.
//
// # Whole instances
//
// Offerings with an Increment (reserved instances: 1) are rounded down,
// greedily repaired, the offerings bought in any amount are re-optimized
// around them, and the result is checked against the policy on the bill
// (roundRepair). Result.RoundingGap is the saving given up.
package solver
