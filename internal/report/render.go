package report

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
	"github.com/tranchehq/tranche/providers/focus"
)

// WriteJSON writes the report as indented JSON (schema SchemaVersion).
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// pct and amount are format.Ratio and format.Amount, under the names this
// package's renderers and templates use.
var (
	pct    = format.Ratio
	amount = format.Amount
)

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// dimensionTitle is how a dimension is named in tables and headings.
var dimensionTitle = map[string]string{
	"overall": "Overall", "provider": "By provider", "billing_account": "By billing account",
	"sub_account": "By sub-account", "service": "By service", "region": "By region",
	"day": "By day", "month": "By month",
}

// WriteTable writes the report for a terminal.
func WriteTable(w io.Writer, r *Report) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	p := func(format string, a ...any) { fmt.Fprintf(tw, format, a...) }
	fmt.Fprintf(w, "Tranche commitment report (%s)\n", r.Schema)
	fmt.Fprintf(w, "Period %s – %s, as of %s, %d rows from %d file(s), amounts in %s\n\n",
		r.Start.Format(time.RFC3339), r.End.Format(time.RFC3339), r.AsOf.Format(time.RFC3339), r.Rows, len(r.Inputs), r.Currency)
	s := r.Summary
	p("Coverage (of eligible usage, on-demand equivalent)\t%s\t\n", pct(s.Coverage))
	p("Utilization (used / (used + unused) amortized cost)\t%s\t\n", pct(s.Utilization))
	p("Effective savings rate vs contracted cost\t%s\t\n", pct(s.ESRContracted))
	p("Effective savings rate vs list cost\t%s\t\n", pct(s.ESRList))
	p("Eligible usage, on-demand equivalent\t%s\t\n", amount(s.EligibleCost))
	p("Effective cost of eligible usage + unused\t%s\t\n", amount(s.EffectiveCost))
	p("Net savings\t%s\t\n", amount(s.NetSavings))
	p("Waste (unused commitment cost)\t%s\t\n", amount(s.Waste))
	p("Billed cost, all rows\t%s\t\n", amount(s.BilledCost))
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, dim := range Dimensions {
		fmt.Fprintf(w, "\n%s\n", dimensionTitle[dim])
		p("%s\tEligible\tCoverage\tUtilization\tESR contracted\tESR list\tWaste\tNet savings\t\n", dim)
		hidden := 0
		for _, g := range r.Groups {
			if g.Dimension != dim {
				continue
			}
			if g.Metrics.EligibleCost == 0 && g.Metrics.UsedCommitmentCost == 0 && g.Metrics.UnusedCommitmentCost == 0 {
				hidden++
				continue
			}
			m := g.Metrics
			p("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", g.Key, amount(m.EligibleCost), pct(m.Coverage), pct(m.Utilization),
				pct(m.ESRContracted), pct(m.ESRList), amount(m.Waste), amount(m.NetSavings))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if hidden > 0 {
			fmt.Fprintf(w, "  (%d %s value(s) without eligible usage or commitment cost not shown; see --output json or csv)\n", hidden, dim)
		}
	}
	fmt.Fprintf(w, "\nCommitments (%d)\n", len(r.Commitments))
	if len(r.Commitments) > 0 {
		p("ID\tType\tKind\tPayment\tStart\tEnd\tUtilization\tBasis\tWaste\tNet savings\t\n")
		for _, c := range r.Commitments {
			end := "unknown"
			if c.EndKnown {
				end = day(c.End)
			}
			p("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", c.ID, orDash(c.Type), orDash(string(c.Kind)), orDash(string(c.PaymentOption)),
				day(c.Start), end, pct(c.Utilization), c.UtilizationBasis, amount(c.UnusedCost), amount(c.NetSavings))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	unknown := 0
	for _, c := range r.Commitments {
		if !c.EndKnown {
			unknown++
		}
	}
	fmt.Fprintf(w, "\nExpiring within 90 days of %s: %d (end unknown for %d)\n", day(r.AsOf), len(r.Expiries), unknown)
	for _, e := range r.Expiries {
		p("%s\t%s\twithin %d days\t%s/h\t\n", e.CommitmentID, day(e.End), e.Within, amount(e.HourlyCost))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Invariants) > 0 {
		fmt.Fprintf(w, "\nFOCUS invariants per commitment\n")
		p("ID\tAmortized usage\tPurchases billed\tUsed + unused\tStatus\t\n")
		for _, v := range r.Invariants {
			p("%s\t%s\t%s\t%s\t%s\t\n", v.CommitmentID, amount(v.AmortizedUsage), amount(v.PurchaseBilled), amount(v.UsedPlusUnused), v.Status)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(r.Notices) > 0 {
		fmt.Fprintf(w, "\nData quality: what was normalised or looks wrong (%d)\n", len(r.Notices))
		for _, n := range r.Notices {
			fmt.Fprintf(w, "  %s\n", noticeLine(n))
		}
	}
	return nil
}

func noticeLine(n focus.Notice) string {
	var b strings.Builder
	b.WriteString(n.Kind + ": ")
	if n.File != "" {
		b.WriteString(n.File)
		if n.FirstRow > 0 {
			fmt.Fprintf(&b, " (first at row %d)", n.FirstRow)
		}
		b.WriteString(": ")
	}
	if n.Column != "" {
		b.WriteString("column " + n.Column + ": ")
	}
	if n.Rows > 0 {
		fmt.Fprintf(&b, "%d row(s): ", n.Rows)
	}
	b.WriteString(n.Message)
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// CSV tables.
const (
	CSVGroups      = "groups"
	CSVCommitments = "commitments"
)

// WriteCSV writes one table of the report as CSV: "groups" (one row per
// dimension value, the overall row first) or "commitments".
func WriteCSV(w io.Writer, r *Report, table string) error {
	cw := csv.NewWriter(w)
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }
	rt := func(x *float64) string {
		if x == nil {
			return ""
		}
		return strconv.FormatFloat(*x, 'f', 6, 64)
	}
	switch table {
	case "", CSVGroups:
		cw.Write([]string{"dimension", "key", "currency", "eligible_cost", "covered_cost", "coverage", "used_commitment_cost",
			"unused_commitment_cost", "utilization", "effective_cost", "list_cost", "esr_vs_contracted", "esr_vs_list",
			"waste", "net_savings", "billed_cost", "total_effective_cost"})
		row := func(dim, key string, m Metrics) {
			cw.Write([]string{dim, key, r.Currency, f(m.EligibleCost), f(m.CoveredCost), rt(m.Coverage), f(m.UsedCommitmentCost),
				f(m.UnusedCommitmentCost), rt(m.Utilization), f(m.EffectiveCost), f(m.ListCost), rt(m.ESRContracted), rt(m.ESRList),
				f(m.Waste), f(m.NetSavings), f(m.BilledCost), f(m.TotalEffectiveCost)})
		}
		row("overall", "", r.Summary)
		for _, g := range r.Groups {
			row(g.Dimension, g.Key, g.Metrics)
		}
	case CSVCommitments:
		cw.Write([]string{"id", "provider", "type", "category", "kind", "payment_option", "start", "end", "end_known",
			"quantity", "unit", "upfront_fee", "used_cost", "unused_cost", "used_quantity", "unused_quantity",
			"utilization", "utilization_basis", "net_savings", "currency"})
		for _, c := range r.Commitments {
			end := ""
			if c.EndKnown {
				end = c.End.Format(time.RFC3339)
			}
			cw.Write([]string{c.ID, string(c.Provider), c.Type, c.Category, string(c.Kind), string(c.PaymentOption),
				c.Start.Format(time.RFC3339), end, strconv.FormatBool(c.EndKnown), strconv.FormatFloat(c.Quantity, 'f', -1, 64),
				string(c.Unit), f(c.UpfrontFee), f(c.UsedCost), f(c.UnusedCost), strconv.FormatFloat(c.UsedQuantity, 'f', -1, 64),
				strconv.FormatFloat(c.UnusedQuantity, 'f', -1, 64), rt(c.Utilization), c.UtilizationBasis, f(c.NetSavings), r.Currency})
		}
	default:
		return fmt.Errorf("report: unknown CSV table %q (want groups or commitments)", table)
	}
	cw.Flush()
	return cw.Error()
}
