package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tranchehq/tranche/internal/backtest"
	"github.com/tranchehq/tranche/internal/planner"
	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/providers/focus"
	"github.com/tranchehq/tranche/solver"
)

type backtestOptions struct {
	billing     []string
	usage       string
	prices      string
	inventory   string
	cadence     string
	lookback    planner.Duration
	horizon     planner.Duration
	start, end  string
	strategies  []string
	method      string
	timeLimit   time.Duration
	currency    string
	memoryLimit string
	scenarios   int
	seed        uint64
	gen         genFlags
	risk        string
	policy      string
}

func newBacktestCmd(g *globalOptions) *cobra.Command {
	o := &backtestOptions{lookback: planner.Duration(planner.DefaultLookback), horizon: planner.Duration(planner.DefaultHorizon)}
	cmd := &cobra.Command{
		Use:   "backtest --prices BOOK (--billing PATH... | --usage TABLE.csv) [flags]",
		Short: "Replay history: what Tranche, a provider-style recommender and hindsight would have paid",
		Long: `Backtest walks forward through the usage history. At each decision date
(monthly by default) every strategy decides with only the data known then, its
purchases join the commitments it owns, and the period until the next decision
is billed by the billing simulator with the providers' real rules, on the
period's actual usage. The strategies, on the same data and dates:

  tranche            Tranche's plan from the history before the date, as
                     tranche plan makes it by default: over --scenarios
                     forecast scenarios (8), or over the repeated lookback
                     where they would be too large
  tranche-repeat     Tranche's plan over the repeated lookback (as tranche
                     plan --optimize repeat)
  tranche-scenarios  Tranche's plan over the scenarios, whatever their size
  recommender        provider-style: RIs per pool, then one savings plan, each
                     what would have saved most over the lookback, 1-year no
                     upfront
  hindsight          the best purchases at the same dates knowing the actual
                     usage (one LP over the window): the limit
  none               buy nothing (always run; savings are measured against it)

For each: realized cost, savings and their share of the hindsight optimum's,
effective savings rate, coverage, utilization, waste, upfront paid, and the
commitment liability left after the window (the part of a term beyond the end
is charged to no strategy). Method, accounting and JSON schema:
docs/backtest.md.

The history is FOCUS billing exports (--billing; the commitments owned at the
start come from them) or a plain hourly usage table (--usage: CSV with columns
time, pool, quantity; see docs/backtest.md), priced by a price book.`,
		Example: `  tranche backtest --prices testdata/demo/pricebook.json --inventory testdata/demo/billing/inventory.json --billing testdata/demo/billing
  tranche backtest --prices book.json --usage usage.csv --cadence weekly --strategies tranche,recommender
  tranche backtest --prices book.json --billing exports/ --start 2026-03-01 --end 2026-09-01 -o html > backtest.html`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.billing = append(o.billing, args...)
			return runBacktest(cmd, g, o)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.billing, "billing", nil, "FOCUS billing files, directories or globs (repeatable; positional arguments count too)")
	f.StringVar(&o.usage, "usage", "", "hourly usage table (CSV: time, pool, quantity; see docs/backtest.md) instead of billing files")
	f.StringVar(&o.prices, "prices", "", "price book (JSON, schema tranche.pricebook/v1; see tranche prices)")
	f.StringVar(&o.inventory, "inventory", "", "owned commitments as the providers' APIs list them (tranche.inventory/v1): their kinds and ends, which billing data does not carry")
	f.StringVar(&o.cadence, "cadence", "monthly", "how often strategies decide: monthly, weekly or Nd (every N days)")
	f.Var(&o.lookback, "lookback", "usage history the recommender and Tranche look back on at each decision, e.g. 30d")
	f.Var(&o.horizon, "horizon", "Tranche's planning horizon at each decision")
	f.StringVar(&o.start, "start", "", "first decision date (RFC 3339 or YYYY-MM-DD); default: the cadence's first date one lookback into the history")
	f.StringVar(&o.end, "end", "", "end of the backtest window (RFC 3339 or YYYY-MM-DD); default: the end of the history")
	f.StringSliceVar(&o.strategies, "strategies", nil, "strategies to run, comma-separated: tranche, tranche-repeat, tranche-scenarios, recommender, hindsight, none (default: tranche, recommender, hindsight, none)")
	f.StringVar(&o.method, "method", "auto", "optimizer method for Tranche's plans and the hindsight LP: auto, direct or benders")
	f.DurationVar(&o.timeLimit, "time-limit", 0, "stop each optimization after this long and use the best answer found (0: no limit)")
	f.StringVar(&o.policy, "policy", "", "policy file (YAML, docs/plan.md) for the Tranche strategies")
	f.IntVar(&o.scenarios, "scenarios", 8, "scenarios the tranche and tranche-scenarios strategies optimize over at each decision")
	f.Uint64Var(&o.seed, "seed", 1, "seed of the scenario generator")
	o.gen.register(f)
	f.StringVar(&o.risk, "risk", "", "risk limits of the Tranche strategies (as tranche plan --risk), e.g. max_regret=0,risk_level=0.9")
	f.StringVar(&o.currency, "currency", "", "billing currency to assume for FOCUS files without a BillingCurrency column")
	f.StringVar(&o.memoryLimit, "memory-limit", "", "DuckDB memory limit, e.g. 2GB")
	_ = cmd.RegisterFlagCompletionFunc("cadence", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"monthly", "weekly", "14d"}, cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("strategies", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, s := range backtest.Strategies() {
			out = append(out, string(s))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func backtestWriter(format outputFormat) (func(io.Writer, *backtest.Result) error, error) {
	return writers[*backtest.Result]{outputTable: backtest.WriteTable, outputJSON: backtest.WriteJSON, outputCSV: backtest.WriteCSV,
		outputMarkdown: backtest.WriteMarkdown, outputHTML: backtest.WriteHTML}.pick("backtest", format)
}

func runBacktest(cmd *cobra.Command, g *globalOptions, o *backtestOptions) error {
	write, err := backtestWriter(g.output)
	if err != nil {
		return err
	}
	opt := backtest.Options{Lookback: time.Duration(o.lookback), Horizon: time.Duration(o.horizon)}
	if opt.Cadence, err = backtest.ParseCadence(o.cadence); err != nil {
		return usageError{fmt.Errorf("--cadence: %w", err)}
	}
	if opt.Lookback <= 0 {
		return usageError{fmt.Errorf("--lookback %s: want a positive duration such as 30d", o.lookback)}
	}
	if opt.Start, err = parseTime("--start", o.start); err != nil {
		return err
	}
	if opt.End, err = parseTime("--end", o.end); err != nil {
		return err
	}
	if !opt.Start.IsZero() && !opt.End.IsZero() && !opt.End.After(opt.Start) {
		return usageError{fmt.Errorf("--end %s is not after --start %s", o.end, o.start)}
	}
	for _, s := range o.strategies {
		n, err := backtest.ParseStrategy(s)
		if err != nil {
			return usageError{fmt.Errorf("--strategies: %w", err)}
		}
		opt.Strategies = append(opt.Strategies, n)
	}
	method, err := solver.ParseMethod(o.method)
	if err != nil {
		return usageError{fmt.Errorf("--method: %w", err)}
	}
	opt.Solver = solver.Options{Method: method, TimeLimit: o.timeLimit}
	switch {
	case o.prices == "":
		return usageError{errors.New("backtest: give the price book with --prices (tranche prices builds one)")}
	case len(o.billing) == 0 && o.usage == "":
		return usageError{errors.New("backtest: give the history: FOCUS billing files with --billing, or an hourly usage table with --usage")}
	case len(o.billing) > 0 && o.usage != "":
		return usageError{errors.New("backtest: give either --billing or --usage, not both")}
	}
	stderr := cmd.ErrOrStderr()
	if !g.quiet {
		opt.Progress = stderr
	}
	book, err := providers.LoadPriceBook(o.prices)
	if err != nil {
		return inputError{err}
	}
	in := backtest.Input{Book: book}
	if o.usage != "" {
		b, err := loadUsageTable(o.usage)
		if err != nil {
			return err
		}
		in.Usage, in.Notes = b.usage, append(in.Notes, b.notes...)
	} else {
		b, err := loadBilling(cmd, o.billing, focus.Options{Currency: o.currency, MemoryLimit: o.memoryLimit, Progress: opt.Progress})
		if err != nil {
			return err
		}
		if b.currency != "" && b.currency != book.Currency {
			return inputError{fmt.Errorf("backtest: the billing data is in %s but the price book %s is in %s; use a price book in the billing currency", b.currency, o.prices, book.Currency)}
		}
		in.Usage, in.Owned, in.Notes = b.usage, b.owned, b.notes
		if len(in.Usage) == 0 {
			return inputError{fmt.Errorf("backtest: no usage pools in %s: the billing data has no hourly compute usage with an instance type (see docs/focus-mapping.md)", strings.Join(o.billing, ", "))}
		}
	}
	if o.inventory != "" {
		var notes []string
		if in.Owned, notes, err = mergeInventory(o.inventory, in.Owned); err != nil {
			return err
		}
		in.Notes = append(in.Notes, notes...)
	}
	if opt.Policy, err = loadPolicy("backtest", o.policy, o.risk); err != nil {
		return err
	}
	if o.scenarios < 2 || o.scenarios > 1000 {
		return usageError{fmt.Errorf("backtest: --scenarios %d: want 2 to 1000", o.scenarios)}
	}
	gen, err := o.gen.generator("backtest", book, o.scenarios, o.seed)
	if err != nil {
		return err
	}
	opt.Forecast = gen
	res, err := backtest.Run(cmd.Context(), in, opt)
	if err != nil {
		var ve *solver.ValidationError
		switch {
		case errors.Is(err, backtest.ErrNoWindow):
			return usageError{err}
		case errors.Is(err, planner.ErrNoUsage), errors.As(err, &ve):
			return inputError{err}
		}
		return solverError{err}
	}
	return write(cmd.OutOrStdout(), res)
}
