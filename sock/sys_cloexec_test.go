//go:build linux || freebsd

package sock_test

import (
	"testing"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// TestTypeFlags: creation flags in the type argument are accepted and do
// not leak into Type; SOCK_NONBLOCK starts the socket in nonblocking mode.
func TestTypeFlags(t *testing.T) {
	s := skNew(t, sock.AF_INET, sock.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if s.Type() != sock.SOCK_DGRAM {
		t.Errorf("Type() = %v, want SOCK_DGRAM", s.Type())
	}
	if nb, _ := s.Nonblock(); !nb {
		t.Error("SOCK_NONBLOCK did not start the socket in nonblocking mode")
	}
	_, err := s.Recv(make([]byte, 1), 0)
	skErrIs(t, "Recv", err, unix.EAGAIN)
}
