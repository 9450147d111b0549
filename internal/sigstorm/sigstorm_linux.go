// Package sigstorm forwards to testkit's signal storms. It stays only until
// sock's readiness tests (poller_backend_linux_test.go, select_linux_test.go),
// which import it, call testkit.StormThread themselves; then it is deleted.
package sigstorm

import (
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

// Thread is testkit.StormThread.
func Thread(t testing.TB) (stop func() int) { t.Helper(); return testkit.StormThread(t) }

// Process is testkit.StormProcess.
func Process(t testing.TB) (stop func() int) { t.Helper(); return testkit.StormProcess(t) }
