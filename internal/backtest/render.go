package backtest

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tranchehq/tranche/internal/format"
)

// WriteJSON writes the result, rounded, as indented JSON (schema
// SchemaVersion).
func WriteJSON(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r.Rounded())
}

// pct and amount are format.Ratio and format.Amount, under the names this
// package's renderers and templates use.
var (
	pct    = format.Ratio
	amount = format.Amount
	count  = format.Count
)

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// summaryHeader and summaryRow are the columns of the summary table,
// shared by the table, Markdown and HTML forms.
var summaryHeader = []string{"Strategy", "Cost", "Savings", "Savings %", "Share of hindsight", "ESR", "Coverage", "Utilization", "Waste", "Upfront paid", "Liability at end", "Purchases"}

func summaryRow(s StrategyResult) []string {
	return []string{string(s.Name), amount(s.Totals.Cost), amount(s.Savings), pct(s.SavingsRate), pct(s.ShareOfHindsight),
		pct(s.Totals.ESR), pct(s.Totals.Coverage), pct(s.Totals.Utilization), amount(s.Totals.Waste), amount(s.UpfrontPaid),
		amount(s.LiabilityAtEnd), strconv.Itoa(len(s.Purchases))}
}

func headline(r *Result) []string {
	return []string{
		fmt.Sprintf("Window %s – %s (%d hours), %s, lookback %gd, %s, amounts in %s",
			day(r.Start), day(r.End), r.Hours, count(len(r.Decisions), r.Cadence+" decision"), r.LookbackDays, count(r.Pools, "pool"), r.Currency),
		fmt.Sprintf("Usage from %s; %s owned at the start, held by every strategy (liability after the window: %s)",
			day(r.HistoryStart), count(r.InitialCommitments, "commitment"), amount(r.InitialLiabilityAtEnd)),
	}
}

// WriteTable writes the result for a terminal: the summary per strategy,
// the cost per period, and the notes.
func WriteTable(w io.Writer, res *Result) error {
	r := res.Rounded()
	fmt.Fprintf(w, "Tranche backtest (%s)\n", r.Schema)
	for _, l := range headline(r) {
		fmt.Fprintln(w, l)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(summaryHeader, "\t")+"\t")
	for _, s := range r.Strategies {
		fmt.Fprintln(tw, strings.Join(summaryRow(s), "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nCost per period (%s)\n", r.Currency)
	hdr := []string{"Period"}
	for _, s := range r.Strategies {
		hdr = append(hdr, string(s.Name))
	}
	fmt.Fprintln(tw, strings.Join(hdr, "\t")+"\t")
	for i, d := range r.Decisions {
		row := []string{day(d)}
		for _, s := range r.Strategies {
			row = append(row, amount(s.Periods[i].Cost))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	writeFootnotes(w, r, "")
	return nil
}

func writeFootnotes(w io.Writer, r *Result, bullet string) {
	fmt.Fprintf(w, "\n%sAccounting: %s\n", bullet, r.Accounting)
	if h := r.Strategy(Hindsight); h != nil && h.Hindsight != nil {
		conv := "converged"
		if !h.Hindsight.Converged {
			conv = "NOT converged"
		}
		fmt.Fprintf(w, "%sHindsight LP: %d offering copies, %s, %s; its continuous optimum costs %s in the model (lower bound %s); billed, the rules add %s and whole instances %s\n",
			bullet, h.Hindsight.Offerings, h.Hindsight.Method, conv, amount(h.Hindsight.Objective), amount(h.Hindsight.Bound),
			amount(h.Hindsight.ModelGap), amount(h.Hindsight.RoundingGap))
	}
	for _, e := range r.Excluded {
		fmt.Fprintf(w, "%sExcluded: %s: %s\n", bullet, e.What, e.Reason)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "%sNote: %s\n", bullet, n)
	}
}

// WriteMarkdown writes the summary and the cost per period as Markdown
// tables.
func WriteMarkdown(w io.Writer, res *Result) error {
	r := res.Rounded()
	fmt.Fprintf(w, "## Tranche backtest\n\n")
	for _, l := range headline(r) {
		fmt.Fprintf(w, "%s.  \n", l)
	}
	fmt.Fprintln(w)
	row := func(cells []string) { fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | ")) }
	row(summaryHeader)
	sep := make([]string, len(summaryHeader))
	for i := range sep {
		sep[i] = "---:"
	}
	sep[0] = "---"
	row(sep)
	for _, s := range r.Strategies {
		cells := summaryRow(s)
		cells[0] = "**" + cells[0] + "**"
		row(cells)
	}
	writeFootnotes(w, r, "- ")
	return nil
}

// WriteCSV writes one row per strategy and period, then one total row
// per strategy (period "total").
func WriteCSV(w io.Writer, res *Result) error {
	r := res.Rounded()
	cw := csv.NewWriter(w)
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	p := func(x *float64) string {
		if x == nil {
			return ""
		}
		return f(*x)
	}
	_ = cw.Write([]string{"strategy", "period", "start", "end", "currency", "cost", "fees", "on_demand", "covered_value", "eligible_value",
		"usage_value", "waste", "esr", "coverage", "utilization", "savings", "share_of_hindsight"})
	for _, s := range r.Strategies {
		line := func(period string, start, end time.Time, fg Figures, savings, share string) {
			_ = cw.Write([]string{string(s.Name), period, start.Format(time.RFC3339), end.Format(time.RFC3339), r.Currency,
				f(fg.Cost), f(fg.Fees), f(fg.OnDemand), f(fg.CoveredValue), f(fg.EligibleValue), f(fg.UsageValue), f(fg.Waste),
				p(fg.ESR), p(fg.Coverage), p(fg.Utilization), savings, share})
		}
		for _, pd := range s.Periods {
			line(day(pd.Start), pd.Start, pd.End, pd.Figures, "", "")
		}
		line("total", r.Start, r.End, s.Totals, f(s.Savings), p(s.ShareOfHindsight))
	}
	cw.Flush()
	return cw.Error()
}
