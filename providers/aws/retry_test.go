package aws

import (
	"testing"
	"time"
)

// A body cut short by the network (the connection dropped mid-body) is
// retried in every protocol the adapter speaks, and the next, whole reply
// is used.
func TestTruncatedBodiesAreRetried(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		op   string
		file []string
		call func(c *Client) error
	}{
		{"ec2:DescribeReservedInstances", []string{"responses", "ec2", "DescribeReservedInstances.xml"}, func(c *Client) error {
			_, _, err := c.OwnedReservedInstances(bg, "us-east-1")
			return err
		}},
		{"savingsplans:DescribeSavingsPlans", []string{"responses", "savingsplans", "DescribeSavingsPlans_2.json"}, func(c *Client) error {
			_, _, err := c.OwnedSavingsPlans(bg)
			return err
		}},
		{"ce:GetReservationUtilization", []string{"responses", "ce", "GetReservationUtilization.json"}, func(c *Client) error {
			_, err := c.ReservationUtilization(bg, Period{Start: start, End: start.AddDate(0, 0, 1)})
			return err
		}},
		{"pricing:GetProducts", nil, func(c *Client) error {
			_, _, err := c.FetchPrices(bg, PriceQuery{Region: "us-east-1"})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.op, func(t *testing.T) {
			f := newFakeAWS(t)
			var body string
			if tc.file != nil {
				body = readTestdata(t, tc.file...)
			} else {
				body = getProductsPage(t, "", readTestdata(t, "instance-selector", "GetProducts_m5_large.json")).body
			}
			f.on(tc.op, reply{body: body, truncate: len(body) / 3}, reply{body: body})
			if err := tc.call(f.client()); err != nil {
				t.Fatalf("err = %v, want the retried whole reply", err)
			}
			// Two calls: the cut one and its retry (more only if the
			// machine dropped a connection on its own, which the SDK
			// retries too; CI saw it once elsewhere).
			if n := len(f.Calls()); n < 2 || n > 5 {
				t.Errorf("%d calls, want 2", n)
			}
		})
	}
}
