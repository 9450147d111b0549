package poll_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock/poll"
	"golang.org/x/sys/unix"
)

func TestBackendString(t *testing.T) {
	tests := []struct {
		b    poll.Backend
		want string
	}{
		{poll.BackendSelect, "select"},
		{poll.BackendPoll, "poll"},
		{poll.BackendEpoll, "epoll"},
		{poll.BackendKqueue, "kqueue"},
		{poll.Backend(42), "42"},
	}
	for _, tt := range tests {
		if got := tt.b.String(); got != tt.want {
			t.Errorf("Backend(%d).String() = %q, want %q", int(tt.b), got, tt.want)
		}
	}
}

func TestNewPollerBackendErrors(t *testing.T) {
	have := poll.Backends()
	if len(have) < 3 || have[0] != poll.BackendSelect || have[1] != poll.BackendPoll {
		t.Errorf("Backends() = %v, want select, poll and the system's own", have)
	}
	tests := []struct {
		name string
		b    poll.Backend
		want error
	}{
		{"unknown", poll.Backend(42), unix.EINVAL},
		{"negative", poll.Backend(-1), unix.EINVAL},
	}
	// The native backend of the other family of systems.
	for _, b := range []poll.Backend{poll.BackendEpoll, poll.BackendKqueue} {
		if !slices.Contains(have, b) {
			tests = append(tests, struct {
				name string
				b    poll.Backend
				want error
			}{"unavailable " + b.String(), b, unix.ENOSYS})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := poll.NewBackend(tt.b)
			if p != nil || !errors.Is(err, tt.want) {
				t.Errorf("NewPollerBackend(%v) = %v, %v; want nil and an error wrapping %v", tt.b, p, err, tt.want)
			}
		})
	}
	// The default is select.
	p := newPoller(t)
	if got := p.Backend(); got != poll.BackendSelect {
		t.Errorf("NewPoller().Backend() = %v, want select", got)
	}
}

// TestPollerHighFD watches a real descriptor at or above FD_SETSIZE with
// every backend that has no such limit.
func TestPollerHighFD(t *testing.T) {
	forEachMode(t, func(t *testing.T, bk poll.Backend, md poll.Mode) {
		if bk == poll.BackendSelect {
			t.Skip("select watches descriptors below FD_SETSIZE only (TestPollerAddErrors)")
		}
		r, w := testkit.Pipe(t)
		hi, err := unix.FcntlInt(uintptr(r), unix.F_DUPFD_CLOEXEC, poll.FD_SETSIZE+100)
		if err != nil {
			t.Skipf("no descriptor >= %d: %v", poll.FD_SETSIZE+100, err)
		}
		t.Cleanup(func() { unix.Close(hi) })
		p := newPollerMode(t, bk, md)
		if err := p.Add(hi, poll.Readable); err != nil {
			t.Fatalf("Add(%d): %v", hi, err)
		}
		ready := make([]poll.Ready, 4)
		if n, err := p.Wait(ready, 0); n != 0 || err != nil {
			t.Fatalf("Wait on an empty pipe = %d, %v; want 0, nil", n, err)
		}
		ch := waitAsync(p, 5*time.Second)
		testkit.Write(t, w, "x")
		res := <-ch
		if res.err != nil {
			t.Fatal(res.err)
		}
		if diff := gocmp.Diff([]poll.Ready{{Fd: hi, Events: poll.Readable}}, res.ready); diff != "" {
			t.Errorf("unexpected ready descriptors (-want +got):\n%s", diff)
		}
	})
}

// TestPollerClosedFDBackends closes a watched descriptor behind the
// Poller's back. select and poll report it ready with the events it was
// added for (the caller's next call gets EBADF); epoll and kqueue drop it
// silently, as the kernel does. Remove succeeds either way, and the
// Poller goes on working.
func TestPollerClosedFDBackends(t *testing.T) {
	forEachMode(t, func(t *testing.T, bk poll.Backend, md poll.Mode) {
		r, _ := testkit.Pipe(t)
		a, b := testkit.Socketpair(t, unix.SOCK_STREAM)
		// A high number, so that no other descriptor reuses it meanwhile.
		fd, err := unix.FcntlInt(uintptr(r), unix.F_DUPFD_CLOEXEC, 900)
		if err != nil || fd >= poll.FD_SETSIZE {
			t.Skipf("no free descriptor in [900, %d): %d, %v", poll.FD_SETSIZE, fd, err)
		}
		p := newPollerMode(t, bk, md)
		if err := p.Add(fd, poll.Readable|poll.Writable); err != nil {
			t.Fatal(err)
		}
		if err := p.Add(a, poll.Readable); err != nil {
			t.Fatal(err)
		}
		unix.Close(fd)
		var want []poll.Ready
		timeout := 5 * time.Second
		switch bk {
		case poll.BackendSelect, poll.BackendPoll:
			want = []poll.Ready{{Fd: fd, Events: poll.Readable | poll.Writable}}
		default:
			want = []poll.Ready{}
			timeout = 50 * time.Millisecond
		}
		ready := make([]poll.Ready, 4)
		n, err := p.Wait(ready, timeout)
		if err != nil {
			t.Fatalf("Wait with a closed descriptor: %v", err)
		}
		if diff := gocmp.Diff(want, ready[:n]); diff != "" {
			t.Fatalf("unexpected ready descriptors (-want +got):\n%s", diff)
		}
		if err := p.Remove(fd); err != nil {
			t.Fatalf("Remove of the closed descriptor: %v", err)
		}
		testkit.Write(t, b, "x")
		n, err = p.Wait(ready, 5*time.Second)
		if err != nil {
			t.Fatalf("Wait after Remove: %v", err)
		}
		if diff := gocmp.Diff([]poll.Ready{{Fd: a, Events: poll.Readable}}, ready[:n]); diff != "" {
			t.Errorf("after Remove: unexpected ready descriptors (-want +got):\n%s", diff)
		}
	})
}

// TestPollerHangup: a descriptor watched only for Writable whose peer has
// gone away is reported (a hang-up counts for both events), and a Wait
// never spins or blocks on it.
func TestPollerHangup(t *testing.T) {
	forEachMode(t, func(t *testing.T, bk poll.Backend, md poll.Mode) {
		r, w := testkit.Pipe(t)
		p := newPollerMode(t, bk, md)
		if err := p.Add(w, poll.Writable); err != nil {
			t.Fatal(err)
		}
		unix.Close(r) // the write end now has an error pending (EPIPE)
		ready := make([]poll.Ready, 4)
		n, err := p.Wait(ready, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if diff := gocmp.Diff([]poll.Ready{{Fd: w, Events: poll.Writable}}, ready[:n]); diff != "" {
			t.Errorf("unexpected ready descriptors (-want +got):\n%s", diff)
		}
	})
}

// TestPollerWaitTimeoutAllocs: a Wait that sleeps until its timeout
// allocates nothing either (for epoll: the goroutine parks in the runtime
// poller under a read deadline).
func TestPollerWaitTimeoutAllocs(t *testing.T) {
	forEachMode(t, func(t *testing.T, bk poll.Backend, md poll.Mode) {
		idle, _ := testkit.Pipe(t)
		p := newPollerMode(t, bk, md)
		if err := p.Add(idle, poll.Readable); err != nil {
			t.Fatal(err)
		}
		ready := make([]poll.Ready, 4)
		allocs := testing.AllocsPerRun(20, func() {
			if n, err := p.Wait(ready, time.Millisecond); n != 0 || err != nil {
				t.Fatalf("Wait = %d, %v", n, err)
			}
		})
		if allocs != 0 {
			t.Errorf("Wait(1ms) timing out allocates %v times per call, want 0", allocs)
		}
	})
}

// TestPollerManyFDs watches 300 socketpair ends and makes a few of them
// ready: every backend reports exactly those, across several Waits with a
// small ready slice.
func TestPollerManyFDs(t *testing.T) {
	forEachMode(t, func(t *testing.T, bk poll.Backend, md poll.Mode) {
		p := newPollerMode(t, bk, md)
		var ends, peers []int
		for range 300 {
			a, b := testkit.Socketpair(t, unix.SOCK_STREAM)
			if bk == poll.BackendSelect && max(a, b) >= poll.FD_SETSIZE {
				t.Skipf("descriptor %d at or above FD_SETSIZE", max(a, b))
			}
			if err := p.Add(a, poll.Readable); err != nil {
				t.Fatal(err)
			}
			ends, peers = append(ends, a), append(peers, b)
		}
		var want []poll.Ready
		for i := 7; i < len(ends); i += 37 {
			testkit.Write(t, peers[i], "x")
			want = append(want, poll.Ready{Fd: ends[i], Events: poll.Readable})
		}
		want = sortReady(want)
		seen := map[int]bool{}
		var got []poll.Ready
		ready := make([]poll.Ready, 3)
		for len(seen) < len(want) {
			n, err := p.Wait(ready, 5*time.Second)
			if err != nil || n == 0 {
				t.Fatalf("Wait = %d, %v after %d of %d reported", n, err, len(seen), len(want))
			}
			for _, r := range ready[:n] {
				if !seen[r.Fd] {
					seen[r.Fd] = true
					got = append(got, r)
				}
			}
			if len(got) > len(want) {
				break
			}
		}
		if diff := gocmp.Diff(want, sortReady(got)); diff != "" {
			t.Errorf("unexpected ready descriptors (-want +got):\n%s", diff)
		}
	})
}

func ExampleNewBackend() {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	a, b := fds[0], fds[1]
	defer unix.Close(a)
	defer unix.Close(b)

	// poll(2) exists on every unix system; epoll and kqueue on their own.
	p, err := poll.NewBackend(poll.BackendPoll)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	if err := p.Add(a, poll.Readable); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := unix.Write(b, []byte("ping")); err != nil {
		fmt.Println(err)
		return
	}
	ready := make([]poll.Ready, 16)
	n, err := p.Wait(ready, time.Second)
	fmt.Println(p.Backend(), n, err, ready[0].Fd == a, ready[0].Events)
	// Output:
	// poll 1 <nil> true Readable
}
