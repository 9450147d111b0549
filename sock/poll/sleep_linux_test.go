package poll_test

import (
	"errors"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock/poll"
	"golang.org/x/sys/unix"
)

// TestPollerSleepPingPong makes 10,000 round trips through a Wait that
// parks between them: the peer writes only after it has read the previous
// reply, so most Waits find nothing and sleep. On select and poll the
// sleep is a private epoll instance whose events are never collected:
// every new event of a watched descriptor must still wake the runtime,
// although its entry already sits, uncollected, on the instance's ready
// list. A lost wake-up shows as a Wait that times out.
func TestPollerSleepPingPong(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk poll.Backend) {
		const rounds = 10000
		a, b := testkit.Socketpair(t, unix.SOCK_STREAM)
		if err := unix.SetNonblock(b, false); err != nil {
			t.Fatal(err)
		}
		p := newPollerOf(t, bk)
		if err := p.Add(a, poll.Readable); err != nil {
			t.Fatal(err)
		}
		peerErr := make(chan error, 1)
		go func() {
			buf := []byte{0}
			for i := range rounds {
				buf[0] = byte(i)
				if _, err := unix.Write(b, buf); err != nil {
					peerErr <- err
					return
				}
				if n, err := unix.Read(b, buf); n != 1 || err != nil || buf[0] != byte(i) {
					peerErr <- errors.Join(err, errors.New("short or wrong reply"))
					return
				}
			}
			peerErr <- nil
		}()
		ready := make([]poll.Ready, 4)
		buf := make([]byte, 1)
		start := time.Now()
		for i := range rounds {
			n, err := p.Wait(ready, 5*time.Second)
			if err != nil || n != 1 || ready[0] != (poll.Ready{Fd: a, Events: poll.Readable}) {
				unix.Shutdown(a, unix.SHUT_RDWR) // free the peer
				t.Fatalf("round %d: Wait = %d, %v, %v; want a readable (a lost wake-up times out)", i, n, err, ready[:n])
			}
			if _, err := unix.Read(a, buf); err != nil {
				t.Fatalf("round %d: read: %v", i, err)
			}
			if _, err := unix.Write(a, buf); err != nil {
				t.Fatalf("round %d: write: %v", i, err)
			}
		}
		if err := <-peerErr; err != nil {
			t.Fatalf("peer: %v", err)
		}
		t.Logf("%d round trips in %v", rounds, time.Since(start))
	})
}

// TestPollerSleepNoSpin parks a Wait on a socket watched for Readable
// only while another goroutine makes it writable again and again (the
// peer reads what the socket wrote, which raises EPOLLOUT on it, outside
// the interest). The Wait must neither report it nor wake for it: a
// 200 ms Wait returns nothing and uses little CPU time on its thread
// (which it keeps, locked, so that getrusage measures it alone).
func TestPollerSleepNoSpin(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk poll.Backend) {
		a, b := testkit.Socketpair(t, unix.SOCK_STREAM)
		p := newPollerOf(t, bk)
		if err := p.Add(a, poll.Readable); err != nil {
			t.Fatal(err)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var events int
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, in := make([]byte, 64), make([]byte, 64)
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := unix.Write(a, out); err == nil {
					if n, _ := unix.Read(b, in); n > 0 {
						events++
					}
				}
			}
		}()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var before, after unix.Rusage
		if err := unix.Getrusage(unix.RUSAGE_THREAD, &before); err != nil {
			close(stop)
			wg.Wait()
			t.Skipf("getrusage: %v", err)
		}
		const timeout = 200 * time.Millisecond
		n, err := p.Wait(make([]poll.Ready, 1), timeout)
		uerr := unix.Getrusage(unix.RUSAGE_THREAD, &after)
		close(stop)
		wg.Wait()
		if uerr != nil {
			t.Fatal(uerr)
		}
		if n != 0 || err != nil {
			t.Fatalf("Wait = %d, %v; want 0, nil", n, err)
		}
		cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
		if cpu > timeout/10 {
			t.Errorf("a %v Wait on a socket made writable %d times (not watched for it) used %v of CPU on its thread: it wakes for events outside its interest", timeout, events, cpu)
		}
		t.Logf("%d writable events in %v; the Wait's thread used %v", events, timeout, cpu)
	})
}

// TestPollerSleepClosedWhileParked closes a watched descriptor (the last
// reference to its pipe) while a Wait sleeps. The kernel drops the
// mirror's registration with the file, and a closed descriptor has no
// event to give: the Wait sleeps on. The next look, here after the other
// watched socket becomes readable, finds it closed: select reports it
// alone (its EBADF path), poll with POLLNVAL beside the socket; epoll has
// dropped it and reports the socket only. After Remove all report the
// socket.
func TestPollerSleepClosedWhileParked(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk poll.Backend) {
		var pfd [2]int
		if err := unix.Pipe2(pfd[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { unix.Close(pfd[1]) })
		// A high number and the only reference to the read end.
		fd, err := unix.FcntlInt(uintptr(pfd[0]), unix.F_DUPFD_CLOEXEC, 900)
		unix.Close(pfd[0])
		if err != nil || fd >= poll.FD_SETSIZE {
			t.Skipf("no free descriptor in [900, %d): %d, %v", poll.FD_SETSIZE, fd, err)
		}
		a, b := testkit.Socketpair(t, unix.SOCK_STREAM)
		p := newPollerOf(t, bk)
		for _, f := range []int{fd, a} {
			if err := p.Add(f, poll.Readable); err != nil {
				t.Fatal(err)
			}
		}
		ch := waitAsync(p, 5*time.Second)
		time.Sleep(20 * time.Millisecond) // let it park
		unix.Close(fd)
		select {
		case res := <-ch:
			t.Fatalf("closing a watched descriptor woke the parked Wait: %v, %v", res.ready, res.err)
		case <-time.After(50 * time.Millisecond):
		}
		testkit.Write(t, b, "x")
		res := <-ch
		if res.err != nil {
			t.Fatal(res.err)
		}
		var want []poll.Ready
		switch bk {
		case poll.BackendSelect:
			want = []poll.Ready{{Fd: fd, Events: poll.Readable}}
		case poll.BackendPoll:
			want = sortReady([]poll.Ready{{Fd: fd, Events: poll.Readable}, {Fd: a, Events: poll.Readable}})
		default:
			want = []poll.Ready{{Fd: a, Events: poll.Readable}}
		}
		if diff := gocmp.Diff(want, sortReady(res.ready)); diff != "" {
			t.Errorf("Wait woken after a close: unexpected ready descriptors (-want +got):\n%s", diff)
		}
		if err := p.Remove(fd); err != nil {
			t.Fatalf("Remove of the closed descriptor: %v", err)
		}
		ready := make([]poll.Ready, 4)
		n, err := p.Wait(ready, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if diff := gocmp.Diff([]poll.Ready{{Fd: a, Events: poll.Readable}}, ready[:n]); diff != "" {
			t.Errorf("after Remove: unexpected ready descriptors (-want +got):\n%s", diff)
		}
	})
}

// TestPollerSleepRegularFile watches a regular file, which epoll refuses
// (EPERM) and select and poll report always ready: Add, Modify and Remove
// work, a Wait reports it at once, and adding it from another goroutine
// wakes a parked Wait.
func TestPollerSleepRegularFile(t *testing.T) {
	for _, bk := range []poll.Backend{poll.BackendSelect, poll.BackendPoll} {
		t.Run("backend="+bk.String(), func(t *testing.T) {
			f, err := os.CreateTemp(t.TempDir(), "regular")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rc, err := f.SyscallConn()
			if err != nil {
				t.Fatal(err)
			}
			var fd int
			rc.Control(func(u uintptr) { fd = int(u) })
			idle, _ := testkit.Pipe(t)
			p := newPollerOf(t, bk)
			if err := p.Add(idle, poll.Readable); err != nil {
				t.Fatal(err)
			}
			ch := waitAsync(p, 5*time.Second)
			time.Sleep(10 * time.Millisecond) // let it park
			if err := p.Add(fd, poll.Readable); err != nil {
				t.Fatalf("Add of a regular file: %v", err)
			}
			res := <-ch
			if diff := gocmp.Diff([]poll.Ready{{Fd: fd, Events: poll.Readable}}, res.ready); diff != "" || res.err != nil {
				t.Fatalf("parked Wait after Add of a regular file: %v; unexpected ready descriptors (-want +got):\n%s", res.err, diff)
			}
			if err := p.Modify(fd, poll.Readable|poll.Writable); err != nil {
				t.Fatalf("Modify of a regular file: %v", err)
			}
			ready := make([]poll.Ready, 4)
			n, err := p.Wait(ready, -1)
			if diff := gocmp.Diff([]poll.Ready{{Fd: fd, Events: poll.Readable | poll.Writable}}, ready[:n]); diff != "" || err != nil {
				t.Fatalf("Wait after Modify: %v; unexpected ready descriptors (-want +got):\n%s", err, diff)
			}
			if err := p.Remove(fd); err != nil {
				t.Fatalf("Remove of a regular file: %v", err)
			}
			if n, err := p.Wait(ready, 20*time.Millisecond); n != 0 || err != nil {
				t.Fatalf("Wait after Remove = %d, %v (%v); want 0, nil", n, err, ready[:n])
			}
		})
	}
}

// TestPollerSleepDeadline: a Wait with a timeout sets a read deadline on
// the descriptor it sleeps on; the next Wait without one must clear it
// and sleep until an event, and a timeout too short to sleep at all still
// looks once.
func TestPollerSleepDeadline(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk poll.Backend) {
		r, w := testkit.Pipe(t)
		p := newPollerOf(t, bk)
		if err := p.Add(r, poll.Readable); err != nil {
			t.Fatal(err)
		}
		ready := make([]poll.Ready, 4)
		if n, err := p.Wait(ready, 10*time.Millisecond); n != 0 || err != nil {
			t.Fatalf("Wait(10ms) = %d, %v; want 0, nil", n, err)
		}
		// Not waitAsync: a Wait that returns at once would never be seen
		// waiting.
		ch := make(chan waitResult, 1)
		go func() {
			ready := make([]poll.Ready, 4)
			n, err := p.Wait(ready, -1)
			ch <- waitResult{ready[:n], err}
		}()
		select {
		case res := <-ch:
			t.Fatalf("Wait(-1) after a timed Wait returned %v, %v with nothing ready (a deadline left set?)", res.ready, res.err)
		case <-time.After(50 * time.Millisecond):
		}
		testkit.Write(t, w, "x")
		res := <-ch
		if diff := gocmp.Diff([]poll.Ready{{Fd: r, Events: poll.Readable}}, res.ready); diff != "" || res.err != nil {
			t.Fatalf("Wait(-1): %v; unexpected ready descriptors (-want +got):\n%s", res.err, diff)
		}
		n, err := p.Wait(ready, time.Nanosecond)
		if diff := gocmp.Diff([]poll.Ready{{Fd: r, Events: poll.Readable}}, ready[:n]); diff != "" || err != nil {
			t.Errorf("Wait(1ns) on a readable pipe: %v; unexpected ready descriptors (-want +got):\n%s", err, diff)
		}
	})
}

// TestPollerSleepFDs finds the select and poll Pollers' own descriptors in
// /proc/self/fd: an eventfd and an eventpoll (the sleep descriptor), both
// close-on-exec, refused by Add, and closed by Close.
func TestPollerSleepFDs(t *testing.T) {
	for _, bk := range []poll.Backend{poll.BackendSelect, poll.BackendPoll} {
		t.Run("backend="+bk.String(), func(t *testing.T) {
			before := testkit.MustFDs(t)
			p, err := poll.NewBackend(bk)
			if err != nil {
				t.Fatal(err)
			}
			added := map[string][]int{}
			for fd, target := range testkit.MustFDs(t) {
				if _, ok := before[fd]; !ok {
					added[target] = append(added[target], fd)
				}
			}
			want := map[string][]int{"anon_inode:[eventfd]": nil, "anon_inode:[eventpoll]": nil}
			if len(added) != 2 || len(added["anon_inode:[eventfd]"]) != 1 || len(added["anon_inode:[eventpoll]"]) != 1 {
				p.Close()
				t.Fatalf("NewPollerBackend(%v) opened %v, want one of each of %v", bk, added, want)
			}
			for _, fds := range added {
				fd := fds[0]
				if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil || fl&unix.FD_CLOEXEC == 0 {
					t.Errorf("fd %d: F_GETFD = %#x, %v; want FD_CLOEXEC", fd, fl, err)
				}
				if err := p.Add(fd, poll.Readable); !errors.Is(err, unix.EINVAL) {
					t.Errorf("Add of the Poller's own descriptor %d = %v, want an error wrapping EINVAL", fd, err)
				}
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			after := testkit.MustFDs(t)
			for target, fds := range added {
				if got, ok := after[fds[0]]; ok && got == target {
					t.Errorf("%s fd %d still open after Close", target, fds[0])
				}
			}
		})
	}
}
