package focus

import "strings"

// colType is how Tranche reads a FOCUS column.
type colType int

const (
	colString colType = iota
	colEnum
	colTimestamp
	colNumber
)

// column is a FOCUS column Tranche reads into the charges view.
type column struct {
	Name  string  // FOCUS column ID, e.g. ChargePeriodStart
	Field string  // name in the charges view
	Type  colType // how it is parsed
	// Required columns must be present in every file and non-null in every
	// row; the others default to NULL when absent.
	Required bool
	// Allowed are the canonical values of an enum column (FOCUS 1.2 text).
	Allowed []string
}

// columns are the FOCUS columns Tranche reads. The allowed values come from
// the FOCUS 1.2 column texts (../shared/data/focus/spec-1.2-columns).
var columns = []column{
	{Name: "ProviderName", Field: "provider_name", Type: colString},
	{Name: "PublisherName", Field: "publisher_name", Type: colString},
	{Name: "InvoiceIssuerName", Field: "invoice_issuer_name", Type: colString},
	{Name: "BillingAccountId", Field: "billing_account_id", Type: colString},
	{Name: "BillingAccountName", Field: "billing_account_name", Type: colString},
	{Name: "SubAccountId", Field: "sub_account_id", Type: colString},
	{Name: "SubAccountName", Field: "sub_account_name", Type: colString},
	{Name: "BillingCurrency", Field: "billing_currency", Type: colString},
	{Name: "BillingPeriodStart", Field: "billing_period_start", Type: colTimestamp},
	{Name: "BillingPeriodEnd", Field: "billing_period_end", Type: colTimestamp},
	{Name: "ChargePeriodStart", Field: "charge_period_start", Type: colTimestamp, Required: true},
	{Name: "ChargePeriodEnd", Field: "charge_period_end", Type: colTimestamp, Required: true},
	{Name: "ChargeCategory", Field: "charge_category", Type: colEnum, Required: true,
		Allowed: []string{"Usage", "Purchase", "Tax", "Credit", "Adjustment"}},
	{Name: "ChargeClass", Field: "charge_class", Type: colEnum, Allowed: []string{"Correction"}},
	{Name: "ChargeFrequency", Field: "charge_frequency", Type: colEnum,
		Allowed: []string{"One-Time", "Recurring", "Usage-Based"}},
	{Name: "ChargeDescription", Field: "charge_description", Type: colString},
	{Name: "PricingCategory", Field: "pricing_category", Type: colEnum,
		Allowed: []string{"Standard", "Dynamic", "Committed", "Other"}},
	{Name: "ServiceName", Field: "service_name", Type: colString},
	{Name: "ServiceCategory", Field: "service_category", Type: colString},
	{Name: "RegionId", Field: "region_id", Type: colString},
	{Name: "RegionName", Field: "region_name", Type: colString},
	{Name: "ResourceId", Field: "resource_id", Type: colString},
	{Name: "ResourceType", Field: "resource_type", Type: colString},
	{Name: "SkuId", Field: "sku_id", Type: colString},
	{Name: "SkuPriceDetails", Field: "sku_price_details", Type: colString},
	{Name: "BilledCost", Field: "billed_cost", Type: colNumber, Required: true},
	{Name: "EffectiveCost", Field: "effective_cost", Type: colNumber, Required: true},
	{Name: "ListCost", Field: "list_cost", Type: colNumber},
	{Name: "ContractedCost", Field: "contracted_cost", Type: colNumber},
	{Name: "ConsumedQuantity", Field: "consumed_quantity", Type: colNumber},
	{Name: "ConsumedUnit", Field: "consumed_unit", Type: colString},
	{Name: "PricingQuantity", Field: "pricing_quantity", Type: colNumber},
	{Name: "PricingUnit", Field: "pricing_unit", Type: colString},
	{Name: "CommitmentDiscountId", Field: "cd_id", Type: colString},
	{Name: "CommitmentDiscountName", Field: "cd_name", Type: colString},
	{Name: "CommitmentDiscountType", Field: "cd_type", Type: colString},
	{Name: "CommitmentDiscountCategory", Field: "cd_category", Type: colEnum, Allowed: []string{"Spend", "Usage"}},
	{Name: "CommitmentDiscountStatus", Field: "cd_status", Type: colEnum, Allowed: []string{"Used", "Unused"}},
	{Name: "CommitmentDiscountQuantity", Field: "cd_quantity", Type: colNumber},
	{Name: "CommitmentDiscountUnit", Field: "cd_unit", Type: colString},
	// Provider-specific: the instance type, when the export carries it
	// (docs/focus-mapping.md).
	{Name: "x_InstanceType", Field: "x_instance_type", Type: colString},
	// Microsoft's FOCUS export (FocusCost_1.0.json of the FinOps toolkit):
	// the SKU details (the cost export's AdditionalInfo, with the VM size
	// as "ServiceType") and the meter, which name Azure VM sizes.
	{Name: "x_SkuDetails", Field: "x_sku_details", Type: colString},
	{Name: "x_SkuMeterName", Field: "x_sku_meter_name", Type: colString},
	{Name: "x_SkuMeterCategory", Field: "x_sku_meter_category", Type: colString},
	{Name: "x_SkuMeterSubcategory", Field: "x_sku_meter_subcategory", Type: colString},
}

// focusColumnIDs are every column ID of FOCUS 1.0–1.2, used to tell a
// misspelt FOCUS column (e.g. "SkuPriceid") from a custom one.
var focusColumnIDs = strings.Fields(`AvailabilityZone BilledCost BillingAccountId BillingAccountName
BillingAccountType BillingCurrency BillingPeriodEnd BillingPeriodStart CapacityReservationId
CapacityReservationStatus ChargeCategory ChargeClass ChargeDescription ChargeFrequency ChargePeriodEnd
ChargePeriodStart CommitmentDiscountCategory CommitmentDiscountId CommitmentDiscountName
CommitmentDiscountQuantity CommitmentDiscountStatus CommitmentDiscountType CommitmentDiscountUnit
ConsumedQuantity ConsumedUnit ContractedCost ContractedUnitPrice EffectiveCost InvoiceId
InvoiceIssuerName ListCost ListUnitPrice PricingCategory PricingCurrency
PricingCurrencyContractedUnitPrice PricingCurrencyEffectiveCost PricingCurrencyListUnitPrice
PricingQuantity PricingUnit ProviderName PublisherName RegionId RegionName ResourceId ResourceName
ResourceType ServiceCategory ServiceName ServiceSubcategory SkuId SkuMeter SkuPriceDetails SkuPriceId
SubAccountId SubAccountName SubAccountType Tags`)

func lookupColumn(name string) (column, bool) {
	for _, c := range columns {
		if c.Name == name {
			return c, true
		}
	}
	return column{}, false
}

// focusSpelling returns the FOCUS column ID that name matches except for
// case, if any.
func focusSpelling(name string) (string, bool) {
	for _, id := range focusColumnIDs {
		if strings.EqualFold(id, name) && id != name {
			return id, true
		}
	}
	return "", false
}

func isFocusColumn(name string) bool {
	for _, id := range focusColumnIDs {
		if id == name {
			return true
		}
	}
	return false
}
