package focus_test

import (
	"context"
	"testing"

	"github.com/tranchehq/tranche/providers/focus"
	"github.com/tranchehq/tranche/providers/focus/focustest"
)

// TestUnpooled: the generated data's only usage outside pools is its daily
// S3 storage row (GB-Mo), listed with its cost and the reason.
func TestUnpooled(t *testing.T) {
	dir := t.TempDir()
	truth, err := focustest.Generate(dir, 1, 7)
	if err != nil {
		t.Fatal(err)
	}
	d, err := focus.Open(context.Background(), []string{dir}, focus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	us, err := d.Unpooled(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 1 || us[0].Unit != "GB-Mo" || us[0].Rows != int64(truth.Hours/24) || us[0].Cost <= 0 {
		t.Fatalf("unpooled %+v, want one group: the %d daily S3 rows in GB-Mo", us, truth.Hours/24)
	}
	if want := 1.23 * float64(truth.Hours/24); us[0].Cost < want-1e-6 || us[0].Cost > want+1e-6 {
		t.Errorf("S3 cost %.4f, want %.4f (1.23 a day)", us[0].Cost, want)
	}
	if us[0].Reason == "" {
		t.Error("no reason given")
	}
}
