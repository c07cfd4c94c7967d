package cur

import (
	"testing"

	"github.com/tranchehq/tranche/internal/importcheck"
)

// The package imports only the standard library and DuckDB's driver: it
// writes FOCUS files for providers/focus to read, and imports no other
// provider (STYLE.md).
func TestImports(t *testing.T) {
	importcheck.Check(t, func(path string) bool { return path == "github.com/marcboeker/go-duckdb" })
}
