// Package focus reads FinOps FOCUS billing exports (FOCUS 1.0, 1.1 and 1.2;
// CSV, CSV.gz and Parquet; one file, many files, a directory or a glob)
// through embedded DuckDB.
//
// Open reads the columns Tranche relies on into a typed DuckDB view
// ("charges": Parquet files are read in place, CSV files parsed once into a
// DuckDB table), validates them in one scan per file — the same scan sums
// the usage per pool and charge period for UsageSeries — and records what it
// had to normalise (literal "NULL" strings, enum values in the wrong case,
// timestamps without "T" or a zone). A file that breaks a rule stops the
// load with an *InvalidError whose issues name the file, the row and the
// column; nothing is returned half loaded. The rows never pass through Go: DuckDB streams the files, and every
// aggregate (hourly usage per pool, owned commitments, the report's metrics)
// is a SQL query over the charges view.
//
// Row numbers in messages are line numbers for CSV files (header = line 1,
// blank lines and multi-line quoted fields counted) and 1-based row numbers
// for Parquet files.
//
// The mapping from FOCUS columns to Tranche's pools and commitments, and the
// provider-specific columns it uses, is written out in docs/focus-mapping.md.
package focus
