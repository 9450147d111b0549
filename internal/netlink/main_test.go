package netlink_test

import (
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

// TestMain fails the package's run if its tests leave descriptors or
// goroutines behind.
func TestMain(m *testing.M) { testkit.Main(m) }
