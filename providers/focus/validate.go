package focus

import (
	"fmt"
	"strings"
)

func valueKind(col string) string {
	c, _ := lookupColumn(col)
	switch c.Type {
	case colTimestamp:
		return "a timestamp (ISO 8601, e.g. 2024-01-01T00:00:00Z)"
	case colNumber:
		return "a finite decimal number"
	}
	return "a value"
}

// reconcileSplits checks the rows that split one consumption between a
// commitment and another price (same resource, SKU, charge period and
// consumed quantity; one row Committed, one not): their PricingQuantity
// must add up to the ConsumedQuantity when both are in the same unit.
// The FOCUS 1.2 flexibility example with one resource breaks this
// (0.333 + 0.75 ≠ 1). Only groups holding a candidate row are looked at.
func (l *loader) reconcileSplits(f *File, rel string) error {
	q := fmt.Sprintf(`
		WITH r AS (SELECT * FROM %s WHERE charge_category = 'Usage' AND resource_id IS NOT NULL),
		k AS (SELECT DISTINCT resource_id, sku_id, charge_period_start, charge_period_end, consumed_quantity FROM r WHERE %s),
		g AS (
			SELECT min(r.rec) AS rec, list(r.rec ORDER BY r.rec) AS recs, sum(r.pricing_quantity) AS pq, any_value(r.consumed_quantity) AS cq
			  FROM r JOIN k ON r.resource_id = k.resource_id AND r.sku_id IS NOT DISTINCT FROM k.sku_id
			       AND r.charge_period_start = k.charge_period_start AND r.charge_period_end = k.charge_period_end
			       AND r.consumed_quantity = k.consumed_quantity
			 GROUP BY r.resource_id, r.sku_id, r.charge_period_start, r.charge_period_end, r.consumed_quantity
			HAVING count(*) > 1 AND bool_or(r.pricing_category = 'Committed') AND bool_or(r.pricing_category IS DISTINCT FROM 'Committed')
			   AND abs(sum(r.pricing_quantity) - any_value(r.consumed_quantity)) > 1e-6 * greatest(1, abs(any_value(r.consumed_quantity))))
		SELECT rec, recs, pq, cq, count(*) OVER () FROM g ORDER BY rec LIMIT %d`, rel, splitCandidate, l.opt.MaxErrors)
	rows, err := l.d.db.QueryContext(l.ctx, q)
	if err != nil {
		return fmt.Errorf("focus: reading %s: checking split quantities: %w", f.Path, err)
	}
	defer rows.Close()
	var total int64
	for rows.Next() {
		var rec int64
		var recs []any
		var pq, cq float64
		if err := rows.Scan(&rec, &recs, &pq, &cq, &total); err != nil {
			return err
		}
		var lines []string
		for _, r := range recs {
			if n, ok := r.(int64); ok {
				lines = append(lines, fmt.Sprint(f.rowNumber(n)))
			}
		}
		l.errs = append(l.errs, &ValidationError{File: f.Path, Row: f.rowNumber(rec), Column: "PricingQuantity",
			Err: fmt.Errorf("quantities do not reconcile: the rows splitting one consumption between a commitment and another price (rows %s) have PricingQuantity adding up to %g, not the ConsumedQuantity %g",
				strings.Join(lines, ", "), pq, cq)})
	}
	l.total += total
	return rows.Err()
}
