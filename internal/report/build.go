package report

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/tranchehq/tranche/providers/focus"
)

// Options tune Build.
type Options struct {
	// AsOf is the moment expiries are counted from; zero means the end of
	// the last charge period in the input (so that the same input gives
	// the same report).
	AsOf time.Time
}

// metricsSQL is the aggregate of docs/metrics.md over the facts view,
// grouped by every dimension at once (GROUPING SETS: one scan).
const metricsSQL = `
WITH x AS (
	SELECT *, CAST(date_trunc('day', charge_period_start) AS DATE) AS day,
	       strftime(charge_period_start, '%Y-%m') AS month
	  FROM facts
), a AS (
	SELECT grouping(provider_name, billing_account_id, sub_account_id, service_name, region_id, day, month) AS gid,
	       provider_name, billing_account_id, sub_account_id, service_name, region_id, CAST(day AS VARCHAR) AS day, month,
	       coalesce(sum(od) FILTER (WHERE eligible), 0) AS eligible_cost,
	       coalesce(sum(od) FILTER (WHERE eligible AND used), 0) AS covered_cost,
	       coalesce(sum(effective_cost) FILTER (WHERE used), 0) AS used_cost,
	       coalesce(sum(effective_cost) FILTER (WHERE unused), 0) AS unused_cost,
	       coalesce(sum(effective_cost) FILTER (WHERE eligible OR unused), 0) AS eff,
	       coalesce(sum(list_cost) FILTER (WHERE eligible), 0) AS list,
	       coalesce(sum(billed_cost), 0) AS billed,
	       coalesce(sum(effective_cost), 0) AS total_eff
	  FROM x
	 GROUP BY GROUPING SETS ((), (provider_name), (billing_account_id), (sub_account_id), (service_name), (region_id), (day), (month))
)
SELECT gid, coalesce(provider_name, billing_account_id, sub_account_id, service_name, region_id, day, month, '(none)'),
       eligible_cost, covered_cost, covered_cost / nullif(eligible_cost, 0),
       used_cost, unused_cost, used_cost / nullif(used_cost + unused_cost, 0),
       eff, list, (eligible_cost - eff) / nullif(eligible_cost, 0), (list - eff) / nullif(list, 0),
       unused_cost, eligible_cost - eff, billed, total_eff
  FROM a`

// gidDimension maps DuckDB's grouping() bitmask (first argument = highest
// bit; a set bit means "not grouped by") to the dimension.
var gidDimension = map[int64]string{
	0b1111111: "overall",
	0b0111111: "provider",
	0b1011111: "billing_account",
	0b1101111: "sub_account",
	0b1110111: "service",
	0b1111011: "region",
	0b1111101: "day",
	0b1111110: "month",
}

const commitmentUseSQL = `
WITH c AS (
SELECT cd_id,
       coalesce(sum(effective_cost) FILTER (WHERE used), 0) AS uc,
       coalesce(sum(effective_cost) FILTER (WHERE unused), 0) AS xc,
       coalesce(sum(cd_quantity) FILTER (WHERE used), 0) AS uq,
       coalesce(sum(cd_quantity) FILTER (WHERE unused), 0) AS xq,
       coalesce(any_value(cd_category) = 'Usage' AND count(cd_quantity) FILTER (WHERE used OR unused) > 0, false) AS by_qty,
       coalesce(sum(od) FILTER (WHERE used), 0) - coalesce(sum(effective_cost) FILTER (WHERE used OR unused), 0) AS net,
       coalesce(sum(effective_cost) FILTER (WHERE (used OR unused)), 0)
         / nullif(count(DISTINCT charge_period_start) FILTER (WHERE used OR unused), 0) AS hourly
  FROM facts WHERE cd_id IS NOT NULL GROUP BY cd_id
)
SELECT *, CASE WHEN by_qty THEN uq / nullif(uq + xq, 0) ELSE uc / nullif(uc + xc, 0) END FROM c ORDER BY cd_id`

// Build computes the report of a loaded dataset.
func Build(ctx context.Context, d *focus.Dataset, opt Options) (*Report, error) {
	r := &Report{Schema: SchemaVersion, Currency: d.Currency, Rows: d.Rows, Inputs: d.Files,
		Notices: d.Notices, Groups: []Group{}, Commitments: []CommitmentUse{}, Expiries: []Expiry{}}
	var start, end sql.NullTime
	if err := d.QueryRowContext(ctx, "SELECT min(charge_period_start), max(charge_period_end) FROM charges").Scan(&start, &end); err != nil {
		return nil, fmt.Errorf("report: period: %w", err)
	}
	r.Start, r.End = start.Time.UTC(), end.Time.UTC()
	r.AsOf = opt.AsOf.UTC()
	if opt.AsOf.IsZero() {
		r.AsOf = r.End
	}
	if err := r.metrics(ctx, d); err != nil {
		return nil, err
	}
	hourly, err := r.commitments(ctx, d)
	if err != nil {
		return nil, err
	}
	for _, c := range r.Commitments {
		if !c.EndKnown || !c.End.After(r.AsOf) {
			continue
		}
		days := c.End.Sub(r.AsOf).Hours() / 24
		for _, w := range []int{30, 60, 90} {
			if days <= float64(w) {
				r.Expiries = append(r.Expiries, Expiry{CommitmentID: c.ID, End: c.End, Within: w, HourlyCost: money(hourly[c.ID])})
				break
			}
		}
	}
	sort.SliceStable(r.Expiries, func(i, j int) bool { return r.Expiries[i].End.Before(r.Expiries[j].End) })
	if r.Invariants, err = d.Reconcile(ctx); err != nil {
		return nil, err
	}
	for i := range r.Invariants {
		v := &r.Invariants[i]
		v.AmortizedUsage, v.PurchaseBilled, v.UsedPlusUnused = money(v.AmortizedUsage), money(v.PurchaseBilled), money(v.UsedPlusUnused)
	}
	if r.Invariants == nil {
		r.Invariants = []focus.Reconciliation{}
	}
	if r.Notices == nil {
		r.Notices = []focus.Notice{}
	}
	return r, nil
}

func (r *Report) metrics(ctx context.Context, d *focus.Dataset) error {
	rows, err := d.QueryContext(ctx, metricsSQL)
	if err != nil {
		return fmt.Errorf("report: metrics: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var gid int64
		var key string
		var m Metrics
		var cov, util, esrC, esrL sql.NullFloat64
		if err := rows.Scan(&gid, &key, &m.EligibleCost, &m.CoveredCost, &cov, &m.UsedCommitmentCost, &m.UnusedCommitmentCost, &util,
			&m.EffectiveCost, &m.ListCost, &esrC, &esrL, &m.Waste, &m.NetSavings, &m.BilledCost, &m.TotalEffectiveCost); err != nil {
			return fmt.Errorf("report: metrics: %w", err)
		}
		m.Coverage, m.Utilization, m.ESRContracted, m.ESRList = ratio(nullable(cov)), ratio(nullable(util)), ratio(nullable(esrC)), ratio(nullable(esrL))
		for _, p := range []*float64{&m.EligibleCost, &m.CoveredCost, &m.UsedCommitmentCost, &m.UnusedCommitmentCost, &m.EffectiveCost,
			&m.ListCost, &m.Waste, &m.NetSavings, &m.BilledCost, &m.TotalEffectiveCost} {
			*p = money(*p)
		}
		dim, ok := gidDimension[gid]
		if !ok {
			return fmt.Errorf("report: metrics: unexpected grouping %b", gid)
		}
		if dim == "overall" {
			r.Summary = m
			continue
		}
		r.Groups = append(r.Groups, Group{Dimension: dim, Key: key, Metrics: m})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report: metrics: %w", err)
	}
	rank := map[string]int{}
	for i, dname := range Dimensions {
		rank[dname] = i
	}
	sort.Slice(r.Groups, func(i, j int) bool {
		a, b := r.Groups[i], r.Groups[j]
		if a.Dimension != b.Dimension {
			return rank[a.Dimension] < rank[b.Dimension]
		}
		return a.Key < b.Key
	})
	return nil
}

func (r *Report) commitments(ctx context.Context, d *focus.Dataset) (map[string]float64, error) {
	recs, err := d.Commitments(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[string]focus.CommitmentRecord{}
	for _, c := range recs {
		byID[c.ID] = c
	}
	rows, err := d.QueryContext(ctx, commitmentUseSQL)
	if err != nil {
		return nil, fmt.Errorf("report: commitments: %w", err)
	}
	defer rows.Close()
	hourly := map[string]float64{}
	for rows.Next() {
		var id string
		var u CommitmentUse
		var byQty bool
		var h, util sql.NullFloat64
		if err := rows.Scan(&id, &u.UsedCost, &u.UnusedCost, &u.UsedQuantity, &u.UnusedQuantity, &byQty, &u.NetSavings, &h, &util); err != nil {
			return nil, fmt.Errorf("report: commitments: %w", err)
		}
		u.CommitmentRecord = byID[id]
		u.UtilizationBasis = "cost"
		if byQty {
			u.UtilizationBasis = "quantity"
		}
		u.Utilization = ratio(nullable(util))
		u.UsedCost, u.UnusedCost, u.NetSavings = money(u.UsedCost), money(u.UnusedCost), money(u.NetSavings)
		u.UpfrontFee = money(u.UpfrontFee)
		// Hourly fees and quantities keep sub-cent precision, rounded so
		// that DuckDB's parallel summation order does not show.
		u.RecurringHourlyFee, u.Quantity = fine(u.RecurringHourlyFee), fine(u.Quantity)
		u.UsedQuantity, u.UnusedQuantity = fine(u.UsedQuantity), fine(u.UnusedQuantity)
		hourly[id] = h.Float64
		r.Commitments = append(r.Commitments, u)
	}
	return hourly, rows.Err()
}

func nullable(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	v := n.Float64
	if v == 0 {
		v = 0 // no negative zero (0 / a negative sum) in the output
	}
	return &v
}
