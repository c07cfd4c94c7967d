package cur

import (
	"context"
	"fmt"
	"strings"
)

// WriteParquetFixture writes the CUR 2.0 CSV at csvPath as a Parquet file
// the way Data Exports types it: timestamps, doubles, and product as a
// MAP(VARCHAR, VARCHAR). The flat product_instance_type and
// product_region_code become keys of product (instance_type,
// region_code), so that the Parquet fixture exercises the map.
func WriteParquetFixture(ctx context.Context, csvPath, out string) error {
	db, err := openDB(Options{Threads: 1})
	if err != nil {
		return err
	}
	defer db.close()
	hdr, err := csvHeader(csvPath, false)
	if err != nil {
		return err
	}
	kinds := map[string]kind{}
	for _, c := range columns {
		kinds[c.Name] = c.Kind
	}
	var sel []string
	for _, h := range hdr {
		id := quoteID(h)
		switch {
		case h == "product_instance_type" || h == "product_region_code":
		case h == "product":
			var entries []string
			for _, k := range []string{"operating_system", "tenancy", "pre_installed_sw", "product_name"} {
				entries = append(entries, fmt.Sprintf(`{'k': '%s', 'v': nullif(regexp_extract(product, '"%s":"([^"]*)"', 1), '')}`, k, k))
			}
			entries = append(entries, `{'k': 'instance_type', 'v': product_instance_type}`, `{'k': 'region_code', 'v': product_region_code}`)
			sel = append(sel, fmt.Sprintf("map_from_entries(list_filter([%s], e -> e.v IS NOT NULL)) AS product", strings.Join(entries, ", ")))
		case kinds[h] == kTime:
			sel = append(sel, fmt.Sprintf("CAST(%s AS TIMESTAMP) AS %s", id, id))
		case kinds[h] == kNumber:
			sel = append(sel, fmt.Sprintf("CAST(%s AS DOUBLE) AS %s", id, id))
		default:
			sel = append(sel, id)
		}
	}
	q := fmt.Sprintf("COPY (SELECT %s FROM read_csv(%s, header = true, all_varchar = true)) TO %s (FORMAT PARQUET)",
		strings.Join(sel, ", "), quoteLit(csvPath), quoteLit(out))
	_, err = db.db.ExecContext(ctx, q)
	return err
}

// WriteScaledCSV writes a CUR 2.0 CSV of the fixture's hourly rows
// repeated: hours copies of its four hours (hours ≤ 180, so that the
// RIFee's month covers them all) for accounts linked accounts, plus its
// monthly rows once. About 22 × hours × accounts rows.
func WriteScaledCSV(ctx context.Context, csvPath, out string, hours, accounts int) error {
	db, err := openDB(Options{})
	if err != nil {
		return err
	}
	defer db.close()
	hdr, err := csvHeader(csvPath, false)
	if err != nil {
		return err
	}
	var sel []string
	for _, h := range hdr {
		id := quoteID(h)
		switch h {
		case "line_item_usage_start_date", "line_item_usage_end_date":
			sel = append(sel, fmt.Sprintf("strftime(CAST(%s AS TIMESTAMP) + INTERVAL (4 * c) HOUR, '%%Y-%%m-%%dT%%H:%%M:%%S.000Z') AS %s", id, id))
		case "line_item_usage_account_id":
			sel = append(sel, fmt.Sprintf("CASE WHEN %s = '444455556666' THEN CAST(444455550000 + a AS VARCHAR) ELSE %s END AS %s", id, id, id))
		default:
			sel = append(sel, id)
		}
	}
	q := fmt.Sprintf(`COPY (
		SELECT %[1]s FROM read_csv(%[2]s, header = true, all_varchar = true), range(%[3]d) r(c), range(%[4]d) s(a)
		 WHERE line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation', 'SavingsPlanRecurringFee')
		   AND line_item_product_code <> 'AmazonS3'
		UNION ALL
		SELECT %[1]s FROM read_csv(%[2]s, header = true, all_varchar = true), range(1) r(c), range(1) s(a)
		 WHERE line_item_line_item_type NOT IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation', 'SavingsPlanRecurringFee')
		) TO %[5]s (FORMAT CSV, HEADER)`, strings.Join(sel, ", "), quoteLit(csvPath), hours/4, accounts, quoteLit(out))
	_, err = db.db.ExecContext(ctx, q)
	return err
}
