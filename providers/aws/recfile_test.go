package aws

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/providers"
)

// The file written from the recorded recommendations reads back the same.
func TestRecommendationsFileRoundTrip(t *testing.T) {
	f := newFakeAWS(t)
	f.on("ce:GetReservationPurchaseRecommendation",
		reply{body: readTestdata(t, "responses", "ce", "GetReservationPurchaseRecommendation_standard.json")},
		reply{body: readTestdata(t, "responses", "ce", "GetReservationPurchaseRecommendation_convertible.json")})
	f.on("ce:GetSavingsPlansPurchaseRecommendation",
		reply{body: readTestdata(t, "responses", "ce", "GetSavingsPlansPurchaseRecommendation_compute.json")},
		reply{body: readTestdata(t, "responses", "ce", "GetSavingsPlansPurchaseRecommendation_ec2instance.json")})
	c := f.client()
	q := RecommendationQuery{Term: providers.Term1Year}
	ri, rep, err := c.RIRecommendations(bg, q)
	if err != nil {
		t.Fatal(err)
	}
	sp, _, err := c.SPRecommendations(bg, q)
	if err != nil {
		t.Fatal(err)
	}
	rec := &Recommendations{Schema: RecommendationsSchema, Source: "test", AsOf: time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC),
		Query: q.FileQuery(), RI: ri, SP: sp, Skipped: rep.Skipped}
	path := filepath.Join(t.TempDir(), "recs.json")
	var b bytes.Buffer
	if err := rec.Encode(&b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := LoadRecommendations(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Query != (RecommendationsFileQuery{Term: providers.Term1Year, PaymentOption: providers.NoUpfront, LookbackDays: 30}) {
		t.Errorf("query %+v", got.Query)
	}
	x, _ := json.Marshal(rec)
	y, _ := json.Marshal(got)
	if !bytes.Equal(x, y) {
		t.Errorf("read back differs:\n%s\n%s", x, y)
	}
}

// FuzzDecodeRecommendations: any input is read or refused with an error
// naming the file; what is read writes and reads back the same.
func FuzzDecodeRecommendations(f *testing.F) {
	f.Add([]byte(`{"schema":"tranche.recommendations/v1","source":"s","as_of":"2026-01-01T00:00:00Z","query":{"term":"1yr","payment_option":"no-upfront","lookback_days":7},"ri":[],"sp":[{"kind":"compute-sp","term":"1yr","payment_option":"no-upfront","scope":{"provider":"aws","region":"","service":"","family":"","unit":""},"hourly_commitment":1,"upfront_cost":0,"estimated_monthly_savings":1,"estimated_savings_percent":1,"estimated_average_utilization_percent":50,"currency":"USD"}],"skipped":[{"reason":"x"}]}`))
	f.Add([]byte(`{"schema":"tranche.recommendations/v1","ri":[{"instances":"3"}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := DecodeRecommendations(bytes.NewReader(data), "f.json")
		if err != nil {
			if !strings.Contains(err.Error(), "f.json") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		var b bytes.Buffer
		if err := rec.Encode(&b); err != nil {
			t.Fatal(err)
		}
		again, err := DecodeRecommendations(&b, "again.json")
		if err != nil {
			t.Fatalf("a file read does not read back: %v\n%s", err, b.String())
		}
		x, _ := json.Marshal(rec)
		y, _ := json.Marshal(again)
		if !bytes.Equal(x, y) {
			t.Fatalf("read back differs:\n%s\n%s", x, y)
		}
	})
}
