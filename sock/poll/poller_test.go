package poll_test

import (
	"cmp"
	"errors"
	"fmt"
	"log"
	"net"
	"runtime"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock/poll"
	"golang.org/x/sys/unix"
)

func newPoller(t testing.TB) *poll.Poller {
	t.Helper()
	p, err := poll.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// newPollerOf returns a new Poller on backend b, closed at the end of the
// test.
func newPollerOf(t testing.TB, b poll.Backend) *poll.Poller {
	t.Helper()
	p, err := poll.NewBackend(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Backend(); got != b {
		t.Fatalf("NewPollerBackend(%v).Backend() = %v", b, got)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// forEachBackend runs f as a subtest for every backend this system has.
func forEachBackend(t *testing.T, f func(t *testing.T, b poll.Backend)) {
	t.Helper()
	for _, b := range poll.Backends() {
		t.Run("backend="+b.String(), func(t *testing.T) { f(t, b) })
	}
}

// untilWaiting returns once a Wait on p is in progress. It panics after
// 10 s (a Wait that returned at once is never seen waiting), so that such
// a test fails with a stack rather than at the test binary's timeout.
func untilWaiting(p *poll.Poller) {
	deadline := time.Now().Add(10 * time.Second)
	for !poll.Waiting(p) {
		if time.Now().After(deadline) {
			panic("untilWaiting: no Wait in progress after 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}

type waitResult struct {
	ready []poll.Ready
	err   error
}

// waitAsync runs one Wait in a new goroutine and returns its result on the
// channel, once the Wait is in progress.
func waitAsync(p *poll.Poller, timeout time.Duration) <-chan waitResult {
	ch := make(chan waitResult, 1)
	go func() {
		ready := make([]poll.Ready, 8)
		n, err := p.Wait(ready, timeout)
		ch <- waitResult{ready[:n], err}
	}()
	untilWaiting(p)
	return ch
}

func TestEventsString(t *testing.T) {
	tests := []struct {
		ev   poll.Events
		want string
	}{
		{0, "0"},
		{poll.Readable, "Readable"},
		{poll.Writable, "Writable"},
		{poll.Readable | poll.Writable, "Readable|Writable"},
		{poll.Readable | 0x80, "Readable|0x80"},
	}
	for _, tt := range tests {
		if got := tt.ev.String(); got != tt.want {
			t.Errorf("Events(%#x).String() = %q, want %q", uint8(tt.ev), got, tt.want)
		}
	}
}

func TestPollerAddErrors(t *testing.T) {
	forEachMode(t, func(t *testing.T, bk poll.Backend, md poll.Mode) {
		r, _ := testkit.Pipe(t)
		// wantAny is the error of the backends without select's
		// FD_SETSIZE limit (nil: the Add succeeds).
		tests := []struct {
			name    string
			fd      func(t *testing.T) int
			ev      poll.Events
			want    error
			wantAny error
		}{
			{"minus one", func(*testing.T) int { return -1 }, poll.Readable, unix.EINVAL, unix.EINVAL},
			{"FD_SETSIZE", func(*testing.T) int { return poll.FD_SETSIZE }, poll.Readable, unix.EINVAL, unix.EBADF},
			{"huge", func(*testing.T) int { return 1 << 20 }, poll.Writable, unix.EINVAL, unix.EBADF},
			{"real fd at or above FD_SETSIZE", selectHighFD, poll.Readable, unix.EINVAL, nil},
			{"no events", func(*testing.T) int { return r }, 0, unix.EINVAL, unix.EINVAL},
			{"unknown event", func(*testing.T) int { return r }, 0x4, unix.EINVAL, unix.EINVAL},
			{"closed fd", func(t *testing.T) int { return selectClosedFD(t) }, poll.Readable, unix.EBADF, unix.EBADF},
			{"already added", func(*testing.T) int { return r }, poll.Writable, unix.EEXIST, unix.EEXIST},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := newPollerMode(t, bk, md)
				if err := p.Add(r, poll.Readable); err != nil {
					t.Fatal(err)
				}
				fd := tt.fd(t)
				err := p.Add(fd, tt.ev)
				want := tt.want
				if bk != poll.BackendSelect {
					want = tt.wantAny
				}
				if want == nil {
					if err != nil {
						t.Fatalf("Add(%d, %v) = %v, want success", fd, tt.ev, err)
					}
					return
				}
				if !errors.Is(err, want) {
					t.Fatalf("Add(%d, %v) = %v, want an error wrapping %v", fd, tt.ev, err, want)
				}
				// The failed Add changed nothing: r is still the only one.
				ready := make([]poll.Ready, 4)
				if err := p.Modify(r, poll.Readable|poll.Writable); err != nil {
					t.Fatal(err)
				}
				n, err := p.Wait(ready, 0)
				if err != nil {
					t.Fatal(err)
				}
				if diff := gocmp.Diff([]poll.Ready{}, ready[:n]); diff != "" {
					t.Errorf("unexpected ready descriptors (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestPollerModifyRemoveErrors(t *testing.T) {
	forEachMode(t, func(t *testing.T, bk poll.Backend, md poll.Mode) {
		r, _ := testkit.Pipe(t)
		other, _ := testkit.Pipe(t)
		p := newPollerMode(t, bk, md)
		if err := p.Add(r, poll.Readable); err != nil {
			t.Fatal(err)
		}
		// FD_SETSIZE is out of range for select, merely not added for
		// the others.
		outOfRange := unix.ENOENT
		if bk == poll.BackendSelect {
			outOfRange = unix.EINVAL
		}
		tests := []struct {
			name string
			call func() error
			want error
		}{
			{"modify not added", func() error { return p.Modify(other, poll.Readable) }, unix.ENOENT},
			{"modify no events", func() error { return p.Modify(r, 0) }, unix.EINVAL},
			{"modify unknown event", func() error { return p.Modify(r, 0x10) }, unix.EINVAL},
			{"modify minus one", func() error { return p.Modify(-1, poll.Readable) }, unix.EINVAL},
			{"modify FD_SETSIZE", func() error { return p.Modify(poll.FD_SETSIZE, poll.Readable) }, outOfRange},
			{"remove not added", func() error { return p.Remove(other) }, unix.ENOENT},
			{"remove minus one", func() error { return p.Remove(-1) }, unix.EINVAL},
			{"remove FD_SETSIZE", func() error { return p.Remove(poll.FD_SETSIZE) }, outOfRange},
			{"wait empty slice", func() error { _, err := p.Wait(nil, 0); return err }, unix.EINVAL},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := tt.call(); !errors.Is(err, tt.want) {
					t.Errorf("got %v, want an error wrapping %v", err, tt.want)
				}
			})
		}
		// Remove twice: the second is ENOENT.
		if err := p.Remove(r); err != nil {
			t.Fatalf("Remove: %v", err)
		}
		if err := p.Remove(r); !errors.Is(err, unix.ENOENT) {
			t.Errorf("second Remove = %v, want ENOENT", err)
		}
		if err := p.Add(r, poll.Readable); err != nil {
			t.Errorf("Add after Remove: %v", err)
		}
	})
}

func TestPollerZero(t *testing.T) {
	r, _ := testkit.Pipe(t)
	for _, p := range []*poll.Poller{nil, new(poll.Poller)} {
		calls := []struct {
			name string
			call func() error
		}{
			{"add", func() error { return p.Add(r, poll.Readable) }},
			{"modify", func() error { return p.Modify(r, poll.Readable) }},
			{"remove", func() error { return p.Remove(r) }},
			{"wait", func() error { _, err := p.Wait(make([]poll.Ready, 1), 0); return err }},
			{"close", p.Close},
		}
		for _, c := range calls {
			if err := c.call(); !errors.Is(err, unix.EINVAL) {
				t.Errorf("%s on a Poller %p not made by NewPoller = %v, want an error wrapping EINVAL", c.name, p, err)
			}
		}
	}
}

func TestPollerClosed(t *testing.T) {
	forEachMode(t, func(t *testing.T, bk poll.Backend, md poll.Mode) {
		r, _ := testkit.Pipe(t)
		p, err := poll.NewMode(bk, md)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Add(r, poll.Readable); err != nil {
			t.Fatal(err)
		}
		if err := p.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		tests := []struct {
			name string
			call func() error
		}{
			{"add", func() error { return p.Add(r, poll.Writable) }},
			{"modify", func() error { return p.Modify(r, poll.Writable) }},
			{"remove", func() error { return p.Remove(r) }},
			{"wait", func() error { _, err := p.Wait(make([]poll.Ready, 1), -1); return err }},
			{"close", p.Close},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := tt.call(); !errors.Is(err, net.ErrClosed) {
					t.Errorf("%s after Close = %v, want an error wrapping net.ErrClosed", tt.name, err)
				}
			})
		}
		// The descriptors added stay the caller's.
		if _, err := unix.FcntlInt(uintptr(r), unix.F_GETFD, 0); err != nil {
			t.Errorf("Close closed a watched descriptor: %v", err)
		}
	})
}

func TestPollerEvents(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk poll.Backend) {
		a, b := testkit.Socketpair(t, unix.SOCK_STREAM)
		pr, pw := testkit.Pipe(t)
		p := newPollerOf(t, bk)
		steps := []struct {
			name string
			do   func() error
			want []poll.Ready
		}{
			{"add a for both", func() error { return p.Add(a, poll.Readable|poll.Writable) },
				[]poll.Ready{{Fd: a, Events: poll.Writable}}},
			{"peer writes", func() error { _, err := unix.Write(b, []byte("x")); return err },
				[]poll.Ready{{Fd: a, Events: poll.Readable | poll.Writable}}},
			{"modify to readable", func() error { return p.Modify(a, poll.Readable) },
				[]poll.Ready{{Fd: a, Events: poll.Readable}}},
			{"add idle pipe", func() error { return p.Add(pr, poll.Readable) },
				[]poll.Ready{{Fd: a, Events: poll.Readable}}},
			{"pipe written", func() error { _, err := unix.Write(pw, []byte("y")); return err },
				sortReady([]poll.Ready{{Fd: a, Events: poll.Readable}, {Fd: pr, Events: poll.Readable}})},
			{"remove a", func() error { return p.Remove(a) },
				[]poll.Ready{{Fd: pr, Events: poll.Readable}}},
			{"pipe drained", func() error { _, err := unix.Read(pr, make([]byte, 8)); return err },
				[]poll.Ready{}},
			{"add write end", func() error { return p.Add(pw, poll.Writable) },
				[]poll.Ready{{Fd: pw, Events: poll.Writable}}},
			{"peer closes: a reads EOF", func() error {
				if err := p.Add(a, poll.Readable); err != nil {
					return err
				}
				_, err := unix.Read(a, make([]byte, 8))
				if err != nil {
					return err
				}
				return unix.Shutdown(b, unix.SHUT_WR)
			}, sortReady([]poll.Ready{{Fd: a, Events: poll.Readable}, {Fd: pw, Events: poll.Writable}})},
		}
		for _, st := range steps {
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			// Enough slots for every one: the order is the rotation's, so
			// compare as sets.
			ready := make([]poll.Ready, 8)
			n, err := p.Wait(ready, 0)
			if err != nil {
				t.Fatalf("%s: Wait: %v", st.name, err)
			}
			if diff := gocmp.Diff(st.want, sortReady(ready[:n])); diff != "" {
				t.Errorf("%s: unexpected ready descriptors (-want +got):\n%s", st.name, diff)
			}
		}
	})
}

func sortReady(r []poll.Ready) []poll.Ready {
	out := slices.Clone(r)
	slices.SortFunc(out, func(x, y poll.Ready) int { return cmp.Compare(x.Fd, y.Fd) })
	if out == nil {
		out = []poll.Ready{}
	}
	return out
}

func TestPollerCloseWakesWait(t *testing.T) {
	forEachMode(t, func(t *testing.T, bk poll.Backend, md poll.Mode) {
		idle, _ := testkit.Pipe(t)
		p, err := poll.NewMode(bk, md)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Add(idle, poll.Readable); err != nil {
			t.Fatal(err)
		}
		ch := waitAsync(p, -1)
		if err := p.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		res := <-ch
		if !errors.Is(res.err, net.ErrClosed) || len(res.ready) != 0 {
			t.Errorf("Wait blocked during Close = %v, %v; want an error wrapping net.ErrClosed", res.ready, res.err)
		}
	})
}

func TestPollerWakeups(t *testing.T) {
	forEachMode(t, func(t *testing.T, bk poll.Backend, md poll.Mode) {
		tests := []struct {
			name string
			// setup prepares p before the Wait and returns the change made
			// while the Wait is blocked, which returns what the Wait must
			// report.
			setup func(t *testing.T, p *poll.Poller) (change func() []poll.Ready)
		}{
			{
				name: "add from another goroutine",
				setup: func(t *testing.T, p *poll.Poller) func() []poll.Ready {
					r, w := testkit.Pipe(t)
					return func() []poll.Ready {
						testkit.Write(t, w, "x")
						if err := p.Add(r, poll.Readable); err != nil {
							t.Error(err)
						}
						return []poll.Ready{{Fd: r, Events: poll.Readable}}
					}
				},
			},
			{
				name: "modify from another goroutine",
				setup: func(t *testing.T, p *poll.Poller) func() []poll.Ready {
					a, _ := testkit.Socketpair(t, unix.SOCK_STREAM)
					if err := p.Add(a, poll.Readable); err != nil {
						t.Fatal(err)
					}
					return func() []poll.Ready {
						if err := p.Modify(a, poll.Readable|poll.Writable); err != nil {
							t.Error(err)
						}
						return []poll.Ready{{Fd: a, Events: poll.Writable}}
					}
				},
			},
			{
				// The removed descriptor becomes ready and is closed; the Wait
				// must neither report it nor fail with EBADF.
				name: "remove and close during Wait",
				setup: func(t *testing.T, p *poll.Poller) func() []poll.Ready {
					var old [2]int
					if err := unix.Pipe(old[:]); err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { unix.Close(old[1]) })
					r, w := testkit.Pipe(t)
					for _, fd := range []int{old[0], r} {
						if err := p.Add(fd, poll.Readable); err != nil {
							t.Fatal(err)
						}
					}
					return func() []poll.Ready {
						if err := p.Remove(old[0]); err != nil {
							t.Error(err)
						}
						testkit.Write(t, old[1], "x")
						unix.Close(old[0])
						testkit.Write(t, w, "y")
						return []poll.Ready{{Fd: r, Events: poll.Readable}}
					}
				},
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := newPollerMode(t, bk, md)
				change := tt.setup(t, p)
				ch := waitAsync(p, -1)
				want := change()
				res := <-ch
				if res.err != nil {
					t.Fatalf("Wait: %v", res.err)
				}
				if diff := gocmp.Diff(want, res.ready); diff != "" {
					t.Errorf("unexpected ready descriptors (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestPollerClosedFD(t *testing.T) {
	r, _ := testkit.Pipe(t)
	a, _ := testkit.Socketpair(t, unix.SOCK_STREAM)
	// A high number, so that no other descriptor reuses it during the test.
	fd, err := unix.FcntlInt(uintptr(r), unix.F_DUPFD_CLOEXEC, 900)
	if err != nil || fd >= poll.FD_SETSIZE {
		t.Skipf("no free descriptor in [900, %d): %d, %v", poll.FD_SETSIZE, fd, err)
	}
	p := newPoller(t)
	if err := p.Add(fd, poll.Readable); err != nil {
		t.Fatal(err)
	}
	if err := p.Add(a, poll.Readable); err != nil {
		t.Fatal(err)
	}
	unix.Close(fd) // behind the Poller's back
	ready := make([]poll.Ready, 4)
	n, err := p.Wait(ready, 5*time.Second)
	if err != nil {
		t.Fatalf("Wait with a closed descriptor: %v", err)
	}
	if diff := gocmp.Diff([]poll.Ready{{Fd: fd, Events: poll.Readable}}, ready[:n]); diff != "" {
		t.Fatalf("unexpected ready descriptors (-want +got):\n%s", diff)
	}
	// The caller's read says what happened.
	if _, err := unix.Read(ready[0].Fd, make([]byte, 1)); !errors.Is(err, unix.EBADF) {
		t.Errorf("read of the reported descriptor = %v, want EBADF", err)
	}
	// Once removed, the Poller works as before.
	if err := p.Remove(fd); err != nil {
		t.Fatalf("Remove of the closed descriptor: %v", err)
	}
	if n, err := p.Wait(ready, 0); n != 0 || err != nil {
		t.Errorf("Wait after Remove = %d, %v; want 0, nil", n, err)
	}
}

func TestPollerFairness(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk poll.Backend) {
		p := newPollerOf(t, bk)
		var fds []int
		for range 3 {
			r, w := testkit.Pipe(t)
			testkit.Write(t, w, "x")
			if err := p.Add(r, poll.Readable); err != nil {
				t.Fatal(err)
			}
			fds = append(fds, r)
		}
		slices.Sort(fds)
		// One slot, three always-ready descriptors: each Wait reports the next
		// one in turn.
		ready := make([]poll.Ready, 1)
		var got []int
		for range 7 {
			n, err := p.Wait(ready, -1)
			if err != nil || n != 1 {
				t.Fatalf("Wait = %d, %v", n, err)
			}
			got = append(got, ready[0].Fd)
		}
		// The first round may come in any order (select and poll go by
		// number or by position, epoll and kqueue by the kernel's ready
		// queue); from there the same round repeats: every descriptor is
		// reported once in every three Waits, none starves.
		first := slices.Clone(got[:len(fds)])
		slices.Sort(first)
		if diff := gocmp.Diff(fds, first); diff != "" {
			t.Fatalf("first round %v does not report each descriptor once (-want +got):\n%s", got, diff)
		}
		var want []int
		for k := range got {
			want = append(want, got[k%len(fds)])
		}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("unexpected order of reports (-want +got):\n%s", diff)
		}
	})
}

func TestPollerConcurrentWait(t *testing.T) {
	forEachMode(t, func(t *testing.T, bk poll.Backend, md poll.Mode) {
		idle, _ := testkit.Pipe(t)
		p := newPollerMode(t, bk, md)
		if err := p.Add(idle, poll.Readable); err != nil {
			t.Fatal(err)
		}
		ch := waitAsync(p, -1)
		if _, err := p.Wait(make([]poll.Ready, 1), 0); !errors.Is(err, unix.EBUSY) {
			t.Errorf("second concurrent Wait = %v, want an error wrapping EBUSY", err)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		if res := <-ch; !errors.Is(res.err, net.ErrClosed) {
			t.Errorf("first Wait = %v, want net.ErrClosed", res.err)
		}
	})
}

func TestPollerWaitTimeout(t *testing.T) {
	forEachMode(t, func(t *testing.T, bk poll.Backend, md poll.Mode) {
		idle, _ := testkit.Pipe(t)
		p := newPollerMode(t, bk, md)
		if err := p.Add(idle, poll.Readable); err != nil {
			t.Fatal(err)
		}
		for _, timeout := range []time.Duration{0, 50 * time.Millisecond} {
			start := time.Now()
			n, err := p.Wait(make([]poll.Ready, 1), timeout)
			if elapsed := time.Since(start); n != 0 || err != nil || elapsed < timeout {
				t.Errorf("Wait(%v) on an idle pipe = %d, %v after %v; want 0, nil after the timeout", timeout, n, err, elapsed)
			}
		}
	})
}

func TestPollerWaitAllocs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk poll.Backend) {
		pr, pw := testkit.Pipe(t)
		testkit.Write(t, pw, "x")
		idle, _ := testkit.Pipe(t)
		p := newPollerOf(t, bk)
		for _, fd := range []int{pr, idle} {
			if err := p.Add(fd, poll.Readable); err != nil {
				t.Fatal(err)
			}
		}
		ready := make([]poll.Ready, 4)
		for _, timeout := range []time.Duration{-1, 0, time.Second} {
			allocs := testing.AllocsPerRun(200, func() {
				if n, err := p.Wait(ready, timeout); n != 1 || err != nil {
					t.Fatalf("Wait = %d, %v", n, err)
				}
			})
			if allocs != 0 {
				t.Errorf("Wait(%v) allocates %v times per call, want 0", timeout, allocs)
			}
		}
	})
}

func ExamplePoller() {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	a, b := fds[0], fds[1]
	defer unix.Close(a)
	defer unix.Close(b)

	p, err := poll.New()
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	if err := p.Add(a, poll.Readable); err != nil {
		log.Fatal(err)
	}

	// Nothing to read yet: a zero timeout polls.
	ready := make([]poll.Ready, 16)
	n, err := p.Wait(ready, 0)
	fmt.Println(n, err)

	// The peer writes: a is readable.
	if _, err := unix.Write(b, []byte("ping")); err != nil {
		log.Fatal(err)
	}
	n, err = p.Wait(ready, time.Second)
	for _, r := range ready[:n] {
		fmt.Println(r.Fd == a, r.Events)
	}

	// Watch for writing too.
	if err := p.Modify(a, poll.Readable|poll.Writable); err != nil {
		log.Fatal(err)
	}
	n, err = p.Wait(ready, time.Second)
	fmt.Println(n, err, ready[0].Events)

	// A descriptor select cannot watch is an error at Add.
	fmt.Println(p.Add(-1, poll.Readable))
	// Output:
	// 0 <nil>
	// true Readable
	// 1 <nil> Readable|Writable
	// Add: fd -1: outside [0, 1024) for select: invalid argument
}

// TestNewPollerNoLowFD takes every descriptor number below FD_SETSIZE, so
// that the Poller's wake-up descriptor would be one select cannot watch:
// NewPoller must refuse with EMFILE rather than build a Poller that fails
// later.
func TestNewPollerNoLowFD(t *testing.T) {
	r, _ := testkit.Pipe(t)
	var taken []int
	defer func() {
		for _, fd := range taken {
			unix.Close(fd)
		}
	}()
	for {
		fd, err := unix.FcntlInt(uintptr(r), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			t.Skipf("cannot fill the descriptors below %d: %v", poll.FD_SETSIZE, err)
		}
		taken = append(taken, fd)
		if fd >= poll.FD_SETSIZE-1 {
			break // numbers are handed out lowest first: all below are taken
		}
	}
	p, err := poll.New()
	if err == nil {
		p.Close()
		t.Fatal("NewPoller succeeded with no descriptor free below FD_SETSIZE")
	}
	if !errors.Is(err, unix.EMFILE) || p != nil {
		t.Errorf("NewPoller = %v, %v; want nil and an error wrapping EMFILE", p, err)
	}
}

// TestPollerCloseRace closes a Poller while a Wait is starting or blocked,
// many times: every Wait returns, with the closed error or nothing.
func TestPollerCloseRace(t *testing.T) {
	forEachMode(t, func(t *testing.T, bk poll.Backend, md poll.Mode) {
		idle, _ := testkit.Pipe(t)
		for i := range 200 {
			p, err := poll.NewMode(bk, md)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Add(idle, poll.Readable); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := p.Wait(make([]poll.Ready, 1), -1)
				done <- err
			}()
			if i%2 == 0 {
				untilWaiting(p) // half the rounds: Close a Wait surely blocked
			}
			if err := p.Close(); err != nil {
				t.Fatalf("round %d: Close: %v", i, err)
			}
			if err := <-done; !errors.Is(err, net.ErrClosed) {
				t.Fatalf("round %d: Wait = %v, want net.ErrClosed", i, err)
			}
		}
	})
}

// TestPollerRemoveHighest removes and modifies the highest watched
// descriptor: the lower ones must still be watched (select's nfd follows
// the highest one left).
func TestPollerRemoveHighest(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk poll.Backend) {
		p := newPollerOf(t, bk) // first: its wake-up descriptor is below the others
		lowR, lowW := testkit.Pipe(t)
		highR, _ := testkit.Pipe(t)
		a, _ := testkit.Socketpair(t, unix.SOCK_STREAM)
		hi := max(highR, a)
		for _, fd := range []int{lowR, highR} {
			if err := p.Add(fd, poll.Readable); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.Add(a, poll.Writable); err != nil {
			t.Fatal(err)
		}
		testkit.Write(t, lowW, "x")
		ready := make([]poll.Ready, 4)
		for _, step := range []struct {
			name string
			do   func() error
			want []poll.Ready
		}{
			{"all three", func() error { return nil }, sortReady([]poll.Ready{{Fd: lowR, Events: poll.Readable}, {Fd: a, Events: poll.Writable}})},
			{"remove the highest", func() error { return p.Remove(hi) }, sortReady(filterFd([]poll.Ready{{Fd: lowR, Events: poll.Readable}, {Fd: a, Events: poll.Writable}}, hi))},
			{"remove the other high one", func() error { return p.Remove(highR + a - hi) }, []poll.Ready{{Fd: lowR, Events: poll.Readable}}},
			{"add it back", func() error { return p.Add(a, poll.Readable|poll.Writable) }, sortReady([]poll.Ready{{Fd: lowR, Events: poll.Readable}, {Fd: a, Events: poll.Writable}})},
			{"modify to readable only", func() error { return p.Modify(a, poll.Readable) }, []poll.Ready{{Fd: lowR, Events: poll.Readable}}},
		} {
			if err := step.do(); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			n, err := p.Wait(ready, 0)
			if err != nil {
				t.Fatalf("%s: Wait: %v", step.name, err)
			}
			if diff := gocmp.Diff(step.want, sortReady(ready[:n])); diff != "" {
				t.Errorf("%s: unexpected ready descriptors (-want +got):\n%s", step.name, diff)
			}
		}
	})
}

func filterFd(r []poll.Ready, fd int) []poll.Ready {
	var out []poll.Ready
	for _, x := range r {
		if x.Fd != fd {
			out = append(out, x)
		}
	}
	return out
}

// TestPollerModifyRacesWait: a Modify that makes a watched descriptor
// ready, made while a Wait collects, is never lost: the Wait reports it
// (the interest it filters with is updated before the kernel's), over many
// rounds with no sleep between the two.
func TestPollerModifyRacesWait(t *testing.T) {
	forEachMode(t, func(t *testing.T, bk poll.Backend, md poll.Mode) {
		p := newPollerMode(t, bk, md)
		a, _ := testkit.Socketpair(t, unix.SOCK_STREAM) // writable, never readable
		if err := p.Add(a, poll.Readable); err != nil {
			t.Fatal(err)
		}
		ready := make([]poll.Ready, 4)
		for i := range 2000 {
			ch := make(chan waitResult, 1)
			go func() {
				n, err := p.Wait(ready, 5*time.Second)
				ch <- waitResult{ready[:n], err}
			}()
			if i%2 == 1 {
				runtime.Gosched()
			}
			if err := p.Modify(a, poll.Readable|poll.Writable); err != nil {
				t.Fatal(err)
			}
			res := <-ch
			if res.err != nil || len(res.ready) != 1 || res.ready[0] != (poll.Ready{Fd: a, Events: poll.Writable}) {
				t.Fatalf("round %d: Wait = %v, %v; want [{%d Writable}]", i, res.ready, res.err, a)
			}
			if err := p.Modify(a, poll.Readable); err != nil {
				t.Fatal(err)
			}
		}
	})
}
