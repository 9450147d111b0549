package testkit_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
	"golang.org/x/sys/unix"
)

// FDs, CountFDs, MaxFD, FDTarget and NextFD agree with the kernel about a
// pipe and a socketpair the test makes, and Pipe and Socketpair give
// close-on-exec descriptors that are closed at the end of the test.
func TestDescriptors(t *testing.T) {
	if _, err := testkit.FDs(); err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	before := testkit.CountFDs(t)
	next := testkit.NextFD(t)
	var made []int
	t.Run("make", func(t *testing.T) {
		r, w := testkit.Pipe(t)
		a, b := testkit.Socketpair(t, unix.SOCK_STREAM)
		made = []int{r, w, a, b}
		if r != next {
			t.Errorf("pipe's read end is fd %d, NextFD said %d", r, next)
		}
		if got := testkit.CountFDs(t); got != before+4 {
			t.Errorf("CountFDs = %d after a pipe and a socketpair, want %d", got, before+4)
		}
		fds, err := testkit.FDs()
		if err != nil {
			t.Fatal(err)
		}
		for fd, prefix := range map[int]string{r: "pipe:[", w: "pipe:[", a: "socket:[", b: "socket:["} {
			if !strings.HasPrefix(fds[fd], prefix) || testkit.FDTarget(t, fd) != fds[fd] {
				t.Errorf("fd %d: FDs says %q, FDTarget %q; want %s...]", fd, fds[fd], testkit.FDTarget(t, fd), prefix)
			}
			fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
			if err != nil || fl&unix.FD_CLOEXEC == 0 {
				t.Errorf("fd %d: F_GETFD = %#x, %v; want FD_CLOEXEC", fd, fl, err)
			}
		}
		if top := testkit.MaxFD(t); top < max(r, w, a, b) {
			t.Errorf("MaxFD = %d, below fd %d", top, max(r, w, a, b))
		}
		testkit.Write(t, w, "x")
		if n, err := unix.Read(r, make([]byte, 2)); n != 1 || err != nil {
			t.Errorf("read of the pipe = %d, %v; want 1, nil", n, err)
		}
	})
	for _, fd := range made {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != unix.EBADF {
			t.Errorf("fd %d still open after its test ended: %v", fd, err)
		}
	}
	if got := testkit.CountFDs(t); got != before {
		t.Errorf("CountFDs = %d after the test, %d before", got, before)
	}
}

// Leftover names a descriptor opened since the count (after its 5 s wait),
// and is empty once it is closed.
func TestLeftover(t *testing.T) {
	if _, err := testkit.FDs(); err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	before := testkit.Count()
	var p [2]int
	if err := testkit.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	unix.Close(p[1])
	left := testkit.Leftover(before, "the pipe", false)
	unix.Close(p[0])
	for _, want := range []string{"descriptors open before the pipe", "fd " + strconv.Itoa(p[0]) + " -> pipe:["} {
		if !strings.Contains(left, want) {
			t.Errorf("Leftover with a pipe's end open = %q, want it to say %q", left, want)
		}
	}
	if left := testkit.Leftover(before, "the pipe", false); left != "" {
		t.Errorf("Leftover once the pipe is closed = %q, want \"\"", left)
	}
}
