package poll_test

import (
	"errors"
	"os"
	"testing"

	"github.com/posixkit/posixkit/sock/poll"
)

// TestErrorOpNames: an argument error, or a use of a closed Poller, is
// named after the method (which call a Poller makes depends on its
// backend), except Close's, named after close(2), as in package sock.
func TestErrorOpNames(t *testing.T) {
	p, err := poll.New()
	if err != nil {
		t.Fatal(err)
	}
	ready := make([]poll.Ready, 1)
	open := []struct {
		want string
		err  error
	}{
		{"Add", p.Add(-1, poll.Readable)},
		{"Add", p.AddToken(0, 0, nil)},
		{"Add", func() error { _, err := p.AddConn(nil, poll.Readable, nil); return err }()},
		{"Modify", p.Modify(-1, poll.Readable)},
		{"Remove", p.Remove(-1)},
		{"Wait", func() error { _, err := p.Wait(nil, 0); return err }()},
		{"NewBackend", func() error { _, err := poll.NewBackend(99); return err }()},
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	closed := []struct {
		want string
		err  error
	}{
		{"Wait", func() error { _, err := p.Wait(ready, 0); return err }()},
		{"close", p.Close()},
	}
	for _, tt := range append(open, closed...) {
		var se *os.SyscallError
		if !errors.As(tt.err, &se) || se.Syscall != tt.want {
			t.Errorf("error %v, want an *os.SyscallError named %q", tt.err, tt.want)
		}
	}
}
