package cur

import (
	"database/sql"
	"fmt"
	"strings"
)

// outColumns are the FOCUS columns written, in order, with their types.
// docs/cur.md gives the rule behind each.
var outColumns = []struct{ name, typ string }{
	{"ProviderName", "VARCHAR"}, {"PublisherName", "VARCHAR"}, {"InvoiceIssuerName", "VARCHAR"},
	{"BillingAccountId", "VARCHAR"}, {"BillingAccountName", "VARCHAR"}, {"SubAccountId", "VARCHAR"}, {"SubAccountName", "VARCHAR"},
	{"BillingCurrency", "VARCHAR"}, {"BillingPeriodStart", "TIMESTAMP"}, {"BillingPeriodEnd", "TIMESTAMP"},
	{"ChargePeriodStart", "TIMESTAMP"}, {"ChargePeriodEnd", "TIMESTAMP"}, {"ChargeCategory", "VARCHAR"},
	{"ChargeFrequency", "VARCHAR"}, {"ChargeDescription", "VARCHAR"}, {"PricingCategory", "VARCHAR"},
	{"ServiceName", "VARCHAR"}, {"ServiceCategory", "VARCHAR"}, {"RegionId", "VARCHAR"}, {"ResourceId", "VARCHAR"},
	{"SkuId", "VARCHAR"}, {"SkuPriceId", "VARCHAR"},
	{"BilledCost", "DOUBLE"}, {"EffectiveCost", "DOUBLE"}, {"ListCost", "DOUBLE"}, {"ListUnitPrice", "DOUBLE"},
	{"ContractedCost", "DOUBLE"}, {"ContractedUnitPrice", "DOUBLE"},
	{"ConsumedQuantity", "DOUBLE"}, {"ConsumedUnit", "VARCHAR"}, {"PricingQuantity", "DOUBLE"}, {"PricingUnit", "VARCHAR"},
	{"CommitmentDiscountId", "VARCHAR"}, {"CommitmentDiscountName", "VARCHAR"}, {"CommitmentDiscountType", "VARCHAR"},
	{"CommitmentDiscountCategory", "VARCHAR"}, {"CommitmentDiscountStatus", "VARCHAR"},
	{"CommitmentDiscountQuantity", "DOUBLE"}, {"CommitmentDiscountUnit", "VARCHAR"},
	{"x_InstanceType", "VARCHAR"}, {"x_UsageType", "VARCHAR"}, {"x_Operation", "VARCHAR"}, {"x_ServiceCode", "VARCHAR"},
	{"x_LineItemType", "VARCHAR"}, {"x_LineItemDescription", "VARCHAR"}, {"x_SourceRow", "BIGINT"},
}

// selectFOCUS writes a SELECT of every output column: the expressions
// given, NULL for the others, and ord (the order of rows that share a
// source row).
func selectFOCUS(exprs map[string]string, ord int, from string) string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, c := range outColumns {
		if i > 0 {
			b.WriteString(", ")
		}
		e, ok := exprs[c.name]
		if !ok {
			e = "NULL"
		}
		fmt.Fprintf(&b, "CAST(%s AS %s) AS %s", e, c.typ, c.name)
		delete(exprs, c.name)
	}
	if len(exprs) > 0 {
		panic(fmt.Sprintf("cur: unknown output columns %v", exprs))
	}
	fmt.Fprintf(&b, ", %d AS ord FROM %s", ord, from)
	return b.String()
}

// common are the columns every row derived from CUR row m shares.
func common() map[string]string {
	return map[string]string{
		"ProviderName": "'AWS'", "PublisherName": "'Amazon Web Services'",
		"InvoiceIssuerName": "coalesce(invoicing, 'Amazon Web Services')",
		"BillingAccountId":  "payer", "BillingAccountName": "payer_name",
		"SubAccountId": "acct", "SubAccountName": "acct_name", "BillingCurrency": "cur",
		"BillingPeriodStart": "bps", "BillingPeriodEnd": "bpe",
		"ServiceName": serviceNameSQL, "ServiceCategory": serviceCategorySQL, "RegionId": "region",
		"x_UsageType": "utype", "x_Operation": "op", "x_ServiceCode": "pcode", "x_LineItemType": "lt",
		"x_LineItemDescription": "descr", "x_SourceRow": "rownum",
	}
}

const serviceNameSQL = `CASE pcode
	WHEN 'AmazonEC2' THEN 'Amazon Elastic Compute Cloud'
	WHEN 'AmazonRDS' THEN 'Amazon Relational Database Service'
	WHEN 'AmazonElastiCache' THEN 'Amazon ElastiCache'
	WHEN 'AmazonES' THEN 'Amazon OpenSearch Service'
	WHEN 'AmazonRedshift' THEN 'Amazon Redshift'
	WHEN 'AmazonS3' THEN 'Amazon Simple Storage Service'
	WHEN 'ComputeSavingsPlans' THEN 'Savings Plans for AWS Compute usage'
	ELSE coalesce(p_name, pcode) END`

const serviceCategorySQL = `CASE pcode
	WHEN 'AmazonEC2' THEN 'Compute' WHEN 'ComputeSavingsPlans' THEN 'Compute' WHEN 'AWSLambda' THEN 'Compute'
	WHEN 'AmazonECS' THEN 'Compute' WHEN 'AmazonEKS' THEN 'Compute'
	WHEN 'AmazonRDS' THEN 'Databases' WHEN 'AmazonDynamoDB' THEN 'Databases' WHEN 'AmazonElastiCache' THEN 'Databases'
	WHEN 'AmazonRedshift' THEN 'Analytics' WHEN 'AmazonES' THEN 'Analytics'
	WHEN 'AmazonS3' THEN 'Storage' WHEN 'AmazonEFS' THEN 'Storage'
	WHEN 'AWSDataTransfer' THEN 'Networking' WHEN 'AmazonCloudFront' THEN 'Networking' WHEN 'AmazonVPC' THEN 'Networking'
	ELSE 'Other' END`

// sizeFactorMacro is AWS's normalization factor of an instance size.
const sizeFactorMacro = `CREATE MACRO sf(it) AS CASE split_part(it, '.', 2)
	WHEN 'nano' THEN 0.25 WHEN 'micro' THEN 0.5 WHEN 'small' THEN 1 WHEN 'medium' THEN 2
	WHEN 'large' THEN 4 WHEN 'xlarge' THEN 8
	ELSE 8 * TRY_CAST(nullif(regexp_extract(split_part(it, '.', 2), '^([0-9]+)xlarge$', 1), '') AS DOUBLE) END`

// notFlexible are the families whose Linux reservations AWS does not make
// size-flexible (as providers/focus and providers/aws read them).
const notFlexible = `'g4ad', 'g4dn', 'g5', 'g5g', 'inf1'`

// mTable classifies every CUR row: k is what the row becomes (NULL: a
// line item type with no FOCUS mapping), inst marks EC2 instance usage.
const mTable = `CREATE TABLE m AS
WITH a AS (
	SELECT *,
	       CASE lt WHEN 'Usage' THEN 'usage' WHEN 'DiscountedUsage' THEN 'ri_used' WHEN 'SavingsPlanCoveredUsage' THEN 'sp_used'
	               WHEN 'RIFee' THEN 'ri_fee' WHEN 'Fee' THEN 'fee' WHEN 'SavingsPlanUpfrontFee' THEN 'sp_upfront'
	               WHEN 'SavingsPlanRecurringFee' THEN 'sp_fee' WHEN 'Tax' THEN 'tax' WHEN 'Credit' THEN 'credit'
	               WHEN 'Refund' THEN 'refund' WHEN 'SavingsPlanNegation' THEN 'sp_negation' END AS k,
	       coalesce(p_itype, nullif(regexp_extract(utype, ':([a-z][a-z0-9-]*\.[a-z0-9]+)$', 1), '')) AS itype,
	       coalesce(p_tenancy = 'Dedicated', false) OR coalesce(utype LIKE '%DedicatedUsage%', false) AS dedicated,
	       CASE WHEN p_os IS NULL THEN NULL WHEN p_sw IS NULL OR p_sw IN ('NA', 'None') THEN p_os
	            ELSE p_os || ' with ' || CASE p_sw WHEN 'SQL Std' THEN 'SQL Server Standard' WHEN 'SQL Web' THEN 'SQL Server Web'
	                                              WHEN 'SQL Ent' THEN 'SQL Server Enterprise' ELSE p_sw END END AS osword,
	       coalesce(p_region, nullif(regexp_extract(coalesce(ri_arn, ''), '^arn:aws[a-z-]*:[a-z0-9-]+:([a-z]{2}(-[a-z]+)+-[0-9]+):', 1), '')) AS region
	  FROM t
)
SELECT *,
       coalesce(pcode = 'AmazonEC2' AND k IN ('usage', 'ri_used', 'sp_used') AND itype IS NOT NULL
                AND regexp_matches(utype, '(^|-)(BoxUsage|DedicatedUsage)(:|$)'), false) AS inst,
       k IN ('ri_used', 'ri_fee') OR (k = 'fee' AND ri_arn IS NOT NULL) AS isri,
       k IN ('sp_used', 'sp_fee', 'sp_upfront') AS issp
  FROM a`

// riTable describes every reservation: its instance type and count (from
// its RIFee rows), the platform (the product columns, else AWS's
// description of its rows), tenancy and scope of what it covers, and
// whether it is counted in normalized units (size-flexible: regional,
// Linux/UNIX, shared tenancy, a flexible family).
const riTable = `CREATE TABLE ri AS
WITH r AS (
	SELECT ri_arn,
	       coalesce(any_value(itype) FILTER (WHERE k = 'ri_fee'), any_value(itype) FILTER (WHERE k = 'fee'), mode(itype) FILTER (WHERE k = 'ri_used')) AS ri_itype,
	       max(ri_count) FILTER (WHERE k = 'ri_fee') AS n,
	       coalesce(mode(osword) FILTER (WHERE k = 'ri_used'), any_value(osword),
	                mode(nullif(regexp_extract(descr, 'hourly fee per (.+?)(?: \(Amazon VPC\))?, [a-z][a-z0-9-]*\.[0-9]*[a-z0-9]+ instance', 1), ''))) AS os,
	       coalesce(bool_or(dedicated), false) AS ded,
	       coalesce(bool_or(regexp_matches(ri_az, '[0-9][a-z]$')), false) AS zonal,
	       min(ri_start) AS ri_s, max(ri_end) AS ri_e,
	       mode(lower(offclass)) AS class,
	       any_value(region) FILTER (WHERE region IS NOT NULL) AS ri_region,
	       any_value(acct) FILTER (WHERE k IN ('ri_fee', 'fee')) AS ri_acct
	  FROM m WHERE isri GROUP BY ri_arn
)
SELECT *,
       coalesce(os IN ('Linux', 'Linux/UNIX') AND NOT ded AND NOT zonal AND split_part(ri_itype, '.', 1) NOT IN (` + notFlexible + `)
                AND sf(ri_itype) IS NOT NULL, false) AS nu,
       CASE class WHEN 'standard' THEN 'Standard Reserved Instance' WHEN 'convertible' THEN 'Convertible Reserved Instance'
                  ELSE 'Reserved Instance' END || coalesce(', ' || ri_itype, '') AS ri_name
  FROM r`

const spNameSQL = `CASE sp_type WHEN 'ComputeSavingsPlan' THEN 'Compute Savings Plan' WHEN 'EC2InstanceSavingsPlan' THEN 'EC2 Instance Savings Plan'
	WHEN 'SageMakerSavingsPlan' THEN 'SageMaker Savings Plan' WHEN 'SageMakerSavingsPlans' THEN 'SageMaker Savings Plan'
	ELSE coalesce(sp_type, 'Savings Plan') END || coalesce(', ' || sp_term, '') || coalesce(', ' || sp_pay, '')`

// riQuantitySQL is the reservation capacity a DiscountedUsage row used:
// normalized units for a size-flexible reservation, else instance-hours.
const riQuantitySQL = `CASE WHEN nu THEN coalesce(nusage, amount * sf(itype)) ELSE amount END`

// mapRows builds table focus: the FOCUS rows of the file.
func (c *conv) mapRows() error {
	for _, q := range []string{sizeFactorMacro, mTable, riTable} {
		if err := c.exec(q); err != nil {
			return err
		}
	}
	var hourly bool
	if err := c.db.db.QueryRowContext(c.ctx, `SELECT coalesce(bool_and(date_diff('minute', ustart, uend) <= 60), true) FROM m WHERE k IN ('usage', 'ri_used', 'sp_used', 'sp_fee')`).Scan(&hourly); err != nil {
		return c.dbErr(err)
	}

	usageKinds := "k IN ('usage', 'ri_used', 'sp_used')"
	e := common()
	e["ChargePeriodStart"] = "ustart"
	e["ChargePeriodEnd"] = "CASE WHEN uend > ustart THEN uend ELSE ustart + INTERVAL 1 HOUR END"
	e["ChargeCategory"] = `CASE WHEN ` + usageKinds + ` THEN 'Usage' WHEN k IN ('fee', 'sp_upfront', 'ri_fee', 'sp_fee') THEN 'Purchase'
		WHEN k = 'tax' THEN 'Tax' ELSE 'Credit' END`
	e["ChargeFrequency"] = `CASE WHEN ` + usageKinds + ` THEN 'Usage-Based' WHEN k IN ('ri_fee', 'sp_fee', 'tax') THEN 'Recurring' ELSE 'One-Time' END`
	e["ChargeDescription"] = `CASE WHEN inst AND osword IS NOT NULL
		THEN 'per ' || CASE WHEN dedicated THEN 'Dedicated ' WHEN k = 'ri_used' THEN 'Reserved ' ELSE 'On Demand ' END || osword || ' ' || itype || ' Instance Hour'
		ELSE descr END`
	e["PricingCategory"] = `CASE WHEN k = 'usage' THEN (CASE WHEN utype LIKE '%SpotUsage%' THEN 'Dynamic' ELSE 'Standard' END)
		WHEN k IN ('ri_used', 'sp_used') THEN 'Committed' WHEN k IN ('fee', 'sp_upfront', 'ri_fee', 'sp_fee') THEN 'Standard' END`
	e["ResourceId"] = "rid"
	e["SkuId"] = "p_sku"
	e["SkuPriceId"] = "rate_id"
	e["BilledCost"] = "CASE WHEN k = 'sp_used' THEN 0 ELSE cost END"
	e["EffectiveCost"] = `CASE WHEN k = 'ri_used' THEN coalesce(ri_eff, 0) WHEN k = 'sp_used' THEN coalesce(sp_eff, 0)
		WHEN k IN ('ri_fee', 'sp_fee', 'sp_upfront') OR (k = 'fee' AND ri_arn IS NOT NULL) THEN 0 ELSE cost END`
	e["ListCost"] = `CASE WHEN ` + usageKinds + ` THEN coalesce(od_cost, CASE WHEN k = 'usage' THEN cost END) ELSE cost END`
	e["ListUnitPrice"] = `CASE WHEN ` + usageKinds + ` THEN od_rate END`
	e["ContractedCost"] = `CASE WHEN k = 'ri_used' THEN od_cost ELSE cost END`
	e["ContractedUnitPrice"] = `CASE WHEN k IN ('usage', 'sp_used') THEN rate WHEN k = 'ri_used' THEN od_rate END`
	e["ConsumedQuantity"] = `CASE WHEN ` + usageKinds + ` THEN amount END`
	e["ConsumedUnit"] = `CASE WHEN ` + usageKinds + ` THEN coalesce(punit, CASE WHEN inst THEN 'Hrs' END) END`
	e["PricingQuantity"] = e["ConsumedQuantity"]
	e["PricingUnit"] = e["ConsumedUnit"]
	e["CommitmentDiscountId"] = "CASE WHEN isri THEN ri_arn WHEN issp THEN sp_arn END"
	e["CommitmentDiscountName"] = "CASE WHEN isri THEN ri_name WHEN issp THEN " + spNameSQL + " END"
	e["CommitmentDiscountType"] = "CASE WHEN isri THEN 'Reserved Instance' WHEN issp THEN 'Savings Plan' END"
	e["CommitmentDiscountCategory"] = "CASE WHEN isri THEN 'Usage' WHEN issp THEN 'Spend' END"
	e["CommitmentDiscountStatus"] = "CASE WHEN k IN ('ri_used', 'sp_used') THEN 'Used' END"
	e["CommitmentDiscountQuantity"] = "CASE WHEN k = 'ri_used' THEN " + riQuantitySQL + " WHEN k = 'sp_used' THEN coalesce(sp_rate * amount, sp_eff) END"
	e["CommitmentDiscountUnit"] = "CASE WHEN isri THEN (CASE WHEN nu THEN 'Normalized Hour' ELSE 'Hours' END) WHEN issp THEN cur END"
	e["x_InstanceType"] = "CASE WHEN inst THEN itype WHEN isri AND k <> 'ri_used' THEN ri_itype END"
	parts := []string{selectFOCUS(e, 0, "m LEFT JOIN ri USING (ri_arn) WHERE k IS NOT NULL AND k <> 'sp_negation'")}

	// A savings plan's unused commitment, hour by hour: what its recurring
	// fee row says was committed and not used.
	u := common()
	u["ChargePeriodStart"], u["ChargePeriodEnd"] = "ustart", "uend"
	u["ChargeCategory"], u["ChargeFrequency"], u["PricingCategory"] = "'Usage'", "'Usage-Based'", "'Committed'"
	u["ChargeDescription"] = "'Unused ' || " + spNameSQL + " || ' commitment'"
	u["BilledCost"], u["EffectiveCost"], u["ListCost"], u["ContractedCost"] = "0", "sp_total - sp_used", "0", "0"
	u["CommitmentDiscountId"], u["CommitmentDiscountName"] = "sp_arn", spNameSQL
	u["CommitmentDiscountType"], u["CommitmentDiscountCategory"], u["CommitmentDiscountStatus"] = "'Savings Plan'", "'Spend'", "'Unused'"
	u["CommitmentDiscountQuantity"], u["CommitmentDiscountUnit"] = "sp_total - sp_used", "cur"
	parts = append(parts, selectFOCUS(u, 1, "m WHERE k = 'sp_fee' AND sp_total - sp_used > 1e-9"))

	riUnused, err := c.riUnused(hourly)
	if err != nil {
		return err
	}
	parts = append(parts, riUnused)
	if c.opt.TermRows {
		parts = append(parts, termRows()...)
	}
	if err := c.exec("CREATE TABLE focus AS " + strings.Join(parts, "\nUNION ALL\n")); err != nil {
		return err
	}
	return c.notices(hourly)
}

// riUnused returns the SELECT of a reservation's unused capacity. With
// hourly data, each hour of an RIFee row's period (within the term) gets
// the capacity its DiscountedUsage rows left unused, so that Used + Unused
// is the reservation's size every hour; the RIFee row's unused fees are
// shared over those hours in proportion. Otherwise (daily or monthly
// exports, or no reservation count) one Unused row per RIFee row carries
// reservation_unused_quantity, as AWS's FOCUS export does. The hours are
// those of the file's usage too: an RIFee row covers its whole month, an
// export may hold part of it.
func (c *conv) riUnused(hourly bool) (string, error) {
	base := `SELECT m.*, ri.* EXCLUDE (ri_arn), coalesce(m.ri_unused_upfront, 0) + coalesce(m.ri_unused_recurring, 0) AS ucost,
	        CASE WHEN ri.nu THEN sf(ri.ri_itype) ELSE 1 END AS per_ri
	   FROM m JOIN ri USING (ri_arn) WHERE m.k = 'ri_fee' AND m.ri_unused > 0`
	hourlySQL := `CREATE TABLE riu AS
WITH win AS (SELECT min(ustart) AS ws, max(uend) AS we FROM m WHERE k IN ('usage', 'ri_used', 'sp_used', 'sp_fee')),
f AS (
	SELECT *, greatest(ustart, coalesce(ri_s, ustart), coalesce(ws, ustart)) AS a, least(uend, coalesce(ri_e, uend), coalesce(we, uend)) AS b
	  FROM (` + base + ` AND ri.n IS NOT NULL), win
),
h AS (SELECT f.* EXCLUDE (a, b, ws, we), unnest(range(date_trunc('hour', a), b, INTERVAL 1 HOUR)) AS hour FROM f WHERE b > a),
used AS (
	SELECT ri_arn, date_trunc('hour', ustart) AS hour, sum(` + riQuantitySQL + `) AS q
	  FROM m JOIN ri USING (ri_arn) WHERE k = 'ri_used' GROUP BY ALL
),
x AS (SELECT h.*, greatest(n * per_ri - coalesce(used.q, 0), 0) AS unused_q FROM h LEFT JOIN used USING (ri_arn, hour))
SELECT * EXCLUDE (ustart, uend), hour AS ustart, hour + INTERVAL 1 HOUR AS uend,
       CASE WHEN sum(unused_q) OVER (PARTITION BY rownum) > 0 THEN ucost * unused_q / sum(unused_q) OVER (PARTITION BY rownum) ELSE 0 END AS ueff
  FROM x WHERE unused_q > 1e-9`
	monthlySQL := `CREATE TABLE riu AS SELECT *, ri_unused * per_ri AS unused_q, ucost AS ueff FROM (` + base + `)`
	if hourly {
		if err := c.exec(hourlySQL); err != nil {
			return "", err
		}
		// RIFee rows the hourly split cannot serve (no count) keep AWS's
		// one row for the period.
		if err := c.exec(`INSERT INTO riu BY NAME SELECT *, ri_unused * per_ri AS unused_q, ucost AS ueff FROM (` + base + ` AND ri.n IS NULL)`); err != nil {
			return "", err
		}
	} else if err := c.exec(monthlySQL); err != nil {
		return "", err
	}
	u := common()
	u["ChargePeriodStart"], u["ChargePeriodEnd"] = "ustart", "uend"
	u["ChargeCategory"], u["ChargeFrequency"], u["PricingCategory"] = "'Usage'", "'Usage-Based'", "'Committed'"
	u["ChargeDescription"] = "'Unused reservation: ' || ri_name"
	u["BilledCost"], u["EffectiveCost"], u["ListCost"], u["ContractedCost"] = "0", "ueff", "0", "0"
	u["CommitmentDiscountId"], u["CommitmentDiscountName"] = "ri_arn", "ri_name"
	u["CommitmentDiscountType"], u["CommitmentDiscountCategory"], u["CommitmentDiscountStatus"] = "'Reserved Instance'", "'Usage'", "'Unused'"
	u["CommitmentDiscountQuantity"] = "unused_q"
	u["CommitmentDiscountUnit"] = "CASE WHEN nu THEN 'Normalized Hour' ELSE 'Hours' END"
	u["x_InstanceType"] = "ri_itype"
	return selectFOCUS(u, 1, "riu"), nil
}

// termRows are the one-time purchase rows of cost 0 that carry each
// commitment's term (Options.TermRows).
func termRows() []string {
	r := map[string]string{
		"ProviderName": "'AWS'", "PublisherName": "'Amazon Web Services'", "InvoiceIssuerName": "'Amazon Web Services'",
		"BillingAccountId": "payer", "SubAccountId": "ri_acct", "BillingCurrency": "cur",
		"ChargePeriodStart": "ri_s", "ChargePeriodEnd": "ri_e",
		"ChargeCategory": "'Purchase'", "ChargeFrequency": "'One-Time'", "PricingCategory": "'Standard'",
		"ChargeDescription": "'Term of ' || ri_name || ' (reservation_start_time to reservation_end_time; no charge)'",
		"ServiceName":       "'Amazon Elastic Compute Cloud'", "ServiceCategory": "'Compute'", "RegionId": "ri_region",
		"BilledCost": "0", "EffectiveCost": "0", "ListCost": "0", "ContractedCost": "0",
		"CommitmentDiscountId": "ri_arn", "CommitmentDiscountName": "ri_name", "CommitmentDiscountType": "'Reserved Instance'",
		"CommitmentDiscountCategory": "'Usage'", "CommitmentDiscountUnit": "CASE WHEN nu THEN 'Normalized Hour' ELSE 'Hours' END",
		"x_InstanceType": "ri_itype", "x_LineItemType": "'Term'", "x_SourceRow": "first_row",
	}
	ris := selectFOCUS(r, 2, `(SELECT ri.*, (SELECT any_value(payer) FROM m) AS payer, (SELECT any_value(cur) FROM m) AS cur,
		(SELECT min(rownum) FROM m WHERE m.ri_arn = ri.ri_arn) AS first_row FROM ri WHERE ri_s IS NOT NULL AND ri_e IS NOT NULL)`)
	s := map[string]string{
		"ProviderName": "'AWS'", "PublisherName": "'Amazon Web Services'", "InvoiceIssuerName": "'Amazon Web Services'",
		"BillingAccountId": "payer", "SubAccountId": "acct", "BillingCurrency": "cur",
		"ChargePeriodStart": "sp_s", "ChargePeriodEnd": "sp_e",
		"ChargeCategory": "'Purchase'", "ChargeFrequency": "'One-Time'", "PricingCategory": "'Standard'",
		"ChargeDescription": "'Term of ' || sp_name || ' (savings_plan_start_time to savings_plan_end_time; no charge)'",
		"ServiceName":       "'Savings Plans for AWS Compute usage'", "ServiceCategory": "'Compute'",
		"BilledCost": "0", "EffectiveCost": "0", "ListCost": "0", "ContractedCost": "0",
		"CommitmentDiscountId": "sp_arn", "CommitmentDiscountName": "sp_name", "CommitmentDiscountType": "'Savings Plan'",
		"CommitmentDiscountCategory": "'Spend'", "CommitmentDiscountUnit": "cur",
		"x_LineItemType": "'Term'", "x_SourceRow": "first_row",
	}
	sps := selectFOCUS(s, 2, `(SELECT sp_arn, min(sp_start) AS sp_s, max(sp_end) AS sp_e, any_value(payer) AS payer, any_value(cur) AS cur,
		coalesce(any_value(acct) FILTER (WHERE k IN ('sp_fee', 'sp_upfront')), any_value(acct)) AS acct,
		any_value(`+spNameSQL+`) AS sp_name, min(rownum) AS first_row
		FROM m WHERE issp GROUP BY sp_arn HAVING min(sp_start) IS NOT NULL AND max(sp_end) IS NOT NULL)`)
	return []string{ris, sps}
}

// notices counts what was skipped, folded or suspicious.
func (c *conv) notices(hourly bool) error {
	add := func(q string, build func(n Notice, key string) Notice) error {
		rows, err := c.db.db.QueryContext(c.ctx, q)
		if err != nil {
			return c.dbErr(err)
		}
		defer rows.Close()
		for rows.Next() {
			var key sql.NullString
			var n Notice
			var first sql.NullInt64
			var cost sql.NullFloat64
			if err := rows.Scan(&key, &n.Rows, &first, &cost); err != nil {
				return c.dbErr(err)
			}
			n.FirstRow = first.Int64
			if n.Rows == 0 {
				continue
			}
			n.File, n.Cost = c.path, roundCost(cost.Float64)
			c.res.Notices = append(c.res.Notices, build(n, key.String))
		}
		return rows.Err()
	}
	cur := ""
	c.db.db.QueryRowContext(c.ctx, "SELECT coalesce(any_value(cur), '') FROM m").Scan(&cur)
	steps := []struct {
		q     string
		build func(n Notice, key string) Notice
	}{
		{`SELECT lt, count(*), min(rownum), sum(cost) FROM m WHERE k IS NULL GROUP BY lt ORDER BY lt`, func(n Notice, lt string) Notice {
			n.Kind, n.Column = "skipped", "line_item_line_item_type"
			n.Message = fmt.Sprintf("%d row(s) of line item type %s skipped: FOCUS conversion has no mapping for it (%.2f %s of unblended cost left out)", n.Rows, lt, n.Cost, cur)
			return n
		}},
		{`SELECT 'x', count(*), min(rownum), sum(cost) FROM m WHERE k = 'sp_negation'`, func(n Notice, _ string) Notice {
			n.Kind, n.Column = "normalised", "line_item_line_item_type"
			n.Message = fmt.Sprintf("%d SavingsPlanNegation row(s) folded into the covered usage: a SavingsPlanCoveredUsage row is billed 0 in FOCUS (%.2f %s negated)", n.Rows, n.Cost, cur)
			return n
		}},
		{`SELECT 'x', count(*), min(rownum), 0 FROM m WHERE k IS NOT NULL AND uend = ustart`, func(n Notice, _ string) Notice {
			n.Kind, n.Column = "normalised", "line_item_usage_end_date"
			n.Message = fmt.Sprintf("%d fee, tax or credit row(s) with no duration: ChargePeriodEnd set one hour after the start (FOCUS wants an end after the start)", n.Rows)
			return n
		}},
		{`SELECT 'x', count(*), min(rownum), 0 FROM m WHERE inst AND osword IS NULL`, func(n Notice, _ string) Notice {
			n.Kind, n.Column = "warning", "product_operating_system"
			n.Message = fmt.Sprintf("%d EC2 instance row(s) without an operating system (product_operating_system or product['operating_system']): the platform is read from line_item_line_item_description", n.Rows)
			return n
		}},
		{`SELECT ri_arn, count(*), min(rownum), 0 FROM m JOIN ri USING (ri_arn) WHERE isri AND os IS NULL GROUP BY ri_arn`, func(n Notice, arn string) Notice {
			n.Kind, n.Column = "warning", "reservation_reservation_a_r_n"
			n.Message = fmt.Sprintf("reservation %s: platform unknown (no covered usage with an operating system); counted in instance-hours, not normalized units", arn)
			return n
		}},
		{`SELECT 'x', count(*), min(rownum), sum(cost) FROM m WHERE k IS NOT NULL AND k <> 'sp_negation' AND pcode <> 'AmazonEC2' AND NOT issp AND k IN ('usage', 'ri_used')`, func(n Notice, _ string) Notice {
			n.Kind = "normalised"
			n.Message = fmt.Sprintf("%d usage row(s) of services other than EC2 converted; they make no pool (Tranche plans EC2 instances) and are listed among the plan's exclusions", n.Rows)
			return n
		}},
		{`WITH u AS (SELECT sp_arn, ustart, sum(coalesce(sp_rate * amount, sp_eff)) AS q FROM m WHERE k = 'sp_used' GROUP BY ALL)
		  SELECT f.sp_arn, count(*), min(f.rownum), 0 FROM m f LEFT JOIN u USING (sp_arn, ustart)
		   WHERE f.k = 'sp_fee' AND abs(coalesce(u.q, 0) - f.sp_used) > greatest(0.01, 0.01 * f.sp_used) GROUP BY f.sp_arn`, func(n Notice, arn string) Notice {
			n.Kind, n.Column = "warning", "savings_plan_used_commitment"
			n.Message = fmt.Sprintf("savings plan %s: in %d hour(s) savings_plan_used_commitment differs by more than 1%% from what its SavingsPlanCoveredUsage rows used (rate × amount)", arn, n.Rows)
			return n
		}},
	}
	if hourly {
		steps = append(steps, struct {
			q     string
			build func(n Notice, key string) Notice
		}{`SELECT ri_arn, count(*), min(rownum), sum(ri_unused) - sum(hours) FROM (
				SELECT f.rownum, f.ri_arn, f.ri_unused, coalesce((SELECT sum(unused_q / per_ri) FROM riu WHERE riu.rownum = f.rownum), 0) AS hours
				  FROM m f JOIN ri USING (ri_arn) WHERE f.k = 'ri_fee' AND f.ri_unused > 0 AND ri.n IS NOT NULL)
			 WHERE abs(ri_unused - hours) > greatest(0.5, 0.01 * ri_unused) GROUP BY ri_arn`, func(n Notice, arn string) Notice {
			n.Kind, n.Column = "warning", "reservation_unused_quantity"
			n.Message = fmt.Sprintf("reservation %s: reservation_unused_quantity differs from the hours its DiscountedUsage rows leave unused by %.2f instance-hours; the hourly Unused rows follow the usage", arn, n.Cost)
			n.Cost = 0
			return n
		}})
	} else {
		c.res.Notices = append(c.res.Notices, Notice{Kind: "warning", File: c.path, Column: "line_item_usage_start_date",
			Message: "the export is not hourly: unused reservations are one row per RIFee period, and commitment sizes (read from hourly rows) are unknown; give the commitments with --inventory"})
	}
	for _, s := range steps {
		if err := add(s.q, s.build); err != nil {
			return err
		}
	}
	return nil
}

func roundCost(x float64) float64 {
	return float64(int64(x*100+0.5*sign(x))) / 100
}

func sign(x float64) float64 {
	if x < 0 {
		return -1
	}
	return 1
}
