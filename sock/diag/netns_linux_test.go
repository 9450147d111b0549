package diag_test

import (
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

// newNetns creates a network namespace with its loopback up, deleted when
// the test ends; it skips the test where that is not permitted.
func newNetns(t testing.TB) string {
	t.Helper()
	ns := testkit.NewNetns(t)
	testkit.IP(t, ns, "link", "set", "lo", "up")
	return ns
}
