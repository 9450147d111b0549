package sock_test

import (
	"testing"
	"time"

	"github.com/posixkit/posixkit/sock"
)

// TestDeadlineAllocs: setting and clearing a Socket's deadlines allocates
// nothing, so an event loop may set one before every call.
func TestDeadlineAllocs(t *testing.T) {
	a, b, err := sock.Pair(sock.AF_UNIX, sock.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	future := time.Now().Add(time.Hour)
	allocs := testing.AllocsPerRun(200, func() {
		for _, set := range []func(time.Time) error{a.SetDeadline, a.SetReadDeadline, a.SetWriteDeadline} {
			if err := set(future); err != nil {
				t.Fatal(err)
			}
			if err := set(time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("setting and clearing the three deadlines: %v allocs per run, want 0", allocs)
	}
}
