package testkit_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) { testkit.Main(m) }

const childEnv = "POSIXKIT_LEAKCHECK_CHILD"

// block is never closed: a goroutine of the "goroutine" child waits on it.
var block = make(chan struct{})

// kept holds the "fd" child's open file, so that no finalizer closes it.
var kept *os.File

// TestLeaksFail runs a child test binary whose test passes but leaves a
// descriptor (or a goroutine) behind: testkit.Main must make the run fail
// and name the leak. A child that leaves nothing behind must pass.
func TestLeaksFail(t *testing.T) {
	switch os.Getenv(childEnv) {
	case "":
	case "fd":
		// Never closed, and kept reachable: were the garbage collector to
		// run, its finalizer would close an unreachable *os.File (and so
		// a forgotten fileio.File or sock.Socket, which hold one).
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		kept = f
		return
	case "rawfd":
		if _, err := unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0); err != nil { // never closed
			t.Fatal(err)
		}
		return
	case "goroutine":
		go func() { <-block }()
		return
	default: // "none"
		return
	}
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skipf("Main checks no descriptors without /proc/self/fd: %v", err)
	}
	tests := []struct {
		mode     string
		wantFail bool
		wantText string
	}{
		{"none", false, ""},
		{"fd", true, "descriptors open before the tests"},
		{"rawfd", true, "descriptors open before the tests"},
		{"goroutine", true, "goroutines before the tests"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel() // each leaking child waits out Main's 5 s grace period
			out, err := testkit.Child(context.Background(), "TestLeaksFail", childEnv, tt.mode).CombinedOutput()
			if failed := err != nil; failed != tt.wantFail {
				t.Fatalf("child leaking %q: exit error %v, want failure %v\n%s", tt.mode, err, tt.wantFail, out)
			}
			if !strings.Contains(string(out), tt.wantText) {
				t.Errorf("child leaking %q: output does not say %q:\n%s", tt.mode, tt.wantText, out)
			}
		})
	}
}
