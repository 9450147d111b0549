//go:build linux && (amd64 || arm64)

package sock_test

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
	"unsafe"

	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// kernelSigaction is the kernel's struct sigaction on amd64 and arm64.
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

// sigpipeDefault gives SIGPIPE its default disposition (terminate) behind
// the Go runtime's back, with rt_sigaction(2): what a C program has.
func sigpipeDefault(t *testing.T) {
	t.Helper()
	sa := kernelSigaction{handler: 0} // SIG_DFL
	if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGPIPE), uintptr(unsafe.Pointer(&sa)), 0, 8, 0, 0); e != 0 {
		t.Fatalf("rt_sigaction(SIGPIPE, SIG_DFL): %v", e)
	}
}

// With SIGPIPE at its default disposition (in a subprocess), Send and
// Write to a peer that is gone return an error wrapping EPIPE and the
// process lives: MSG_NOSIGNAL does not depend on Go ignoring SIGPIPE. The
// control child makes a plain write(2) on the same kind of socket and must
// die of SIGPIPE, which proves that the disposition really was the default.
func TestNoSIGPIPEWithDefaultDisposition(t *testing.T) {
	switch os.Getenv(relChildEnv) {
	case "sigpipe-send":
		a := sigpipeBrokenPair(t)
		sigpipeDefault(t)
		if _, err := a.Send([]byte("x"), 0); !errors.Is(err, unix.EPIPE) {
			t.Fatalf("Send to a closed peer: %v, want an error wrapping EPIPE", err)
		}
		if _, err := a.Write([]byte("x")); !errors.Is(err, unix.EPIPE) {
			t.Fatalf("Write to a closed peer: %v, want an error wrapping EPIPE", err)
		}
		return
	case "sigpipe-control":
		a := sigpipeBrokenPair(t)
		sigpipeDefault(t)
		_, err := unix.Write(a.Fd(), []byte("x")) // no MSG_NOSIGNAL: SIGPIPE
		t.Fatalf("plain write(2) to a closed peer returned %v and the process lives", err)
		return
	}
	testkit.RunChild(t, "TestNoSIGPIPEWithDefaultDisposition", relChildEnv, "sigpipe-send")

	cmd := testkit.Child(context.Background(), "TestNoSIGPIPEWithDefaultDisposition", relChildEnv, "sigpipe-control")
	out, err := cmd.CombinedOutput()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGPIPE {
		t.Fatalf("control child (plain write, SIGPIPE at SIG_DFL) was not killed by SIGPIPE: %v\n%s", err, out)
	}
}

// sigpipeBrokenPair returns one end of a stream socketpair whose other end
// is closed.
func sigpipeBrokenPair(t *testing.T) *sock.Socket {
	a, b, err := sock.Pair(sock.AF_UNIX, sock.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	b.Close()
	return a
}
