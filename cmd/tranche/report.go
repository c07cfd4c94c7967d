package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tranchehq/tranche/internal/report"
	"github.com/tranchehq/tranche/providers/focus"
)

type reportOptions struct {
	currency    string
	asOf        string
	csvTable    string
	memoryLimit string
}

func newReportCmd(g *globalOptions) *cobra.Command {
	o := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report [flags] PATH...",
		Short: "Coverage, utilization, savings, waste and expiries from FOCUS billing files",
		Long: `Report reads FOCUS 1.0–1.2 billing exports (CSV, CSV.gz or Parquet; files,
directories or globs) through embedded DuckDB and shows, overall and by provider,
billing account, sub-account, service, region, day and month: coverage of
eligible usage, utilization of each commitment, the effective savings rate
against contracted and against list cost, waste (unused commitment cost), net
savings, and the commitments expiring within 30, 60 and 90 days.

Invalid input stops the command with exit code 3 and every broken rule named by
file, row and column; what was normalised (literal NULL, "Usage-based", …) is
listed in the report. Formulas: docs/metrics.md. JSON schema:
docs/report-schema.md.`,
		Example: `  tranche report billing/2026-*.parquet
  tranche report -o json exports/ > report.json
  tranche report -o html exports/ > report.html
  tranche report -o csv --csv-table commitments exports/
  tranche report --currency USD focus-examples/*.csv`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{errors.New("report: give at least one FOCUS file, directory or glob")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReport(cmd, g, o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.currency, "currency", "", "billing currency to assume for files without a BillingCurrency column (e.g. USD)")
	f.StringVar(&o.asOf, "as-of", "", "count expiries from this time (RFC 3339 or YYYY-MM-DD); default: end of the last charge period")
	f.StringVar(&o.csvTable, "csv-table", report.CSVGroups, "table written by --output csv: groups or commitments")
	f.StringVar(&o.memoryLimit, "memory-limit", "", "DuckDB memory limit, e.g. 2GB (DuckDB spills to a temporary directory past it)")
	return cmd
}

func runReport(cmd *cobra.Command, g *globalOptions, o *reportOptions, args []string) error {
	var write func(io.Writer, *report.Report) error
	switch g.output {
	case outputTable:
		write = report.WriteTable
	case outputJSON:
		write = report.WriteJSON
	case outputHTML:
		write = report.WriteHTML
	case outputCSV:
		if o.csvTable != report.CSVGroups && o.csvTable != report.CSVCommitments {
			return usageError{fmt.Errorf("report: --csv-table %q: want groups or commitments", o.csvTable)}
		}
		write = func(w io.Writer, r *report.Report) error { return report.WriteCSV(w, r, o.csvTable) }
	default:
		return usageError{fmt.Errorf("report: --output %s is not supported (want table, json, csv or html)", g.output)}
	}
	asOf, err := parseTime("--as-of", o.asOf)
	if err != nil {
		return err
	}
	opt := focus.Options{Currency: o.currency, MemoryLimit: o.memoryLimit}
	if !g.quiet {
		opt.Progress = cmd.ErrOrStderr()
	}
	ctx := cmd.Context()
	cin, err := convertCUR(ctx, args, false, opt.Progress) // CUR 2.0 files read as FOCUS (cur.go)
	if err != nil {
		return err
	}
	defer cin.Close()
	opt.Progress = cin.progress(opt.Progress)
	d, err := focus.Open(ctx, cin.paths, opt)
	if err != nil {
		var inv *focus.InvalidError
		if errors.As(err, &inv) { // warnings are results, not progress: shown even with --quiet
			for _, n := range inv.Notices {
				if n.Kind == "warning" {
					fmt.Fprintf(cmd.ErrOrStderr(), "tranche: warning: %s: %s\n", n.File, n.Message)
				}
			}
		}
		if errors.Is(err, focus.ErrInvalid) || errors.Is(err, focus.ErrNoFiles) {
			return inputError{err}
		}
		return err
	}
	defer d.Close()
	cin.fixDataset(d)
	r, err := report.Build(ctx, d, report.Options{AsOf: asOf})
	if err != nil {
		return err
	}
	return write(cmd.OutOrStdout(), r)
}
