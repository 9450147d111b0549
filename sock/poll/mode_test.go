package poll_test

import (
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock/poll"
	"golang.org/x/sys/unix"
)

var allModes = []poll.Mode{poll.LevelTriggered, poll.EdgeTriggered, poll.OneShot}

// forEachMode runs f as a subtest for every backend this system has in
// every mode that backend offers.
func forEachMode(t *testing.T, f func(t *testing.T, b poll.Backend, m poll.Mode)) {
	t.Helper()
	for _, b := range poll.Backends() {
		for _, m := range allModes {
			if !hasMode(b, m) {
				continue
			}
			t.Run("backend="+b.String()+"/mode="+m.String(), func(t *testing.T) { f(t, b, m) })
		}
	}
}

// hasMode reports whether NewMode(b, m) succeeds on this system, failing
// with ENOTSUP otherwise.
func hasMode(b poll.Backend, m poll.Mode) bool {
	p, err := poll.NewMode(b, m)
	if err != nil {
		if !errors.Is(err, unix.ENOTSUP) {
			panic(err)
		}
		return false
	}
	p.Close()
	return true
}

// newPollerMode returns a new Poller on backend b in mode m, closed at the
// end of the test.
func newPollerMode(t testing.TB, b poll.Backend, m poll.Mode) *poll.Poller {
	t.Helper()
	p, err := poll.NewMode(b, m)
	if err != nil {
		t.Fatal(err)
	}
	if gb, gm := p.Backend(), p.Mode(); gb != b || gm != m {
		t.Fatalf("NewMode(%v, %v) made a Poller on %v in %v", b, m, gb, gm)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestModeString(t *testing.T) {
	tests := []struct {
		m    poll.Mode
		want string
	}{
		{poll.LevelTriggered, "LevelTriggered"},
		{poll.EdgeTriggered, "EdgeTriggered"},
		{poll.OneShot, "OneShot"},
		{poll.Mode(7), "7"},
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("Mode(%d).String() = %q, want %q", int(tt.m), got, tt.want)
		}
	}
}

func TestNewModeErrors(t *testing.T) {
	tests := []struct {
		name string
		b    poll.Backend
		m    poll.Mode
		want error
	}{
		{"select edge-triggered", poll.BackendSelect, poll.EdgeTriggered, unix.ENOTSUP},
		{"select one-shot", poll.BackendSelect, poll.OneShot, unix.ENOTSUP},
		{"poll edge-triggered", poll.BackendPoll, poll.EdgeTriggered, unix.ENOTSUP},
		{"poll one-shot", poll.BackendPoll, poll.OneShot, unix.ENOTSUP},
		{"unknown mode", poll.Best, poll.Mode(3), unix.EINVAL},
		{"negative mode", poll.BackendSelect, poll.Mode(-1), unix.EINVAL},
		{"unknown backend", poll.Backend(42), poll.LevelTriggered, unix.EINVAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := poll.NewMode(tt.b, tt.m)
			if p != nil || !errors.Is(err, tt.want) {
				t.Errorf("NewMode(%v, %v) = %v, %v; want nil and an error wrapping %v", tt.b, tt.m, p, err, tt.want)
			}
		})
	}
	// The default is level-triggered; a Poller not made by a constructor
	// has no mode.
	if got := newPollerOf(t, poll.Best).Mode(); got != poll.LevelTriggered {
		t.Errorf("NewBackend(Best).Mode() = %v, want LevelTriggered", got)
	}
	for _, p := range []*poll.Poller{nil, new(poll.Poller)} {
		if got := p.Mode(); got != -1 {
			t.Errorf("(%p).Mode() = %v, want -1", p, got)
		}
	}
}

// TestPollerModeContract follows one socket through the steps where the
// modes differ: a reader that stops before EAGAIN is reported again only
// when level-triggered; an edge-triggered one when more data arrives; a
// one-shot one only once Modify re-arms it. An empty want is checked with
// a Wait that parks until its timeout: nothing wakes it.
func TestPollerModeContract(t *testing.T) {
	type want [3][]poll.Ready // by mode
	forEachMode(t, func(t *testing.T, bk poll.Backend, md poll.Mode) {
		a, b := testkit.Socketpair(t, unix.SOCK_STREAM)
		p := newPollerMode(t, bk, md)
		r := []poll.Ready{{Fd: a, Events: poll.Readable}}
		none := []poll.Ready{}
		read := func(n int) func() error {
			return func() error {
				got, err := unix.Read(a, make([]byte, n))
				if err == nil && got != n {
					err = fmt.Errorf("read %d bytes, want %d", got, n)
				}
				return err
			}
		}
		write := func(s string) func() error {
			return func() error { _, err := unix.Write(b, []byte(s)); return err }
		}
		rearm := func() error { return p.Modify(a, poll.Readable) }
		steps := []struct {
			name string
			do   func() error
			want want
		}{
			{"add", func() error { return p.Add(a, poll.Readable) }, want{none, none, none}},
			{"peer writes 2 bytes", write("ab"), want{r, r, r}},
			{"read 1 of them: no EAGAIN", read(1), want{r, none, none}},
			{"peer writes 1 more", write("c"), want{r, r, none}},
			{"modify re-arms", rearm, want{r, r, r}},
			{"read all 2", read(2), want{none, none, none}},
			{"modify re-arms with nothing to read", rearm, want{none, none, none}},
			{"peer writes", write("d"), want{r, r, r}},
			{"read it", read(1), want{none, none, none}},
			{"modify re-arms", rearm, want{none, none, none}},
			{"peer closes", func() error { return unix.Shutdown(b, unix.SHUT_WR) }, want{r, r, r}},
			{"nothing read", func() error { return nil }, want{r, none, none}},
		}
		ready := make([]poll.Ready, 4)
		for _, st := range steps {
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			want := st.want[md]
			timeout := 5 * time.Second
			if len(want) == 0 {
				timeout = 50 * time.Millisecond
			}
			n, err := p.Wait(ready, timeout)
			if err != nil {
				t.Fatalf("%s: Wait: %v", st.name, err)
			}
			if diff := gocmp.Diff(want, ready[:n]); diff != "" {
				t.Errorf("%s: unexpected ready descriptors (-want +got):\n%s", st.name, diff)
			}
		}
	})
}

// TestPollerPingPong serves 100,000 one-byte requests of a peer on one
// socket, reading until EAGAIN, through a Wait that parks between them:
// any lost wake-up shows as a Wait that times out. In the one-shot mode
// another goroutine serves and re-arms the socket while the next Wait is
// in progress, as a multi-goroutine loop does.
func TestPollerPingPong(t *testing.T) {
	rounds := 100_000
	if testing.Short() {
		rounds = 5_000
	}
	forEachMode(t, func(t *testing.T, bk poll.Backend, md poll.Mode) {
		a, b := testkit.Socketpair(t, unix.SOCK_STREAM)
		testkit.SetNonblock(t, a)
		// The peer's blocking read gives up after 10 s, so that a lost
		// wake-up fails the test instead of hanging it.
		if err := unix.SetsockoptTimeval(b, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Sec: 10}); err != nil {
			t.Fatal(err)
		}
		p, err := poll.NewMode(bk, md)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if err := p.Add(a, poll.Readable); err != nil {
			t.Fatal(err)
		}
		peer := make(chan error, 1)
		served := 0
		go func() {
			req, resp := make([]byte, 1), make([]byte, 1)
			for i := range rounds {
				req[0] = byte(i)
				if _, err := unix.Write(b, req); err != nil {
					peer <- fmt.Errorf("round %d: write: %w", i, err)
					return
				}
				n, err := unix.Read(b, resp)
				for err == unix.EINTR { // the runtime's preemption signals
					n, err = unix.Read(b, resp)
				}
				if n != 1 || resp[0] != req[0] {
					peer <- fmt.Errorf("round %d: read %d bytes %q, %v; want %q", i, n, resp[:max(n, 0)], err, req)
					return
				}
			}
			peer <- nil
		}()
		lost := func(n int, err error) {
			t.Helper()
			select {
			case perr := <-peer:
				t.Fatalf("Wait after %d rounds = %d, %v; the peer: %v", served, n, err, perr)
			default:
				t.Fatalf("Wait after %d rounds = %d, %v (a lost wake-up?)", served, n, err)
			}
		}
		// serve answers what a holds, reading until EAGAIN.
		buf := make([]byte, 64)
		serve := func() error {
			for {
				n, err := unix.Read(a, buf)
				if err == unix.EAGAIN {
					return nil
				}
				if err != nil || n == 0 {
					return fmt.Errorf("read: %d, %v", n, err)
				}
				if _, err := unix.Write(a, buf[:n]); err != nil {
					return fmt.Errorf("write: %w", err)
				}
				served += n
			}
		}
		start := time.Now()
		ready := make([]poll.Ready, 4)
		if md == poll.OneShot {
			// A worker serves and re-arms; it closes the Poller when done,
			// which ends the Wait loop.
			work, done := make(chan int), make(chan error, 1)
			go func() {
				defer p.Close()
				for range work {
					err := serve()
					if err == nil && served < rounds {
						err = p.Modify(a, poll.Readable)
					}
					if err != nil || served == rounds {
						done <- err
						return
					}
				}
			}()
			for {
				n, err := p.Wait(ready, 10*time.Second)
				if errors.Is(err, net.ErrClosed) {
					break
				}
				if err != nil || n != 1 {
					lost(n, err)
				}
				work <- ready[0].Fd
			}
			close(work)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		} else {
			for served < rounds {
				n, err := p.Wait(ready, 10*time.Second)
				if err != nil || n != 1 {
					lost(n, err)
				}
				if err := serve(); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := <-peer; err != nil {
			t.Fatal(err)
		}
		t.Logf("%d rounds in %v", rounds, time.Since(start))
	})
}

// TestPollerWaitAllocsModes: one request served in each mode (the peer's
// write, a Wait that parks, wakes or polls, the read, and the re-arming
// Modify in the one-shot mode) allocates nothing.
func TestPollerWaitAllocsModes(t *testing.T) {
	forEachMode(t, func(t *testing.T, bk poll.Backend, md poll.Mode) {
		a, b := testkit.Socketpair(t, unix.SOCK_STREAM)
		p := newPollerMode(t, bk, md)
		if err := p.Add(a, poll.Readable); err != nil {
			t.Fatal(err)
		}
		ready := make([]poll.Ready, 4)
		one, buf := []byte("x"), make([]byte, 8)
		for _, timeout := range []time.Duration{-1, 0, time.Second} {
			allocs := testing.AllocsPerRun(200, func() {
				if _, err := unix.Write(b, one); err != nil {
					t.Fatal(err)
				}
				if n, err := p.Wait(ready, timeout); n != 1 || err != nil {
					t.Fatalf("Wait = %d, %v", n, err)
				}
				if _, err := unix.Read(a, buf); err != nil {
					t.Fatal(err)
				}
				if md == poll.OneShot {
					if err := p.Modify(a, poll.Readable); err != nil {
						t.Fatal(err)
					}
				}
			})
			if allocs != 0 {
				t.Errorf("Wait(%v) with its request allocates %v times per call, want 0", timeout, allocs)
			}
		}
	})
}
