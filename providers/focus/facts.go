package focus

// factsView is the view the report's metrics read: the charges view plus
// the derived columns defined in docs/metrics.md.
//
//	itype     instance type (instanceTypeSQL)
//	used      a usage row that consumed a commitment (status Used)
//	unused    the unused remainder of a commitment (status Unused)
//	od        on-demand-equivalent cost: ContractedCost, else ListCost
//	eligible  usage that a commitment could cover: not an Unused row, and
//	          either measured in hours with an instance type, or of a SKU
//	          (else service) that some commitment covers in the data
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
	       seen.k IS NOT NULL AS sku_seen
	  FROM charges c
	  LEFT JOIN seen ON seen.p = coalesce(c.provider_name, '') AND seen.k = coalesce(c.sku_id, c.service_name, '')
)
SELECT * EXCLUDE (sku_seen),
       charge_category = 'Usage' AND NOT unused
       AND (sku_seen OR (itype IS NOT NULL AND consumed_unit IN (` + hourUnits + `))) AS eligible
  FROM f`
