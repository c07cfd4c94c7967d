package focus

// factsView is the view the report's metrics read: the charges view plus
// the derived columns defined in docs/metrics.md.
//
//	itype     instance type (instanceTypeSQL)
//	used      a usage row that consumed a commitment (status Used)
//	unused    the unused remainder of a commitment (status Unused)
//	od        on-demand-equivalent cost: ContractedCost, else ListCost
//	eligible  usage that a commitment could cover: not an Unused row, and
//	          either usage that makes a pool (AWS: hours with an instance
//	          type; Azure: VM hours; GCP: Compute Engine vCPU or memory),
//	          or of a SKU (else service) that some commitment covers in
//	          the data
const factsView = `
CREATE VIEW facts AS
WITH seen AS (
	SELECT DISTINCT coalesce(provider_name, '') AS p, coalesce(sku_id, service_name, '') AS k
	  FROM charges WHERE charge_category = 'Usage' AND cd_status IN ('Used', 'Unused')
), f AS (
	SELECT c.*, ` + instanceTypeSQL + ` AS itype,
	       c.charge_category = 'Usage' AND c.cd_status IS NOT DISTINCT FROM 'Used' AS used,
	       c.charge_category = 'Usage' AND c.cd_status IS NOT DISTINCT FROM 'Unused' AS unused,
	       coalesce(c.contracted_cost, c.list_cost) AS od,
	       seen.k IS NOT NULL AS sku_seen,
	       ` + providerKindSQL + ` AS pkind, ` + azureMeterSQL + ` AS meter
	  FROM charges c
	  LEFT JOIN seen ON seen.p = coalesce(c.provider_name, '') AND seen.k = coalesce(c.sku_id, c.service_name, '')
)
SELECT * EXCLUDE (sku_seen, pkind, meter),
       charge_category = 'Usage' AND NOT unused
       AND (sku_seen
            OR (pkind = 'aws' AND itype IS NOT NULL AND consumed_unit IN (` + hourUnits + `))
            OR (pkind = 'azure' AND consumed_unit IN (` + hourUnits + `) AND ` + azureVMSQL + `)
            OR (pkind = 'gcp' AND service_name = 'Compute Engine' AND (` + gcpSeriesSQL + `) IS NOT NULL AND (` + gcpResourceSQL + `) IS NOT NULL)
            OR (pkind IS NULL AND itype IS NOT NULL AND consumed_unit IN (` + hourUnits + `))) AS eligible
  FROM f`
