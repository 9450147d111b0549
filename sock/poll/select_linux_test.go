package poll_test

import (
	"testing"
	"time"

	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock/poll"
	"golang.org/x/sys/unix"
)

func TestSelectSignalStorm(t *testing.T) {
	idle, _ := testkit.Pipe(t)
	const timeout = 300 * time.Millisecond
	r := setOf(t, idle)
	stop := testkit.StormThread(t)
	start := time.Now()
	n, err := poll.Select(idle+1, r, nil, nil, timeout)
	elapsed := time.Since(start)
	sent := stop()
	if n != 0 || err != nil {
		t.Fatalf("Select during a signal storm = %d, %v; want 0, nil", n, err)
	}
	if elapsed < timeout {
		t.Errorf("Select returned after %v, before its %v timeout (%d signals sent)", elapsed, timeout, sent)
	}
	t.Logf("%d signals during a %v Select", sent, elapsed)
}

// TestPollerWakeFD finds the Poller's wake-up descriptor in /proc/self/fd:
// one eventfd, close-on-exec and nonblocking, closed by Close.
func TestPollerWakeFD(t *testing.T) {
	before := testkit.MustFDs(t)
	p, err := poll.New()
	if err != nil {
		t.Fatal(err)
	}
	var added []int
	for fd, target := range testkit.MustFDs(t) {
		if _, ok := before[fd]; !ok && target == "anon_inode:[eventfd]" {
			added = append(added, fd)
		}
	}
	if len(added) != 1 {
		p.Close()
		t.Fatalf("NewPoller opened eventfds %v, want exactly one", added)
	}
	fd := added[0]
	if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil || fl&unix.FD_CLOEXEC == 0 {
		t.Errorf("wake-up fd %d: F_GETFD = %#x, %v; want FD_CLOEXEC", fd, fl, err)
	}
	if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0); err != nil || fl&unix.O_NONBLOCK == 0 {
		t.Errorf("wake-up fd %d: F_GETFL = %#x, %v; want O_NONBLOCK", fd, fl, err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if target, ok := testkit.MustFDs(t)[fd]; ok && target == "anon_inode:[eventfd]" {
		t.Errorf("wake-up fd %d still open after Close", fd)
	}
}
