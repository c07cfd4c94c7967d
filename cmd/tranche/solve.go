package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tranchehq/tranche/solver"
)

type solveOptions struct {
	problem   string
	method    string
	timeLimit time.Duration
	tolerance float64
}

func newSolveCmd(g *globalOptions) *cobra.Command {
	o := &solveOptions{}
	cmd := &cobra.Command{
		Use:   "solve --problem FILE",
		Short: "Solve a commitment problem given in the solver's own JSON form",
		Long: `Solve reads a commitment problem in the solver's JSON form (pools with hourly
usage and on-demand rates, offerings, owned commitments and a policy; see
docs/problem.md) and prints the cheapest purchase, with every figure from the
billing simulator. It is the optimizer core on its own: "tranche plan" builds
such a problem from billing data and a price book.`,
		Example: `  tranche solve --problem testdata/example/problem.json
  tranche solve --problem problem.json --method benders --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSolve(cmd.Context(), g, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVarP(&o.problem, "problem", "p", "", "problem file (JSON), or - for standard input")
	cmd.Flags().StringVar(&o.method, "method", "auto", "auto, direct (one LP) or benders (decomposition)")
	cmd.Flags().DurationVar(&o.timeLimit, "time-limit", 0, "stop the decomposition after this long and return the best plan found, with its proven gap (0: no limit)")
	cmd.Flags().Float64Var(&o.tolerance, "tolerance", 1e-6, "relative optimality gap at which the decomposition stops")
	_ = cmd.MarkFlagRequired("problem")
	_ = cmd.RegisterFlagCompletionFunc("method", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"auto", "direct", "benders"}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func readProblem(path string) (*solver.Problem, error) {
	var r io.Reader
	if path == "-" {
		r = os.Stdin
		path = "standard input"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, inputError{err}
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, inputError{fmt.Errorf("reading %s: %w", path, err)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p solver.Problem
	if err := dec.Decode(&p); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line, col := lineCol(data, se.Offset)
			return nil, inputError{fmt.Errorf("%s: line %d, column %d: %w", path, line, col, err)}
		case errors.As(err, &te):
			line, col := lineCol(data, te.Offset)
			return nil, inputError{fmt.Errorf("%s: line %d, column %d: field %s: %w", path, line, col, te.Field, err)}
		}
		return nil, inputError{fmt.Errorf("%s: %w", path, err)}
	}
	if dec.More() {
		return nil, inputError{fmt.Errorf("%s: more than one JSON value", path)}
	}
	if err := p.Validate(); err != nil {
		return nil, inputError{fmt.Errorf("%s: %w", path, err)}
	}
	return &p, nil
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (int, int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func runSolve(ctx context.Context, g *globalOptions, o *solveOptions, stdout, stderr io.Writer) error {
	method, err := solver.ParseMethod(o.method)
	if err != nil {
		return usageError{err}
	}
	p, err := readProblem(o.problem)
	if err != nil {
		return err
	}
	opts := solver.Options{Method: method, Tolerance: o.tolerance, TimeLimit: o.timeLimit}
	if !g.quiet {
		fmt.Fprintf(stderr, "solving %d pools × %d hours, %d offerings, %d owned commitments…\n", len(p.Pools), p.Hours, len(p.Offerings), len(p.Owned))
		last := time.Now()
		opts.Progress = func(pr solver.Progress) {
			if time.Since(last) < time.Second && pr.Stage == "benders" {
				return
			}
			last = time.Now()
			if pr.Stage == "benders" {
				fmt.Fprintf(stderr, "  benders iteration %d: best cost $%.2f, bound $%.2f\n", pr.Iteration, pr.Upper, pr.Lower)
			} else {
				fmt.Fprintf(stderr, "  %s…\n", pr.Stage)
			}
		}
	}
	res, err := solver.Solve(ctx, p, opts)
	if err != nil {
		var ve *solver.ValidationError
		if errors.As(err, &ve) {
			return inputError{err}
		}
		return solverError{err}
	}
	out := newSolveReport(p, res)
	switch g.output {
	case outputJSON:
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case outputCSV:
		return out.writeCSV(stdout)
	case outputMarkdown:
		return out.writeMarkdown(stdout)
	case outputTable:
		return out.writeTable(stdout)
	}
	return usageError{fmt.Errorf("solve does not support --output %s (use table, json, csv or markdown)", g.output)}
}

// solveReport is the JSON form of a solve (schema tranche.solve/v1).
type solveReport struct {
	Schema          string          `json:"schema"`
	Method          string          `json:"method"`
	Hours           int             `json:"hours"`
	BaselineCost    float64         `json:"baseline_cost"`
	PlanCost        float64         `json:"plan_cost"`
	Savings         float64         `json:"savings"`
	SavingsPct      float64         `json:"savings_percentage"`
	CoverageBefore  float64         `json:"coverage_before"`
	CoverageAfter   float64         `json:"coverage_after"`
	LPObjective     float64         `json:"lp_objective"`
	LPBound         float64         `json:"lp_bound"`
	Converged       bool            `json:"converged"`
	BoundNote       string          `json:"bound_note,omitempty"`
	ModelGap        float64         `json:"model_gap"`
	RoundingGap     float64         `json:"rounding_gap"`
	Iterations      int             `json:"iterations"`
	Compression     compressionJSON `json:"compression"`
	ElapsedSeconds  float64         `json:"elapsed_seconds"`
	Purchases       []purchaseJSON  `json:"purchases"`
	BindingPolicies []bindingJSON   `json:"binding_policies"`
}

type compressionJSON struct {
	Hours      int     `json:"hours"`
	Classes    int     `json:"classes"`
	Segments   int     `json:"segments"`
	Components int     `json:"components"`
	Ratio      float64 `json:"ratio"`
}

type purchaseJSON struct {
	Offering         string   `json:"offering"`
	Quantity         float64  `json:"quantity"`
	Upfront          float64  `json:"upfront_cost"`
	HourlyCost       float64  `json:"hourly_cost"`
	RecurringMonthly float64  `json:"recurring_monthly_cost"`
	Utilization      float64  `json:"expected_utilization"`
	CoverageAdded    float64  `json:"coverage_added"`
	Savings          float64  `json:"estimated_savings"`
	MonthlySavings   float64  `json:"estimated_monthly_savings"`
	BreakEvenMonths  *float64 `json:"estimated_break_even_in_months"` // null: never breaks even
	NextUnitSavings  float64  `json:"next_unit_savings"`
	Reasons          []string `json:"reasons"`
}

type bindingJSON struct {
	Constraint string  `json:"constraint"`
	Offering   string  `json:"offering,omitempty"`
	Limit      float64 `json:"limit"`
	Value      float64 `json:"value"`
	Text       string  `json:"text"`
}

// cents rounds money once, for display and for the JSON.
func cents(v float64) float64 { return math.Round(v*100) / 100 }

func newSolveReport(p *solver.Problem, r *solver.Result) *solveReport {
	out := &solveReport{
		Schema:         "tranche.solve/v1",
		Method:         r.Method.String(),
		Hours:          p.Hours,
		BaselineCost:   cents(r.Baseline.Total),
		PlanCost:       cents(r.Bill.Total),
		Savings:        cents(r.Savings),
		CoverageBefore: r.Baseline.Coverage(),
		CoverageAfter:  r.Bill.Coverage(),
		LPObjective:    cents(r.Objective),
		LPBound:        cents(r.Bound),
		Converged:      r.Converged,
		BoundNote:      r.BoundNote,
		ModelGap:       cents(r.ModelGap),
		RoundingGap:    cents(r.RoundingGap),
		Iterations:     r.Iterations,
		Compression: compressionJSON{Hours: r.Compression.Hours, Classes: r.Compression.Classes,
			Segments: r.Compression.Segments, Components: r.Compression.Components, Ratio: r.Compression.Ratio()},
		ElapsedSeconds:  r.Elapsed.Seconds(),
		Purchases:       []purchaseJSON{},
		BindingPolicies: []bindingJSON{},
	}
	if r.Baseline.Total > 0 {
		out.SavingsPct = 100 * r.Savings / r.Baseline.Total
	}
	for _, l := range r.Purchases {
		pj := purchaseJSON{
			Offering: l.OfferingID, Quantity: l.Quantity, Upfront: cents(l.Upfront), HourlyCost: l.HourlyCost,
			RecurringMonthly: cents(l.RecurringMonthly), Utilization: l.Utilization, CoverageAdded: l.CoverageAdded,
			Savings: cents(l.Savings), MonthlySavings: cents(l.MonthlySavings), NextUnitSavings: cents(l.NextUnitSavings),
			Reasons: l.Reasons,
		}
		if !math.IsInf(l.BreakEvenMonths, 0) {
			v := math.Round(l.BreakEvenMonths*10) / 10
			pj.BreakEvenMonths = &v
		}
		out.Purchases = append(out.Purchases, pj)
	}
	for _, b := range r.Binding {
		out.BindingPolicies = append(out.BindingPolicies, bindingJSON{b.Constraint, b.Offering, b.Limit, cents(b.Value), b.Text})
	}
	return out
}

func (s *solveReport) rows() [][]string {
	rows := [][]string{{"Offering", "Quantity", "Upfront", "Cost/h", "Utilization", "Coverage", "Savings/month", "Break-even (months)", "Next unit"}}
	for _, l := range s.Purchases {
		be := "never"
		if l.BreakEvenMonths != nil {
			be = strconv.FormatFloat(*l.BreakEvenMonths, 'f', 1, 64)
		}
		rows = append(rows, []string{
			l.Offering, strconv.FormatFloat(l.Quantity, 'f', -1, 64), money(l.Upfront), fmt.Sprintf("$%.4f", l.HourlyCost),
			pct(l.Utilization), pct(l.CoverageAdded), money(l.MonthlySavings), be, money(l.NextUnitSavings),
		})
	}
	return rows
}

func money(v float64) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', 2, 64)
	if v < 0 {
		return "-$" + s
	}
	return "$" + s
}

func pct(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }

func (s *solveReport) summary() []string {
	out := []string{
		fmt.Sprintf("Horizon: %d hours. Cost buying nothing new: %s. With this plan: %s. Savings: %s (%.1f%%).",
			s.Hours, money(s.BaselineCost), money(s.PlanCost), money(s.Savings), s.SavingsPct),
		fmt.Sprintf("Coverage of eligible usage: %s → %s.", pct(s.CoverageBefore), pct(s.CoverageAfter)),
		fmt.Sprintf("Solved by %s (%d %s) in %.2fs; %d hours compressed into %d classes (%.1f×), %d component(s).",
			s.Method, s.Iterations, map[bool]string{true: "Benders iterations", false: "simplex iterations"}[s.Method == "benders"], s.ElapsedSeconds, s.Compression.Hours, s.Compression.Classes, s.Compression.Ratio, s.Compression.Components),
		fmt.Sprintf("LP optimum %s (bound %s); billing vs LP gap %s; rounding to whole instances cost %s.",
			money(s.LPObjective), money(s.LPBound), money(s.ModelGap), money(s.RoundingGap)),
	}
	if s.BoundNote != "" {
		out = append(out, "NOT PROVEN OPTIMAL: "+s.BoundNote+".")
	} else if !s.Converged {
		gap := 0.0
		if s.LPObjective != 0 {
			gap = 100 * (s.LPObjective - s.LPBound) / s.LPObjective
		}
		out = append(out, fmt.Sprintf("NOT PROVEN OPTIMAL: the solve stopped at its limit; the optimum may be up to %.3f%% (%s) cheaper than the solution this plan was rounded from.", gap, money(s.LPObjective-s.LPBound)))
	}
	for _, b := range s.BindingPolicies {
		out = append(out, "Binding: "+b.Text)
	}
	return out
}

func (s *solveReport) writeTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	if len(s.Purchases) == 0 {
		fmt.Fprintln(w, "No purchase saves money within the policy.")
	} else {
		for _, r := range s.rows() {
			fmt.Fprintln(tw, strings.Join(r, "\t")+"\t")
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	for _, l := range s.summary() {
		fmt.Fprintln(w, l)
	}
	for _, l := range s.Purchases {
		fmt.Fprintf(w, "\n%s:\n", l.Offering)
		for _, r := range l.Reasons {
			fmt.Fprintf(w, "  - %s\n", r)
		}
	}
	return nil
}

func (s *solveReport) writeMarkdown(w io.Writer) error {
	rows := s.rows()
	fmt.Fprintln(w, "| "+strings.Join(rows[0], " | ")+" |")
	fmt.Fprintln(w, "|"+strings.Repeat(" --- |", len(rows[0])))
	for _, r := range rows[1:] {
		fmt.Fprintln(w, "| "+strings.Join(r, " | ")+" |")
	}
	fmt.Fprintln(w)
	for _, l := range s.summary() {
		fmt.Fprintln(w, "- "+l)
	}
	return nil
}

func (s *solveReport) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(s.rows()); err != nil {
		return err
	}
	return cw.Error()
}
