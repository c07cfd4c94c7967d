package aws

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tranchehq/tranche/providers"
)

// ServiceEC2 is the service name of EC2 pools (the Price List service code).
const ServiceEC2 = "AmazonEC2"

// Platform names, as EC2 reserved instances and Cost Explorer spell them.
const (
	PlatformLinux = "Linux/UNIX"
)

// NormalizationFactor is the normalized units of one instance of size
// (the part of an instance type after the dot): nano 0.25, micro 0.5,
// small 1, medium 2, large 4, xlarge 8, Nxlarge 8·N. Sizes with no fixed
// factor ("metal", which takes the factor of the family's largest size) are
// an error; the Price List's normalizationSizeFactor attribute gives them.
func NormalizationFactor(size string) (float64, error) {
	switch size {
	case "nano":
		return 0.25, nil
	case "micro":
		return 0.5, nil
	case "small":
		return 1, nil
	case "medium":
		return 2, nil
	case "large":
		return 4, nil
	case "xlarge":
		return 8, nil
	}
	if n, ok := strings.CutSuffix(size, "xlarge"); ok {
		if k, err := strconv.Atoi(n); err == nil && k >= 2 && k <= 448 && strconv.Itoa(k) == n {
			return float64(8 * k), nil
		}
	}
	return 0, fmt.Errorf("instance size %q has no normalization factor", size)
}

// SplitInstanceType splits "m5.2xlarge" into family "m5" and size "2xlarge".
func SplitInstanceType(it string) (family, size string, err error) {
	family, size, ok := strings.Cut(it, ".")
	if !ok || family == "" || size == "" || strings.Contains(size, ".") || strings.ContainsAny(it, " \t/") {
		return "", "", fmt.Errorf("malformed instance type %q (want family.size, e.g. m5.large)", it)
	}
	return family, size, nil
}

// notFlexibleFamilies are families whose regional Linux reserved instances
// AWS does not make size-flexible (EC2 User Guide, "How Reserved Instances
// are applied").
var notFlexibleFamilies = map[string]bool{"g4ad": true, "g4dn": true, "g5": true, "g5g": true, "inf1": true}

// SizeFlexible reports whether a reservation on this platform and tenancy,
// regional (not zonal), is size-flexible within its family: Linux/UNIX,
// shared (default) tenancy, and a family AWS does not exclude.
func SizeFlexible(family, platform, tenancy string, zonal bool) bool {
	return !zonal && platform == PlatformLinux && tenancy == "Shared" && !notFlexibleFamilies[family]
}

// EC2Pool is the pool of an EC2 instance type in a region, with the size
// factor of one instance-hour in the pool's unit. Size-flexible pools are
// the family in normalized units; other pools are the instance type in
// instance-hours. nuFromPriceList, when positive, is the Price List's
// normalizationSizeFactor: it must agree with the size's factor, and is the
// only source for sizes with none ("metal").
func EC2Pool(region, instanceType, platform, tenancy string, zonal bool, nuFromPriceList float64) (providers.PoolKey, float64, error) {
	family, size, err := SplitInstanceType(instanceType)
	if err != nil {
		return providers.PoolKey{}, 0, err
	}
	if region == "" {
		return providers.PoolKey{}, 0, fmt.Errorf("instance type %s: no region", instanceType)
	}
	switch tenancy {
	case "Shared", "Dedicated":
	default:
		return providers.PoolKey{}, 0, fmt.Errorf("instance type %s: tenancy %q is not Shared or Dedicated", instanceType, tenancy)
	}
	if platform == "" {
		return providers.PoolKey{}, 0, fmt.Errorf("instance type %s: no platform", instanceType)
	}
	key := providers.PoolKey{
		Provider: providers.AWS, Region: region, Service: ServiceEC2,
		Platform: platform, Tenancy: tenancy,
	}
	if !SizeFlexible(family, platform, tenancy, zonal) {
		key.Family = instanceType
		key.Unit = providers.UnitInstanceHour
		return key, 1, nil
	}
	nu, err := NormalizationFactor(size)
	switch {
	case err != nil && nuFromPriceList > 0:
		nu = nuFromPriceList
	case err != nil:
		return providers.PoolKey{}, 0, fmt.Errorf("instance type %s: %w", instanceType, err)
	case nuFromPriceList > 0 && nuFromPriceList != nu:
		return providers.PoolKey{}, 0, fmt.Errorf("instance type %s: normalization size factor %v disagrees with size %s (%v)", instanceType, nuFromPriceList, size, nu)
	}
	key.Family = family
	key.Unit = providers.UnitNormalizedHour
	return key, nu, nil
}

// PlatformFromPriceList maps the Price List's operatingSystem,
// preInstalledSw and licenseModel attributes to the platform name used by
// reserved instances, savings plans and Cost Explorer.
func PlatformFromPriceList(os, preInstalledSW, licenseModel string) (string, error) {
	base := map[string]string{
		"Linux":                            "Linux/UNIX",
		"RHEL":                             "Red Hat Enterprise Linux",
		"Red Hat Enterprise Linux with HA": "Red Hat Enterprise Linux with HA",
		"SUSE":                             "SUSE Linux",
		"Windows":                          "Windows",
		"Ubuntu Pro":                       "Ubuntu Pro",
	}[os]
	if base == "" {
		return "", fmt.Errorf("unknown operating system %q", os)
	}
	if os == "Windows" && strings.EqualFold(licenseModel, "Bring your own license") {
		base = "Windows BYOL"
	}
	sql := map[string]string{
		"SQL Std": "SQL Server Standard", "SQL Web": "SQL Server Web", "SQL Ent": "SQL Server Enterprise",
		"SQL Server Standard": "SQL Server Standard", "SQL Server Web": "SQL Server Web", "SQL Server Enterprise": "SQL Server Enterprise",
	}
	switch preInstalledSW {
	case "", "NA":
		return base, nil
	}
	s, ok := sql[preInstalledSW]
	if !ok {
		return "", fmt.Errorf("unknown pre-installed software %q", preInstalledSW)
	}
	switch base {
	case "Linux/UNIX":
		return "Linux with " + s, nil
	case "Red Hat Enterprise Linux":
		return "Red Hat Enterprise Linux with " + s, nil
	case "Windows":
		return "Windows with " + s, nil
	}
	return "", fmt.Errorf("operating system %q with pre-installed software %q is not a known platform", os, preInstalledSW)
}

// NormalizePlatform maps the platform spellings of EC2 reserved instances
// ("Linux/UNIX (Amazon VPC)") to the pool's platform name.
func NormalizePlatform(p string) string {
	p = strings.TrimSpace(p)
	if q, ok := strings.CutSuffix(p, " (Amazon VPC)"); ok {
		p = q
	}
	return p
}

// TenancyFromEC2 maps EC2's instance tenancy ("default", "dedicated") to the
// pool's tenancy.
func TenancyFromEC2(t string) (string, error) {
	switch strings.ToLower(t) {
	case "default", "shared", "":
		return "Shared", nil
	case "dedicated":
		return "Dedicated", nil
	}
	return "", fmt.Errorf("unknown tenancy %q", t)
}

// regionNames maps the Price List's location names to region codes, for
// the price files that carry only the name.
var regionNames = map[string]string{
	"US East (N. Virginia)": "us-east-1", "US East (Ohio)": "us-east-2",
	"US West (N. California)": "us-west-1", "US West (Oregon)": "us-west-2",
	"EU (Ireland)": "eu-west-1", "EU (London)": "eu-west-2", "EU (Paris)": "eu-west-3",
	"EU (Frankfurt)": "eu-central-1", "EU (Stockholm)": "eu-north-1", "EU (Milan)": "eu-south-1",
	"Asia Pacific (Tokyo)": "ap-northeast-1", "Asia Pacific (Seoul)": "ap-northeast-2",
	"Asia Pacific (Singapore)": "ap-southeast-1", "Asia Pacific (Sydney)": "ap-southeast-2",
	"Asia Pacific (Mumbai)": "ap-south-1", "Canada (Central)": "ca-central-1",
	"South America (Sao Paulo)": "sa-east-1",
}

// RegionCode returns the region code of a Price List location name.
func RegionCode(location string) (string, bool) {
	c, ok := regionNames[location]
	return c, ok
}
