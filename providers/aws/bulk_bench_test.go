package aws

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/tranchehq/tranche/providers"
)

func BenchmarkParseBulkCSV(b *testing.B) {
	seed, _ := os.ReadFile(filepath.Join(bulkDir, "offers", "v1.0", "aws", "AmazonEC2", "current", "eu-west-1", "index.csv"))
	for b.Loop() {
		bb := &bulkBuilder{currency: "USD", rep: &Report{}, pb: &providers.PriceBook{Schema: providers.PriceBookSchema, Currency: "USD", Source: providers.PriceSource{Name: "fuzz"}},
			bySKU: map[string]providers.OnDemandRate{}, odLine: map[string]string{}, skippedSKU: map[string]string{}}
		_ = bb.parseCSV(bytes.NewReader(seed), "fuzz.csv", "eu-west-1", ServiceEC2)
		_ = bb.pb.Validate()
	}
}
