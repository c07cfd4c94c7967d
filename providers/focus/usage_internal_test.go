package focus

import (
	"context"
	"fmt"
	"testing"

	"github.com/tranchehq/tranche/providers/focus/focustest"
)

// TestUsagePaths: the single-pass usage query and the one that spreads
// multi-hour rows agree on data with hourly rows only.
func TestUsagePaths(t *testing.T) {
	dir := t.TempDir()
	if _, err := focustest.Generate(dir, 1, 5); err != nil {
		t.Fatal(err)
	}
	d, err := Open(context.Background(), []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.multiHour != 0 {
		t.Fatalf("multiHour = %d, want 0 (the generated usage is hourly)", d.multiHour)
	}
	sum := func(q string) string {
		var n int64
		var s float64
		if err := d.QueryRowContext(context.Background(), "SELECT count(*), sum(len(l)) FROM (SELECT * EXCLUDE (x), x AS l FROM (SELECT *, #11 AS x FROM ("+q+")))").Scan(&n, &s); err != nil {
			t.Fatal(err)
		}
		var tot float64
		if err := d.QueryRowContext(context.Background(), "SELECT sum(#13) FROM ("+q+")").Scan(&tot); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%d pools, %.0f pool-hours, %.6f units", n, s, tot)
	}
	a, b := sum(usageHourlySQL), sum(usageSQL)
	if a[:8] != "3 pools," {
		t.Errorf("single pass: %s; want the 3 generated pools", a)
	}
	if a != b {
		t.Errorf("single pass: %s; spreading: %s", a, b)
	}
}
