// Package providers holds the cloud-neutral vocabulary that every provider
// adapter produces: pools, hourly usage series, commitment kinds, payment
// options and owned commitments. Adapters live in sub-packages
// (providers/focus, providers/aws, …); each imports only this package and its
// own SDK, never another adapter.
package providers

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrThrottled is returned (wrapped) by adapters when the provider keeps
// throttling after the adapter's retries are spent.
var ErrThrottled = errors.New("providers: throttled by the provider")

// Provider names a cloud or SaaS vendor.
type Provider string

// Providers Tranche knows.
const (
	AWS   Provider = "aws"
	GCP   Provider = "gcp"
	Azure Provider = "azure"
)

// ParseProvider maps the names found in billing data and on the command line
// ("AWS", "Amazon Web Services", "Microsoft", "Google Cloud", …) to a Provider.
func ParseProvider(s string) (Provider, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "aws", "amazon", "amazon web services", "amazon web services, inc.":
		return AWS, nil
	case "gcp", "google", "google cloud", "google cloud platform":
		return GCP, nil
	case "azure", "microsoft", "microsoft azure":
		return Azure, nil
	}
	return "", fmt.Errorf("providers: unknown provider %q (want aws, gcp or azure)", s)
}

// Unit is the unit a pool's usage is measured in.
type Unit string

// Units of pool usage (DESIGN.md, "Pool").
const (
	// UnitNormalizedHour is an AWS normalized unit for one hour
	// (nano 0.25, micro 0.5, small 1, medium 2, large 4, xlarge 8, …).
	UnitNormalizedHour Unit = "NU-hour"
	// UnitInstanceHour is one instance running for one hour.
	UnitInstanceHour Unit = "instance-hour"
	// UnitVCPUHour is one vCPU for one hour (GCP resource commitments).
	UnitVCPUHour Unit = "vCPU-hour"
	// UnitGiBHour is one GiB of memory for one hour (GCP resource commitments).
	UnitGiBHour Unit = "GiB-hour"
	// UnitSeatMonth is one SaaS seat for one month.
	UnitSeatMonth Unit = "seat-month"
)

// PoolKey identifies a pool: the finest grain at which a commitment's price
// differs. Empty fields mean "not applicable" (a GCP pool has no Tenancy).
type PoolKey struct {
	Provider     Provider `json:"provider"`
	BillingScope string   `json:"billing_scope,omitempty"` // payer account, billing account, enrollment
	Account      string   `json:"account,omitempty"`       // linked account, project, subscription
	Region       string   `json:"region"`
	Service      string   `json:"service"`            // e.g. AmazonEC2, Compute Engine
	Family       string   `json:"family"`             // instance family or machine series, e.g. m5, n2
	Platform     string   `json:"platform,omitempty"` // e.g. Linux/UNIX, Windows
	Tenancy      string   `json:"tenancy,omitempty"`  // e.g. Shared, Dedicated
	Unit         Unit     `json:"unit"`
}

// String is the pool's canonical identifier, stable across runs: the fields
// joined by "/", in declaration order, empty fields kept as "-".
func (k PoolKey) String() string {
	parts := []string{string(k.Provider), k.BillingScope, k.Account, k.Region, k.Service, k.Family, k.Platform, k.Tenancy, string(k.Unit)}
	for i, p := range parts {
		if p == "" {
			parts[i] = "-"
		}
	}
	return strings.Join(parts, "/")
}

// Contains reports whether pool lies inside the scope k: every non-empty
// field of k equals the pool's (the unit is not compared), except that a
// scope's instance family also contains the pools named by an instance
// type of that family — AWS usage without size flexibility (Windows, for
// one) is pooled by instance type, so an EC2 Instance Savings Plan of
// family c5 contains pool c5.xlarge but not c5d.xlarge.
func (k PoolKey) Contains(pool PoolKey) bool {
	eq := func(a, b string) bool { return a == "" || a == b }
	family := eq(k.Family, pool.Family) ||
		(strings.HasPrefix(pool.Family, k.Family) && pool.Family[len(k.Family)] == '.')
	return eq(string(k.Provider), string(pool.Provider)) && eq(k.BillingScope, pool.BillingScope) &&
		eq(k.Account, pool.Account) && eq(k.Region, pool.Region) && eq(k.Service, pool.Service) &&
		family && eq(k.Platform, pool.Platform) && eq(k.Tenancy, pool.Tenancy)
}

// UsageSeries is the hourly usage of one pool.
type UsageSeries struct {
	Pool PoolKey `json:"pool"`
	// Start is the first hour, UTC, truncated to the hour.
	Start time.Time `json:"start"`
	// Quantity is the usage per hour, in Pool.Unit; Quantity[i] is the hour
	// Start + i hours.
	Quantity []float64 `json:"quantity"`
	// OnDemandRate is the on-demand price in USD (or the billing currency)
	// per unit-hour; 0 when unknown.
	OnDemandRate float64 `json:"on_demand_rate"`
}

// Kind is the kind of a commitment offering.
type Kind string

// Commitment kinds.
const (
	KindRIStandard       Kind = "ri-standard"        // AWS standard reserved instance
	KindRIConvertible    Kind = "ri-convertible"     // AWS convertible reserved instance
	KindComputeSP        Kind = "compute-sp"         // AWS Compute Savings Plan
	KindEC2InstanceSP    Kind = "ec2-instance-sp"    // AWS EC2 Instance Savings Plan
	KindGCPResourceCUD   Kind = "gcp-resource-cud"   // GCP resource-based committed use discount
	KindGCPFlexibleCUD   Kind = "gcp-flexible-cud"   // GCP spend-based (flexible) committed use discount
	KindAzureReservation Kind = "azure-reservation"  // Azure reservation
	KindAzureSavingsPlan Kind = "azure-savings-plan" // Azure savings plan for compute
)

var kinds = []Kind{KindRIStandard, KindRIConvertible, KindComputeSP, KindEC2InstanceSP, KindGCPResourceCUD, KindGCPFlexibleCUD, KindAzureReservation, KindAzureSavingsPlan}

// Kinds lists every commitment kind.
func Kinds() []Kind { return append([]Kind(nil), kinds...) }

// ParseKind parses a Kind from its name.
func ParseKind(s string) (Kind, error) {
	for _, k := range kinds {
		if strings.EqualFold(strings.TrimSpace(s), string(k)) {
			return k, nil
		}
	}
	return "", fmt.Errorf("providers: unknown commitment kind %q", s)
}

// Spend reports whether the kind is a spend commitment (a currency amount
// per hour consumed at per-pool rates) rather than a resource commitment
// (units of capacity).
func (k Kind) Spend() bool {
	switch k {
	case KindComputeSP, KindEC2InstanceSP, KindGCPFlexibleCUD, KindAzureSavingsPlan:
		return true
	}
	return false
}

// BillingTier is the order in which the provider applies commitments of
// this kind to usage within one hour: lower tiers first. AWS applies
// reserved instances, then EC2 Instance Savings Plans, then Compute Savings
// Plans; GCP resource CUDs before flexible CUDs; Azure reservations before
// savings plans.
func (k Kind) BillingTier() int {
	switch k {
	case KindRIStandard, KindRIConvertible, KindGCPResourceCUD, KindAzureReservation:
		return 0
	case KindEC2InstanceSP, KindGCPFlexibleCUD, KindAzureSavingsPlan:
		return 1
	case KindComputeSP:
		return 2
	}
	return 3
}

// PaymentOption is how a commitment is paid.
type PaymentOption string

// Payment options.
const (
	NoUpfront      PaymentOption = "no-upfront"
	PartialUpfront PaymentOption = "partial-upfront"
	AllUpfront     PaymentOption = "all-upfront"
)

// ParsePaymentOption accepts Tranche's names and the providers' spellings
// ("No Upfront", "Partial Upfront", "All Upfront", "NoUpfront", …).
func ParsePaymentOption(s string) (PaymentOption, error) {
	n := strings.ToLower(strings.NewReplacer(" ", "", "-", "", "_", "").Replace(s))
	switch n {
	case "noupfront", "monthly":
		return NoUpfront, nil
	case "partialupfront":
		return PartialUpfront, nil
	case "allupfront", "upfront":
		return AllUpfront, nil
	}
	return "", fmt.Errorf("providers: unknown payment option %q", s)
}

// Commitment is a commitment that is owned.
type Commitment struct {
	ID            string        `json:"id"`
	Provider      Provider      `json:"provider"`
	Kind          Kind          `json:"kind"`
	PaymentOption PaymentOption `json:"payment_option,omitempty"`
	// Quantity is the number of units owned: instances (or normalized units,
	// see Unit) for resource kinds, currency per hour for spend kinds.
	Quantity float64 `json:"quantity"`
	Unit     Unit    `json:"unit,omitempty"`
	// Start and End bound the active window [Start, End), UTC.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Scope says what the commitment can cover: for resource kinds the pool
	// (family, region, platform, tenancy); for spend kinds the fields that
	// restrict it (e.g. Family and Region for an EC2 Instance Savings Plan;
	// nothing but Provider for a Compute Savings Plan).
	Scope PoolKey `json:"scope"`
	// InstanceType is the size bought, for resource kinds (e.g. m5.xlarge).
	InstanceType string `json:"instance_type,omitempty"`
	// OfferingID is the price-book offering bought, when known (a plan's
	// purchases know it; billing data and the APIs do not).
	OfferingID string `json:"offering_id,omitempty"`
	// UpfrontFee is the one-time fee paid for the whole quantity, and
	// RecurringHourlyFee the fee per hour for the whole quantity, in Currency.
	UpfrontFee         float64 `json:"upfront_fee"`
	RecurringHourlyFee float64 `json:"recurring_hourly_fee"`
	Currency           string  `json:"currency,omitempty"`
}
