package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/tranchehq/tranche/internal/planner"
	"github.com/tranchehq/tranche/providers"
	awsprov "github.com/tranchehq/tranche/providers/aws"
)

type recommendationsOptions struct {
	provider string
	term     string
	payment  string
	lookback int
	endpoint string
	out      string
}

func newRecommendationsCmd(g *globalOptions) *cobra.Command {
	o := &recommendationsOptions{}
	cmd := &cobra.Command{
		Use:   "recommendations",
		Short: "Read the provider's own purchase recommendations, to judge beside Tranche's plan",
	}
	fetch := &cobra.Command{
		Use:   "fetch --provider aws [--term 1yr|3yr] [--payment OPTION] [--lookback 7|30|60]",
		Short: "Write AWS Cost Explorer's RI and savings plan purchase recommendations to a file",
		Long: `Fetch reads AWS Cost Explorer's own purchase recommendations for EC2 —
GetReservationPurchaseRecommendation (standard and convertible reserved
instances) and GetSavingsPlansPurchaseRecommendation (Compute and EC2 Instance
Savings Plans) — for one term, payment option and lookback, and writes them as
a recommendations file (JSON, schema tranche.recommendations/v1, docs/aws.md):
AWS's figures, copied, and every line AWS returned that could not be read.
Give it to "tranche plan --provider-recommendations" to bill AWS's answer with
the same simulator, forecast and owned commitments as Tranche's plan.
Credentials come from the standard AWS chain; deploy/aws-iam-policy.json lists
the read-only calls made. Nothing is bought.`,
		Example: `  tranche recommendations fetch --provider aws --term 1yr --payment no-upfront --out aws-recs.json
  tranche plan --prices prices.json --provider-recommendations aws-recs.json exports/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRecommendationsFetch(cmd.Context(), g, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := fetch.Flags()
	f.StringVar(&o.provider, "provider", "aws", "provider (only aws for now)")
	f.StringVar(&o.term, "term", "1yr", "term of the recommended purchases: 1yr or 3yr")
	f.StringVar(&o.payment, "payment", "no-upfront", "payment option: no-upfront, partial-upfront or all-upfront")
	f.IntVar(&o.lookback, "lookback", 30, "days of usage AWS recommends from: 7, 30 or 60")
	f.StringVar(&o.endpoint, "endpoint-url", "", "send every AWS call to this URL (a test server or a proxy)")
	f.StringVar(&o.out, "out", "-", "write the recommendations to this file (- for standard output; the summary then goes to stderr)")
	cmd.AddCommand(fetch)
	return cmd
}

// recommendationsSummary is what fetch reports (--output json).
type recommendationsSummary struct {
	File    string                           `json:"file"`
	Query   awsprov.RecommendationsFileQuery `json:"query"`
	Calls   []recommendationsCall            `json:"calls"`
	Skipped []awsprov.Skip                   `json:"skipped"`
}

type recommendationsCall struct {
	Call    string `json:"call"`
	Kind    string `json:"kind"`
	Lines   int    `json:"lines"`
	Savings string `json:"estimated_monthly_savings"`
}

func runRecommendationsFetch(ctx context.Context, g *globalOptions, o *recommendationsOptions, stdout, stderr io.Writer) error {
	p, err := providers.ParseProvider(o.provider)
	if err != nil {
		return usageError{err}
	}
	if p != providers.AWS {
		return usageError{fmt.Errorf("recommendations fetch: provider %s is not supported yet (only aws)", p)}
	}
	term, err := providers.ParseTerm(o.term)
	if err != nil {
		return usageError{fmt.Errorf("recommendations fetch: --term: %w", err)}
	}
	pay, err := providers.ParsePaymentOption(o.payment)
	if err != nil {
		return usageError{fmt.Errorf("recommendations fetch: --payment: %w", err)}
	}
	switch o.lookback {
	case 7, 30, 60:
	default:
		return usageError{fmt.Errorf("recommendations fetch: --lookback %d: want 7, 30 or 60", o.lookback)}
	}
	if g.output == outputCSV || g.output == outputHTML || g.output == outputMarkdown {
		return usageError{fmt.Errorf("recommendations fetch: --output %s is not supported here (use table or json)", g.output)}
	}
	// Cost Explorer is served from us-east-1 whatever the region.
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"))
	if err != nil {
		return fmt.Errorf("recommendations fetch: loading AWS credentials: %w", err)
	}
	c := awsprov.New(cfg, awsprov.Options{BaseEndpoint: o.endpoint})
	q := awsprov.RecommendationQuery{Term: term, PaymentOption: pay, LookbackDays: o.lookback}
	progress := func(s string) {
		if !g.quiet {
			fmt.Fprintln(stderr, s)
		}
	}
	progress("reading AWS's reserved instance purchase recommendations…")
	ri, riRep, err := c.RIRecommendations(ctx, q)
	if err != nil {
		return err
	}
	progress("reading AWS's savings plans purchase recommendations…")
	sp, spRep, err := c.SPRecommendations(ctx, q)
	if err != nil {
		return err
	}
	rec := &awsprov.Recommendations{Schema: awsprov.RecommendationsSchema,
		Source: "AWS Cost Explorer GetReservationPurchaseRecommendation and GetSavingsPlansPurchaseRecommendation",
		AsOf:   time.Now().UTC().Truncate(time.Second), Query: q.FileQuery(), RI: ri, SP: sp,
		Skipped: append(append([]awsprov.Skip{}, riRep.Skipped...), spRep.Skipped...)}
	if rec.RI == nil {
		rec.RI = []awsprov.RIRecommendation{}
	}
	if rec.SP == nil {
		rec.SP = []awsprov.SPRecommendation{}
	}
	for _, s := range rec.Skipped {
		fmt.Fprintf(stderr, "tranche: warning: skipped %s\n", s)
	}
	sum := recommendationsSummary{File: o.out, Query: rec.Query, Skipped: rec.Skipped}
	for _, k := range []providers.Kind{providers.KindRIStandard, providers.KindRIConvertible, providers.KindComputeSP, providers.KindEC2InstanceSP} {
		call := recommendationsCall{Call: "ce GetSavingsPlansPurchaseRecommendation", Kind: string(k)}
		var total float64
		cur := ""
		if !k.Spend() {
			call.Call = "ce GetReservationPurchaseRecommendation"
			for _, r := range ri {
				if r.Kind == k {
					call.Lines++
					total += r.EstimatedMonthlySavings
					cur = r.Currency
				}
			}
		} else {
			for _, r := range sp {
				if r.Kind == k {
					call.Lines++
					total += r.EstimatedMonthlySavings
					cur = r.Currency
				}
			}
		}
		call.Savings = strings.TrimSpace(strconv.FormatFloat(total, 'f', 2, 64) + " " + cur)
		sum.Calls = append(sum.Calls, call)
	}
	summaryTo := stdout
	if o.out == "-" || o.out == "" {
		sum.File = "standard output"
		if err := rec.Encode(stdout); err != nil {
			return err
		}
		summaryTo = stderr
		if g.quiet {
			summaryTo = io.Discard
		}
	} else if err := writeFileAtomic(o.out, rec); err != nil {
		return err
	}
	if g.output == outputJSON {
		enc := json.NewEncoder(summaryTo)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	tw := tabwriter.NewWriter(summaryTo, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "AWS's recommendations, %s %s, %d-day lookback → %s\n", rec.Query.Term, rec.Query.PaymentOption, rec.Query.LookbackDays, sum.File)
	fmt.Fprintln(tw, "Call\tKind\tLines\tAWS's estimated savings/mo")
	for _, r := range sum.Calls {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", r.Call, r.Kind, r.Lines, r.Savings)
	}
	fmt.Fprintf(tw, "Skipped (unreadable)\t\t%d\t\n", len(rec.Skipped))
	fmt.Fprintln(tw, "Each kind is AWS's answer on its own: alternatives, not one purchase. Nothing is bought.")
	return tw.Flush()
}

// loadProviderRecommendations reads a recommendations file into the
// planner's terms.
func loadProviderRecommendations(path string) (*planner.ProviderRecommendation, error) {
	f, err := awsprov.LoadRecommendations(path)
	if err != nil {
		return nil, inputError{err}
	}
	rec := &planner.ProviderRecommendation{Provider: providers.AWS, Source: f.Source, AsOf: f.AsOf,
		Query: fmt.Sprintf("%s %s, %d-day lookback", f.Query.Term, f.Query.PaymentOption, f.Query.LookbackDays)}
	for _, r := range f.RI {
		rec.Lines = append(rec.Lines, planner.ProviderLine{Kind: r.Kind, Term: r.Term, PaymentOption: r.PaymentOption, Account: r.Account,
			Scope: r.Pool, InstanceType: r.InstanceType, Quantity: r.Instances, UpfrontCost: r.UpfrontCost,
			EstimatedMonthlySavings: r.EstimatedMonthlySavings, EstimatedAverageUtilization: r.AverageUtilization, Currency: r.Currency})
	}
	for _, s := range f.SP {
		rec.Lines = append(rec.Lines, planner.ProviderLine{Kind: s.Kind, Term: s.Term, PaymentOption: s.PaymentOption, Account: s.Account,
			Scope: s.Scope, OfferingID: s.OfferingID, Quantity: s.HourlyCommitment, UpfrontCost: s.UpfrontCost,
			EstimatedMonthlySavings: s.EstimatedMonthlySavings, EstimatedAverageUtilization: s.EstimatedAverageUtilization, Currency: s.Currency})
	}
	for _, s := range f.Skipped {
		rec.Skipped = append(rec.Skipped, planner.Exclusion{What: strings.TrimSpace(s.File + " " + s.Item), Reason: "AWS's line could not be read: " + s.Reason})
	}
	return rec, nil
}
