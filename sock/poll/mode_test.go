package poll_test

import (
	"errors"
	"testing"

	"github.com/posixkit/posixkit/sock/poll"
	"golang.org/x/sys/unix"
)

var allModes = []poll.Mode{poll.LevelTriggered, poll.EdgeTriggered, poll.OneShot}

// forEachMode runs f as a subtest for every backend this system has in
// every mode that backend offers.
func forEachMode(t *testing.T, f func(t *testing.T, b poll.Backend, m poll.Mode)) {
	t.Helper()
	for _, b := range poll.Backends() {
		for _, m := range allModes {
			if !hasMode(b, m) {
				continue
			}
			t.Run("backend="+b.String()+"/mode="+m.String(), func(t *testing.T) { f(t, b, m) })
		}
	}
}

// hasMode reports whether NewMode(b, m) succeeds on this system, failing
// with ENOTSUP otherwise.
func hasMode(b poll.Backend, m poll.Mode) bool {
	p, err := poll.NewMode(b, m)
	if err != nil {
		if !errors.Is(err, unix.ENOTSUP) {
			panic(err)
		}
		return false
	}
	p.Close()
	return true
}

// newPollerMode returns a new Poller on backend b in mode m, closed at the
// end of the test.
func newPollerMode(t testing.TB, b poll.Backend, m poll.Mode) *poll.Poller {
	t.Helper()
	p, err := poll.NewMode(b, m)
	if err != nil {
		t.Fatal(err)
	}
	if gb, gm := p.Backend(), p.Mode(); gb != b || gm != m {
		t.Fatalf("NewMode(%v, %v) made a Poller on %v in %v", b, m, gb, gm)
	}
	t.Cleanup(func() { p.Close() })
	return p
}
