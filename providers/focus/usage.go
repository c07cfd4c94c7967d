package focus

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tranchehq/tranche/providers"
)

// instanceTypeSQL finds the instance type of a usage row: the
// provider-specific x_InstanceType column when the export has it, else the
// AWS charge description (on demand: "$0.0464 per On Demand Linux
// t2.medium Instance Hour"; covered by a reservation: "USD 0.0 hourly fee
// per Linux/UNIX (Amazon VPC), t2.medium instance"), else SkuPriceDetails'
// InstanceType (FOCUS 1.1+).
const instanceTypeSQL = `coalesce(x_instance_type,
	nullif(regexp_extract(charge_description, ' ([a-z][a-z0-9-]*\.[0-9]*[a-z0-9]+) Instance Hour', 1), ''),
	nullif(regexp_extract(charge_description, 'hourly fee per .+, ([a-z][a-z0-9-]*\.[0-9]*[a-z0-9]+) instance', 1), ''),
	nullif(regexp_extract(sku_price_details, '"InstanceType"\s*:\s*"([^"]+)"', 1), ''))`

// platformSQL is the operating system in an AWS charge description, in
// either of the forms instanceTypeSQL reads.
const platformSQL = `coalesce(nullif(regexp_extract(charge_description,
	'per (?:On Demand |Reserved |Dedicated |Unused Reservation )?(.+?) [a-z][a-z0-9-]*\.[0-9]*[a-z0-9]+ Instance Hour', 1), ''),
	nullif(regexp_extract(charge_description, 'hourly fee per (.+?)(?: \(Amazon VPC\))?, [a-z][a-z0-9-]*\.[0-9]*[a-z0-9]+ instance', 1), ''))`

// sizeFactorSQL is the AWS normalization factor of an instance size
// (nano 0.25 … xlarge 8, Nxlarge 8N); NULL for sizes without one (metal).
const sizeFactorSQL = `CASE split_part(itype, '.', 2)
	WHEN 'nano' THEN 0.25 WHEN 'micro' THEN 0.5 WHEN 'small' THEN 1 WHEN 'medium' THEN 2
	WHEN 'large' THEN 4 WHEN 'xlarge' THEN 8
	ELSE 8 * TRY_CAST(nullif(regexp_extract(split_part(itype, '.', 2), '^([0-9]+)xlarge$', 1), '') AS DOUBLE) END`

// awsNames are the ProviderName spellings of AWS (providers.ParseProvider),
// compared exactly so that no row pays for lower().
const awsNames = `'AWS', 'aws', 'Aws', 'Amazon', 'Amazon Web Services', 'Amazon Web Services, Inc.', 'amazon web services'`

// providerKindSQL is the provider of a row as providers.ParseProvider reads
// ProviderName ('aws', 'azure', 'gcp'; NULL for any other): the common
// spellings are compared exactly, the rest after lower() and trim().
const providerKindSQL = `CASE WHEN provider_name IN (` + awsNames + `) THEN 'aws'
	WHEN provider_name IN ('Microsoft', 'Azure', 'Microsoft Azure') THEN 'azure'
	WHEN provider_name IN ('Google Cloud', 'GCP', 'Google', 'Google Cloud Platform') THEN 'gcp'
	ELSE CASE lower(trim(provider_name))
		WHEN 'aws' THEN 'aws' WHEN 'amazon' THEN 'aws' WHEN 'amazon web services' THEN 'aws' WHEN 'amazon web services, inc.' THEN 'aws'
		WHEN 'azure' THEN 'azure' WHEN 'microsoft' THEN 'azure' WHEN 'microsoft azure' THEN 'azure'
		WHEN 'gcp' THEN 'gcp' WHEN 'google' THEN 'gcp' WHEN 'google cloud' THEN 'gcp' WHEN 'google cloud platform' THEN 'gcp' END END`

// hourUnits are the ConsumedUnit spellings of an hour.
const hourUnits = `'Hours', 'Hour', 'Hrs', 'hours', 'hour', 'hrs', 'HOURS', 'HOUR'`

// awsServiceSQL maps AWS's FOCUS ServiceName to the service code the price
// book and the AWS APIs use (AmazonEC2, …); other names are kept.
const awsServiceSQL = `CASE service_name
	WHEN 'Amazon Elastic Compute Cloud' THEN 'AmazonEC2'
	WHEN 'Amazon Elastic Compute Cloud - Compute' THEN 'AmazonEC2'
	WHEN 'Amazon Relational Database Service' THEN 'AmazonRDS'
	WHEN 'Amazon ElastiCache' THEN 'AmazonElastiCache'
	WHEN 'Amazon OpenSearch Service' THEN 'AmazonES'
	WHEN 'Amazon Redshift' THEN 'AmazonRedshift'
	ELSE service_name END`

// awsPlatformSQL maps the operating system of an AWS charge description
// to the platform names of reservations and the price book.
const awsPlatformSQL = `CASE platform
	WHEN 'Linux' THEN 'Linux/UNIX' WHEN 'Linux/UNIX' THEN 'Linux/UNIX'
	WHEN 'RHEL' THEN 'Red Hat Enterprise Linux' WHEN 'SUSE' THEN 'SUSE Linux'
	ELSE platform END`

// awsNotFlexibleSQL are the families whose Linux reservations AWS does not
// make size-flexible (providers/aws.SizeFlexible): their pools are
// instance types in instance-hours.
const awsNotFlexibleSQL = `'g4ad', 'g4dn', 'g5', 'g5g', 'inf1'`

// azureMeterSQL is the meter name of an Azure VM usage row: Microsoft's
// x_SkuMeterName, else the meter in the charge description ("Virtual
// Machines Dv2/DSv2 Series - D11 v2/DS11 v2 - US East 2").
const azureMeterSQL = `coalesce(x_sku_meter_name,
	nullif(regexp_extract(charge_description, '^Virtual Machines [^-]+ - ([^-]+?)(?: - .*)?$', 1), ''))`

// azureSizeSQL is the VM size (ARM SKU name) of an Azure VM usage row:
// x_InstanceType; else "ServiceType" in the SKU details (x_SkuDetails in
// Microsoft's FOCUS 1.0 export, SkuPriceDetails in 1.2: the cost export's
// AdditionalInfo, "ServiceType":"Standard_DS2_v2"); else the first size of
// the meter name ("D2 v2/DS2 v2" → Standard_D2_v2).
const azureSizeSQL = `coalesce(x_instance_type,
	nullif(regexp_extract(coalesce(x_sku_details, sku_price_details), '"ServiceType"\s*:\s*"((?:Standard|Basic)_[^"]+)"', 1), ''),
	'Standard_' || nullif(replace(trim(split_part(meter, '/', 1)), ' ', '_'), ''))`

// azureVMSQL selects Azure virtual-machine usage that reservations and
// savings plans can cover: the Virtual Machines meter category (or the
// service, or the charge description, when the export lacks the
// category), not Spot or Low Priority.
const azureVMSQL = `(coalesce(x_sku_meter_category = 'Virtual Machines', false) OR service_name = 'Virtual Machines'
	OR coalesce(charge_description LIKE 'Virtual Machines %', false))
	AND NOT coalesce(meter LIKE '%Spot%' OR meter LIKE '%Low Priority%', false)`

// azurePlatformSQL is Windows when the meter subcategory or the charge
// description names Windows ("Dv3/DSv3 Series Windows"), else Linux.
const azurePlatformSQL = `CASE WHEN coalesce(x_sku_meter_subcategory LIKE '%Windows%', false)
	OR coalesce(charge_description LIKE 'Virtual Machines %Windows%', false) THEN 'Windows' ELSE 'Linux' END`

// gcpSeriesSQL is the Compute Engine machine series of a SKU description
// ("N2 Instance Core running in Americas" → n2, "N2D AMD Instance Ram …" →
// n2d); custom N1 is n1, "Compute optimized" is c2, and M1/M2's shared
// "Memory-optimized" SKUs are memory-optimized. Spot, preemptible,
// commitment, reserved (A2/A3 reservations) and premium SKUs are not
// series usage.
const gcpSeriesSQL = `CASE
	WHEN charge_description LIKE 'Spot %' OR charge_description LIKE 'Preemptible %' OR charge_description LIKE 'Commitment%'
	  OR charge_description LIKE 'Reserved %' OR charge_description LIKE '%Premium%' THEN NULL
	WHEN charge_description LIKE 'Custom Instance %' OR charge_description LIKE 'Custom Extended Instance %' THEN 'n1'
	WHEN charge_description LIKE 'Compute optimized %' THEN 'c2'
	WHEN charge_description LIKE 'Memory-optimized %' THEN 'memory-optimized'
	ELSE lower(nullif(regexp_extract(charge_description, '^([A-Z][0-9]+[A-Z]?) ', 1), '')) END`

// gcpResourceSQL tells a vCPU SKU from a memory SKU by its description.
const gcpResourceSQL = `CASE WHEN regexp_matches(charge_description, '\b(Core|vCPU|VCPU)\b') THEN 'cpu'
	WHEN regexp_matches(charge_description, '\b(Ram|RAM)\b') THEN 'ram' END`

// gcpQuantitySQL converts a GCP usage row to vCPU-hours or GiB-hours:
// ConsumedUnit in seconds or byte-seconds (the billing export's
// usage.unit), or in hours or gibibyte hours; else PricingQuantity when
// PricingUnit is hour or gibibyte hour (usage.pricing_unit). NULL when no
// unit fits the resource: the row makes no pool.
const gcpQuantitySQL = `CASE gres
	WHEN 'cpu' THEN CASE
		WHEN lower(consumed_unit) IN ('seconds', 'second', 's') THEN consumed_quantity / 3600
		WHEN lower(consumed_unit) IN ('hour', 'hours', 'h', 'hrs') THEN consumed_quantity
		WHEN lower(pricing_unit) IN ('hour', 'hours', 'h') THEN pricing_quantity END
	WHEN 'ram' THEN CASE
		WHEN lower(consumed_unit) IN ('byte-seconds', 'byte-second', 'by.s') THEN consumed_quantity / (1073741824.0 * 3600)
		WHEN lower(consumed_unit) IN ('gibibyte hour', 'gibibyte hours', 'gibibyte-hour', 'gibibyte-hours', 'gib-hour', 'gib-hours', 'giby.h') THEN consumed_quantity
		WHEN lower(consumed_unit) IN ('gibibyte second', 'gibibyte seconds', 'gibibyte-seconds', 'giby.s') THEN consumed_quantity / 3600
		WHEN lower(pricing_unit) IN ('gibibyte hour', 'gibibyte hours', 'giby.h') THEN pricing_quantity END END`

// poolRowsSQL maps every row of src (a relation with the charges view's
// columns, plus the extra columns named, which are passed through) to its
// pool: pk, ba, sa, region, svc, family, platform, tenancy, unit, s, e,
// qty (in the unit), od. Rows that make no pool have every one of those
// NULL. One chain of projections, so that the rows are read once; each
// provider's expressions run only on that provider's usage rows.
//
// Usage rows make pools when they are not a commitment's unused remainder
// and have a quantity:
//
//   - AWS, measured in hours, with an instance type: the AWS adapter's
//     pools (providers/aws.EC2Pool): service code, RI platform names,
//     Shared or Dedicated tenancy; Linux/UNIX on shared tenancy in a
//     size-flexible family is the family in normalized units; any other
//     platform, tenancy or family is the instance type in instance-hours.
//   - Azure virtual machines (azureVMSQL), measured in hours: the VM size
//     in instance-hours, per platform.
//   - GCP Compute Engine vCPU and memory SKUs: the machine series in
//     vCPU-hours or GiB-hours.
func poolRowsSQL(src string, extra []string) string {
	pass := ""
	for _, c := range extra {
		pass += c + ", "
	}
	return `
WITH r AS (
	SELECT ` + pass + `billing_account_id, sub_account_id, region_id, service_name, charge_description,
	       consumed_unit, consumed_quantity, pricing_unit, pricing_quantity, x_instance_type, sku_price_details,
	       x_sku_details, x_sku_meter_name, x_sku_meter_category, x_sku_meter_subcategory,
	       charge_period_start, charge_period_end, coalesce(contracted_cost, list_cost) AS od0,
	       CASE WHEN charge_category = 'Usage' AND cd_status IS DISTINCT FROM 'Unused' AND consumed_quantity IS NOT NULL
	            THEN ` + providerKindSQL + ` END AS pk0
	  FROM ` + src + `
), a AS (
	SELECT *,
	       CASE WHEN pk0 = 'aws' AND consumed_unit IN (` + hourUnits + `) THEN ` + instanceTypeSQL + ` END AS aws_itype,
	       CASE WHEN pk0 = 'azure' AND consumed_unit IN (` + hourUnits + `) THEN ` + azureMeterSQL + ` END AS meter,
	       CASE WHEN pk0 = 'gcp' AND service_name = 'Compute Engine' THEN ` + gcpSeriesSQL + ` END AS gseries
	  FROM r
), b AS (
	SELECT *,
	       CASE WHEN aws_itype IS NOT NULL THEN ` + platformSQL + ` END AS aws_os,
	       CASE WHEN aws_itype IS NOT NULL THEN coalesce(charge_description LIKE '% Dedicated %', false) END AS dedicated,
	       CASE WHEN pk0 = 'azure' AND consumed_unit IN (` + hourUnits + `) AND ` + azureVMSQL + ` THEN ` + azureSizeSQL + ` END AS vmsize,
	       CASE WHEN gseries IS NOT NULL THEN ` + gcpResourceSQL + ` END AS gres
	  FROM a
), c AS (
	SELECT *,
	       CASE WHEN aws_itype IS NOT NULL AND NOT dedicated AND aws_os IN ('Linux', 'Linux/UNIX')
	             AND split_part(aws_itype, '.', 1) NOT IN (` + awsNotFlexibleSQL + `)
	            THEN ` + strings.ReplaceAll(sizeFactorSQL, "itype", "aws_itype") + ` END AS nf,
	       CASE WHEN gres IS NOT NULL THEN ` + gcpQuantitySQL + ` END AS gqty
	  FROM b
), d AS (
	SELECT *, aws_itype IS NOT NULL OR vmsize IS NOT NULL OR gqty IS NOT NULL AS ispool FROM c
)
SELECT ` + pass + `
       CASE WHEN aws_itype IS NOT NULL THEN 'aws' WHEN vmsize IS NOT NULL THEN 'azure' WHEN gqty IS NOT NULL THEN 'gcp' END AS pk,
       CASE WHEN ispool THEN coalesce(billing_account_id, '') END AS ba,
       CASE WHEN ispool THEN coalesce(sub_account_id, '') END AS sa,
       CASE WHEN ispool THEN coalesce(region_id, '') END AS region,
       CASE WHEN aws_itype IS NOT NULL THEN coalesce(` + awsServiceSQL + `, '')
            WHEN vmsize IS NOT NULL THEN 'Virtual Machines' WHEN gqty IS NOT NULL THEN 'Compute Engine' END AS svc,
       CASE WHEN aws_itype IS NOT NULL THEN (CASE WHEN nf IS NULL THEN aws_itype ELSE split_part(aws_itype, '.', 1) END)
            WHEN vmsize IS NOT NULL THEN vmsize WHEN gqty IS NOT NULL THEN gseries END AS family,
       CASE WHEN aws_itype IS NOT NULL THEN coalesce(` + strings.ReplaceAll(awsPlatformSQL, "platform", "aws_os") + `, '')
            WHEN vmsize IS NOT NULL THEN ` + azurePlatformSQL + ` WHEN gqty IS NOT NULL THEN '' END AS platform,
       CASE WHEN aws_itype IS NOT NULL THEN (CASE WHEN dedicated THEN 'Dedicated' ELSE 'Shared' END)
            WHEN vmsize IS NOT NULL OR gqty IS NOT NULL THEN '' END AS tenancy,
       CASE WHEN aws_itype IS NOT NULL THEN (CASE WHEN nf IS NULL THEN '` + string(providers.UnitInstanceHour) + `' ELSE '` + string(providers.UnitNormalizedHour) + `' END)
            WHEN vmsize IS NOT NULL THEN '` + string(providers.UnitInstanceHour) + `'
            WHEN gqty IS NOT NULL THEN (CASE gres WHEN 'cpu' THEN '` + string(providers.UnitVCPUHour) + `' ELSE '` + string(providers.UnitGiBHour) + `' END) END AS unit,
       CASE WHEN ispool THEN charge_period_start END AS s,
       CASE WHEN ispool THEN charge_period_end END AS e,
       CASE WHEN aws_itype IS NOT NULL THEN consumed_quantity * coalesce(nf, 1) WHEN vmsize IS NOT NULL THEN consumed_quantity
            WHEN gqty IS NOT NULL THEN gqty END AS qty,
       CASE WHEN ispool THEN od0 END AS od
  FROM d`
}

// poolKeys are the columns of poolRowsSQL that name a pool.
const poolKeys = `pk, ba, sa, region, svc, family, platform, tenancy, unit`

// usageSQL is the hourly usage per pool from the per-file aggregates
// (%[1]s: their union): periods of an hour or less go to their hour,
// longer ones are spread evenly over their hours. One row per pool comes
// back, with its hours and quantities as lists (an hour may appear more
// than once: UsageSeries adds them up), so that only pools, not
// pool-hours, cross into Go, after one aggregation.
const usageSQL = `
WITH h AS (
	SELECT ` + poolKeys + `, date_trunc('hour', s) AS hour, qty, od
	  FROM (%[1]s) WHERE pk IS NOT NULL AND date_diff('hour', s, e) <= 1
	UNION ALL
	SELECT ` + poolKeys + `, unnest(range(date_trunc('hour', s), e, INTERVAL 1 HOUR)), qty / hours, od / hours
	  FROM (SELECT *, date_diff('hour', s, e) AS hours FROM (%[1]s) WHERE pk IS NOT NULL) WHERE hours > 1
)
SELECT ` + poolKeys + `, min(hour), list(CAST(date_diff('hour', TIMESTAMP '1970-01-01', hour) AS BIGINT)), list(qty), sum(qty), sum(od)
  FROM h GROUP BY ALL`

// UsageSeries derives the hourly usage per pool (DESIGN.md "Pool") from
// the usage rows: per provider, billing account, sub-account, region,
// service, instance family (or instance type, VM size, machine series),
// platform and tenancy, in the unit the provider's commitments are sized
// in: AWS size-flexible families in normalized units (NU-hour), Azure VM
// sizes and other AWS instance types in instance-hours, GCP machine series
// in vCPU-hours and GiB-hours. Rows of other providers, and rows without
// an instance type, are not pools; docs/focus-mapping.md has the rules.
// Hours without usage inside a series are zero. Open aggregated the rows
// per pool and charge period in its validation scan; this reads those
// aggregates, not the files.
func (d *Dataset) UsageSeries(ctx context.Context) ([]providers.UsageSeries, error) {
	if len(d.pools) == 0 {
		return nil, nil
	}
	var parts []string
	for _, t := range d.pools {
		parts = append(parts, "SELECT "+poolKeys+", s, e, qty, od FROM "+t)
	}
	rows, err := d.db.QueryContext(ctx, fmt.Sprintf(usageSQL, strings.Join(parts, " UNION ALL ")))
	if err != nil {
		return nil, fmt.Errorf("focus: deriving usage: %w", err)
	}
	defer rows.Close()
	var out []providers.UsageSeries
	for rows.Next() {
		var pk, ba, sa, region, svc, family, platform, tenancy, unit string
		var first time.Time
		var hours, qtys []any
		var qtySum float64
		var od sql.NullFloat64
		if err := rows.Scan(&pk, &ba, &sa, &region, &svc, &family, &platform, &tenancy, &unit, &first, &hours, &qtys, &qtySum, &od); err != nil {
			return nil, fmt.Errorf("focus: deriving usage: %w", err)
		}
		p, err := providers.ParseProvider(pk)
		if err != nil {
			return nil, fmt.Errorf("focus: deriving usage: %w", err)
		}
		start := first.UTC()
		base := start.Unix() / 3600
		last := int64(0)
		for _, h := range hours {
			last = max(last, h.(int64)-base)
		}
		s := providers.UsageSeries{
			Pool: providers.PoolKey{Provider: p, BillingScope: ba, Account: sa, Region: region, Service: svc,
				Family: family, Platform: platform, Tenancy: tenancy, Unit: providers.Unit(unit)},
			Start: start, Quantity: make([]float64, last+1)}
		for i, h := range hours {
			s.Quantity[h.(int64)-base] += qtys[i].(float64)
		}
		// DuckDB sums in parallel, in no fixed order, so the last bits of
		// a sum vary from run to run; rounding to 1e-9 of a unit (and the
		// rate to 12 significant digits) makes the same files give the
		// same series, so that plans are reproducible byte for byte.
		for i, q := range s.Quantity {
			s.Quantity[i] = math.Round(q*1e9) / 1e9
		}
		if qtySum > 0 {
			s.OnDemandRate = roundSig(od.Float64/qtySum, 12)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("focus: deriving usage: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Pool.String() < out[j].Pool.String() })
	return out, nil
}

// roundSig rounds x to n significant digits.
func roundSig(x float64, n int) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', n, 64), 64)
	return v
}

// CommitmentRecord is an owned commitment as the billing data shows it:
// the providers.Commitment Tranche plans with, plus what FOCUS says and
// does not say about it.
type CommitmentRecord struct {
	providers.Commitment
	// Name, Type and Category are the FOCUS CommitmentDiscountName, Type
	// and Category.
	Name     string `json:"name,omitempty"`
	Type     string `json:"type,omitempty"`
	Category string `json:"category,omitempty"`
	// EndKnown is false when no one-time purchase row gives the end of the
	// term (FOCUS has no end-date column); End is then zero.
	EndKnown bool `json:"end_known"`
	// KindNote says why Kind is empty, or how it was inferred when the
	// FOCUS columns do not state it.
	KindNote string `json:"kind_note,omitempty"`
	// Families lists the instance families of the usage the commitment
	// covered (its Used rows), most-used first.
	Families []string `json:"families,omitempty"`
}

const commitmentsSQL = `
WITH cap AS (
	SELECT cd_id, max(q) AS per_hour FROM (
		SELECT cd_id, charge_period_start,
		       CASE WHEN any_value(cd_category) = 'Spend' THEN sum(coalesce(cd_quantity, effective_cost))
		            ELSE sum(cd_quantity) END AS q
		  FROM charges
		 WHERE charge_category = 'Usage' AND cd_status IN ('Used', 'Unused')
		   AND date_diff('hour', charge_period_start, charge_period_end) = 1
		 GROUP BY cd_id, charge_period_start)
	 GROUP BY cd_id
)
SELECT c.cd_id, any_value(c.provider_name), coalesce(any_value(c.cd_name), ''), coalesce(any_value(c.cd_type), ''),
       coalesce(any_value(c.cd_category), ''), coalesce(any_value(c.cd_unit), ''), any_value(c.billing_currency),
       min(c.charge_period_start),
       max(c.charge_period_end) FILTER (WHERE c.charge_category = 'Purchase' AND c.charge_frequency = 'One-Time'),
       coalesce(sum(c.billed_cost) FILTER (WHERE c.charge_category = 'Purchase' AND c.charge_frequency = 'One-Time'), 0),
       coalesce(sum(c.billed_cost) FILTER (WHERE c.charge_category = 'Purchase' AND c.charge_frequency = 'Recurring'), 0),
       coalesce(sum(date_diff('hour', c.charge_period_start, c.charge_period_end))
                FILTER (WHERE c.charge_category = 'Purchase' AND c.charge_frequency = 'Recurring'), 0),
       any_value(cap.per_hour),
       coalesce(any_value(c.region_id) FILTER (WHERE c.charge_category = 'Purchase'), ''),
       coalesce(any_value(c.billing_account_id), ''), coalesce(any_value(c.sub_account_id) FILTER (WHERE c.charge_category = 'Purchase'), '')
  FROM charges c LEFT JOIN cap USING (cd_id)
 WHERE c.cd_id IS NOT NULL
 GROUP BY c.cd_id
 ORDER BY c.cd_id`

// coveredSQL describes the usage each commitment covered: instance
// families (most-used first), platform, service, and the instance type of
// its purchase rows where their description names one.
const coveredSQL = `
WITH r AS (
	SELECT cd_id, cat, q, itype,
	       CASE WHEN aws THEN ` + awsServiceSQL + ` ELSE service_name END AS svc,
	       CASE WHEN aws THEN ` + awsPlatformSQL + ` ELSE platform END AS platform
	  FROM (SELECT cd_id, charge_category AS cat, service_name, consumed_quantity AS q,
	               ` + instanceTypeSQL + ` AS itype, ` + platformSQL + ` AS platform,
	               provider_name IN (` + awsNames + `) AS aws
	          FROM charges
	         WHERE cd_id IS NOT NULL AND (charge_category = 'Purchase' OR (charge_category = 'Usage' AND cd_status = 'Used')))
), fam AS (
	SELECT cd_id, split_part(itype, '.', 1) AS family, sum(coalesce(q, 0)) AS q
	  FROM r WHERE cat = 'Usage' AND itype IS NOT NULL GROUP BY ALL
)
SELECT r.cd_id,
       coalesce((SELECT string_agg(family, ',' ORDER BY q DESC, family) FROM fam WHERE fam.cd_id = r.cd_id), ''),
       coalesce(mode(r.platform) FILTER (WHERE r.cat = 'Usage'), ''),
       coalesce(mode(r.svc) FILTER (WHERE r.cat = 'Usage'), ''),
       coalesce(any_value(r.itype) FILTER (WHERE r.cat = 'Purchase'), '')
  FROM r GROUP BY r.cd_id`

type covered struct {
	families                 []string
	platform, service, itype string
}

// Commitments lists the commitments seen in the billing data (purchase rows
// and usage rows with a CommitmentDiscountId), with what can be derived
// from FOCUS columns: kind, payment option (from the purchase rows'
// ChargeFrequency), quantity per hour (the largest hourly Used + Unused
// CommitmentDiscountQuantity), fees, start, and the end when a one-time
// purchase row covers the term. docs/focus-mapping.md has the rules.
func (d *Dataset) Commitments(ctx context.Context) ([]CommitmentRecord, error) {
	rows, err := d.db.QueryContext(ctx, commitmentsSQL)
	if err != nil {
		return nil, fmt.Errorf("focus: deriving commitments: %w", err)
	}
	defer rows.Close()
	cov, err := d.covered(ctx)
	if err != nil {
		return nil, err
	}
	var out []CommitmentRecord
	for rows.Next() {
		var (
			id, name, typ, cat, unit, region, ba, sa string
			prov, cur                                sql.NullString
			start                                    time.Time
			end                                      sql.NullTime
			upfront, recurring                       float64
			recHours                                 int64
			perHour                                  sql.NullFloat64
		)
		if err := rows.Scan(&id, &prov, &name, &typ, &cat, &unit, &cur, &start, &end, &upfront, &recurring, &recHours, &perHour, &region, &ba, &sa); err != nil {
			return nil, fmt.Errorf("focus: deriving commitments: %w", err)
		}
		r := CommitmentRecord{Name: name, Type: typ, Category: cat}
		r.ID, r.Currency, r.Start = id, cur.String, start.UTC()
		if p, err := providers.ParseProvider(prov.String); err == nil {
			r.Provider = p
		}
		cv := cov[id]
		r.Families = cv.families
		r.Kind, r.KindNote = kindOf(r.Provider, typ, cat, name, cv.families)
		if end.Valid {
			r.End, r.EndKnown = end.Time.UTC(), true
		}
		r.UpfrontFee = roundSig(upfront, 12)
		if recHours > 0 {
			r.RecurringHourlyFee = roundSig(recurring/float64(recHours), 12)
		}
		switch {
		case upfront != 0 && recurring != 0:
			r.PaymentOption = providers.PartialUpfront
		case upfront != 0:
			r.PaymentOption = providers.AllUpfront
		case recurring != 0:
			r.PaymentOption = providers.NoUpfront
		}
		if perHour.Valid && !math.IsNaN(perHour.Float64) {
			r.Quantity = roundSig(perHour.Float64, 12)
		}
		switch strings.ToLower(unit) {
		case "normalized hour", "normalized hours", "normalized unit", "normalized units":
			r.Unit = providers.UnitNormalizedHour
		case "hour", "hours", "instance hour", "instance hours":
			r.Unit = providers.UnitInstanceHour
		}
		r.Scope = providers.PoolKey{Provider: r.Provider, BillingScope: ba, Account: sa, Region: region, Unit: r.Unit}
		if !r.Kind.Spend() || r.Kind == providers.KindEC2InstanceSP {
			// A resource commitment, or an EC2 Instance Savings Plan, is
			// bought for one family: the family of the usage it covered.
			if len(cv.families) == 1 {
				r.Scope.Family = cv.families[0]
			}
			if !r.Kind.Spend() {
				r.Scope.Service, r.Scope.Platform, r.InstanceType = cv.service, cv.platform, cv.itype
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// covered runs coveredSQL.
func (d *Dataset) covered(ctx context.Context) (map[string]covered, error) {
	rows, err := d.db.QueryContext(ctx, coveredSQL)
	if err != nil {
		return nil, fmt.Errorf("focus: deriving what commitments covered: %w", err)
	}
	defer rows.Close()
	out := map[string]covered{}
	for rows.Next() {
		var id, fams string
		var c covered
		if err := rows.Scan(&id, &fams, &c.platform, &c.service, &c.itype); err != nil {
			return nil, fmt.Errorf("focus: deriving what commitments covered: %w", err)
		}
		if fams != "" {
			c.families = strings.Split(fams, ",")
		}
		out[id] = c
	}
	return out, rows.Err()
}

func familiesText(f []string) string {
	switch len(f) {
	case 0:
		return "no instance usage"
	case 1:
		return "family " + f[0] + " only"
	}
	return "families " + strings.Join(f, ", ")
}

// kindOf maps FOCUS CommitmentDiscountType, Category and Name to a Kind
// where FOCUS columns decide it. For AWS, whose exports do not say which
// kind of savings plan or reserved instance a commitment is, the name is
// read when it says (as "Compute Savings Plan", "EC2 Instance Savings
// Plan", "Convertible"); otherwise the kind is inferred and the note says
// how: a savings plan that covered one family only is taken for an EC2
// Instance Savings Plan, any other for a Compute Savings Plan, and a
// reserved instance for a standard one.
func kindOf(p providers.Provider, typ, cat, name string, families []string) (providers.Kind, string) {
	t, n := strings.ToLower(typ), strings.ToLower(name)
	switch p {
	case providers.Azure:
		switch {
		case strings.Contains(t, "reservation"):
			return providers.KindAzureReservation, ""
		case strings.Contains(t, "savings plan"):
			return providers.KindAzureSavingsPlan, ""
		}
	case providers.GCP:
		switch cat {
		case "Usage":
			return providers.KindGCPResourceCUD, ""
		case "Spend":
			return providers.KindGCPFlexibleCUD, ""
		}
	case providers.AWS:
		switch {
		case strings.Contains(t, "savings plan") || (cat == "Spend" && !strings.Contains(t, "reserv")):
			switch {
			case strings.Contains(n, "compute"):
				return providers.KindComputeSP, ""
			case strings.Contains(n, "ec2 instance") || strings.Contains(n, "ec2instance"):
				return providers.KindEC2InstanceSP, ""
			}
			return providers.KindComputeSP, "inferred: FOCUS does not say Compute or EC2 Instance Savings Plan; taken for a Compute Savings Plan, the most common kind (it covered " + familiesText(families) + ")"
		case strings.Contains(t, "reserv"):
			if strings.Contains(n, "convertible") {
				return providers.KindRIConvertible, ""
			}
			if strings.Contains(n, "standard") {
				return providers.KindRIStandard, ""
			}
			return providers.KindRIStandard, "inferred: FOCUS does not say standard or convertible; taken for a standard reserved instance"
		}
	}
	if p == "" {
		return "", "no provider"
	}
	return "", fmt.Sprintf("unknown CommitmentDiscountType %q", typ)
}
