package main

import (
	"encoding/json"
	"testing"

	"github.com/tranchehq/tranche/internal/report"
	"github.com/tranchehq/tranche/providers/focus/focustest"
)

func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	if _, err := focustest.Generate(dir, 2, 1); err != nil {
		t.Fatal(err)
	}
	cases := []cliCase{
		{"table", []string{"report", dir}, exitOK, []string{"Coverage", "By region", "Commitments (2)"}, []string{"focus: reading"}},
		{"quiet", []string{"report", "-q", dir}, exitOK, []string{"Coverage"}, nil},
		{"json", []string{"report", "-o", "json", "-q", dir}, exitOK, []string{`"schema": "` + report.SchemaVersion + `"`}, nil},
		{"csv groups", []string{"report", "-o", "csv", "-q", dir}, exitOK, []string{"dimension,key,currency,eligible_cost"}, nil},
		{"csv commitments", []string{"report", "-o", "csv", "--csv-table", "commitments", "-q", dir}, exitOK, []string{focustest.SPID}, nil},
		{"html", []string{"report", "-o", "html", "-q", dir}, exitOK, []string{"<!DOCTYPE html>", "<svg"}, nil},
		{"markdown unsupported", []string{"report", "-o", "markdown", dir}, exitUsage, nil, []string{"not supported"}},
		{"no args", []string{"report"}, exitUsage, nil, []string{"at least one"}},
		{"bad as-of", []string{"report", "--as-of", "soon", dir}, exitUsage, nil, []string{"--as-of"}},
		{"missing file", []string{"report", dir + "/nope.csv"}, exitInput, nil, []string{"no FOCUS file"}},
		{"spec examples", []string{"report", "-q", "--currency", "USD", "../../testdata/focus/spec-1.2-examples"}, exitInput, nil,
			[]string{"row 4, column ChargePeriodEnd", "column SkuPriceid", "quantities do not reconcile", "warning:", "blank line(s) skipped"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errs := c.check(t)
			if c.code != exitOK && out != "" {
				t.Errorf("a failed run wrote a report to stdout:\n%.200s", out)
			}
			if c.name == "quiet" && errs != "" {
				t.Errorf("--quiet wrote to stderr: %s", errs)
			}
			if c.name == "json" {
				var r report.Report
				if err := json.Unmarshal([]byte(out), &r); err != nil {
					t.Errorf("output is not a report: %v", err)
				}
			}
		})
	}
}
