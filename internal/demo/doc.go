// Package demo generates Tranche's demo data set: the FOCUS 1.2 billing
// export of a fictional company (Larkspur Analytics) running EC2 in four
// AWS regions for several months, priced with a bundled price book of real
// published AWS prices (testdata/demo/pricebook.json, PriceBook).
//
// The usage is drawn hour by hour from a fixed fleet of workloads (an
// account, region, instance type and platform each) with daily and weekly
// cycles, growth and seeded noise, and three events: a migration from one
// instance family to its successor, a decommissioned cluster and a holiday
// slump. The company owns reserved instances and savings plans; the bill
// applies them the way AWS does (reserved instances first, size-flexible
// in normalized units, then EC2 Instance Savings Plans, then Compute
// Savings Plans, each to the usage with the highest discount first), and
// every generated data set is checked against solver.Simulate on the same
// usage. Generate writes one gzipped CSV file per month and a manifest with
// the generator's own totals. docs/demo.md describes the data set.
package demo
