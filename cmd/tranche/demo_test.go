package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tranchehq/tranche/internal/demo"
)

func TestDemoCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "billing")
	traces := filepath.Join(t.TempDir(), "traces")
	cases := []cliCase{
		{"generate", []string{"demo", "generate", "--out", dir, "--days", "28", "--seed", "2"}, exitOK,
			[]string{"Larkspur Analytics", "Pools", "holiday-slump", "Compute Savings Plan"}, []string{"demo: writing", "rows in"}},
		{"json quiet", []string{"demo", "generate", "-q", "-o", "json", "--out", dir, "--days", "28", "--seed", "2"}, exitOK,
			[]string{`"schema": "` + demo.ManifestSchema + `"`}, nil},
		{"bad end", []string{"demo", "generate", "--out", dir, "--end", "December"}, exitUsage, nil, []string{"--end"}},
		{"end not midnight is a date", []string{"demo", "generate", "--out", dir, "--end", "2026-12-01T05:00:00Z"}, exitUsage, nil, []string{"--end"}},
		{"too few days", []string{"demo", "generate", "--out", dir, "--days", "3"}, exitUsage, nil, []string{"--days 3"}},
		{"seed zero", []string{"demo", "generate", "--out", dir, "--seed", "0"}, exitUsage, nil, []string{"--seed 0"}},
		{"csv unsupported", []string{"demo", "generate", "-o", "csv", "--out", dir}, exitUsage, nil, []string{"not supported"}},
		{"arguments", []string{"demo", "generate", "extra"}, exitUsage, nil, []string{"unexpected argument"}},
		{"traces", []string{"demo", "traces", "--out", traces, "--days", "60"}, exitOK,
			[]string{"trend-break.csv", "migration.csv", "c4.xlarge moves to c5.xlarge"}, nil},
		{"traces random", []string{"demo", "traces", "--out", traces, "--days", "60", "--random", "2"}, exitOK,
			[]string{"random-1.csv", "random-2.csv", "%/yr"}, nil},
		{"traces fleet", []string{"demo", "traces", "--out", traces, "--days", "60", "--random", "2", "--fleet", "2"}, exitOK,
			[]string{"fleet.csv", "14 ", "2 random traces side by side"}, nil},
		{"traces fleet beyond random", []string{"demo", "traces", "--out", traces, "--random", "2", "--fleet", "3"}, exitUsage, nil, []string{"--fleet 3"}},
		{"traces too many random", []string{"demo", "traces", "--out", traces, "--random", "101"}, exitUsage, nil, []string{"--random 101"}},
		{"traces too short", []string{"demo", "traces", "--out", traces, "--days", "30"}, exitUsage, nil, []string{"--days 30"}},
		{"traces json", []string{"demo", "traces", "-o", "json", "--out", traces}, exitUsage, nil, []string{"not supported"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errs := c.check(t)
			if c.name == "json quiet" {
				if errs != "" {
					t.Errorf("--quiet wrote to stderr: %s", errs)
				}
				var m demo.Manifest
				if err := json.Unmarshal([]byte(out), &m); err != nil {
					t.Fatalf("stdout is not the manifest: %v", err)
				}
				if len(m.Files) == 0 || m.Days != 28 || m.Seed != 2 {
					t.Errorf("manifest: %d files, %d days, seed %d", len(m.Files), m.Days, m.Seed)
				}
				for _, f := range m.Files {
					if _, err := os.Stat(filepath.Join(dir, f.Path)); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	// The files are a valid FOCUS export: the report reads them.
	out, errs, code := run(t, "report", "-q", dir)
	if code != exitOK {
		t.Fatalf("report on the demo data: exit %d\n%s", code, errs)
	}
	if !strings.Contains(out, "Coverage") {
		t.Errorf("report output lacks Coverage:\n%.400s", out)
	}
}
