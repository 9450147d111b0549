//go:build linux || freebsd

package sock_test

import (
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posixkit/posixkit/sock"
	"github.com/posixkit/posixkit/sock/poll"
	"golang.org/x/sys/unix"
)

// TestJoinsPollerOnlyToWait: sockets driven in nonblocking mode by the
// caller's own readiness loop (here Select) never join the Go runtime's
// poller, so the kernel does no wake-up work for it on every packet; a
// call that has to wait joins it, and then waits there.
func TestJoinsPollerOnlyToWait(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	ln := skNew(t, sock.AF_INET, sock.SOCK_STREAM|sock.Type(unix.SOCK_NONBLOCK), 0)
	addr := skBind(t, ln, lo)
	if err := ln.Listen(1); err != nil {
		t.Fatal(err)
	}
	cli := skNew(t, sock.AF_INET, sock.SOCK_STREAM|sock.Type(unix.SOCK_NONBLOCK), 0)
	if err := cli.Connect(sock.InetAddr(addr)); err != nil && !errors.Is(err, unix.EINPROGRESS) {
		t.Fatalf("Connect: %v", err)
	}
	waitReady := func(s *sock.Socket, write bool) {
		t.Helper()
		var set poll.FDSet
		if err := set.Set(s.Fd()); err != nil {
			t.Fatal(err)
		}
		r, w := &set, (*poll.FDSet)(nil)
		if write {
			r, w = nil, &set
		}
		if n, err := poll.Select(s.Fd()+1, r, w, nil, 5*time.Second); n != 1 || err != nil {
			t.Fatalf("Select = %d, %v", n, err)
		}
	}
	waitReady(ln, false)
	srv, _, err := ln.Accept()
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	defer srv.Close()
	if err := srv.SetNonblock(true); err != nil {
		t.Fatal(err)
	}
	waitReady(cli, true)
	skSend(t, cli, "ping")
	waitReady(srv, false)
	skRecv(t, srv, "ping")
	if _, err := srv.Recv(make([]byte, 8), 0); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("Recv on an empty queue in nonblocking mode = %v, want EAGAIN", err)
	}
	skSend(t, srv, "pong")
	if _, err := srv.Tuple(); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*sock.Socket{"listener": ln, "client": cli, "server": srv} {
		if sock.Joined(s) {
			t.Errorf("%s joined the runtime poller without ever waiting", name)
		}
	}

	// A blocking Recv with nothing queued waits in the poller.
	if err := srv.SetNonblock(false); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		cli.Send([]byte("late"), 0)
	}()
	skRecv(t, srv, "late")
	if !sock.Joined(srv) {
		t.Error("a Recv that waited did not join the runtime poller")
	}
	if sock.Joined(cli) {
		t.Error("the client joined without waiting")
	}
}

// TestSyscallConnSerialised: the callbacks of a Socket's RawConn Read are
// serialised with each other, as os's are, also while the socket has not
// joined the runtime poller (found in review: they overlapped).
func TestSyscallConnSerialised(t *testing.T) {
	a, _ := skPair(t, sock.SOCK_STREAM)
	rc, err := a.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var inR, inW, overlaps atomic.Int64
	callback := func(in *atomic.Int64) func(uintptr) bool {
		return func(uintptr) bool {
			if in.Add(1) > 1 {
				overlaps.Add(1)
			}
			time.Sleep(20 * time.Microsecond)
			in.Add(-1)
			return true
		}
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if err := rc.Read(callback(&inR)); err != nil {
					t.Error(err)
				}
				if err := rc.Write(callback(&inW)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if sock.Joined(a) {
		t.Error("the socket joined the poller: the test no longer covers the unjoined path")
	}
	if n := overlaps.Load(); n != 0 {
		t.Errorf("%d RawConn callbacks overlapped another one of the same direction", n)
	}
}
