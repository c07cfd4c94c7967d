package report

import (
	"math"
	"time"

	"github.com/tranchehq/tranche/providers/focus"
)

// SchemaVersion identifies the JSON layout of a Report. It changes when a
// field is removed or changes meaning; adding a field keeps it.
const SchemaVersion = "tranche.report/v1"

// Report is everything `tranche report` shows. Amounts are in Currency,
// rounded to the cent once, when the report is built; ratios are fractions
// (0.75 = 75 %), rounded to 6 decimals, null when undefined (0/0).
type Report struct {
	Schema   string    `json:"schema"`
	AsOf     time.Time `json:"as_of"`
	Currency string    `json:"currency"`
	// Start and End bound the charge periods of the input, [Start, End).
	Start       time.Time              `json:"start"`
	End         time.Time              `json:"end"`
	Rows        int64                  `json:"rows"`
	Inputs      []focus.File           `json:"inputs"`
	Summary     Metrics                `json:"summary"`
	Groups      []Group                `json:"groups"`
	Commitments []CommitmentUse        `json:"commitments"`
	Expiries    []Expiry               `json:"expiries"`
	Invariants  []focus.Reconciliation `json:"invariants"`
	Notices     []focus.Notice         `json:"notices"`
}

// Dimensions a report is grouped by, in display order.
var Dimensions = []string{"provider", "billing_account", "sub_account", "service", "region", "day", "month"}

// Group is the metrics of one value of one dimension ("region" =
// "us-east-1").
type Group struct {
	Dimension string  `json:"dimension"`
	Key       string  `json:"key"` // "(none)" for rows without a value
	Metrics   Metrics `json:"metrics"`
}

// Metrics are the figures of docs/metrics.md for a set of charge rows.
type Metrics struct {
	// EligibleCost is the on-demand-equivalent cost (ContractedCost, else
	// ListCost) of eligible usage; CoveredCost the part of it at committed
	// prices.
	EligibleCost float64  `json:"eligible_cost"`
	CoveredCost  float64  `json:"covered_cost"`
	Coverage     *float64 `json:"coverage"`
	// UsedCommitmentCost and UnusedCommitmentCost are the amortized costs
	// (EffectiveCost) of Used and Unused rows.
	UsedCommitmentCost   float64  `json:"used_commitment_cost"`
	UnusedCommitmentCost float64  `json:"unused_commitment_cost"`
	Utilization          *float64 `json:"utilization"`
	// EffectiveCost is what eligible usage really cost, unused commitment
	// included; ListCost the list price of eligible usage.
	EffectiveCost float64 `json:"effective_cost"`
	ListCost      float64 `json:"list_cost"`
	// ESRContracted and ESRList are the effective savings rate against
	// contracted (on-demand-equivalent) and against list cost.
	ESRContracted *float64 `json:"esr_vs_contracted"`
	ESRList       *float64 `json:"esr_vs_list"`
	// Waste is the unused commitment cost (= UnusedCommitmentCost).
	Waste float64 `json:"waste"`
	// NetSavings is EligibleCost − EffectiveCost: what commitments saved
	// after their waste.
	NetSavings float64 `json:"net_savings"`
	// BilledCost and TotalEffectiveCost are over all rows (any category),
	// for context.
	BilledCost         float64 `json:"billed_cost"`
	TotalEffectiveCost float64 `json:"total_effective_cost"`
}

// CommitmentUse is one commitment's use over the input period.
type CommitmentUse struct {
	focus.CommitmentRecord
	UsedCost   float64 `json:"used_cost"`
	UnusedCost float64 `json:"unused_cost"`
	// UsedQuantity and UnusedQuantity are Σ CommitmentDiscountQuantity of
	// Used and Unused rows (usage commitments).
	UsedQuantity   float64 `json:"used_quantity"`
	UnusedQuantity float64 `json:"unused_quantity"`
	// Utilization is used / (used + unused): quantities for usage
	// commitments, amortized cost for spend commitments (UtilizationBasis).
	Utilization      *float64 `json:"utilization"`
	UtilizationBasis string   `json:"utilization_basis"` // "quantity" or "cost"
	// NetSavings is the on-demand-equivalent cost of the usage it covered
	// minus its amortized cost (used + unused).
	NetSavings float64 `json:"net_savings"`
}

// Expiry is a commitment whose term ends within 90 days of AsOf.
type Expiry struct {
	CommitmentID string    `json:"commitment_id"`
	End          time.Time `json:"end"`
	// Within is 30, 60 or 90: the smallest window holding End.
	Within int `json:"within_days"`
	// HourlyCost is the amortized cost per hour that ends with it.
	HourlyCost float64 `json:"hourly_cost"`
}

// money rounds an amount to the cent. It is the only place amounts are
// rounded.
func money(x float64) float64 {
	r := math.Round(x*100) / 100
	if r == 0 {
		return 0 // no -0
	}
	return r
}

// fine rounds an hourly rate or a quantity to 6 decimals.
func fine(x float64) float64 {
	r := math.Round(x*1e6) / 1e6
	if r == 0 {
		return 0
	}
	return r
}

// ratio rounds a fraction to 6 decimals; nil stays nil.
func ratio(x *float64) *float64 {
	if x == nil || math.IsNaN(*x) || math.IsInf(*x, 0) {
		return nil
	}
	r := math.Round(*x*1e6) / 1e6
	return &r
}
