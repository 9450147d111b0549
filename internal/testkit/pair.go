package testkit

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Pipe returns the read and write ends of a new pipe, close-on-exec and
// blocking, closed at the end of the test: [Pipe2] with O_CLOEXEC.
func Pipe(t testing.TB) (r, w int) {
	t.Helper()
	var p [2]int
	if err := Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatalf("pipe2: %v", err)
	}
	return closeLater(t, p)
}

// Socketpair returns both ends of a new AF_UNIX socketpair(2) of type typ
// (unix.SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET), close-on-exec and
// blocking, closed at the end of the test. Descriptors a test hands to a
// File or Socket (which then closes them) come from unix.Socketpair, not
// from here.
func Socketpair(t testing.TB, typ int) (a, b int) {
	t.Helper()
	p, err := unix.Socketpair(unix.AF_UNIX, typ, 0)
	if err != nil {
		t.Fatalf("socketpair: %v", err)
	}
	unix.CloseOnExec(p[0]) // Darwin has no SOCK_CLOEXEC
	unix.CloseOnExec(p[1])
	return closeLater(t, p)
}

// closeLater closes both descriptors at the end of the test.
func closeLater(t testing.TB, p [2]int) (int, int) {
	t.Helper()
	t.Cleanup(func() {
		unix.Close(p[0])
		unix.Close(p[1])
	})
	return p[0], p[1]
}

// SetNonblock puts each descriptor in nonblocking mode, failing the test
// on error.
func SetNonblock(t testing.TB, fds ...int) {
	t.Helper()
	for _, fd := range fds {
		if err := unix.SetNonblock(fd, true); err != nil {
			t.Fatalf("set fd %d nonblocking: %v", fd, err)
		}
	}
}

// Write writes s to fd with one write(2) and fails the test unless all of
// it was written.
func Write(t testing.TB, fd int, s string) {
	t.Helper()
	if n, err := unix.Write(fd, []byte(s)); err != nil || n != len(s) {
		t.Fatalf("write(%d): %d, %v", fd, n, err)
	}
}
