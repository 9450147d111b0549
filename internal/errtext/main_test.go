package errtext_test

import (
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

// TestMain fails the run if the tests leave descriptors or goroutines
// behind.
func TestMain(m *testing.M) { testkit.Main(m) }
