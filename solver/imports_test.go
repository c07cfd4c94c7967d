package solver_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportDirection checks the layering of STYLE.md: solver/ knows
// nothing of clouds, providers import only providers and their own SDK,
// and no provider imports another.
func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}: {{join .Imports \" \"}}", "github.com/tranchehq/tranche/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/tranchehq/tranche/"
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ": ")
		if !strings.HasPrefix(pkg, mod) {
			continue
		}
		rel := strings.TrimPrefix(pkg, mod)
		for _, imp := range strings.Fields(imports) {
			if !strings.HasPrefix(imp, mod) {
				continue
			}
			dep := strings.TrimPrefix(imp, mod)
			switch {
			case strings.HasPrefix(rel, "solver") && !strings.HasPrefix(dep, "solver"):
				t.Errorf("%s imports %s: solver/ must not depend on the rest of Tranche", rel, dep)
			case strings.HasPrefix(rel, "providers/"):
				own := strings.SplitN(strings.TrimPrefix(rel, "providers/"), "/", 2)[0]
				if dep != "providers" && !strings.HasPrefix(dep, "providers/"+own) {
					t.Errorf("%s imports %s: a provider imports only providers and itself", rel, dep)
				}
			case rel == "providers" && dep != "providers":
				t.Errorf("providers imports %s", dep)
			}
		}
	}
}
