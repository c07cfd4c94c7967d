// Package report builds Tranche's coverage / utilization / savings report
// from billing data loaded by providers/focus, and renders it as a terminal
// table, JSON (schema "tranche.report/v1", docs/report-schema.md), CSV or
// a self-contained HTML page with SVG charts.
//
// Every figure is aggregated by DuckDB (docs/metrics.md has the formulas
// and the FOCUS columns they use); Go only rounds money, once, when it
// builds the Report, and lays it out.
package report
