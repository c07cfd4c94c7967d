package aws

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The adapter imports only the standard library, package providers and
// the AWS SDK (STYLE.md: no provider imports another).
func TestImports(t *testing.T) {
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
			switch {
			case !strings.Contains(first, "."): // standard library
			case path == "github.com/tranchehq/tranche/providers":
			case strings.HasPrefix(path, "github.com/aws/aws-sdk-go-v2"), strings.HasPrefix(path, "github.com/aws/smithy-go"):
			default:
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}
