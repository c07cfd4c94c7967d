package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tranchehq/tranche/providers"
)

// TestInventoryFetch drives the real SDK clients through the command line
// against a test server replaying the recorded DescribeReservedInstances
// and (two pages of) DescribeSavingsPlans responses, then plans with the
// inventory it wrote.
func TestInventoryFetch(t *testing.T) {
	read := func(parts ...string) []byte {
		b, err := os.ReadFile(filepath.Join(append([]string{"..", "..", "testdata", "aws", "responses"}, parts...)...))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ri := read("ec2", "DescribeReservedInstances.xml")
	sp1, sp2 := read("savingsplans", "DescribeSavingsPlans_1.json"), read("savingsplans", "DescribeSavingsPlans_2.json")
	var mu sync.Mutex
	var calls []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case strings.Contains(string(body), "Action=DescribeReservedInstances"):
			calls = append(calls, "ec2:DescribeReservedInstances")
			w.Header().Set("Content-Type", "text/xml")
			_, _ = w.Write(ri)
		case r.URL.Path == "/DescribeSavingsPlans":
			calls = append(calls, "savingsplans:DescribeSavingsPlans")
			w.Header().Set("Content-Type", "application/json")
			if strings.Contains(string(body), "nextToken") {
				_, _ = w.Write(sp2)
			} else {
				_, _ = w.Write(sp1)
			}
		default:
			http.Error(w, "unexpected call "+r.URL.Path+" "+string(body), http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	out := filepath.Join(t.TempDir(), "inventory.json")
	stdout, stderr, code := run(t, "inventory", "fetch", "--provider", "aws", "--region", "us-east-1", "--endpoint-url", srv.URL, "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := []string{"ec2:DescribeReservedInstances", "savingsplans:DescribeSavingsPlans", "savingsplans:DescribeSavingsPlans"}; strings.Join(calls, " ") != strings.Join(want, " ") {
		t.Errorf("calls %v, want %v", calls, want)
	}
	inv, err := providers.LoadInventory(out)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[providers.Kind]int{}
	for _, c := range inv.Commitments {
		kinds[c.Kind]++
		if c.End.IsZero() || c.Quantity <= 0 {
			t.Errorf("commitment %+v lacks an end or a quantity", c)
		}
	}
	if len(inv.Commitments) == 0 || kinds[providers.KindComputeSP]+kinds[providers.KindEC2InstanceSP] == 0 || kinds[providers.KindRIStandard]+kinds[providers.KindRIConvertible] == 0 {
		t.Errorf("inventory %v: want reservations and savings plans", kinds)
	}
	if !strings.Contains(stdout, "DescribeSavingsPlans") || !strings.Contains(stdout, "Commitments") {
		t.Errorf("summary:\n%s", stdout)
	}
	for _, bad := range [][]string{{"inventory", "fetch", "--provider", "gcp", "--region", "x"}, {"inventory", "fetch", "--provider", "aws"}} {
		if _, _, code := run(t, bad...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", bad, code, exitUsage)
		}
	}
}
