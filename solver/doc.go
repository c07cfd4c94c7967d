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
// reference the decomposition is tested against.
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
