package backtest

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/providers"
)

func TestReadUsageTable(t *testing.T) {
	key := pool.String()
	good := "time,pool,quantity\n" +
		"2026-01-01T00:00:00Z," + key + ",3\n" +
		"2026-01-01T02:00:00Z," + key + ",4.5\n" +
		"2026-01-01 01:00:00,aws/-/-/us-east-1/AmazonEC2/c5/Linux/Shared/instance-hour,1\n"
	got, err := ReadUsageTable(strings.NewReader(good), "u.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].Pool != pool || !got[0].Start.Equal(t0) {
		t.Fatalf("series %+v", got)
	}
	if q := got[1].Quantity; len(q) != 3 || q[0] != 3 || q[1] != 0 || q[2] != 4.5 {
		t.Errorf("m5 quantities %v, want [3 0 4.5]", q)
	}
	cols := "Quantity,TIME,provider,region,service,family,platform,tenancy,unit\n" +
		"2,2026-01-01T00:00:00Z,AWS,us-east-1,AmazonEC2,m5,Linux,Shared,instance-hour\n"
	got, err = ReadUsageTable(strings.NewReader(cols), "u.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Pool != pool || got[0].Quantity[0] != 2 {
		t.Errorf("by columns: %+v", got)
	}

	row := func(tm, p, q string) string { return "time,pool,quantity\n" + tm + "," + p + "," + q + "\n" }
	for _, c := range []struct {
		name, in string
		row      int
		col      string
		want     string
	}{
		{"empty", "", 0, "", "empty file"},
		{"unknown column", "time,pool,quantity,cost\n", 1, "cost", "unknown column"},
		{"duplicate column", "time,pool,time,quantity\n", 1, "time", "twice"},
		{"no quantity", "time,pool\n", 1, "quantity", "missing column"},
		{"no pool", "time,quantity\n", 1, "pool", "missing column"},
		{"pool and columns", "time,pool,region,quantity\n", 1, "pool", "not both"},
		{"missing pool column", "time,provider,region,service,unit,quantity\n", 1, "family", "missing column"},
		{"no rows", "time,pool,quantity\n", 0, "", "no usage rows"},
		{"bad time", row("yesterday", key, "1"), 2, "time", "not a time"},
		{"not on the hour", row("2026-01-01T00:30:00Z", key, "1"), 2, "time", "not on the hour"},
		{"negative", row("2026-01-01T00:00:00Z", key, "-1"), 2, "quantity", "≥ 0"},
		{"NaN", row("2026-01-01T00:00:00Z", key, "NaN"), 2, "quantity", "finite"},
		{"short key", row("2026-01-01T00:00:00Z", "aws/us-east-1/m5", "1"), 2, "pool", "3 fields"},
		{"slash in platform", row("2026-01-01T00:00:00Z", "aws/-/-/us-east-1/AmazonEC2/m5/Linux/UNIX/Shared/NU-hour", "1"), 2, "pool", "pool columns instead"},
		{"bad unit", row("2026-01-01T00:00:00Z", "aws/-/-/us-east-1/AmazonEC2/m5/Linux/Shared/hours", "1"), 2, "pool", "unknown unit"},
		{"bad provider", "time,provider,region,service,family,unit,quantity\n2026-01-01T00:00:00Z,oracle,r,s,f,NU-hour,1\n", 2, "provider", "unknown provider"},
		{"empty family", "time,provider,region,service,family,unit,quantity\n2026-01-01T00:00:00Z,aws,r,s,,NU-hour,1\n", 2, "family", "empty"},
		{"duplicate hour", row("2026-01-01T00:00:00Z", key, "1") + "2026-01-01T00:00:00Z," + key + ",2\n", 3, "time", "first is row 2"},
		{"ten years", row("2026-01-01T00:00:00Z", key, "1") + "2046-01-01T00:00:00Z," + key + ",2\n", 3, "time", "ten years"},
		{"ragged", "time,pool,quantity\n2026-01-01T00:00:00Z," + key + "\n", 2, "", "wrong number of fields"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadUsageTable(strings.NewReader(c.in), "u.csv")
			var ue *UsageTableError
			if !errors.As(err, &ue) {
				t.Fatalf("error %v, want a *UsageTableError", err)
			}
			if ue.File != "u.csv" || ue.Row != c.row || ue.Column != c.col || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %q (row %d, column %q), want row %d, column %q, containing %q", err, ue.Row, ue.Column, c.row, c.col, c.want)
			}
		})
	}
}

func TestParsePoolKeyRoundTrip(t *testing.T) {
	for _, k := range []providers.PoolKey{pool, pool2, {Provider: providers.GCP, Account: "proj", Region: "europe-west1", Service: "Compute Engine", Family: "n2", Unit: providers.UnitVCPUHour}} {
		got, err := ParsePoolKey(k.String())
		if err != nil || got != k {
			t.Errorf("ParsePoolKey(%q) = %+v, %v", k.String(), got, err)
		}
	}
}

func FuzzReadUsageTable(f *testing.F) {
	f.Add("time,pool,quantity\n2026-01-01T00:00:00Z," + pool.String() + ",3\n")
	f.Add("time,provider,region,service,family,unit,quantity\n2026-01-01 05:00:00,gcp,r,s,n2,vCPU-hour,1e3\n")
	f.Add("time,pool,quantity\n2026-01-01T00:00:00+01:00,aws/-/-/r/s/f/-/-/NU-hour,0\n2026-01-02T00:00:00Z,aws/-/-/r/s/f/-/-/NU-hour,1\n")
	f.Add("\ufefftime,pool,quantity\n\"2026-01-01T00:00:00Z\",\"aws/a/b/r/s/f/p/t/GiB-hour\",\"7\"\n")
	f.Fuzz(func(t *testing.T, in string) {
		series, err := ReadUsageTable(strings.NewReader(in), "f.csv")
		if err != nil {
			var ue *UsageTableError
			if !errors.As(err, &ue) || ue.File != "f.csv" {
				t.Fatalf("error %v is not a *UsageTableError naming the file", err)
			}
			return
		}
		if len(series) == 0 {
			t.Fatal("no series and no error")
		}
		seen := map[providers.PoolKey]bool{}
		for _, s := range series {
			if seen[s.Pool] {
				t.Fatalf("pool %s twice", s.Pool)
			}
			seen[s.Pool] = true
			if !s.Start.Equal(series[0].Start) || len(s.Quantity) != len(series[0].Quantity) || s.Start.Truncate(time.Hour) != s.Start {
				t.Fatalf("series not aligned on the hour: %v %d", s.Start, len(s.Quantity))
			}
			for _, q := range s.Quantity {
				if q < 0 || math.IsNaN(q) || math.IsInf(q, 0) {
					t.Fatalf("quantity %v", q)
				}
			}
			if k, err := ParsePoolKey(s.Pool.String()); err == nil && k != s.Pool {
				t.Fatalf("pool %+v does not round-trip: %+v", s.Pool, k)
			}
		}
	})
}

// WriteUsageTable's table reads back as the same usage, series starting
// at different hours, a platform holding "/" and a family holding a comma
// included.
func TestWriteUsageTableRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := providers.PoolKey{Provider: providers.AWS, Region: "us-east-1", Service: "AmazonEC2", Family: "m5", Platform: "Linux/UNIX", Tenancy: "Shared", Unit: providers.UnitNormalizedHour}
	b := providers.PoolKey{Provider: providers.AWS, Account: "1234", Region: "eu-west-1", Service: "AmazonEC2", Family: "odd,name", Unit: providers.UnitInstanceHour}
	in := []providers.UsageSeries{
		{Pool: a, Start: t0.Add(2 * time.Hour), Quantity: []float64{4, 0, 8.5}},
		{Pool: b, Start: t0, Quantity: []float64{1, 2}},
	}
	var buf strings.Builder
	if err := WriteUsageTable(&buf, in); err != nil {
		t.Fatal(err)
	}
	out, err := ReadUsageTable(strings.NewReader(buf.String()), "round-trip.csv")
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	want := map[string][]float64{a.String(): {0, 0, 4, 0, 8.5}, b.String(): {1, 2, 0, 0, 0}}
	if len(out) != len(want) {
		t.Fatalf("%d series read back, want %d", len(out), len(want))
	}
	for _, s := range out {
		w, ok := want[s.Pool.String()]
		if !ok {
			t.Fatalf("pool %s read back, not written", s.Pool)
		}
		got := make([]float64, 5)
		for h, q := range s.Quantity {
			got[int(s.Start.Sub(t0)/time.Hour)+h] = q
		}
		for h := range w {
			if got[h] != w[h] {
				t.Errorf("%s hour %d: %v, want %v", s.Pool, h, got[h], w[h])
			}
		}
	}
	if lines := strings.Count(buf.String(), "\n"); lines != 1+3+2 {
		t.Errorf("%d lines, want a header and one row per pool-hour of the series (6)", lines)
	}
}
