package focus

import (
	"testing"

	"github.com/tranchehq/tranche/providers"
)

func TestKindOf(t *testing.T) {
	for _, tc := range []struct {
		p              providers.Provider
		typ, cat, name string
		families       []string
		want           providers.Kind
		inferred       bool
	}{
		{providers.AWS, "Savings Plan", "Spend", "Compute Savings Plan", nil, providers.KindComputeSP, false},
		{providers.AWS, "Savings Plan", "Spend", "EC2 Instance Savings Plan", []string{"m5", "c5"}, providers.KindEC2InstanceSP, false},
		{providers.AWS, "Savings Plan", "Spend", "", []string{"m5"}, providers.KindComputeSP, true},
		{providers.AWS, "Savings Plan", "Spend", "", []string{"m5", "c5"}, providers.KindComputeSP, true},
		{providers.AWS, "Reserved Instance", "Usage", "", []string{"m5"}, providers.KindRIStandard, true},
		{providers.AWS, "Reserved Instance", "Usage", "Convertible", nil, providers.KindRIConvertible, false},
		{providers.AWS, "Reserved Instance", "Usage", "Standard", nil, providers.KindRIStandard, false},
		{providers.Azure, "Reservation", "Usage", "", nil, providers.KindAzureReservation, false},
		{providers.GCP, "Committed Use Discount", "Spend", "", nil, providers.KindGCPFlexibleCUD, false},
		{providers.AWS, "Something else", "Usage", "", nil, "", true},
	} {
		got, note := kindOf(tc.p, tc.typ, tc.cat, tc.name, tc.families)
		if got != tc.want || (note != "") != tc.inferred {
			t.Errorf("kindOf(%s, %q, %q, %q, %v) = %q, %q; want %q with a note: %v", tc.p, tc.typ, tc.cat, tc.name, tc.families, got, note, tc.want, tc.inferred)
		}
	}
}
