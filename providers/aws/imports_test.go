package aws

import (
	"strings"
	"testing"

	"github.com/tranchehq/tranche/internal/importcheck"
)

// The adapter imports only the standard library, package providers and
// the AWS SDK (STYLE.md: no provider imports another).
func TestImports(t *testing.T) {
	importcheck.Check(t, func(path string) bool {
		return path == "github.com/tranchehq/tranche/providers" ||
			strings.HasPrefix(path, "github.com/aws/aws-sdk-go-v2") || strings.HasPrefix(path, "github.com/aws/smithy-go")
	})
}
