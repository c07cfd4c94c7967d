// Package browser opens generated pages in a real browser (headless
// Chromium) in tests, as a user would.
package browser

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Screenshot opens page (a file path) in headless Chromium and checks that
// it rendered a non-blank image. Without Chromium the test fails, except
// under -short, where it is skipped. TRANCHE_SCREENSHOT names a file to
// keep the image in.
func Screenshot(t testing.TB, page string) {
	t.Helper()
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		if testing.Short() {
			t.Skip("chromium not installed (apt-get install chromium); skipping the browser check under -short")
		}
		t.Fatal("chromium not installed: apt-get install chromium (or run with -short to skip the browser check)")
	}
	png := filepath.Join(t.TempDir(), "page.png")
	if dst := os.Getenv("TRANCHE_SCREENSHOT"); dst != "" {
		png = dst
	}
	abs, err := filepath.Abs(page)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir="+t.TempDir(),
		"--window-size=1200,2400", "--screenshot="+png, "file://"+abs)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	st, err := os.Stat(png)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() < 20_000 {
		t.Errorf("screenshot is %d bytes: blank page?", st.Size())
	}
}
