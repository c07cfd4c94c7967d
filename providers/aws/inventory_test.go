package aws

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/providers"
)

func TestOwnedReservedInstances(t *testing.T) {
	f := newFakeAWS(t)
	f.on("ec2:DescribeReservedInstances", throttle("ec2"), reply{body: readTestdata(t, "responses", "ec2", "DescribeReservedInstances.xml")})
	cs, rep, err := f.client().OwnedReservedInstances(bg, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.Bodies("ec2:DescribeReservedInstances")[0], "Filter.1.Name=state&Filter.1.Value.1=active") {
		t.Errorf("request %q does not ask for active reservations", f.Bodies("ec2:DescribeReservedInstances")[0])
	}
	if len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0].Reason, `unknown tenancy "host"`) {
		t.Errorf("skipped = %v, want the Dedicated Host reservation", rep.Skipped)
	}
	b, _ := json.MarshalIndent(cs, "", "  ")
	golden(t, "inventory_reserved_instances.json", append(b, '\n'))
	// By hand: 3 × m5.xlarge regional Linux = 24 NU of the m5 pool, 3 × 504
	// upfront, 3 × 0.058 an hour; 2 × m5.large zonal Windows = 2 instances of
	// the m5.large pool.
	if len(cs) != 2 {
		t.Fatalf("%d commitments, want 2", len(cs))
	}
	flex, zonal := cs[0], cs[1]
	if flex.Quantity != 24 || flex.Unit != providers.UnitNormalizedHour || flex.Scope.Family != "m5" || flex.UpfrontFee != 1512 || math.Abs(flex.RecurringHourlyFee-0.174) > 1e-12 {
		t.Errorf("flexible RI = %+v", flex)
	}
	if zonal.Quantity != 2 || zonal.Unit != providers.UnitInstanceHour || zonal.Scope.Family != "m5.large" || zonal.Scope.Platform != "Windows" || zonal.Kind != providers.KindRIConvertible {
		t.Errorf("zonal RI = %+v", zonal)
	}
	if !flex.End.Equal(time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("end = %v", flex.End)
	}
}

func TestOwnedReservedInstancesThrottled(t *testing.T) {
	f := newFakeAWS(t)
	f.on("ec2:DescribeReservedInstances", throttle("ec2"), throttle("ec2"), throttle("ec2"))
	_, _, err := f.client().OwnedReservedInstances(bg, "us-east-1")
	if !errors.Is(err, providers.ErrThrottled) || !strings.HasPrefix(err.Error(), "aws: ec2 DescribeReservedInstances: ") {
		t.Fatalf("err = %v, want a wrapped ErrThrottled", err)
	}
	if n := len(f.Calls()); n != testAttempts {
		t.Errorf("%d attempts, want %d", n, testAttempts)
	}
}

func TestOwnedSavingsPlans(t *testing.T) {
	f := newFakeAWS(t)
	f.on("savingsplans:DescribeSavingsPlans",
		reply{body: readTestdata(t, "responses", "savingsplans", "DescribeSavingsPlans_1.json")},
		serverError("rest-json"),
		reply{body: readTestdata(t, "responses", "savingsplans", "DescribeSavingsPlans_2.json")},
	)
	cs, rep, err := f.client().OwnedSavingsPlans(bg)
	if err != nil {
		t.Fatal(err)
	}
	if bodies := f.Bodies("savingsplans:DescribeSavingsPlans"); len(bodies) != 3 || !strings.Contains(bodies[2], `"nextToken":"AAEAAXNwX3BhZ2VfMg=="`) {
		t.Errorf("requests = %q", bodies)
	}
	if rep.OutOfScope[`savings plan type "SageMaker"`] != 1 || len(rep.Skipped) != 0 {
		t.Errorf("report = %+v", rep)
	}
	b, _ := json.MarshalIndent(cs, "", "  ")
	golden(t, "inventory_savings_plans.json", append(b, '\n'))
	if len(cs) != 2 || cs[0].Kind != providers.KindComputeSP || cs[0].Quantity != 2.5 || cs[1].Kind != providers.KindEC2InstanceSP || cs[1].Scope.Family != "m5" || cs[1].UpfrontFee != 31536 {
		t.Errorf("commitments = %+v", cs)
	}
}

func TestOwnedSavingsPlansThrottled(t *testing.T) {
	f := newFakeAWS(t)
	f.on("savingsplans:DescribeSavingsPlans", throttle("rest-json"), throttle("rest-json"), throttle("rest-json"))
	_, _, err := f.client().OwnedSavingsPlans(bg)
	if !errors.Is(err, providers.ErrThrottled) || !strings.HasPrefix(err.Error(), "aws: savingsplans DescribeSavingsPlans: ") {
		t.Fatalf("err = %v, want a wrapped ErrThrottled", err)
	}
}
