package focus

import (
	"context"
	"fmt"
	"math"
)

// Reconciliation checks DESIGN.md's FOCUS invariants for one commitment:
// the amortized cost (EffectiveCost) of its usage rows equals the billed
// cost of its purchase rows, and equals its Used + Unused amortized cost.
type Reconciliation struct {
	CommitmentID string `json:"commitment_id"`
	// AmortizedUsage is Σ EffectiveCost of the usage rows carrying the
	// commitment's ID (any status).
	AmortizedUsage float64 `json:"amortized_usage_cost"`
	// PurchaseBilled is Σ BilledCost of its purchase rows.
	PurchaseBilled float64 `json:"purchase_billed_cost"`
	// UsedPlusUnused is Σ EffectiveCost of its usage rows with status Used
	// or Unused.
	UsedPlusUnused float64 `json:"used_plus_unused_cost"`
	PurchaseRows   int64   `json:"purchase_rows"`
	// Status is "reconciled", "differs", or "no purchase rows" (the input
	// does not contain the purchase, so only the second equality is
	// checked).
	Status string `json:"status"`
}

// Tolerance is the absolute difference, in the billing currency, under
// which two amounts reconcile: half a cent.
const Tolerance = 0.005

// Reconcile checks the FOCUS invariants for every commitment in the data.
// Over a window that does not hold the whole term of an upfront purchase
// the first equality cannot hold; Status then says "differs" and the
// amounts show by how much.
func (d *Dataset) Reconcile(ctx context.Context) ([]Reconciliation, error) {
	rows, err := d.db.QueryContext(ctx, `
		SELECT cd_id,
		       coalesce(sum(effective_cost) FILTER (WHERE charge_category = 'Usage'), 0),
		       coalesce(sum(billed_cost) FILTER (WHERE charge_category = 'Purchase'), 0),
		       coalesce(sum(effective_cost) FILTER (WHERE charge_category = 'Usage' AND cd_status IN ('Used', 'Unused')), 0),
		       count(*) FILTER (WHERE charge_category = 'Purchase')
		  FROM charges WHERE cd_id IS NOT NULL GROUP BY cd_id ORDER BY cd_id`)
	if err != nil {
		return nil, fmt.Errorf("focus: reconciling commitments: %w", err)
	}
	defer rows.Close()
	var out []Reconciliation
	for rows.Next() {
		var r Reconciliation
		if err := rows.Scan(&r.CommitmentID, &r.AmortizedUsage, &r.PurchaseBilled, &r.UsedPlusUnused, &r.PurchaseRows); err != nil {
			return nil, fmt.Errorf("focus: reconciling commitments: %w", err)
		}
		same := math.Abs(r.AmortizedUsage-r.UsedPlusUnused) < Tolerance
		switch {
		case r.PurchaseRows == 0 && same:
			r.Status = "no purchase rows"
		case same && math.Abs(r.AmortizedUsage-r.PurchaseBilled) < Tolerance:
			r.Status = "reconciled"
		default:
			r.Status = "differs"
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
