package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tranchehq/tranche/internal/planner"
	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/providers/focus"
	"github.com/tranchehq/tranche/scenarios"
	"github.com/tranchehq/tranche/solver"
)

// compareSchema versions the JSON of scenario compare.
const compareSchema = "tranche.scenario-compare/v1"

type scenarioOptions struct {
	planOptions
	billing  []string
	baseline bool
	months   int
}

func newScenarioCmd(g *globalOptions) *cobra.Command {
	o := &scenarioOptions{}
	cmd := &cobra.Command{
		Use:   "scenario",
		Short: "Compare finance's assumptions: what each implies for the plan, its cost, cash and risk",
	}
	compare := &cobra.Command{
		Use:   "compare --prices BOOK (--billing PATH... | --usage TABLE.csv) A.yaml [B.yaml…]",
		Short: "Plan under each assumptions file and show the results side by side",
		Long: `Compare plans once per assumptions file (docs/scenarios.md: growth ranges,
planned events, cash and budget caps, cost of capital, allowed terms and
payment options) on the same billing history (or hourly usage table, --usage),
price book and policy, and shows
them side by side: the purchases each implies, the cash they need now, the
amortized cost and savings, the risk figures over that file's scenarios
(savings p10/p90, chance of losing money, worst-10% regret, expected waste),
and the commitment cash flow by month (upfront and recurring fees, later
tranches included).

The purchases are chosen on the repeat forecast within each file's caps,
terms and cost of capital, or, with --optimize scenarios, over that file's
scenarios within the risk limits (--risk); each file's growth and events
shape the scenarios.`,
		Example: `  tranche scenario compare --prices testdata/demo/pricebook.json --inventory testdata/demo/billing/inventory.json \
    --billing testdata/demo/billing --baseline scenarios/examples/*.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScenarioCompare(cmd, g, o, args)
		},
	}
	f := compare.Flags()
	f.StringVar(&o.prices, "prices", "", "price book (JSON, schema tranche.pricebook/v1)")
	f.StringSliceVar(&o.billing, "billing", nil, "FOCUS billing files, directories or globs (repeatable)")
	f.StringVar(&o.usage, "usage", "", "hourly usage table (CSV: time, pool, quantity; see docs/backtest.md) instead of --billing; owned commitments then come from --inventory only")
	f.StringVar(&o.inventory, "inventory", "", "owned commitments as the providers' APIs list them (tranche.inventory/v1)")
	f.StringVar(&o.policy, "policy", "", "policy file (YAML, docs/plan.md) that every case starts from")
	f.StringVar(&o.asOf, "as-of", "", "plan as of this time (RFC 3339 or YYYY-MM-DD); default: end of the billing data")
	f.IntVar(&o.scenarios, "scenarios", 20, "scenarios per case")
	f.Uint64Var(&o.seed, "seed", 1, "seed of the scenario generator")
	o.gen.register(f)
	f.BoolVar(&o.baseline, "baseline", false, "add a case with no assumptions (the history's own trends)")
	f.IntVar(&o.months, "months", 12, "months of cash flow to show")
	f.StringVar(&o.optimize, "optimize", "repeat", "what each case's purchases are optimized over: repeat (the lookback repeated) or scenarios (that case's scenarios, within the policy's risk limits; slower)")
	f.StringVar(&o.risk, "risk", "", "risk limits for every case (as tranche plan --risk)")
	f.StringVar(&o.currency, "currency", "", "billing currency to assume for files without a BillingCurrency column")
	cmd.AddCommand(compare)
	return cmd
}

// compareCase is one assumptions file's result.
type compareCase struct {
	Name        string        `json:"Name"`
	File        string        `json:"File,omitempty"`
	Description string        `json:"Description,omitempty"`
	CashFlow    []float64     `json:"CommitmentCashFlowByMonth"`
	Plan        *planner.Plan `json:"Plan"`
}

func runScenarioCompare(cmd *cobra.Command, g *globalOptions, o *scenarioOptions, files []string) error {
	switch {
	case o.prices == "":
		return usageError{errors.New("scenario compare: give the price book with --prices")}
	case len(o.billing) == 0 && o.usage == "":
		return usageError{errors.New("scenario compare: give the history: FOCUS billing files with --billing, or an hourly usage table with --usage")}
	case len(o.billing) > 0 && o.usage != "":
		return usageError{errors.New("scenario compare: give either --billing or --usage, not both")}
	case len(files) == 0 && !o.baseline:
		return usageError{errors.New("scenario compare: give at least one assumptions file (or --baseline)")}
	case o.scenarios < 1 || o.scenarios > 1000:
		return usageError{fmt.Errorf("scenario compare: --scenarios %d: want 1 to 1000", o.scenarios)}
	case o.months < 1 || o.months > 36:
		return usageError{fmt.Errorf("scenario compare: --months %d: want 1 to 36", o.months)}
	}
	if o.optimize != "repeat" && o.optimize != "scenarios" {
		return usageError{fmt.Errorf("scenario compare: --optimize %q: want repeat or scenarios", o.optimize)}
	}
	if o.optimize == "scenarios" && o.scenarios < 2 {
		return usageError{errors.New("scenario compare: --optimize scenarios needs --scenarios 2 or more")}
	}
	switch g.output {
	case outputTable, outputJSON, outputMarkdown:
	default:
		return usageError{fmt.Errorf("scenario compare: --output %s is not supported (want table, json or markdown)", g.output)}
	}
	asOf, err := parseTime("--as-of", o.asOf)
	if err != nil {
		return err
	}
	book, err := providers.LoadPriceBook(o.prices)
	if err != nil {
		return inputError{err}
	}
	base, err := loadPolicy("scenario compare", o.policy, o.risk)
	if err != nil {
		return err
	}
	type want struct {
		name string
		a    *scenarios.Assumptions
	}
	var cases []want
	if o.baseline {
		cases = append(cases, want{name: "baseline"})
	}
	for _, f := range files {
		a, err := scenarios.LoadAssumptions(f)
		if err != nil {
			return inputError{err}
		}
		cases = append(cases, want{name: strings.TrimSuffix(filepath.Base(f), filepath.Ext(f)), a: a})
	}
	var progress io.Writer
	if !g.quiet {
		progress = cmd.ErrOrStderr()
	}
	var in *billing
	if o.usage != "" {
		in, err = loadUsageTable(o.usage)
	} else {
		in, err = loadBilling(cmd, o.billing, focus.Options{Currency: o.currency, Progress: progress})
	}
	if err != nil {
		return err
	}
	if o.inventory != "" {
		if in.owned, _, err = mergeInventory(o.inventory, in.owned); err != nil {
			return err
		}
	}
	var out []compareCase
	for _, c := range cases {
		pol := base
		if c.a != nil {
			if pol, err = c.a.Restrict(base); err != nil {
				return inputError{err}
			}
		}
		if progress != nil {
			fmt.Fprintf(progress, "case %s…\n", c.name)
		}
		gen, err := o.gen.generator("scenario compare", book, o.scenarios, o.seed)
		if err != nil {
			return err
		}
		gen.Assumptions = c.a
		var forecast planner.Forecaster
		if o.optimize == "scenarios" {
			forecast = gen
		}
		p, err := planner.MakePlan(cmd.Context(), planner.Input{Book: book, History: in.usage, Owned: in.owned, Policy: pol, AsOf: asOf,
			Sources: in.sources, RiskForecast: gen, Forecast: forecast, RiskSource: riskSource(o.risk)}, planner.Options{})
		if err != nil {
			var ve *solver.ValidationError
			if errors.Is(err, planner.ErrNoUsage) || errors.Is(err, planner.ErrAsOf) || errors.As(err, &ve) {
				return inputError{fmt.Errorf("case %s: %w", c.name, err)}
			}
			if tl := (*planner.ForecastTooLargeError)(nil); errors.As(err, &tl) {
				return usageError{fmt.Errorf("case %s: %w; use --scenarios %d or fewer or a shorter horizon", c.name, err, tl.Fits)}
			}
			return solverError{fmt.Errorf("case %s: %w", c.name, err)}
		}
		cc := compareCase{Name: c.name, Plan: p, CashFlow: cashFlow(p, o.months)}
		if c.a != nil {
			cc.File, cc.Description = c.a.File, c.a.Description
		}
		out = append(out, cc)
	}
	w := cmd.OutOrStdout()
	switch g.output {
	case outputJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"Schema": compareSchema, "Cases": out})
	case outputMarkdown:
		return writeCompare(w, out, true)
	}
	return writeCompare(w, out, false)
}

// cashFlow is what the plan's commitments cost in cash in each 730-hour
// month from the as-of time: upfront fees when bought (later tranches at
// their date) and recurring fees while active.
func cashFlow(p *planner.Plan, months int) []float64 {
	out := make([]float64, months)
	month := time.Duration(730) * time.Hour
	end := p.Horizon.End
	for _, l := range p.Lines {
		if m := int(l.StartsAt.Sub(p.AsOf) / month); m >= 0 && m < months {
			out[m] += l.UpfrontCost
		}
		for m := range out {
			from, to := p.AsOf.Add(time.Duration(m)*month), p.AsOf.Add(time.Duration(m+1)*month)
			if l.StartsAt.After(from) {
				from = l.StartsAt
			}
			if end.Before(to) {
				to = end
			}
			if to.After(from) {
				out[m] += l.RecurringStandardMonthlyCost * to.Sub(from).Hours() / 730
			}
		}
	}
	return out
}

func writeCompare(w io.Writer, cs []compareCase, markdown bool) error {
	cur := cs[0].Plan.Currency
	money := func(x float64) string { return fmt.Sprintf("%s %.2f", cur, x) }
	pct := func(x float64) string { return fmt.Sprintf("%.1f%%", x) }
	heads := []string{"Figure"}
	for _, c := range cs {
		heads = append(heads, c.Name)
	}
	row := func(name string, f func(c compareCase) string) []string {
		r := []string{name}
		for _, c := range cs {
			r = append(r, f(c))
		}
		return r
	}
	risk := func(c compareCase) *planner.Risk {
		if c.Plan.Risk != nil {
			return c.Plan.Risk
		}
		return &planner.Risk{}
	}
	now := func(c compareCase) (n int, lines []string) {
		for _, l := range c.Plan.Lines {
			if l.Tranche == "now" {
				n++
				q := fmt.Sprintf("%g %s", l.Quantity, l.InstanceType)
				if l.Kind.Spend() {
					q = fmt.Sprintf("%.3f %s", l.Quantity, l.QuantityUnit)
				}
				lines = append(lines, fmt.Sprintf("%s: %s %s %s%s", q, l.Kind, l.Term, l.PaymentOption, map[bool]string{true: " in " + l.Region, false: ""}[l.Region != ""]))
			}
		}
		return n, lines
	}
	rows := [][]string{
		row("Assumptions", func(c compareCase) string {
			if c.Description != "" {
				return c.Description
			}
			return "the history's own trends"
		}),
		row("Purchases now", func(c compareCase) string { n, _ := now(c); return fmt.Sprint(n) }),
		row("Later tranches", func(c compareCase) string { return fmt.Sprint(c.Plan.Totals.LaterTranches) }),
		row("Upfront now", func(c compareCase) string { return money(c.Plan.Totals.TotalUpfrontCost) }),
		row("Hourly commitment", func(c compareCase) string { return money(c.Plan.Totals.TotalHourlyCommitment) + "/h" }),
		row("Planned cost / month, now + later tranches (optimized forecast)", func(c compareCase) string { return money(c.Plan.Totals.PlannedMonthlyCost) }),
		row("Savings / month, now + later tranches (optimized forecast)", func(c compareCase) string { return money(c.Plan.Totals.EstimatedMonthlySavingsAmount) }),
		row("Expected savings / month of the purchases now (scenarios)", func(c compareCase) string { return money(risk(c).ExpectedMonthlySavings) }),
		row("Savings / month p10 – p90", func(c compareCase) string {
			return money(risk(c).MonthlySavingsP10) + " – " + money(risk(c).MonthlySavingsP90)
		}),
		row("Chance of losing money", func(c compareCase) string { return pct(risk(c).ProbabilityOfLoss) }),
		row("Worst-10% regret / month", func(c compareCase) string { return money(risk(c).CVaR10Regret) }),
		row("Expected waste / month", func(c compareCase) string { return money(risk(c).ExpectedMonthlyWaste) }),
		row("Coverage", func(c compareCase) string {
			return pct(c.Plan.Totals.CoverageBefore) + " → " + pct(c.Plan.Totals.CoverageAfter)
		}),
	}
	ew := &errWriterCmd{w: w}
	table := func(title string, heads []string, rows [][]string) {
		if markdown {
			fmt.Fprintf(ew, "\n## %s\n\n| %s |\n|%s\n", title, strings.Join(heads, " | "), strings.Repeat("---|", len(heads)))
			for _, r := range rows {
				fmt.Fprintf(ew, "| %s |\n", strings.Join(r, " | "))
			}
			return
		}
		fmt.Fprintf(ew, "\n%s\n", title)
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  "+strings.Join(heads, "\t"))
		for _, r := range rows {
			fmt.Fprintln(tw, "  "+strings.Join(r, "\t"))
		}
		tw.Flush()
	}
	p0 := cs[0].Plan
	if markdown {
		fmt.Fprintf(ew, "# Scenario comparison — as of %s\n", p0.AsOf.Format("2006-01-02 15:04 MST"))
	} else {
		fmt.Fprintf(ew, "Scenario comparison — as of %s\n", p0.AsOf.Format("2006-01-02 15:04 MST"))
	}
	if p0.Scenarios > 1 {
		fmt.Fprintf(ew, "Purchases are chosen over %d scenarios of each case (expected cost, within the risk limits), within its caps, terms and cost of capital; the risk figures bill them in the same scenarios.\n", p0.Scenarios)
	} else {
		fmt.Fprintf(ew, "Purchases are chosen on the repeat forecast within each case's caps, terms and cost of capital; risk figures bill them in %d scenarios of each case.\n", risk(cs[0]).Scenarios)
	}
	table("Side by side", heads, rows)
	var cash [][]string
	for m := range cs[0].CashFlow {
		r := []string{fmt.Sprintf("%d (from %s)", m+1, p0.AsOf.Add(time.Duration(m*730)*time.Hour).Format("2006-01-02"))}
		for _, c := range cs {
			r = append(r, money(c.CashFlow[m]))
		}
		cash = append(cash, r)
	}
	mh := append([]string{"Month (730 h)"}, heads[1:]...)
	table("Commitment cash flow by month (upfront and recurring fees of the purchases, later tranches included)", mh, cash)
	for _, c := range cs {
		_, lines := now(c)
		if markdown {
			fmt.Fprintf(ew, "\n## Purchases now: %s\n\n", c.Name)
		} else {
			fmt.Fprintf(ew, "\nPurchases now: %s\n", c.Name)
		}
		if len(lines) == 0 {
			fmt.Fprintln(ew, "  (none)")
		}
		for _, l := range lines {
			fmt.Fprintf(ew, "  - %s\n", l)
		}
	}
	return ew.err
}

type errWriterCmd struct {
	w   io.Writer
	err error
}

func (e *errWriterCmd) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}
