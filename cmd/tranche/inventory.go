package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/tranchehq/tranche/providers"
	awsprov "github.com/tranchehq/tranche/providers/aws"
)

type inventoryOptions struct {
	provider string
	regions  []string
	endpoint string
	out      string
}

func newInventoryCmd(g *globalOptions) *cobra.Command {
	o := &inventoryOptions{}
	cmd := &cobra.Command{
		Use:   "inventory",
		Short: "List the commitments owned, from the provider's APIs",
	}
	fetch := &cobra.Command{
		Use:   "fetch --provider aws --region REGION[,REGION…]",
		Short: "Write the owned reservations and savings plans as an inventory file",
		Long: `Fetch lists the active reserved instances (EC2 DescribeReservedInstances, in
each region given) and savings plans (DescribeSavingsPlans) and writes them as
an inventory (JSON, schema tranche.inventory/v1, docs/inventory.md): kind, size,
quantity, start and end of each commitment — what FOCUS billing data does not
carry. Give it to "tranche plan --inventory". Credentials come from the
standard AWS chain; deploy/aws-iam-policy.json lists the read-only calls made.
Nothing is bought.`,
		Example: `  tranche inventory fetch --provider aws --region us-east-1,eu-west-1 --out inventory.json
  tranche plan --prices prices.json --inventory inventory.json exports/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runInventoryFetch(cmd.Context(), g, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fetch.Flags().StringVar(&o.provider, "provider", "aws", "provider (only aws for now)")
	fetch.Flags().StringSliceVar(&o.regions, "region", nil, "regions whose reserved instances to list (comma-separated)")
	fetch.Flags().StringVar(&o.endpoint, "endpoint-url", "", "send every AWS call to this URL (a test server or a proxy)")
	fetch.Flags().StringVar(&o.out, "out", "-", "write the inventory to this file (- for standard output; the summary then goes to stderr)")
	cmd.AddCommand(fetch)
	return cmd
}

func runInventoryFetch(ctx context.Context, g *globalOptions, o *inventoryOptions, stdout, stderr io.Writer) error {
	p, err := providers.ParseProvider(o.provider)
	if err != nil {
		return usageError{err}
	}
	if p != providers.AWS {
		return usageError{fmt.Errorf("inventory fetch: provider %s is not supported yet (only aws)", p)}
	}
	if len(o.regions) == 0 {
		return usageError{fmt.Errorf("inventory fetch: give the regions whose reserved instances to list with --region")}
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(o.regions[0]))
	if err != nil {
		return fmt.Errorf("inventory fetch: loading AWS credentials: %w", err)
	}
	c := awsprov.New(cfg, awsprov.Options{BaseEndpoint: o.endpoint})
	inv := &providers.Inventory{Schema: providers.InventorySchema, AsOf: time.Now().UTC().Truncate(time.Second),
		Source: "AWS EC2 DescribeReservedInstances and Savings Plans DescribeSavingsPlans"}
	type row struct {
		call                string
		read, kept, skipped int
	}
	var rows []row
	for _, region := range o.regions {
		if !g.quiet {
			fmt.Fprintf(stderr, "listing reserved instances in %s…\n", region)
		}
		cs, rep, err := c.OwnedReservedInstances(ctx, region)
		if err != nil {
			return err
		}
		inv.Commitments = append(inv.Commitments, cs...)
		rows = append(rows, row{"ec2 DescribeReservedInstances " + region, rep.Read, len(cs), len(rep.Skipped)})
		for _, s := range rep.Skipped {
			fmt.Fprintf(stderr, "tranche: warning: skipped %s\n", s)
		}
	}
	if !g.quiet {
		fmt.Fprintln(stderr, "listing savings plans…")
	}
	cs, rep, err := c.OwnedSavingsPlans(ctx)
	if err != nil {
		return err
	}
	inv.Commitments = append(inv.Commitments, cs...)
	rows = append(rows, row{"savingsplans DescribeSavingsPlans", rep.Read, len(cs), len(rep.Skipped)})
	for _, s := range rep.Skipped {
		fmt.Fprintf(stderr, "tranche: warning: skipped %s\n", s)
	}
	summaryTo := stdout
	if o.out == "-" || o.out == "" {
		if err := inv.Encode(stdout); err != nil {
			return err
		}
		summaryTo = stderr
		if g.quiet {
			summaryTo = io.Discard
		}
	} else {
		if err := writeFileAtomic(o.out, inv); err != nil {
			return err
		}
	}
	tw := tabwriter.NewWriter(summaryTo, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Call\tRead\tKept\tSkipped")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", r.call, r.read, r.kept, r.skipped)
	}
	fmt.Fprintf(tw, "Commitments\t%d\t\t\n", len(inv.Commitments))
	return tw.Flush()
}
