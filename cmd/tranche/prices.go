package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/tranchehq/tranche/providers"
	awsprov "github.com/tranchehq/tranche/providers/aws"
)

type pricesOptions struct {
	out    string
	strict bool
	// fetch
	provider      string
	region        string
	service       string
	instanceTypes []string
	savingsPlans  bool
	endpoint      string
	// import
	regions []string
}

func newPricesCmd(g *globalOptions) *cobra.Command {
	o := &pricesOptions{}
	cmd := &cobra.Command{
		Use:   "prices",
		Short: "Build and check price books (on-demand rates and commitment offerings)",
		Long: `A price book holds the on-demand rates of each pool and the commitment
offerings (reserved instances, savings plans) that can cover them, in one
currency, as versioned JSON (schema tranche.pricebook/v1, docs/pricebook.md).

"prices fetch" reads the AWS Price List and Savings Plans APIs; "prices import"
reads a directory of AWS bulk price files; "prices check" validates a file.
Every price item or line that is malformed is skipped and named, by file and
line, in the summary and in the price book's notes.`,
	}

	fetch := &cobra.Command{
		Use:   "fetch --provider aws --region REGION",
		Short: "Build a price book from the provider's price APIs",
		Long: `Fetch reads on-demand rates and reserved instance offers from the AWS Price List
API (pricing GetProducts) and, with --savings-plans, the Compute and EC2
Instance Savings Plans rates (savingsplans DescribeSavingsPlansOfferingRates).
Credentials come from the standard AWS chain (environment, shared config and
SSO, instance or task role); deploy/aws-iam-policy.json lists the calls made.
Nothing is bought.`,
		Example: `  tranche prices fetch --provider aws --region us-east-1 --instance-type m5.large,m5.xlarge --out prices.json
  tranche prices fetch --provider aws --region eu-west-1 --savings-plans --out - > prices.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPricesFetch(cmd.Context(), g, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fetch.Flags().StringVar(&o.provider, "provider", "aws", "provider (only aws for now)")
	fetch.Flags().StringVar(&o.region, "region", "", "region code, e.g. us-east-1")
	fetch.Flags().StringVar(&o.service, "service", awsprov.ServiceEC2, "Price List service code (only AmazonEC2 for now)")
	fetch.Flags().StringSliceVar(&o.instanceTypes, "instance-type", nil, "only these instance types (comma-separated)")
	fetch.Flags().BoolVar(&o.savingsPlans, "savings-plans", false, "also read Compute and EC2 Instance Savings Plans rates")
	fetch.Flags().StringVar(&o.endpoint, "endpoint-url", "", "send every AWS call to this URL (a test server or a proxy)")
	_ = fetch.MarkFlagRequired("region")
	_ = fetch.RegisterFlagCompletionFunc("provider", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"aws"}, cobra.ShellCompDirectiveNoFileComp
	})

	imp := &cobra.Command{
		Use:   "import DIR",
		Short: "Build a price book from a directory of AWS bulk price files",
		Long: `Import reads AWS bulk price files in AWS's own layout under DIR:
offers/v1.0/aws/AmazonEC2/current/<region>/index.csv (on-demand and reserved
rows) and savingsPlan/v1.0/aws/AWSComputeSavingsPlan/current/<region>/index.json
(savings plan rates, joined to the EC2 products by SKU). Malformed lines are
skipped and named by file and line; rows outside the book's scope (storage,
Dedicated Hosts, other services) are counted by reason.`,
		Example: `  tranche prices import ./aws-price-files --out prices.json
  tranche prices import ./aws-price-files --region eu-west-1 --strict --out prices.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPricesImport(g, o, args[0], cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	imp.Flags().StringSliceVar(&o.regions, "region", nil, "only these regions (comma-separated)")

	check := &cobra.Command{
		Use:   "check FILE",
		Short: "Validate a price book file",
		Long:  `Check loads a price book and reports the first problems found, each with the path of the bad field.`,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pb, err := providers.LoadPriceBook(args[0])
			if err != nil {
				return inputError{err}
			}
			return writeSummary(g, cmd.OutOrStdout(), pricesSummary{Source: pb.Source.Name, Currency: pb.Currency, OnDemand: len(pb.OnDemand), Offerings: len(pb.Offerings), Notes: len(pb.Notes), File: args[0]}, nil)
		},
	}
	for _, c := range []*cobra.Command{fetch, imp} {
		c.Flags().StringVar(&o.out, "out", "-", "write the price book to this file (- for standard output; the summary then goes to stderr)")
		c.Flags().BoolVar(&o.strict, "strict", false, "write nothing and fail (exit 3) when any item or line was skipped as malformed")
	}
	cmd.AddCommand(fetch, imp, check)
	return cmd
}

// pricesSummary is what a prices command reports on stdout (or stderr when
// the book itself goes to stdout).
type pricesSummary struct {
	File       string         `json:"file"`
	Source     string         `json:"source"`
	Currency   string         `json:"currency"`
	OnDemand   int            `json:"on_demand_rates"`
	Offerings  int            `json:"offerings"`
	Notes      int            `json:"notes"`
	Read       int            `json:"items_read"`
	Skipped    []awsprov.Skip `json:"skipped"`
	OutOfScope map[string]int `json:"out_of_scope,omitempty"`
}

func runPricesFetch(ctx context.Context, g *globalOptions, o *pricesOptions, stdout, stderr io.Writer) error {
	p, err := providers.ParseProvider(o.provider)
	if err != nil {
		return usageError{err}
	}
	if p != providers.AWS {
		return usageError{fmt.Errorf("prices fetch: provider %s is not supported yet (only aws)", p)}
	}
	if o.service != awsprov.ServiceEC2 {
		return usageError{fmt.Errorf("prices fetch: service %q is not supported yet (only %s)", o.service, awsprov.ServiceEC2)}
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(o.region))
	if err != nil {
		return fmt.Errorf("prices fetch: loading AWS credentials: %w", err)
	}
	if !g.quiet {
		fmt.Fprintf(stderr, "fetching %s prices for %s…\n", o.service, o.region)
	}
	c := awsprov.New(cfg, awsprov.Options{BaseEndpoint: o.endpoint})
	pb, rep, err := c.FetchPrices(ctx, awsprov.PriceQuery{Region: o.region, Service: o.service, InstanceTypes: o.instanceTypes, SavingsPlans: o.savingsPlans})
	if err != nil {
		return err
	}
	return finishPrices(g, o, pb, rep, stdout, stderr)
}

func runPricesImport(g *globalOptions, o *pricesOptions, dir string, stdout, stderr io.Writer) error {
	if !g.quiet {
		fmt.Fprintf(stderr, "importing bulk price files from %s…\n", dir)
	}
	pb, rep, err := awsprov.ImportBulk(dir, awsprov.ImportOptions{Regions: o.regions})
	if err != nil {
		return inputError{err}
	}
	return finishPrices(g, o, pb, rep, stdout, stderr)
}

// finishPrices writes the book and the summary. The book goes to --out;
// the summary to stdout, or to stderr when the book takes stdout.
func finishPrices(g *globalOptions, o *pricesOptions, pb *providers.PriceBook, rep *awsprov.Report, stdout, stderr io.Writer) error {
	sum := pricesSummary{File: o.out, Source: pb.Source.Name, Currency: pb.Currency, OnDemand: len(pb.OnDemand), Offerings: len(pb.Offerings),
		Notes: len(pb.Notes), Read: rep.Read, Skipped: rep.Skipped, OutOfScope: rep.OutOfScope}
	if sum.Skipped == nil {
		sum.Skipped = []awsprov.Skip{}
	}
	if o.strict && len(rep.Skipped) > 0 {
		// Nothing is written: the summary names what was skipped.
		sum.File = "(not written: --strict)"
		if err := writeSummary(g, stderr, sum, rep); err != nil {
			return err
		}
		return inputError{fmt.Errorf("prices: %d malformed items or lines were skipped (--strict); the first: %s", len(rep.Skipped), rep.Skipped[0])}
	}
	summaryTo := stdout
	if o.out == "-" || o.out == "" {
		sum.File = "standard output"
		if err := pb.Encode(stdout); err != nil {
			return err
		}
		summaryTo = stderr
		if g.quiet {
			summaryTo = io.Discard
		}
	} else {
		if err := writeFileAtomic(o.out, pb); err != nil {
			return err
		}
	}
	return writeSummary(g, summaryTo, sum, rep)
}

// writeFileAtomic writes v (a price book, an inventory) to a temporary
// file beside path and renames it, so a failed run never leaves half a file.
func writeFileAtomic(path string, v interface{ Encode(io.Writer) error }) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tranche-*.json")
	if err != nil {
		return fmt.Errorf("prices: %w", err)
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("prices: %w", err)
	}
	if err := v.Encode(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("prices: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("prices: %w", err)
	}
	return nil
}

func writeSummary(g *globalOptions, w io.Writer, s pricesSummary, rep *awsprov.Report) error {
	switch g.output {
	case outputJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	case outputCSV:
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"kind", "file", "line", "item", "reason_or_count"})
		_ = cw.Write([]string{"summary", s.File, "", s.Source, fmt.Sprintf("%d on-demand rates, %d offerings, %d read, %d skipped", s.OnDemand, s.Offerings, s.Read, len(s.Skipped))})
		for _, k := range s.Skipped {
			_ = cw.Write([]string{"skipped", k.File, lineOf(k), k.Item, k.Reason})
		}
		for _, r := range sortedReasons(s.OutOfScope) {
			_ = cw.Write([]string{"out-of-scope", "", "", r, strconv.Itoa(s.OutOfScope[r])})
		}
		cw.Flush()
		return cw.Error()
	case outputMarkdown:
		fmt.Fprintf(w, "| price book | %s |\n|---|---|\n| source | %s |\n| currency | %s |\n| on-demand rates | %d |\n| offerings | %d |\n| items read | %d |\n| skipped (malformed) | %d |\n\n",
			s.File, s.Source, s.Currency, s.OnDemand, s.Offerings, s.Read, len(s.Skipped))
		if len(s.Skipped) > 0 {
			fmt.Fprintln(w, "| skipped | reason |\n|---|---|")
			for _, k := range s.Skipped {
				fmt.Fprintf(w, "| %s | %s |\n", mdEscape(where(k)), mdEscape(k.Reason))
			}
		}
		return nil
	case outputTable:
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "price book\t%s\n", s.File)
		fmt.Fprintf(tw, "source\t%s\n", s.Source)
		fmt.Fprintf(tw, "currency\t%s\n", s.Currency)
		fmt.Fprintf(tw, "on-demand rates\t%d\n", s.OnDemand)
		fmt.Fprintf(tw, "offerings\t%d\n", s.Offerings)
		if rep != nil {
			fmt.Fprintf(tw, "items read\t%d\n", s.Read)
			fmt.Fprintf(tw, "skipped (malformed)\t%d\n", len(s.Skipped))
			n := 0
			for _, v := range s.OutOfScope {
				n += v
			}
			fmt.Fprintf(tw, "left out (out of scope)\t%d\n", n)
		} else {
			fmt.Fprintf(tw, "notes\t%d\n", s.Notes)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, k := range s.Skipped {
			fmt.Fprintf(w, "skipped %s\n", k)
		}
		for _, r := range sortedReasons(s.OutOfScope) {
			fmt.Fprintf(w, "out of scope: %d × %s\n", s.OutOfScope[r], r)
		}
		return nil
	}
	return usageError{fmt.Errorf("prices: output format %s is not supported here (use table, json, csv or markdown)", g.output)}
}

func where(k awsprov.Skip) string {
	s := k.File
	if k.Line > 0 {
		s += ":" + strconv.Itoa(k.Line)
	}
	if k.Item != "" {
		s += " " + k.Item
	}
	return s
}

func lineOf(k awsprov.Skip) string {
	if k.Line == 0 {
		return ""
	}
	return strconv.Itoa(k.Line)
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func sortedReasons(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
