package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tranchehq/tranche/internal/backtest"
	"github.com/tranchehq/tranche/internal/format"
	"github.com/tranchehq/tranche/internal/planner"
	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/providers/focus"
	"github.com/tranchehq/tranche/scenarios"
	"github.com/tranchehq/tranche/solver"
)

type planOptions struct {
	prices      string
	usage       string
	inventory   string
	policy      string
	asOf        string
	lookback    planner.Duration
	horizon     planner.Duration
	method      string
	timeLimit   time.Duration
	sampleWeeks int
	currency    string
	memoryLimit string
	scenarios   int
	seed        uint64
	gen         genFlags
	assumptions string
	optimize    string
	risk        string
	// frontier asks for the sweep frontier: a count or max_regret amounts.
	frontier string
	// providerRecs is AWS's own recommendation to bill beside the plan.
	providerRecs string
}

func newPlanCmd(g *globalOptions) *cobra.Command {
	o := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan --prices BOOK [flags] (BILLING... | --usage TABLE.csv)",
		Short: "Recommend the commitments to buy now, from billing history and a price book",
		Long: `Plan reads FOCUS billing exports (files, directories or globs; CSV, CSV.gz or
Parquet), derives the hourly usage per pool and the commitments owned, and finds
the purchase that costs least in expectation over --scenarios forecast futures
(growth drawn from the history, trend breaks, migrations continued, old
instance generations moving to new ones; docs/scenarios.md), within the policy
and its risk limits. Over 12 million pool-hours (pools × horizon hours ×
scenarios) it optimizes on one week in 2 or 4 of them and bills the answer on
every hour; over 48 million, or with --optimize repeat, it optimizes for the
lookback repeated instead (the "repeat" scenario, which is what the providers'
own recommenders assume). Every figure is the billing simulator's. Instead of
billing files, --usage reads a plain hourly usage table (CSV: time, pool,
quantity, as tranche backtest reads it; docs/backtest.md); the commitments
owned then come from --inventory only.

The plan lists one line per purchase (quantity, upfront, monthly recurring,
effective rate, savings, ROI, break-even, expected utilization, coverage before
and after, the pools it covers and why), the totals, the savings-versus-
commitment curve, and what was excluded and why. It carries its as-of time and
the digest of its inputs: the same inputs give the same plan, byte for byte,
on any number of cores (unless --time-limit stops the solver, which it does
where the clock says).

Risk: the purchases are billed in --scenarios futures. With no risk limit given,
the conservative default is max_regret=0 at risk_level=0.9: in the worst 10 % of
scenarios the purchases may not lose money against buying nothing, on average.
Optimizing over the scenarios enforces it; the repeat optimization cannot, so
the plan then flags the purchases that break it. Every output states the limits in force
and where each came from (default, policy or --risk); --risk none turns the
defaults off. The efficient frontier (expected savings against that risk) is
shown for the savings curve's plans, or with --frontier for re-solved ones.

Output: table (default), json (schema docs/plan-schema.json), csv (the order
sheet for procurement), markdown, or html (a self-contained page with charts).
Policy file fields and defaults: docs/plan.md. Tranche proposes; nothing is
bought.`,
		Example: `  tranche plan --prices testdata/demo/pricebook.json --inventory testdata/demo/billing/inventory.json testdata/demo/billing
  tranche plan --prices book.json --policy policy.yaml --as-of 2026-11-01 exports/
  tranche plan --prices book.json -o csv exports/ > order-sheet.csv
  tranche plan --prices book.json -o html exports/ > plan.html
  tranche plan --prices book.json --inventory owned.json --usage usage.csv`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 0 && o.usage == "":
				return usageError{errors.New("plan: give at least one FOCUS billing file, directory or glob, or an hourly usage table with --usage")}
			case len(args) > 0 && o.usage != "":
				return usageError{fmt.Errorf("plan: give either billing files (%s) or --usage, not both", strings.Join(args, ", "))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPlan(cmd, g, o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.prices, "prices", "", "price book (JSON, schema tranche.pricebook/v1; see tranche prices)")
	f.StringVar(&o.usage, "usage", "", "hourly usage table (CSV: time, pool, quantity; see docs/backtest.md) instead of billing files; owned commitments then come from --inventory only")
	f.StringVar(&o.inventory, "inventory", "", "owned commitments as the providers' APIs list them (JSON, tranche.inventory/v1): kind, end and size, which billing data does not carry")
	f.StringVar(&o.policy, "policy", "", "policy file (YAML; see docs/plan.md); default: every offering, no limits, 30d lookback, 365d horizon")
	f.StringVar(&o.asOf, "as-of", "", "plan as of this time (RFC 3339 or YYYY-MM-DD): only history before it is used; default: end of the billing data")
	f.Var(&o.lookback, "lookback", "usage history repeated over the horizon, e.g. 30d (overrides the policy)")
	f.Var(&o.horizon, "horizon", "period the plan is evaluated over, e.g. 365d (overrides the policy)")
	f.StringVar(&o.method, "method", "auto", "optimizer method: auto, direct (one LP) or benders (decomposition)")
	f.IntVar(&o.sampleWeeks, "sample-weeks", 0, "optimize on one week in N of each scenario's hours (an approximation for large problems); the purchase is then billed on every hour and its gap proven over every hour (0 or 1: every hour)")
	f.DurationVar(&o.timeLimit, "time-limit", 0, "stop the optimizer after this long and plan with the best answer found, with its proven gap (0: no limit)")
	f.StringVar(&o.optimize, "optimize", "auto", "what the purchases are optimized over: scenarios (the --scenarios forecast: expected cost within the risk limits), repeat (the lookback repeated, as the providers do), or auto: scenarios, on every hour up to 12 million pool-hours (pools × horizon hours × scenarios), on one week in 2 or 4 up to 48 million, else repeat")
	f.StringVar(&o.risk, "risk", "", "risk limits, overriding the policy file: comma-separated key=value with the policy's names, e.g. max_regret=0,risk_level=0.9,max_waste_share=0.1. "+
		"Default when neither sets them: max_regret=0 at risk_level=0.9 (no loss on average against buying nothing in the worst 10% of scenarios) — enforced when the purchases are optimized over the scenarios, "+
		"checked on them and flagged when they are optimized for the repeated lookback; none turns the defaults off")
	f.StringVar(&o.frontier, "frontier", "", "with scenarios (--optimize auto or scenarios): re-solve for a sweep of max_regret limits and show expected savings against risk — a number of points (e.g. 5: "+
		"from 0 to the regret of the plan without a limit) or monthly amounts (e.g. 0,100,500). Without it the frontier is the savings curve's plans billed in the scenarios")
	f.IntVar(&o.scenarios, "scenarios", 20, "forecast scenarios the purchases are optimized over (--optimize) and evaluated on (savings range, chance of loss, waste); 0: none (and optimize for the repeated lookback)")
	f.Uint64Var(&o.seed, "seed", 1, "seed of the scenario generator (the same seed gives the same scenarios)")
	o.gen.register(f)
	f.StringVar(&o.assumptions, "assumptions", "", "finance's assumptions (YAML, see docs/scenarios.md): growth ranges and planned events for the scenarios; caps, terms and cost of capital for the policy")
	f.StringVar(&o.currency, "currency", "", "billing currency to assume for files without a BillingCurrency column")
	f.StringVar(&o.memoryLimit, "memory-limit", "", "DuckDB memory limit, e.g. 2GB")
	f.StringVar(&o.providerRecs, "provider-recommendations", "", "AWS's own purchase recommendation (JSON, tranche.recommendations/v1; see tranche recommendations fetch), billed beside the plan by the same simulator")
	return cmd
}

func parseTime(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if t, err = time.Parse("2006-01-02", s); err != nil {
			return time.Time{}, usageError{fmt.Errorf("%s %q: want RFC 3339 or YYYY-MM-DD", flag, s)}
		}
	}
	return t.UTC(), nil
}

func planWriter(format outputFormat) (func(io.Writer, *planner.Plan) error, error) {
	return writers[*planner.Plan]{outputTable: planner.WriteTable, outputJSON: planner.WriteJSON, outputCSV: planner.WriteCSV,
		outputMarkdown: planner.WriteMarkdown, outputHTML: planner.WriteHTML}.pick("plan", format)
}

func runPlan(cmd *cobra.Command, g *globalOptions, o *planOptions, args []string) error {
	if o.prices == "" {
		return usageError{errors.New("plan: give the price book with --prices (see tranche prices, or testdata/demo/pricebook.json)")}
	}
	write, err := planWriter(g.output)
	if err != nil {
		return err
	}
	method, err := solver.ParseMethod(o.method)
	if err != nil {
		return usageError{err}
	}
	asOf, err := parseTime("--as-of", o.asOf)
	if err != nil {
		return err
	}
	book, err := providers.LoadPriceBook(o.prices)
	if err != nil {
		return inputError{err}
	}
	pol, err := loadPolicy("plan", o.policy, o.risk)
	if err != nil {
		return err
	}
	if o.optimize != "auto" && o.optimize != "repeat" && o.optimize != "scenarios" {
		return usageError{fmt.Errorf("plan: --optimize %q: want auto, scenarios or repeat", o.optimize)}
	}
	if o.optimize == "auto" && o.scenarios < 2 {
		o.optimize = "repeat" // nothing to optimize over but the lookback
	}
	var frontier *planner.FrontierOptions
	if o.frontier != "" {
		if o.optimize == "repeat" {
			return usageError{errors.New("plan: --frontier re-solves the optimization over scenarios: use it with --optimize scenarios (without it the frontier is the savings curve's plans billed in the scenarios)")}
		}
		if frontier, err = planner.ParseFrontier(o.frontier); err != nil {
			return usageError{fmt.Errorf("plan: --frontier: %w", err)}
		}
	}
	if o.optimize == "scenarios" && o.scenarios < 2 {
		return usageError{fmt.Errorf("plan: --optimize scenarios needs --scenarios 2 or more")}
	}
	var risk, forecast planner.Forecaster
	if o.scenarios < 0 || o.scenarios > 1000 {
		return usageError{fmt.Errorf("plan: --scenarios %d: want 0 (none) to 1000", o.scenarios)}
	}
	if o.assumptions != "" || o.scenarios > 0 {
		gen, err := o.gen.generator("plan", book, o.scenarios, o.seed)
		if err != nil {
			return err
		}
		if o.assumptions != "" {
			if gen.Assumptions, err = scenarios.LoadAssumptions(o.assumptions); err != nil {
				return inputError{err}
			}
			if pol, err = gen.Assumptions.Restrict(pol); err != nil {
				return inputError{err}
			}
		}
		if o.scenarios > 0 {
			risk = gen
		}
		if o.optimize != "repeat" {
			forecast = gen
		}
	}
	budget := 0
	if o.optimize == "auto" && o.frontier == "" {
		budget = planner.DefaultScenarioBudget
	}
	stderr := cmd.ErrOrStderr()
	var progress io.Writer
	if !g.quiet {
		progress = stderr
	}
	var in *billing
	if o.usage != "" {
		in, err = loadUsageTable(o.usage)
	} else {
		in, err = loadBilling(cmd, args, focus.Options{Currency: o.currency, MemoryLimit: o.memoryLimit, Progress: progress})
	}
	if err != nil {
		return err
	}
	var providerRecs *planner.ProviderRecommendation
	if o.providerRecs != "" {
		if providerRecs, err = loadProviderRecommendations(o.providerRecs); err != nil {
			return err
		}
		in.sources = append(in.sources, "provider recommendations "+o.providerRecs)
	}
	if o.inventory != "" {
		var notes []string
		if in.owned, notes, err = mergeInventory(o.inventory, in.owned); err != nil {
			return err
		}
		in.notes = append(in.notes, notes...)
		in.sources = append(in.sources, "inventory "+o.inventory)
	}
	if in.currency != "" && book.Currency != "" && in.currency != book.Currency {
		return inputError{fmt.Errorf("plan: the billing data is in %s but the price book %s is in %s; use a price book in the billing currency", in.currency, o.prices, book.Currency)}
	}
	opts := planner.Options{Solver: solver.Options{Method: method, TimeLimit: o.timeLimit, SampleWeeks: o.sampleWeeks}, Progress: progress, Frontier: frontier}
	p, err := planner.MakePlan(cmd.Context(), planner.Input{
		Book: book, History: in.usage, Owned: in.owned, Policy: pol, AsOf: asOf,
		Lookback: time.Duration(o.lookback), Horizon: time.Duration(o.horizon), Sources: in.sources, RiskForecast: risk,
		Unpooled: in.unpooled, Forecast: forecast, ScenarioBudget: budget, RiskSource: riskSource(o.risk), ProviderRecommendation: providerRecs,
	}, opts)
	if err != nil {
		var ve *solver.ValidationError
		switch {
		case errors.Is(err, planner.ErrNoUsage), errors.Is(err, planner.ErrAsOf), errors.As(err, &ve):
			return inputError{err}
		}
		if tl := (*planner.ForecastTooLargeError)(nil); errors.As(err, &tl) {
			return usageError{fmt.Errorf("%w; use --scenarios %d or fewer or a shorter --horizon (--optimize auto without --frontier plans over the repeat forecast at this size)", err, tl.Fits)}
		}
		return solverError{err}
	}
	p.Notes = append(in.notes, p.Notes...)
	return write(cmd.OutOrStdout(), p)
}

// loadPolicy reads the policy file (the default policy without one) and
// sets the --risk limits over it; errors are the command's.
func loadPolicy(command, path, risk string) (planner.Policy, error) {
	pol := planner.DefaultPolicy()
	if path != "" {
		var err error
		if pol, err = planner.LoadPolicy(path); err != nil {
			return pol, inputError{err}
		}
	}
	if risk != "" {
		var err error
		if pol, err = planner.ApplyRisk(pol, risk); err != nil {
			return pol, usageError{fmt.Errorf("%s: --risk: %w", command, err)}
		}
	}
	return pol, nil
}

// mergeInventory reads an inventory file and merges it into the owned
// commitments billing data shows (planner.MergeOwned).
func mergeInventory(path string, owned []providers.Commitment) ([]providers.Commitment, []string, error) {
	inv, err := providers.LoadInventory(path)
	if err != nil {
		return nil, nil, inputError{err}
	}
	merged, notes := planner.MergeOwned(owned, inv)
	return merged, notes, nil
}

// billing is what a plan or backtest needs from FOCUS files.
type billing struct {
	usage    []providers.UsageSeries
	owned    []providers.Commitment
	unpooled []planner.Exclusion
	sources  []string
	notes    []string
	currency string
}

// loadUsageTable reads a plain hourly usage table (backtest.ReadUsageTable)
// as a plan or backtest reads billing: usage per pool, no commitments owned
// (those come from --inventory) and the file's digest for the record.
func loadUsageTable(path string) (*billing, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, inputError{fmt.Errorf("usage table: %w", err)}
	}
	defer f.Close()
	h := sha256.New()
	usage, err := backtest.ReadUsageTable(io.TeeReader(f, h), path)
	if err != nil {
		return nil, inputError{err}
	}
	return &billing{
		usage:   usage,
		sources: []string{fmt.Sprintf("usage table %s (%s, sha256:%x)", path, format.Count(len(usage), "pool"), h.Sum(nil))},
		notes:   []string{fmt.Sprintf("usage from the table %s; commitments owned only from --inventory", path)},
	}, nil
}

// loadBilling opens FOCUS files and derives usage per pool and owned
// commitments; what the data does not say is turned into notes.
func loadBilling(cmd *cobra.Command, paths []string, opt focus.Options) (out *billing, err error) {
	ctx := cmd.Context()
	cin, err := convertCUR(ctx, paths, true, opt.Progress) // CUR 2.0 files read as FOCUS (cur.go)
	if err != nil {
		return nil, err
	}
	defer cin.finish(&out, &err)
	paths, opt.Progress = cin.paths, cin.progress(opt.Progress)
	d, err := focus.Open(ctx, paths, opt)
	if err != nil {
		var inv *focus.InvalidError
		if errors.As(err, &inv) {
			for _, n := range inv.Notices {
				if n.Kind == "warning" {
					fmt.Fprintf(cmd.ErrOrStderr(), "tranche: warning: %s: %s\n", n.File, n.Message)
				}
			}
		}
		if errors.Is(err, focus.ErrInvalid) || errors.Is(err, focus.ErrNoFiles) {
			return nil, inputError{err}
		}
		return nil, err
	}
	defer d.Close()
	b := &billing{currency: d.Currency}
	for _, f := range d.Files {
		b.sources = append(b.sources, fmt.Sprintf("%s (%d rows, sha256:%s)", f.Path, f.Rows, f.SHA256))
	}
	for _, n := range d.Notices {
		if n.Kind == "warning" {
			b.notes = append(b.notes, fmt.Sprintf("billing data warning: %s: %s (%d rows)", n.File, n.Message, n.Rows))
		}
	}
	if b.usage, err = d.UsageSeries(ctx); err != nil {
		return nil, inputError{err}
	}
	ups, err := d.Unpooled(ctx)
	if err != nil {
		return nil, inputError{err}
	}
	for _, u := range ups {
		b.unpooled = append(b.unpooled, planner.Exclusion{
			What:   fmt.Sprintf("usage of %s %s in %q (%d rows, %.2f %s)", orDash(u.Provider), orDash(u.Service), u.Unit, u.Rows, u.Cost, d.Currency),
			Reason: u.Reason + "; it is paid as billed and not planned for"})
	}
	recs, err := d.Commitments(ctx)
	if err != nil {
		return nil, inputError{err}
	}
	for _, r := range recs {
		if r.KindNote != "" && r.Kind != "" {
			b.notes = append(b.notes, fmt.Sprintf("commitment %s: kind %s %s", r.ID, r.Kind, r.KindNote))
		}
		if !r.EndKnown {
			r.End = time.Time{}
		}
		b.owned = append(b.owned, r.Commitment)
	}
	return b, nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// riskSource names the risk fields set by --risk, for the plan's record of
// where each limit came from.
func riskSource(spec string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Split(spec, ",") {
		if k, _, ok := strings.Cut(strings.TrimSpace(kv), "="); ok {
			out[strings.TrimSpace(k)] = "--risk"
		}
	}
	return out
}
