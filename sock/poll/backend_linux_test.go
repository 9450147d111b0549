package poll_test

import (
	"errors"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock/poll"
	"golang.org/x/sys/unix"
)

// TestPollerBackendsSignalStorm: a timed Wait on every backend is neither
// cut short nor stretched by a storm of signals at its thread.
func TestPollerBackendsSignalStorm(t *testing.T) {
	forEachMode(t, func(t *testing.T, bk poll.Backend, md poll.Mode) {
		idle, _ := testkit.Pipe(t)
		p := newPollerMode(t, bk, md)
		if err := p.Add(idle, poll.Readable); err != nil {
			t.Fatal(err)
		}
		const timeout = 200 * time.Millisecond
		ready := make([]poll.Ready, 4)
		stop := testkit.StormThread(t)
		start := time.Now()
		n, err := p.Wait(ready, timeout)
		elapsed := time.Since(start)
		sent := stop()
		if n != 0 || err != nil {
			t.Fatalf("Wait during a signal storm = %d, %v; want 0, nil", n, err)
		}
		if elapsed < timeout {
			t.Errorf("Wait returned after %v, before its %v timeout (%d signals sent)", elapsed, timeout, sent)
		}
		t.Logf("%d signals during a %v Wait", sent, elapsed)
	})
}

// TestPollerEpollFD finds the epoll backend's descriptor in /proc/self/fd:
// one eventpoll, close-on-exec, closed by Close.
func TestPollerEpollFD(t *testing.T) {
	before := testkit.MustFDs(t)
	p, err := poll.NewBackend(poll.BackendEpoll)
	if err != nil {
		t.Fatal(err)
	}
	var added []int
	for fd, target := range testkit.MustFDs(t) {
		if _, ok := before[fd]; !ok && target == "anon_inode:[eventpoll]" {
			added = append(added, fd)
		}
	}
	if len(added) != 1 {
		p.Close()
		t.Fatalf("NewPollerBackend(epoll) opened epoll descriptors %v, want exactly one", added)
	}
	fd := added[0]
	if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil || fl&unix.FD_CLOEXEC == 0 {
		t.Errorf("epoll fd %d: F_GETFD = %#x, %v; want FD_CLOEXEC", fd, fl, err)
	}
	if err := p.Add(fd, poll.Readable); err == nil {
		t.Errorf("Add of the Poller's own epoll descriptor succeeded")
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if target, ok := testkit.MustFDs(t)[fd]; ok && target == "anon_inode:[eventpoll]" {
		t.Errorf("epoll fd %d still open after Close", fd)
	}
}

// TestPollerParks: many Waits sleeping at once hold no OS thread each, on
// every backend (select and poll sleep on their mirror epoll descriptor):
// the thread count stays far below the number of Waits, whereas a Wait
// blocking in select(2), poll(2) or epoll_wait(2) would need one thread
// per Wait.
func TestPollerParks(t *testing.T) {
	forEachMode(t, func(t *testing.T, bk poll.Backend, md poll.Mode) {
		const waits = 64
		threads := func() int {
			ents, err := os.ReadDir("/proc/self/task")
			if err != nil {
				t.Skipf("no /proc/self/task: %v", err)
			}
			return len(ents)
		}
		before := threads()
		var polls []*poll.Poller
		var chans []<-chan waitResult
		for range waits {
			p := newPollerMode(t, bk, md)
			idle, _ := testkit.Pipe(t)
			if err := p.Add(idle, poll.Readable); err != nil {
				t.Fatal(err)
			}
			polls = append(polls, p)
			chans = append(chans, waitAsync(p, -1))
		}
		time.Sleep(20 * time.Millisecond) // let any thread that would block appear
		during := threads()
		for i, p := range polls {
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			if res := <-chans[i]; res.err == nil {
				t.Errorf("Wait %d returned %v after Close, want the closed error", i, res.ready)
			}
		}
		if during-before >= waits/2 {
			t.Errorf("%d sleeping %v Waits added %d OS threads (from %d to %d); want them parked in the runtime poller", waits, bk, during-before, before, during)
		}
		t.Logf("threads: %d before, %d with %d sleeping Waits", before, during, waits)
	})
}

// TestPollerStaleRegistration closes a watched descriptor whose file stays
// open through a dup, then removes it: epoll cannot delete that
// registration any more (the number is closed), and keeps reporting the
// file's readiness under the old number. Wait must ignore it without
// spinning: a 100 ms Wait returns nothing and uses little CPU time on its
// thread.
func TestPollerStaleRegistration(t *testing.T) {
	forEachMode(t, func(t *testing.T, bk poll.Backend, md poll.Mode) {
		r, w := testkit.Pipe(t)
		fd, err := unix.FcntlInt(uintptr(r), unix.F_DUPFD_CLOEXEC, 900)
		if err != nil || fd >= poll.FD_SETSIZE {
			t.Skipf("no free descriptor in [900, %d): %d, %v", poll.FD_SETSIZE, fd, err)
		}
		p := newPollerMode(t, bk, md)
		if err := p.Add(fd, poll.Readable); err != nil {
			t.Fatal(err)
		}
		unix.Close(fd)
		if err := p.Remove(fd); err != nil {
			t.Fatalf("Remove of the closed descriptor: %v", err)
		}
		testkit.Write(t, w, "x") // the file behind the old number is readable
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var before, after unix.Rusage
		if err := unix.Getrusage(unix.RUSAGE_THREAD, &before); err != nil {
			t.Skipf("getrusage: %v", err)
		}
		const timeout = 100 * time.Millisecond
		n, err := p.Wait(make([]poll.Ready, 1), timeout)
		if err := unix.Getrusage(unix.RUSAGE_THREAD, &after); err != nil {
			t.Fatal(err)
		}
		if n != 0 || err != nil {
			t.Fatalf("Wait = %d, %v; want 0, nil", n, err)
		}
		cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond
		if cpu > timeout/2 {
			t.Errorf("a %v Wait over a stale registration used %v of CPU on its thread: it spins", timeout, cpu)
		}
	})
}

// TestPollerAddFarNumber: Add of a number far beyond any open descriptor
// fails with EBADF before the epoll backend's interest table grows to it
// (found in review: 256 MiB for 1<<26).
func TestPollerAddFarNumber(t *testing.T) {
	p := newPollerOf(t, poll.BackendEpoll)
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	err := p.Add(1<<26, poll.Readable)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	if !errors.Is(err, unix.EBADF) {
		t.Errorf("Add(1<<26) = %v, want an error wrapping EBADF", err)
	}
	if grown := int64(m1.HeapAlloc) - int64(m0.HeapAlloc); grown > 16<<20 {
		t.Errorf("live heap grew by %d MiB after a refused Add", grown>>20)
	}
}
