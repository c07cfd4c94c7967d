package providers

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestInventoryRoundTrip(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	inv := &Inventory{Schema: InventorySchema, Source: "test", Commitments: []Commitment{
		{ID: "b", Provider: AWS, Kind: KindComputeSP, Quantity: 1.5, Start: start, End: start.AddDate(1, 0, 0)},
		{ID: "a", Provider: AWS, Kind: KindRIStandard, Quantity: 2, InstanceType: "m5.large", Start: start, End: start.AddDate(3, 0, 0)},
	}}
	var b bytes.Buffer
	if err := inv.Encode(&b); err != nil {
		t.Fatal(err)
	}
	got, err := DecodeInventory(&b, "inv.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Commitments) != 2 || got.Commitments[0].ID != "a" || !got.Commitments[1].End.Equal(start.AddDate(1, 0, 0)) {
		t.Fatalf("round trip: %+v", got.Commitments)
	}
}

func TestInventoryInvalid(t *testing.T) {
	ok := `{"schema":"tranche.inventory/v1","commitments":[{"id":"a","provider":"aws","kind":"compute-sp","quantity":1,"start":"2026-01-01T00:00:00Z","end":"2027-01-01T00:00:00Z","upfront_fee":0,"recurring_hourly_fee":1,"scope":{"provider":"aws","region":"","service":"","family":"","unit":""}}]}`
	if _, err := DecodeInventory(strings.NewReader(ok), "ok.json"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ in, want string }{
		{strings.Replace(ok, `"kind":"compute-sp"`, `"kind":"spot"`, 1), "commitments[0].kind"},
		{strings.Replace(ok, `"quantity":1`, `"quantity":-1`, 1), "commitments[0].quantity"},
		{strings.Replace(ok, `"end":"2027-01-01T00:00:00Z"`, `"end":"2025-01-01T00:00:00Z"`, 1), "commitments[0].end"},
		{strings.Replace(ok, `"id":"a"`, `"id":"a","colour":"red"`, 1), "colour"},
		{strings.Replace(ok, `tranche.inventory/v1`, `v0`, 1), "schema"},
		{ok[:len(ok)/2], "unexpected EOF"},
		{ok + ok, "more than one"},
	} {
		_, err := DecodeInventory(strings.NewReader(tc.in), "bad.json")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "bad.json") {
			t.Errorf("err %v, want one naming bad.json and %q", err, tc.want)
		}
	}
}

func FuzzDecodeInventory(f *testing.F) {
	f.Add(`{"schema":"tranche.inventory/v1","commitments":[]}`)
	f.Add(`{"schema":"tranche.inventory/v1","commitments":[{"id":"x","provider":"aws","kind":"ri-standard","quantity":1e308,"start":"2026-01-01T00:00:00Z","end":"2026-01-02T00:00:00Z"}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		inv, err := DecodeInventory(strings.NewReader(s), "fuzz.json")
		if err != nil {
			return
		}
		for _, c := range inv.Commitments {
			if !(c.Quantity > 0) || !c.End.After(c.Start) {
				t.Fatalf("accepted an invalid commitment %+v", c)
			}
		}
	})
}
