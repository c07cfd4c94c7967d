package demo

import (
	"bytes"
	"context"
	"flag"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/providers"
	"github.com/tranchehq/tranche/providers/focus"
)

var update = flag.Bool("update", false, "rewrite testdata/demo/pricebook.json from PriceBook()")

// bookPath is the bundled price book, at the repository's testdata.
var bookPath = filepath.Join("..", "..", "testdata", "demo", "pricebook.json")

// testConfig is a short window that still holds every event: the
// migration, the decommission and US Thanksgiving (2026-11-26).
var testConfig = Config{Seed: 7, End: DefaultEnd, Days: 42}

func TestPriceBook(t *testing.T) {
	var buf bytes.Buffer
	if err := PriceBook().Encode(&buf); err != nil {
		t.Fatalf("the demo's price book does not validate: %v", err)
	}
	if *update {
		if err := os.WriteFile(bookPath, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(bookPath)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/demo -run TestPriceBook -update to write it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("%s differs from PriceBook(); run go test ./internal/demo -run TestPriceBook -update if the change is intended", bookPath)
	}
	pb, err := providers.LoadPriceBook(bookPath)
	if err != nil {
		t.Fatal(err)
	}
	// Every on-demand rate has a note naming its source; every offering's
	// description names its source or derivation.
	for _, r := range pb.OnDemand {
		prefix := "on-demand " + r.Pool.Region + " " + r.Pool.Platform + " " + r.InstanceType + " "
		found := false
		for _, n := range pb.Notes {
			if strings.HasPrefix(n, prefix) && (strings.Contains(n, "@") || strings.Contains(n, "derived:")) {
				found = true
			}
		}
		if !found {
			t.Errorf("on-demand rate %s %s has no source note", r.Pool, r.InstanceType)
		}
	}
	for _, o := range pb.Offerings {
		if !strings.Contains(o.Description, "source:") && !strings.Contains(o.Description, "derived:") {
			t.Errorf("offering %s: description %q names no source", o.ID, o.Description)
		}
	}
	// Spot-check real prices against their sources.
	checkOD := func(region, platform, itype string, want float64) {
		t.Helper()
		for _, r := range pb.OnDemand {
			if r.Pool.Region == region && r.Pool.Platform == platform && r.InstanceType == itype {
				if r.HourlyRate != want {
					t.Errorf("%s %s %s: %g USD/h, the source says %g", region, platform, itype, r.HourlyRate, want)
				}
				return
			}
		}
		t.Errorf("%s %s %s: no on-demand rate", region, platform, itype)
	}
	checkOD("us-east-1", linux, "m5.large", 0.096)
	checkOD("us-east-1", linux, "m5.xlarge", 0.192)
	checkOD("us-east-1", linux, "x2iedn.32xlarge", 26.676)
	checkOD("eu-west-1", linux, "x2iedn.32xlarge", 32.012)
	checkOD("eu-west-1", linux, "c4.large", 0.113)
	checkOD("us-east-2", windows, "c4.xlarge", 0.383)
}

// generated is one data set shared by the tests below.
type generated struct {
	dir string
	m   *Manifest
	d   *focus.Dataset
}

func generate(t *testing.T, cfg Config) *generated {
	t.Helper()
	dir := t.TempDir()
	start := time.Now()
	m, err := GenerateManifest(context.Background(), dir, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("generated %d rows in %d files in %s", m.Totals.Rows, len(m.Files), time.Since(start).Round(time.Millisecond))
	start = time.Now()
	d, err := focus.Open(context.Background(), []string{dir}, focus.Options{})
	if err != nil {
		t.Fatalf("focus.Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	t.Logf("focus.Open: %s", time.Since(start).Round(time.Millisecond))
	return &generated{dir: dir, m: m, d: d}
}

func TestDeterministic(t *testing.T) {
	cfg := Config{Seed: 3, End: DefaultEnd, Days: MinDays}
	a, b := t.TempDir(), t.TempDir()
	if _, err := GenerateManifest(context.Background(), a, cfg, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := GenerateManifest(context.Background(), b, cfg, nil); err != nil {
		t.Fatal(err)
	}
	names, err := filepath.Glob(filepath.Join(a, "*"))
	if err != nil || len(names) < 2 {
		t.Fatalf("want files and a manifest in %s, have %v (%v)", a, names, err)
	}
	for _, n := range names {
		x, _ := os.ReadFile(n)
		y, err := os.ReadFile(filepath.Join(b, filepath.Base(n)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same seed", filepath.Base(n))
		}
	}
	// Another seed changes the usage, not the fleet.
	c := t.TempDir()
	m, err := GenerateManifest(context.Background(), c, Config{Seed: 4, End: cfg.End, Days: cfg.Days}, nil)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := os.ReadFile(filepath.Join(a, m.Files[0].Path))
	y, _ := os.ReadFile(filepath.Join(c, m.Files[0].Path))
	if bytes.Equal(x, y) {
		t.Error("seeds 3 and 4 gave the same file")
	}
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"end not midnight", Config{End: DefaultEnd.Add(time.Hour)}, "not a midnight"},
		{"too short", Config{Days: 7}, "want between"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Generate(context.Background(), t.TempDir(), tc.cfg, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestDataSet(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and reads a data set")
	}
	g := generate(t, testConfig)
	ctx := context.Background()
	win := newWindow(testConfig.Start(), testConfig.Days)

	t.Run("focus checks", func(t *testing.T) {
		for _, n := range g.d.Notices {
			if n.Kind == "warning" {
				t.Errorf("warning: %s: %s", n.File, n.Message)
			}
		}
		rows := 0
		for _, f := range g.m.Files {
			rows += f.Rows
		}
		if rows != g.m.Totals.Rows {
			t.Errorf("files hold %d rows, totals say %d", rows, g.m.Totals.Rows)
		}
		if g.m.SimulatorCheck > 1e-6 {
			t.Errorf("the bill differs from solver.Simulate by %g", g.m.SimulatorCheck)
		}
	})

	series, err := g.d.UsageSeries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byPool := map[string]providers.UsageSeries{}
	for _, s := range series {
		byPool[s.Pool.String()] = s
	}

	t.Run("usage per pool", func(t *testing.T) {
		// The truth, computed here from the usage model: instance counts
		// hour by hour, in the pool's unit.
		cat := newCatalogue()
		ws := newFleet(cat)
		model := newUsageModel(testConfig.Seed, ws, win)
		n := make([]int, len(ws))
		want := map[string][]float64{}
		for h := 0; h < win.hours; h++ {
			model.counts(h, n)
			for i, w := range ws {
				k := providers.PoolKey{Provider: providers.AWS, BillingScope: PayerAccount.ID, Account: accounts[w.account].ID,
					Region: w.region, Service: "AmazonEC2", Platform: w.platform, Tenancy: "Shared"}
				q := float64(n[i])
				if w.platform == linux {
					k.Family, k.Unit = family(w.itype), providers.UnitNormalizedHour
					q *= normFactor(w.itype)
				} else {
					k.Family, k.Unit = w.itype, providers.UnitInstanceHour
				}
				if want[k.String()] == nil {
					want[k.String()] = make([]float64, win.hours)
				}
				want[k.String()][h] += q
			}
		}
		if len(series) != len(want) || len(g.m.Pools) != len(want) {
			t.Errorf("%d pools in the files, %d in the manifest, %d in the model", len(series), len(g.m.Pools), len(want))
		}
		if len(want) < 50 {
			t.Errorf("only %d pools", len(want))
		}
		manifest := map[string]PoolTruth{}
		for _, p := range g.m.Pools {
			manifest[p.Pool.String()] = p
		}
		for k, w := range want {
			s, ok := byPool[k]
			if !ok {
				t.Errorf("pool %s: not in the files", k)
				continue
			}
			var total, got float64
			for h, q := range w {
				total += q
				var x float64
				if i := int(s.Start.Sub(win.start).Hours()); h >= i && h-i < len(s.Quantity) {
					x = s.Quantity[h-i]
				}
				if math.Abs(x-q) > 1e-6 {
					t.Errorf("pool %s hour %d: %g in the files, %g in the model", k, h, x, q)
					break
				}
				got += x
			}
			if math.Abs(got-total) > 1e-6*total || math.Abs(manifest[k].Quantity-total) > 1e-6*total {
				t.Errorf("pool %s: %g in the files, %g in the manifest, %g in the model", k, got, manifest[k].Quantity, total)
			}
		}
	})

	t.Run("priced by the book", func(t *testing.T) {
		// Every pool of the files has an on-demand rate in the bundled
		// book (whose pools have no account), and every owned commitment
		// is an offering of the book.
		pb, err := providers.LoadPriceBook(bookPath)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range series {
			k := s.Pool
			k.BillingScope, k.Account = "", ""
			if len(pb.OnDemandFor(k)) == 0 {
				t.Errorf("pool %s: no on-demand rate in the book", s.Pool)
			}
		}
		ids := map[string]bool{}
		for _, o := range pb.Offerings {
			ids[o.ID] = true
		}
		for _, c := range g.m.Commitments {
			if !ids[c.Offering] {
				t.Errorf("commitment %s: offering %s is not in the book", c.ID, c.Offering)
			}
		}
	})

	t.Run("reconcile", func(t *testing.T) {
		rs, err := g.d.Reconcile(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != len(g.m.Commitments) {
			t.Errorf("%d commitments reconciled, %d owned", len(rs), len(g.m.Commitments))
		}
		fees := map[string]float64{}
		for _, c := range g.m.Commitments {
			fees[c.ID] = c.Fees
		}
		for _, r := range rs {
			if r.Status != "reconciled" {
				t.Errorf("%s: %s (usage %g, purchases %g, used + unused %g)", r.CommitmentID, r.Status, r.AmortizedUsage, r.PurchaseBilled, r.UsedPlusUnused)
			}
			if math.Abs(r.PurchaseBilled-fees[r.CommitmentID]) > focus.Tolerance {
				t.Errorf("%s: purchases %g, the manifest says %g", r.CommitmentID, r.PurchaseBilled, fees[r.CommitmentID])
			}
		}
	})

	t.Run("commitments", func(t *testing.T) {
		cs, err := g.d.Commitments(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]focus.CommitmentRecord{}
		for _, c := range cs {
			got[c.ID] = c
		}
		for _, w := range g.m.Commitments {
			c, ok := got[w.ID]
			switch {
			case w.End.Before(win.start) || !w.Start.Before(testConfig.End):
				if ok {
					t.Errorf("%s: outside the window, but in the files", w.ID)
				}
				continue
			case !ok:
				t.Errorf("%s (%s): not found", w.ID, w.Name)
				continue
			}
			if math.Abs(c.Quantity-w.FOCUSQuantity) > 1e-9*w.FOCUSQuantity {
				t.Errorf("%s: quantity %g, want %g %s", w.ID, c.Quantity, w.FOCUSQuantity, w.FOCUSUnit)
			}
			wantStart := w.Start
			if wantStart.Before(win.start) {
				wantStart = win.start
			}
			if !c.Start.Equal(wantStart) {
				t.Errorf("%s: start %s, want %s", w.ID, c.Start, wantStart)
			}
			if c.EndKnown {
				t.Errorf("%s: end known (%s) from No Upfront rows", w.ID, c.End)
			}
			if c.Kind != w.Kind {
				t.Errorf("%s: kind %q (%s), want %q", w.ID, c.Kind, c.KindNote, w.Kind)
			}
			if c.PaymentOption != providers.NoUpfront || math.Abs(c.RecurringHourlyFee-w.RecurringHourlyFee) > 1e-9 {
				t.Errorf("%s: %s at %g USD/h, want no-upfront at %g", w.ID, c.PaymentOption, c.RecurringHourlyFee, w.RecurringHourlyFee)
			}
		}
		// Some commitments expire within a year after the window.
		var soon int
		for _, w := range g.m.Commitments {
			if w.End.After(testConfig.End) && w.End.Before(testConfig.End.AddDate(1, 0, 0)) {
				soon++
			}
		}
		if soon < 3 {
			t.Errorf("%d commitments expire within a year after the window, want several", soon)
		}
	})

	total := func(s providers.UsageSeries, from, to int) float64 {
		i0 := int(s.Start.Sub(win.start).Hours())
		var x float64
		for h := from; h < to; h++ {
			if j := h - i0; j >= 0 && j < len(s.Quantity) {
				x += s.Quantity[j]
			}
		}
		return x
	}
	week := 7 * 24

	t.Run("decommission", func(t *testing.T) {
		for _, p := range g.m.Pools {
			if p.Pool.Family != decomFamily || p.Pool.Region != decomRegion {
				continue
			}
			s := byPool[p.Pool.String()]
			if before := total(s, 0, win.decomStart); before <= 0 {
				t.Errorf("%s: no usage before the decommission", p.Pool)
			}
			if after := total(s, win.decomEnd, win.hours); after != 0 {
				t.Errorf("%s: %g after the decommission, want 0", p.Pool, after)
			}
			return
		}
		t.Fatal("no decommissioned pool")
	})

	t.Run("migration", func(t *testing.T) {
		var n int
		for _, e := range g.m.Events {
			if e.Kind != "migration" {
				continue
			}
			n++
			old, nw := byPool[e.Pools[0]], byPool[e.Pools[1]]
			o1, n1 := total(old, 0, win.migStart), total(nw, 0, win.migStart)
			o2, n2 := total(old, win.migEnd, win.hours), total(nw, win.migEnd, win.hours)
			if !(o1 > 3*n1 && n2 > 3*o2) {
				t.Errorf("%s: no cross-over: old %g → %g, new %g → %g", e.What, o1, o2, n1, n2)
			}
			// The sum stays on trend: per hour, within 30%.
			before := (o1 + n1) / float64(win.migStart)
			after := (o2 + n2) / float64(win.hours-win.migEnd)
			if after < 0.7*before || after > 1.3*before {
				t.Errorf("%s: the pair's usage went from %g to %g an hour", e.What, before, after)
			}
		}
		if n == 0 {
			t.Fatal("no migration event")
		}
	})

	t.Run("slump", func(t *testing.T) {
		if win.slumpStart < week {
			t.Fatalf("the slump starts %d hours into the window; the test compares it with the week before", win.slumpStart)
		}
		var in, before float64
		for _, s := range series {
			if strings.HasPrefix(s.Pool.Region, "us-") {
				in += total(s, win.slumpStart, win.slumpEnd)
				before += total(s, win.slumpStart-week, win.slumpEnd-week)
			}
		}
		if in > 0.85*before {
			t.Errorf("US usage during the slump %g, the same days a week before %g: no slump", in, before)
		}
	})

	t.Run("manifest", func(t *testing.T) {
		read, err := ReadManifest(g.dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(read.Pools) != len(g.m.Pools) || len(read.Commitments) != len(g.m.Commitments) || read.Totals != g.m.Totals {
			t.Errorf("manifest.json differs from the returned manifest")
		}
		kinds := map[string]int{}
		for _, e := range g.m.Events {
			kinds[e.Kind]++
		}
		for _, k := range []string{"migration", "decommission", "holiday-slump", "expiry"} {
			if kinds[k] == 0 {
				t.Errorf("no %s event in the manifest (have %v)", k, kinds)
			}
		}
		ids := make([]string, 0, len(g.m.Commitments))
		for _, c := range g.m.Commitments {
			ids = append(ids, c.ID)
			if !strings.HasPrefix(c.ID, "arn:aws:ec2:") && !strings.HasPrefix(c.ID, "arn:aws:savingsplans::") {
				t.Errorf("commitment ID %q is not an AWS ARN", c.ID)
			}
		}
		if !sort.StringsAreSorted(ids) {
			t.Error("commitments are not sorted by ID")
		}
	})
}
