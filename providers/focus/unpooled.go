package focus

import (
	"context"
	"fmt"
)

// Unpooled is a group of usage rows that make no pool, so that a plan can
// list what it does not plan for, with why, instead of dropping it.
type Unpooled struct {
	Provider string `json:"provider"`
	Service  string `json:"service"`
	Unit     string `json:"unit"`
	Rows     int64  `json:"rows"`
	// Cost is Σ EffectiveCost of the rows, in the billing currency.
	Cost   float64 `json:"cost"`
	Reason string  `json:"reason"`
}

// unpooledSQL groups the usage rows poolRowsSQL leaves without a pool.
// It reads the files again (Open keeps only the pooled aggregates).
var unpooledSQL = `
SELECT coalesce(provider_name, ''), coalesce(service0, ''), coalesce(unit0, ''), known, hourly,
       count(*), coalesce(sum(effective_cost), 0)
  FROM (SELECT *, ` + providerKindSQL + ` IS NOT NULL AS known, coalesce(unit0 IN (` + hourUnits + `), false) AS hourly
          FROM (` + poolRowsSQL("charges", []string{"provider_name", "charge_category", "cd_status", "effective_cost",
	// Expressions, not renames: poolRowsSQL evaluates these twice, on
	// the charges view and on its own projection.
	"coalesce(service_name, '') AS service0", "coalesce(consumed_unit, '') AS unit0"}) + `))
 WHERE pk IS NULL AND charge_category = 'Usage' AND cd_status IS DISTINCT FROM 'Unused'
 GROUP BY ALL
 ORDER BY 7 DESC, 1, 2, 3`

// Unpooled lists the usage rows (not a commitment's unused remainder)
// that make no pool, grouped by provider, service and consumed unit, most
// costly first, with the reason they make none.
func (d *Dataset) Unpooled(ctx context.Context) ([]Unpooled, error) {
	rows, err := d.db.QueryContext(ctx, unpooledSQL)
	if err != nil {
		return nil, fmt.Errorf("focus: listing usage without a pool: %w", err)
	}
	defer rows.Close()
	var out []Unpooled
	for rows.Next() {
		var u Unpooled
		var known, hourly bool
		if err := rows.Scan(&u.Provider, &u.Service, &u.Unit, &known, &hourly, &u.Rows, &u.Cost); err != nil {
			return nil, fmt.Errorf("focus: listing usage without a pool: %w", err)
		}
		switch {
		case !known:
			u.Reason = "the provider is not one Tranche plans for (AWS, Azure, GCP)"
		case !hourly && u.Unit == "":
			u.Reason = "no consumed quantity or unit"
		case !hourly:
			u.Reason = fmt.Sprintf("measured in %q, not in the hours commitments are sized in", u.Unit)
		default:
			u.Reason = "no instance type, VM size or machine series in the row (x_InstanceType, ChargeDescription, SkuPriceDetails)"
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
