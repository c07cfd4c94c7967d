package focus_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/marcboeker/go-duckdb"

	goldenfile "github.com/tranchehq/tranche/internal/golden"
	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/providers/focus"
	"github.com/tranchehq/tranche/providers/focus/focustest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const fixtures = "../../testdata/focus"

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, name, got, *update)
}

const hdr = "BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,BilledCost,EffectiveCost,ProviderName,ContractedCost\n"
const good = "USD,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,Usage,1.5,1.5,AWS,1.5\n"

func gz(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

// TestOpenRejects feeds broken inputs and checks that Open names the file,
// the row and the column, and returns no dataset.
func TestOpenRejects(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		opt   focus.Options
		want  []string // substrings of the error
	}{
		{"empty file", map[string]string{"a.csv": ""}, focus.Options{}, []string{"a.csv: file is empty"}},
		{"wrong type", map[string]string{"a.csv": hdr + good + "USD,2026-01-01T01:00:00Z,2026-01-01T02:00:00Z,Usage,abc,1.5,AWS,1\n"},
			focus.Options{}, []string{"a.csv: row 3, column BilledCost: cannot parse \"abc\""}},
		{"not finite", map[string]string{"a.csv": hdr + "USD,2026-01-01T01:00:00Z,2026-01-01T02:00:00Z,Usage,NaN,1.5,AWS,1\n"},
			focus.Options{}, []string{"row 2, column BilledCost: cannot parse \"NaN\""}},
		{"hour 30", map[string]string{"a.csv": hdr + "USD,2026-01-01T00:00:00Z,2026-01-01T30:00:00Z,Usage,1,1,AWS,1\n"},
			focus.Options{}, []string{"row 2, column ChargePeriodEnd: cannot parse \"2026-01-01T30:00:00Z\" as a timestamp"}},
		{"end before start", map[string]string{"a.csv": hdr + "USD,2026-01-01T02:00:00Z,2026-01-01T01:00:00Z,Usage,1,1,AWS,1\n"},
			focus.Options{}, []string{"row 2, column ChargePeriodEnd: charge period does not end after it starts"}},
		{"unknown category", map[string]string{"a.csv": hdr + "USD,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,Refund,1,1,AWS,1\n"},
			focus.Options{}, []string{"row 2, column ChargeCategory: value \"Refund\" is not one of"}},
		{"required null", map[string]string{"a.csv": hdr + "USD,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,Usage,NULL,1,AWS,1\n"},
			focus.Options{}, []string{"row 2, column BilledCost: is null"}},
		{"mixed currencies across files", map[string]string{"a.csv": hdr + good, "b.csv": hdr + good + strings.Replace(good, "USD", "EUR", 1)},
			focus.Options{}, []string{"b.csv: row 3, column BillingCurrency: currency EUR differs from USD"}},
		{"truncated in a quoted field", map[string]string{"a.csv": hdr + good + "USD,\"2026-01-01T00:00"},
			focus.Options{}, []string{"a.csv: row 3: quoted field not closed before the end of the file"}},
		{"truncated mid row", map[string]string{"a.csv": hdr + good + "USD,2026-01-01T00:00:00Z,2026-01-0"},
			focus.Options{}, []string{"a.csv: row 3", "malformed CSV line"}},
		{"too many fields", map[string]string{"a.csv": hdr + good + strings.TrimSuffix(good, "\n") + ",extra\n"},
			focus.Options{}, []string{"a.csv: row 3", "malformed CSV line"}},
		{"missing required column", map[string]string{"a.csv": "BillingCurrency,ChargePeriodStart\nUSD,2026-01-01T00:00:00Z\n"},
			focus.Options{}, []string{"a.csv: row 1, column ChargePeriodEnd: required column is missing", "column EffectiveCost: required column is missing"}},
		{"no currency column and no --currency", map[string]string{"a.csv": strings.Replace(hdr, "BillingCurrency,", "", 1) + strings.Replace(good, "USD,", "", 1)},
			focus.Options{}, []string{"a.csv: row 1, column BillingCurrency: column is missing"}},
		{"misspelt column", map[string]string{"a.csv": strings.Replace(hdr, "ProviderName", "Providername", 1) + good},
			focus.Options{}, []string{"column Providername: not a FOCUS column ID; FOCUS spells it ProviderName"}},
		{"duplicate column", map[string]string{"a.csv": strings.TrimSuffix(hdr, "\n") + ",BilledCost\n" + strings.TrimSuffix(good, "\n") + ",1\n"},
			focus.Options{}, []string{"row 1, column BilledCost: column appears twice"}},
		{"directory with one bad file", map[string]string{"d/a.csv": hdr + good, "d/b.csv": hdr + good, "d/c.csv": hdr + "USD,x,2026-01-01T01:00:00Z,Usage,1,1,AWS,1\n"},
			focus.Options{}, []string{"d/c.csv: row 2, column ChargePeriodStart: cannot parse \"x\""}},
		{"gzip that is not gzip", map[string]string{"a.csv.gz": hdr + good}, focus.Options{}, []string{"a.csv.gz: not a gzip file"}},
		{"not parquet", map[string]string{"a.parquet": hdr + good}, focus.Options{}, []string{"a.parquet: DuckDB cannot read it as Parquet"}},
		{"status without commitment", map[string]string{"a.csv": strings.TrimSuffix(hdr, "\n") + ",CommitmentDiscountStatus\n" + strings.TrimSuffix(good, "\n") + ",Used\n"},
			focus.Options{}, []string{"row 2, column CommitmentDiscountStatus: is \"Used\" but CommitmentDiscountId is null"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range c.files {
				p := filepath.Join(dir, name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			d, err := focus.Open(context.Background(), []string{dir}, c.opt)
			if err == nil {
				d.Close()
				t.Fatal("Open succeeded; want an error")
			}
			if !errors.Is(err, focus.ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestOpenNoFiles(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{filepath.Join(dir, "missing.csv"), filepath.Join(dir, "*.csv"), dir} {
		if _, err := focus.Open(context.Background(), []string{p}, focus.Options{}); !errors.Is(err, focus.ErrNoFiles) {
			t.Errorf("Open(%s) = %v, want ErrNoFiles", p, err)
		}
	}
}

// TestHeaderOnly: a file with a header and no rows is complete, and says so.
func TestHeaderOnly(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.csv"), []byte(hdr), 0o644)
	os.WriteFile(filepath.Join(dir, "b.csv"), []byte(hdr+good), 0o644)
	d, err := focus.Open(context.Background(), []string{dir}, focus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Rows != 1 {
		t.Errorf("rows = %d, want 1", d.Rows)
	}
	found := false
	for _, n := range d.Notices {
		found = found || (strings.HasSuffix(n.File, "a.csv") && strings.Contains(n.Message, "no data rows"))
	}
	if !found {
		t.Errorf("no notice for the header-only file: %+v", d.Notices)
	}
}

// TestSpecExamples: the FOCUS 1.2 examples carry known defects
// (testdata/focus/README.md); every one must be reported.
func TestSpecExamples(t *testing.T) {
	_, err := focus.Open(context.Background(), []string{fixtures + "/spec-1.2-examples"}, focus.Options{Currency: "USD"})
	var inv *focus.InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("Open = %v, want *InvalidError", err)
	}
	var b strings.Builder
	b.WriteString(err.Error() + "\n")
	for _, n := range inv.Notices {
		fmt.Fprintf(&b, "%s %s %s rows=%d first=%d: %s\n", n.Kind, n.File, n.Column, n.Rows, n.FirstRow, n.Message)
	}
	out := b.String()
	for _, want := range []string{
		"commitment_discount_purchase_scenario_2.csv: row 4, column ChargePeriodEnd: cannot parse \"2023-02-01T30:00:00Z\"",
		"commitment_discount_purchase_scenario_3.csv: row 5, column ChargePeriodEnd: cannot parse \"2023-02-01T30:00:00Z\"",
		"with_1_resource.csv: row 1, column SkuPriceid: not a FOCUS column ID; FOCUS spells it SkuPriceId",
		"with_1_resource.csv: row 4, column PricingQuantity: quantities do not reconcile",
		"(rows 4, 6) have PricingQuantity adding up to 1.083, not the ConsumedQuantity 1",
		"warning ../../testdata/focus/spec-1.2-examples/commitment_discount_flexibility/one_hundred_percent_utilization_with_commitment_discount_flexibility_with_1_resource.csv  rows=2 first=3: 2 blank line(s) skipped",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report of the spec examples lacks %q", want)
		}
	}
	golden(t, "spec-1.2-examples.golden", []byte(out))
}

// TestSample: the real, messy FOCUS 1.0 sample loads, with its mess listed.
func TestSample(t *testing.T) {
	d, err := focus.Open(context.Background(), []string{fixtures + "/sample-1.0/focus_sample.csv"}, focus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "rows=%d currency=%s\n", d.Rows, d.Currency)
	for _, n := range d.Notices {
		fmt.Fprintf(&b, "%s %s rows=%d first=%d: %s\n", n.Kind, n.Column, n.Rows, n.FirstRow, n.Message)
	}
	us, err := d.UsageSeries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		sum := 0.0
		for _, q := range u.Quantity {
			sum += q
		}
		fmt.Fprintf(&b, "pool %s start=%s hours=%d total=%.4f rate=%.6f\n", u.Pool, u.Start.Format("2006-01-02T15"), len(u.Quantity), sum, u.OnDemandRate)
	}
	cs, err := d.Commitments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		fmt.Fprintf(&b, "commitment %s %s %s kind=%q note=%q end_known=%v\n", c.ID, c.Type, c.Category, c.Kind, c.KindNote, c.EndKnown)
	}
	out := b.String()
	for _, want := range []string{"rows=1000", "value in non-canonical case read as the FOCUS value (Usage-based)",
		"literal NULL string read as null", "timestamp without 'T' and zone read as UTC",
		"EffectiveCost is 0 on usage rows with BilledCost > 0"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q", want)
		}
	}
	golden(t, "sample-1.0.golden", []byte(out))
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

// TestGenerated derives pools, commitments and the FOCUS invariants from a
// generated data set and checks them against the generator's own counts,
// in each file format.
func TestGenerated(t *testing.T) {
	dir := t.TempDir()
	truth, err := focustest.Generate(dir, 3, 7)
	if err != nil {
		t.Fatal(err)
	}
	// The same data as CSV.gz (month 2) and Parquet (month 3).
	mixed := t.TempDir()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i, f := range truth.Files {
		raw, _ := os.ReadFile(f)
		base := filepath.Base(f)
		switch i {
		case 0:
			os.WriteFile(filepath.Join(mixed, base), raw, 0o644)
		case 1:
			os.WriteFile(filepath.Join(mixed, base+".gz"), []byte(gz(string(raw))), 0o644)
		default:
			q := fmt.Sprintf(`COPY (SELECT * FROM read_csv('%s', all_varchar = true)) TO '%s' (FORMAT parquet)`, f, filepath.Join(mixed, strings.TrimSuffix(base, ".csv")+".parquet"))
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, in := range []string{dir, mixed} {
		t.Run(filepath.Base(in), func(t *testing.T) {
			ctx := context.Background()
			d, err := focus.Open(ctx, []string{in}, focus.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if d.Rows != int64(truth.Rows) {
				t.Errorf("rows = %d, want %d", d.Rows, truth.Rows)
			}
			us, err := d.UsageSeries(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]float64{}
			for _, u := range us {
				if u.Pool.Unit != providers.UnitNormalizedHour || u.Pool.Provider != providers.AWS {
					t.Errorf("pool %s: want AWS NU-hours", u.Pool)
				}
				if !u.Start.Equal(truth.Start) && len(u.Quantity) > truth.Hours {
					t.Errorf("pool %s: series %s + %d h outside the window", u.Pool, u.Start, len(u.Quantity))
				}
				for _, q := range u.Quantity {
					got[u.Pool.Family] += q
				}
			}
			for fam, want := range truth.PoolNU {
				if !near(got[fam], want) {
					t.Errorf("pool %s: %g NU-hours, want %g", fam, got[fam], want)
				}
			}
			if len(got) != len(truth.PoolNU) {
				t.Errorf("pools %v, want the families of %v", got, truth.PoolNU)
			}
			cs, err := d.Commitments(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != 2 {
				t.Fatalf("%d commitments, want 2", len(cs))
			}
			for _, c := range cs {
				switch c.ID {
				case focustest.RIID:
					if c.PaymentOption != providers.NoUpfront || c.Quantity != 2 || c.Unit != providers.UnitInstanceHour || c.EndKnown || !near(c.RecurringHourlyFee, 0.12) {
						t.Errorf("RI = %+v", c)
					}
				case focustest.SPID:
					if c.PaymentOption != providers.AllUpfront || !near(c.Quantity, 0.5) || !c.EndKnown || !c.End.Equal(truth.End) || !near(c.UpfrontFee, truth.SPUpfront) {
						t.Errorf("SP = %+v", c)
					}
				default:
					t.Errorf("unexpected commitment %s", c.ID)
				}
			}
			// DESIGN.md's FOCUS invariants.
			rs, err := d.Reconcile(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]float64{focustest.RIID: truth.RIAmortized, focustest.SPID: truth.SPAmortized}
			for _, r := range rs {
				if r.Status != "reconciled" || !near(r.AmortizedUsage, want[r.CommitmentID]) || !near(r.PurchaseBilled, want[r.CommitmentID]) || !near(r.UsedPlusUnused, want[r.CommitmentID]) {
					t.Errorf("invariant %+v, want all three = %g", r, want[r.CommitmentID])
				}
			}
		})
	}
}

// TestReconcileDetectsBreak: a usage row of a commitment with no status
// breaks "amortized usage = Used + Unused"; Open rejects it, and a purchase
// billed twice makes Reconcile say "differs".
func TestReconcileDetectsBreak(t *testing.T) {
	dir := t.TempDir()
	truth, err := focustest.Generate(dir, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(truth.Files[0])
	lines := strings.SplitAfter(string(raw), "\n")
	// Duplicate the first recurring RI purchase row.
	for _, l := range lines[1:] {
		if strings.Contains(l, ",Purchase,Recurring,") {
			raw = append(raw, l...)
			break
		}
	}
	os.WriteFile(truth.Files[0], raw, 0o644)
	d, err := focus.Open(context.Background(), []string{dir}, focus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rs, err := d.Reconcile(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.CommitmentID == focustest.RIID && r.Status != "differs" {
			t.Errorf("RI billed twice for one hour: status %q, want differs", r.Status)
		}
	}
}

// FuzzOpenCSV: whatever the bytes, Open returns a dataset or an error that
// wraps ErrInvalid; it never panics, and a dataset holds every record.
func FuzzOpenCSV(f *testing.F) {
	f.Add([]byte(hdr + good))
	f.Add([]byte(hdr + good + "\n\n" + good))
	f.Add([]byte(hdr + "USD,\"2026-01-01T00:00:00Z\",2026-01-01T01:00:00Z,Usage-based,NULL,1,AWS,\n"))
	f.Add([]byte(hdr + "USD,2026-01-01 00:00:00,2026-01-01 01:00:00,usage,1e3,-1,\"A\"\"WS\",\n"))
	f.Add([]byte(hdr + "\"USD\r\n\",x"))
	f.Fuzz(func(t *testing.T, body []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "f.csv")
		os.WriteFile(p, body, 0o644)
		d, err := focus.Open(context.Background(), []string{p}, focus.Options{MaxErrors: 3, Threads: 1})
		if err != nil {
			if !errors.Is(err, focus.ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		defer d.Close()
		var n int64
		if err := d.QueryRowContext(context.Background(), "SELECT count(*) FROM charges WHERE charge_period_end <= charge_period_start OR billed_cost IS NULL").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d invalid rows accepted", n)
		}
	})
}

// TestCanceled: a canceled context stops Open with context.Canceled, not
// with an input error.
func TestCanceled(t *testing.T) {
	dir := t.TempDir()
	if _, err := focustest.Generate(dir, 1, 1); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := focus.Open(ctx, []string{dir}, focus.Options{})
	if !errors.Is(err, context.Canceled) || errors.Is(err, focus.ErrInvalid) {
		t.Fatalf("Open = %v, want context.Canceled", err)
	}
}

// TestValidatorSample: focus_validator's 2-row, 3-column Parquet smoke file
// is not a FOCUS export; every reason is named.
func TestValidatorSample(t *testing.T) {
	_, err := focus.Open(context.Background(), []string{fixtures + "/validator-1.2/sample.parquet"}, focus.Options{})
	if !errors.Is(err, focus.ErrInvalid) {
		t.Fatalf("Open = %v, want ErrInvalid", err)
	}
	for _, want := range []string{
		"sample.parquet: column ResourceID: not a FOCUS column ID; FOCUS spells it ResourceId",
		"sample.parquet: column ChargePeriodStart: required column is missing",
		"sample.parquet: column BillingCurrency: column is missing",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestParquetStatistics: rules that the row-group statistics cannot prove
// are still checked on every row, and a column the statistics prove
// constant reads as that value.
func TestParquetStatistics(t *testing.T) {
	const h = "BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,BilledCost,EffectiveCost,ProviderName,ContractedCost,ResourceId\n"
	cases := []struct {
		name, body string
		invalid    bool
		want       []string
		typed      bool // numbers as Parquet DOUBLE, not text
	}{
		{"constant and valid", h + strings.Repeat("USD,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,Usage,1,1,AWS,1,i-1\n", 3), false,
			[]string{"Usage AWS USD 3"}, true},
		{"constant but not a FOCUS value", h + strings.Repeat("USD,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,Refund,1,1,AWS,1,i-1\n", 3), true,
			[]string{"row 1, column ChargeCategory: value \"Refund\" is not one of"}, false},
		{"case and null spellings", h + "USD,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,usage,1,1,AWS,1,NULL\n" +
			"USD,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,Usage,1,1,AWS,1,i-1\n", false,
			[]string{"ChargeCategory: value in non-canonical case read as the FOCUS value (usage)", "ResourceId: literal NULL string read as null"}, false},
		{"a second currency", h + "USD,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,Usage,1,1,AWS,1,i-1\n" +
			"EUR,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,Usage,1,1,AWS,1,i-1\n", true,
			[]string{"row 2, column BillingCurrency: currency EUR differs from USD"}, false},
		{"a zero cost among typed numbers", h + "USD,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,Usage,1,0,AWS,0.5,i-1\n" +
			"USD,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,Usage,1,1,AWS,1,i-1\n", false,
			[]string{"EffectiveCost: EffectiveCost is 0 on usage rows with BilledCost > 0"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			csvPath := filepath.Join(dir, "a.csv")
			os.WriteFile(csvPath, []byte(c.body), 0o644)
			pq := filepath.Join(t.TempDir(), "a.parquet")
			db, err := sql.Open("duckdb", "")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			opt := "all_varchar = true"
			if c.typed {
				opt = "types = {'BilledCost': 'DOUBLE', 'EffectiveCost': 'DOUBLE', 'ContractedCost': 'DOUBLE'}"
			}
			if _, err := db.Exec(fmt.Sprintf(`COPY (SELECT * FROM read_csv('%s', %s)) TO '%s' (FORMAT parquet)`, csvPath, opt, pq)); err != nil {
				t.Fatal(err)
			}
			d, err := focus.Open(context.Background(), []string{pq}, focus.Options{})
			var out strings.Builder
			switch {
			case c.invalid && err == nil:
				d.Close()
				t.Fatal("Open succeeded; want an error")
			case c.invalid:
				out.WriteString(err.Error())
			case err != nil:
				t.Fatal(err)
			default:
				defer d.Close()
				for _, n := range d.Notices {
					fmt.Fprintf(&out, "%s: %s\n", n.Column, n.Message)
				}
				var cat, prov, cur string
				var n int
				if err := d.QueryRowContext(context.Background(), "SELECT any_value(charge_category), any_value(provider_name), any_value(billing_currency), count(*) FROM charges").Scan(&cat, &prov, &cur, &n); err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&out, "%s %s %s %d\n", cat, prov, cur, n)
			}
			for _, w := range c.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}
