// Package importcheck is a test helper: it checks the imports of the
// non-test Go files of the current directory against an allow-list, for
// packages whose dependencies STYLE.md restricts.
package importcheck

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Check fails t for every import of a non-test .go file in the working
// directory (a package's own directory under go test) that is neither in
// the standard library nor allowed.
func Check(t testing.TB, allowed func(path string) bool) {
	t.Helper()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first, _, _ := strings.Cut(path, "/")
			if strings.Contains(first, ".") && !allowed(path) { // a dot in the first element: not the standard library
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}
