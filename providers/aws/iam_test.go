package aws

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

type iamPolicy struct {
	Version   string
	Statement []struct {
		Sid      string
		Effect   string
		Action   []string
		Resource string
	}
}

func loadPolicy(t *testing.T) iamPolicy {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "aws-iam-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p iamPolicy
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("deploy/aws-iam-policy.json: %v", err)
	}
	return p
}

// TestIAMPolicyAllowsEveryCall runs every public read of the adapter
// against the test server, records the IAM action of each request the
// server sees, and checks the policy allows exactly those: every call is
// allowed, nothing else is.
func TestIAMPolicyAllowsEveryCall(t *testing.T) {
	c, f := recorded(t)
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if _, _, err := c.FetchPrices(bg, PriceQuery{Region: "us-east-1", SavingsPlans: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.OwnedReservedInstances(bg, "us-east-1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.OwnedSavingsPlans(bg); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Usage(bg, UsageQuery{Start: start, End: start.Add(3 * time.Hour), Granularity: Hourly, Region: "us-east-1"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.RIRecommendations(bg, RecommendationQuery{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.SPRecommendations(bg, RecommendationQuery{}); err != nil {
		t.Fatal(err)
	}
	p := Period{Start: start, End: start.AddDate(0, 0, 2)}
	for _, get := range []func(Period) ([]UsePoint, error){
		func(p Period) ([]UsePoint, error) { return c.ReservationCoverage(bg, p) },
		func(p Period) ([]UsePoint, error) { return c.ReservationUtilization(bg, p) },
		func(p Period) ([]UsePoint, error) { return c.SavingsPlansCoverage(bg, p) },
		func(p Period) ([]UsePoint, error) { return c.SavingsPlansUtilization(bg, p) },
	} {
		if _, err := get(p); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for _, op := range f.Calls() {
		seen[op] = true
	}
	allowed := map[string]bool{}
	for _, st := range loadPolicy(t).Statement {
		if st.Effect != "Allow" {
			t.Errorf("statement %s: effect %q", st.Sid, st.Effect)
		}
		for _, a := range st.Action {
			if strings.Contains(a, "*") {
				t.Errorf("statement %s: wildcard action %q is not least privilege", st.Sid, a)
			}
			allowed[a] = true
		}
	}
	for op := range seen {
		if !allowed[op] {
			t.Errorf("the adapter calls %s, which deploy/aws-iam-policy.json does not allow", op)
		}
	}
	for a := range allowed {
		if !seen[a] {
			t.Errorf("deploy/aws-iam-policy.json allows %s, which the adapter never calls", a)
		}
	}
	// The calls seen are exactly the methods of the SDK interfaces.
	var methods []string
	for prefix, typ := range map[string]reflect.Type{
		"pricing": reflect.TypeFor[PricingAPI](), "savingsplans": reflect.TypeFor[SavingsPlansAPI](),
		"ce": reflect.TypeFor[CostExplorerAPI](), "ec2": reflect.TypeFor[EC2API](),
	} {
		for m := range typ.Methods() {
			methods = append(methods, prefix+":"+m.Name)
		}
	}
	slices.Sort(methods)
	var calls []string
	for op := range seen {
		calls = append(calls, op)
	}
	slices.Sort(calls)
	if !slices.Equal(methods, calls) {
		t.Errorf("calls seen %v, interface methods %v", calls, methods)
	}
}

// TestNoPurchaseAPI: the SDK interfaces hold only reads. Tranche proposes;
// people decide.
func TestNoPurchaseAPI(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeFor[PricingAPI](), reflect.TypeFor[SavingsPlansAPI](), reflect.TypeFor[CostExplorerAPI](), reflect.TypeFor[EC2API]()} {
		for m := range typ.Methods() {
			if !strings.HasPrefix(m.Name, "Get") && !strings.HasPrefix(m.Name, "Describe") {
				t.Errorf("%s.%s is not a read", typ.Name(), m.Name)
			}
		}
	}
}
