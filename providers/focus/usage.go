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

// usageHead selects the usage rows that make pools: usage rows measured in
// hours that are not a commitment's unused remainder, with an instance
// type. AWS pools follow the AWS adapter (providers/aws.EC2Pool): service
// code, RI platform names, Shared or Dedicated tenancy; Linux/UNIX on
// shared tenancy is size-flexible, so its pool is the family in normalized
// units; any other platform or tenancy is the instance type in
// instance-hours.
const usageHead = `
WITH u AS (
	SELECT provider_name, billing_account_id, sub_account_id, region_id, service_name,
	       ` + instanceTypeSQL + ` AS itype, ` + platformSQL + ` AS platform,
	       coalesce(charge_description LIKE '% Dedicated %', false) AS dedicated,
	       provider_name IN (` + awsNames + `) AS aws,
	       charge_period_start AS s, charge_period_end AS e, consumed_quantity AS q,
	       coalesce(contracted_cost, list_cost) AS od
	  FROM charges
	 WHERE charge_category = 'Usage' AND cd_status IS DISTINCT FROM 'Unused'
	   AND consumed_unit IN (` + hourUnits + `) AND consumed_quantity IS NOT NULL
	   AND provider_name IS NOT NULL
), v AS (
	SELECT provider_name, billing_account_id, sub_account_id, itype, s, e, q, od, aws, region_id,
	       CASE WHEN aws THEN ` + awsServiceSQL + ` ELSE service_name END AS service_name,
	       CASE WHEN aws THEN ` + awsPlatformSQL + ` ELSE platform END AS platform,
	       CASE WHEN aws THEN (CASE WHEN dedicated THEN 'Dedicated' ELSE 'Shared' END) ELSE '' END AS tenancy,
	       CASE WHEN aws AND NOT dedicated AND platform IN ('Linux', 'Linux/UNIX') THEN ` + sizeFactorSQL + ` END AS nf
	  FROM u WHERE itype IS NOT NULL
), p AS (
	-- Normalized units are AWS's: other providers' sizes count as instances.
	SELECT provider_name, billing_account_id, sub_account_id, region_id, service_name, platform, tenancy, nf, s, e, q, od,
	       CASE WHEN aws AND nf IS NULL THEN itype ELSE split_part(itype, '.', 1) END AS family,
	       date_diff('hour', s, e) AS hours
	  FROM v
`

// usageHourlySQL is the hourly usage per pool in one aggregation, for data
// whose charge periods are all one hour or less (the checks count them).
const usageHourlySQL = usageHead + `), hourly AS (
	SELECT provider_name, coalesce(billing_account_id, '') AS ba, coalesce(sub_account_id, '') AS sa,
	       coalesce(region_id, '') AS region, coalesce(service_name, '') AS svc, family,
	       coalesce(platform, '') AS platform, tenancy, nf IS NOT NULL AS nu, date_trunc('hour', s) AS hour,
	       sum(q * coalesce(nf, 1)) AS qty, sum(od) AS od
	  FROM p GROUP BY ALL
)
-- One row per pool: its first hour, and the hour offsets and quantities
-- as lists, so that only pools (not pool-hours) cross into Go.
SELECT provider_name, ba, sa, region, svc, family, platform, tenancy, nu, min(hour),
       list(CAST(date_diff('hour', TIMESTAMP '1970-01-01', hour) AS BIGINT)), list(qty), sum(qty), sum(od)
  FROM hourly
 GROUP BY ALL
 ORDER BY ALL`

// usageSQL is the hourly usage per pool when some rows are longer than an
// hour: those are spread evenly over their hours.
const usageSQL = usageHead + `), g AS MATERIALIZED (
	-- Aggregate per pool and charge period first (one scan of the data),
	-- then spread the few periods longer than an hour.
	SELECT provider_name, billing_account_id, sub_account_id, region_id, service_name, family, platform, tenancy,
	       nf IS NOT NULL AS nu,
	       s, e, any_value(hours) AS hours, sum(q * coalesce(nf, 1)) AS qty, sum(od) AS od
	  FROM p GROUP BY ALL
), h AS (
	SELECT provider_name, billing_account_id, sub_account_id, region_id, service_name, family, platform, tenancy, nu,
	       date_trunc('hour', s) AS hour, qty, od
	  FROM g WHERE hours <= 1
	UNION ALL
	SELECT provider_name, billing_account_id, sub_account_id, region_id, service_name, family, platform, tenancy, nu,
	       unnest(range(date_trunc('hour', s), e, INTERVAL 1 HOUR)), qty / hours, od / hours
	  FROM g WHERE hours > 1
), hourly AS (
	SELECT provider_name, coalesce(billing_account_id, '') AS ba, coalesce(sub_account_id, '') AS sa,
	       coalesce(region_id, '') AS region, coalesce(service_name, '') AS svc, family,
	       coalesce(platform, '') AS platform, tenancy, nu, hour, sum(qty) AS qty, sum(od) AS od
	  FROM h GROUP BY ALL
)
-- One row per pool: its first hour, and the hour offsets and quantities
-- as lists, so that only pools (not pool-hours) cross into Go.
SELECT provider_name, ba, sa, region, svc, family, platform, tenancy, nu, min(hour),
       list(CAST(date_diff('hour', TIMESTAMP '1970-01-01', hour) AS BIGINT)), list(qty), sum(qty), sum(od)
  FROM hourly
 GROUP BY ALL
 ORDER BY ALL`

// UsageSeries derives the hourly usage per pool (DESIGN.md "Pool") from
// the usage rows: per provider, billing account, sub-account, region,
// service, instance family and platform. AWS usage of sizes with a
// normalization factor is in normalized units (NU-hour); other usage in
// instance-hours. Rows of providers Tranche does not know, and rows
// without an instance type, are not pools; docs/focus-mapping.md has the
// rules. Hours without usage inside a series are zero.
func (d *Dataset) UsageSeries(ctx context.Context) ([]providers.UsageSeries, error) {
	q := usageHourlySQL
	if d.multiHour > 0 {
		q = usageSQL
	}
	rows, err := d.db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("focus: deriving usage: %w", err)
	}
	defer rows.Close()
	var out []providers.UsageSeries
	for rows.Next() {
		var prov, ba, sa, region, svc, family, platform, tenancy string
		var nu bool
		var first time.Time
		var hours, qtys []any
		var qtySum float64
		var od sql.NullFloat64
		if err := rows.Scan(&prov, &ba, &sa, &region, &svc, &family, &platform, &tenancy, &nu, &first, &hours, &qtys, &qtySum, &od); err != nil {
			return nil, fmt.Errorf("focus: deriving usage: %w", err)
		}
		p, err := providers.ParseProvider(prov)
		if err != nil {
			continue // not a provider Tranche plans for
		}
		unit := providers.UnitInstanceHour
		if nu {
			unit = providers.UnitNormalizedHour
		}
		start := first.UTC()
		base := start.Unix() / 3600
		last := int64(0)
		for _, h := range hours {
			last = max(last, h.(int64)-base)
		}
		s := providers.UsageSeries{
			Pool: providers.PoolKey{Provider: p, BillingScope: ba, Account: sa, Region: region, Service: svc,
				Family: family, Platform: platform, Tenancy: tenancy, Unit: unit},
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
