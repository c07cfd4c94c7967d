package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// outputFormat is the value of the global --output flag.
type outputFormat string

const (
	outputTable    outputFormat = "table"
	outputJSON     outputFormat = "json"
	outputCSV      outputFormat = "csv"
	outputMarkdown outputFormat = "markdown"
	outputHTML     outputFormat = "html"
)

var outputFormats = []outputFormat{outputTable, outputJSON, outputCSV, outputMarkdown, outputHTML}

// writers are a command's writers of a result, by output format.
type writers[T any] map[outputFormat]func(io.Writer, T) error

// pick returns the writer of format, or a usage error naming the command.
func (ws writers[T]) pick(command string, format outputFormat) (func(io.Writer, T) error, error) {
	if w, ok := ws[format]; ok {
		return w, nil
	}
	return nil, usageError{fmt.Errorf("%s: --output %s is not supported", command, format)}
}

func (f *outputFormat) String() string { return string(*f) }
func (f *outputFormat) Type() string   { return "format" }
func (f *outputFormat) Set(s string) error {
	for _, v := range outputFormats {
		if strings.EqualFold(s, string(v)) {
			*f = v
			return nil
		}
	}
	return fmt.Errorf("unknown output format %q (want one of table, json, csv, markdown, html)", s)
}

// globalOptions are the flags every subcommand shares.
type globalOptions struct {
	output outputFormat
	quiet  bool
}

func newRootCmd() *cobra.Command {
	g := &globalOptions{output: outputTable}
	root := &cobra.Command{
		Use:   "tranche",
		Short: "Commitment and rate optimization for cloud FinOps",
		Long: `Tranche recommends which commitments (reserved instances, savings plans,
committed use discounts, Azure reservations) to buy, when, with which term and
payment option, so that you pay the least for the cloud you will actually use,
within the risk you accept. It proposes; people decide: no command buys anything.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.PersistentFlags().VarP(&g.output, "output", "o", "output format: table, json, csv, markdown or html (not every command supports every format)")
	root.PersistentFlags().BoolVarP(&g.quiet, "quiet", "q", false, "no progress messages on stderr")
	root.AddCommand(
		newSolveCmd(g),
		newPricesCmd(g),
		newReportCmd(g),
		newPlanCmd(g),
		newDemoCmd(g),
		newInventoryCmd(g),
		newRecommendationsCmd(g),
		newBacktestCmd(g),
		newScenarioCmd(g),
	)
	return root
}
