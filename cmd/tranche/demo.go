package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tranchehq/tranche/internal/backtest"
	"github.com/tranchehq/tranche/internal/demo"
)

type demoOptions struct {
	out  string
	seed uint64
	days int
	end  string
}

func newDemoCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Generate the demo data set (FOCUS billing files of a fictional company)",
		Long: `The demo data set is the FOCUS 1.2 billing export of Larkspur Analytics, a
fictional company running EC2 in four AWS regions, priced with the bundled price
book of real published AWS prices (testdata/demo/pricebook.json). docs/demo.md
describes the company, its usage events, its commitments and every price source.`,
	}
	o := &demoOptions{}
	gen := &cobra.Command{
		Use:   "generate [--out DIR] [--seed N] [--days N] [--end YYYY-MM-DD]",
		Short: "Write the demo's FOCUS files (one gzipped CSV a month) and manifest.json",
		Long: `Generate writes hourly EC2 usage of the demo company for --days days ending at
--end (exclusive), billed the way AWS bills it (reserved instances first, then
EC2 Instance Savings Plans, then Compute Savings Plans, each to the usage with
the highest discount first; checked against Tranche's billing simulator), as
one gzipped FOCUS 1.2 CSV file per month, plus manifest.json: the pools, the
events, the owned commitments and the generator's totals.

The same flags always give the same bytes. Files of an earlier run in --out
(focus-*.csv.gz, manifest.json) are replaced; nothing else there is touched.`,
		Example: `  tranche demo generate
  tranche demo generate --out /tmp/demo --seed 7 --days 180 --end 2026-12-01
  tranche report testdata/demo/billing`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{fmt.Errorf("demo generate: unexpected argument %q (the directory is --out)", args[0])}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemoGenerate(cmd, g, o)
		},
	}
	f := gen.Flags()
	f.StringVar(&o.out, "out", "testdata/demo/billing", "directory to write the files into (created if missing)")
	f.Uint64Var(&o.seed, "seed", demo.DefaultSeed, "seed of the usage noise (the fleet, events, commitments and prices do not depend on it)")
	f.IntVar(&o.days, "days", demo.DefaultDays, fmt.Sprintf("length of the window in days (%d to %d)", demo.MinDays, 3*365))
	f.StringVar(&o.end, "end", demo.DefaultEnd.Format("2006-01-02"), "end of the window, exclusive (YYYY-MM-DD, midnight UTC)")
	cmd.AddCommand(gen, newDemoTracesCmd(g))
	return cmd
}

type tracesOptions struct {
	out    string
	seed   uint64
	days   int
	random int
	fleet  int
}

func newDemoTracesCmd(g *globalOptions) *cobra.Command {
	o := &tracesOptions{}
	cmd := &cobra.Command{
		Use:   "traces [--out DIR] [--seed N] [--days N] [--random N [--fleet K]]",
		Short: "Write usage traces of known shapes (growth, trend break, slump, migration, decline, bursty, step up, launch) for backtests",
		Long: `Traces writes one usage table (CSV: time, the pool columns, quantity; see
docs/backtest.md) per trace into --out: hourly usage of known shapes in pools
the demo price book prices — growth, a trend break, a holiday slump, migrations
between families, a slow decommissioning, bursty business-hours usage, a step
up, a launch — with
daily and weekly cycles and noise. With --random N it also writes
random-1.csv to random-N.csv: seven pools each, whose drift, level changes,
launches and decommissions are drawn from one fixed distribution
(docs/backtest.md, "Random traces") — shapes nobody chose, to measure a
planner on. With --fleet K it also writes fleet.csv: random-1 to random-K
side by side, each in an account of its own (100000000001 onwards), one
organization's fleet whose pools average out. Backtest a trace with
"tranche backtest --prices testdata/demo/pricebook.json --usage DIR/NAME.csv".
The same flags always give the same bytes.`,
		Example: `  tranche demo traces --out /tmp/traces
  tranche backtest --prices testdata/demo/pricebook.json --usage /tmp/traces/trend-break.csv
  tranche demo traces --out /tmp/traces --random 12
  tranche demo traces --out /tmp/fleet --random 20 --seed 5 --fleet 20`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemoTraces(cmd, g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.out, "out", "traces", "directory to write the traces into (created if missing)")
	f.Uint64Var(&o.seed, "seed", demo.DefaultSeed, "seed of the noise")
	f.IntVar(&o.days, "days", 270, "length of every trace in days (60 to 1095)")
	f.IntVar(&o.random, "random", 0, fmt.Sprintf("also write this many traces of random shapes, random-1 to random-N (0 to %d)", demo.MaxRandomTraces))
	f.IntVar(&o.fleet, "fleet", 0, "also write fleet.csv: random-1 to random-K side by side, each in an account of its own (K at most --random)")
	return cmd
}

func runDemoTraces(cmd *cobra.Command, g *globalOptions, o *tracesOptions) error {
	if g.output != outputTable {
		return usageError{fmt.Errorf("demo traces: --output %s is not supported (the traces are CSV files; the summary is a table)", g.output)}
	}
	if o.days < 60 || o.days > 3*365 {
		return usageError{fmt.Errorf("demo traces: --days %d: want between 60 and 1095", o.days)}
	}
	if o.random < 0 || o.random > demo.MaxRandomTraces {
		return usageError{fmt.Errorf("demo traces: --random %d: want between 0 and %d", o.random, demo.MaxRandomTraces)}
	}
	if o.fleet < 0 || o.fleet > o.random {
		return usageError{fmt.Errorf("demo traces: --fleet %d: want between 0 and --random (%d)", o.fleet, o.random)}
	}
	cfg := demo.TraceConfig{Seed: o.seed, Days: o.days}
	trs, err := demo.Traces(cfg)
	if err != nil {
		return err
	}
	more, err := demo.RandomTraces(cfg, o.random)
	if err != nil {
		return err
	}
	trs = append(trs, more...)
	if o.fleet > 0 {
		trs = append(trs, demo.Fleet("fleet", more[:o.fleet]))
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return fmt.Errorf("demo traces: %w", err)
	}
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "File\tPools\tDays\tWhat")
	for _, tr := range trs {
		path := filepath.Join(o.out, tr.Name+".csv")
		if err := writeFileAtomic(path, encodeFunc(func(w io.Writer) error { return backtest.WriteUsageTable(w, tr.Usage) })); err != nil {
			return fmt.Errorf("demo traces: %w", err)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", path, len(tr.Usage), o.days, tr.Description)
	}
	return tw.Flush()
}

// encodeFunc lets a function be written by writeFileAtomic.
type encodeFunc func(io.Writer) error

func (f encodeFunc) Encode(w io.Writer) error { return f(w) }

func runDemoGenerate(cmd *cobra.Command, g *globalOptions, o *demoOptions) error {
	switch g.output {
	case outputTable, outputJSON:
	default:
		return usageError{fmt.Errorf("demo generate: --output %s is not supported (want table or json)", g.output)}
	}
	end, err := time.Parse("2006-01-02", o.end)
	if err != nil {
		return usageError{fmt.Errorf("demo generate: --end %q: want a date YYYY-MM-DD", o.end)}
	}
	if o.seed == 0 {
		return usageError{errors.New("demo generate: --seed 0: the seed must be positive")}
	}
	if o.days < demo.MinDays || o.days > 3*365 {
		return usageError{fmt.Errorf("demo generate: --days %d: want between %d and %d", o.days, demo.MinDays, 3*365)}
	}
	var progress io.Writer
	if !g.quiet {
		progress = cmd.ErrOrStderr()
	}
	start := time.Now()
	m, err := demo.GenerateManifest(cmd.Context(), o.out, demo.Config{Seed: o.seed, End: end, Days: o.days}, progress)
	if err != nil {
		return err
	}
	if progress != nil {
		fmt.Fprintf(progress, "demo: %d rows in %d files in %s\n", m.Totals.Rows, len(m.Files), time.Since(start).Round(time.Millisecond))
	}
	w := cmd.OutOrStdout()
	if g.output == outputJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	}
	return writeDemoSummary(w, o.out, m)
}

func writeDemoSummary(w io.Writer, dir string, m *demo.Manifest) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Demo data set\t%s, seed %d\n", m.Company, m.Seed)
	fmt.Fprintf(tw, "Window\t%s to %s (%d days)\n", m.Start.Format("2006-01-02"), m.End.Format("2006-01-02"), m.Days)
	fmt.Fprintf(tw, "Directory\t%s (%d files, %d rows, manifest.json)\n", dir, len(m.Files), m.Totals.Rows)
	fmt.Fprintf(tw, "Pools\t%d\n", len(m.Pools))
	fmt.Fprintf(tw, "Usage at on-demand rates\t%.2f USD\n", m.Totals.OnDemandCost)
	fmt.Fprintf(tw, "Billed / effective cost\t%.2f / %.2f USD\n", m.Totals.BilledCost, m.Totals.EffectiveCost)
	fmt.Fprintf(tw, "Price book\t%s\n", m.PriceBook)
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "Event\tFrom\tTo\tWhat")
	for _, e := range m.Events {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Kind, e.Start.Format("2006-01-02"), e.End.Format("2006-01-02"), e.What)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "Commitment\tEnds\tUtilization\tFees (USD)")
	for _, c := range m.Commitments {
		fmt.Fprintf(tw, "%s\t%s\t%.1f%%\t%.2f\n", c.Name, c.End.Format("2006-01-02"), 100*c.Utilization, c.Fees)
	}
	return tw.Flush()
}
