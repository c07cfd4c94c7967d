package cur

// kind is how a CUR 2.0 column is read.
type kind int

const (
	kText kind = iota
	kNumber
	kTime
	kMap // CUR 2.0's key-value columns (product): a Parquet MAP, or JSON text in CSV
)

// column is a CUR 2.0 column the conversion reads, by its name in the Data
// Exports table (docs/cur.md lists them with their meaning).
type column struct {
	Name  string
	Field string // name in the typed table
	Kind  kind
	// Required columns must be in the file; NotNull ones must also have a
	// value in every row.
	Required, NotNull bool
}

var columns = []column{
	{Name: "bill_payer_account_id", Field: "payer", Kind: kText, Required: true},
	{Name: "bill_payer_account_name", Field: "payer_name", Kind: kText},
	{Name: "bill_invoicing_entity", Field: "invoicing", Kind: kText},
	{Name: "bill_billing_period_start_date", Field: "bps", Kind: kTime},
	{Name: "bill_billing_period_end_date", Field: "bpe", Kind: kTime},
	{Name: "line_item_usage_account_id", Field: "acct", Kind: kText, Required: true},
	{Name: "line_item_usage_account_name", Field: "acct_name", Kind: kText},
	{Name: "line_item_line_item_type", Field: "lt", Kind: kText, Required: true, NotNull: true},
	{Name: "line_item_usage_start_date", Field: "ustart", Kind: kTime, Required: true, NotNull: true},
	{Name: "line_item_usage_end_date", Field: "uend", Kind: kTime, Required: true, NotNull: true},
	{Name: "line_item_product_code", Field: "pcode", Kind: kText, Required: true},
	{Name: "line_item_usage_type", Field: "utype", Kind: kText, Required: true},
	{Name: "line_item_operation", Field: "op", Kind: kText},
	{Name: "line_item_line_item_description", Field: "descr", Kind: kText},
	{Name: "line_item_resource_id", Field: "rid", Kind: kText},
	{Name: "line_item_currency_code", Field: "cur", Kind: kText, Required: true, NotNull: true},
	{Name: "line_item_usage_amount", Field: "amount", Kind: kNumber, Required: true},
	{Name: "line_item_unblended_cost", Field: "cost", Kind: kNumber, Required: true, NotNull: true},
	{Name: "line_item_unblended_rate", Field: "rate", Kind: kNumber},
	{Name: "line_item_normalized_usage_amount", Field: "nusage", Kind: kNumber},
	{Name: "product_instance_type", Field: "p_itype", Kind: kText},
	{Name: "product_region_code", Field: "p_region", Kind: kText},
	{Name: "product_operating_system", Field: "p_os", Kind: kText}, // legacy CUR's flat column
	{Name: "product_tenancy", Field: "p_tenancy", Kind: kText},
	{Name: "product_pre_installed_sw", Field: "p_sw", Kind: kText},
	{Name: "product_product_name", Field: "p_name", Kind: kText},
	{Name: "product_sku", Field: "p_sku", Kind: kText},
	{Name: "product", Field: "prod", Kind: kMap},
	{Name: "pricing_unit", Field: "punit", Kind: kText},
	{Name: "pricing_term", Field: "pterm", Kind: kText},
	{Name: "pricing_rate_id", Field: "rate_id", Kind: kText},
	{Name: "pricing_offering_class", Field: "offclass", Kind: kText},
	{Name: "pricing_public_on_demand_cost", Field: "od_cost", Kind: kNumber},
	{Name: "pricing_public_on_demand_rate", Field: "od_rate", Kind: kNumber},
	{Name: "reservation_reservation_a_r_n", Field: "ri_arn", Kind: kText},
	{Name: "reservation_availability_zone", Field: "ri_az", Kind: kText},
	{Name: "reservation_start_time", Field: "ri_start", Kind: kTime},
	{Name: "reservation_end_time", Field: "ri_end", Kind: kTime},
	{Name: "reservation_effective_cost", Field: "ri_eff", Kind: kNumber},
	{Name: "reservation_number_of_reservations", Field: "ri_count", Kind: kNumber},
	{Name: "reservation_unused_quantity", Field: "ri_unused", Kind: kNumber},
	{Name: "reservation_unused_amortized_upfront_fee_for_billing_period", Field: "ri_unused_upfront", Kind: kNumber},
	{Name: "reservation_unused_recurring_fee", Field: "ri_unused_recurring", Kind: kNumber},
	{Name: "savings_plan_savings_plan_a_r_n", Field: "sp_arn", Kind: kText},
	{Name: "savings_plan_offering_type", Field: "sp_type", Kind: kText},
	{Name: "savings_plan_payment_option", Field: "sp_pay", Kind: kText},
	{Name: "savings_plan_purchase_term", Field: "sp_term", Kind: kText},
	{Name: "savings_plan_start_time", Field: "sp_start", Kind: kTime},
	{Name: "savings_plan_end_time", Field: "sp_end", Kind: kTime},
	{Name: "savings_plan_savings_plan_effective_cost", Field: "sp_eff", Kind: kNumber},
	{Name: "savings_plan_savings_plan_rate", Field: "sp_rate", Kind: kNumber},
	{Name: "savings_plan_total_commitment_to_date", Field: "sp_total", Kind: kNumber},
	{Name: "savings_plan_used_commitment", Field: "sp_used", Kind: kNumber},
}

// markers are the columns whose presence makes a file a CUR: the line
// item type and the usage start, as CUR 2.0 (and legacy CUR in Parquet)
// name them.
var markers = []string{"line_item_line_item_type", "line_item_usage_start_date"}

// legacyMarkers are legacy CUR's CSV names of the same columns.
var legacyMarkers = []string{"lineItem/LineItemType", "lineItem/UsageStartDate"}

// productKeys are the keys read from the product map when the flat column
// is absent or null, in order of preference.
var productKeys = map[string][]string{
	"p_itype":   {"instance_type"},
	"p_region":  {"region_code", "region"},
	"p_os":      {"operating_system"},
	"p_tenancy": {"tenancy"},
	"p_sw":      {"pre_installed_sw"},
	"p_name":    {"product_name"},
	"p_sku":     {"sku"},
}

// maxAmount bounds every amount and quantity: a larger one is not a bill.
const maxAmount = 1e15
