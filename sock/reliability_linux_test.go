package sock_test

// Reliability tests (issue 8): descriptor hygiene over many cycles, signal
// storms during blocking calls, Close racing blocked calls, a closed
// Socket's number reused at once, descriptor exhaustion in a subprocess,
// and peers that misbehave. Linux: they read /proc/self and use tgkill.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posixkit/posixkit/fileio"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock"
	"github.com/posixkit/posixkit/sock/poll"
	"golang.org/x/sys/unix"
)

var relLo = netip.MustParseAddr("127.0.0.1")

// relChildEnv names the environment variable that makes a re-executed test
// binary run the child half of a subprocess test.
const relChildEnv = "POSIXKIT_SOCK_REL_CHILD"

// 10,000 connect/accept/close cycles on loopback leave the descriptor count
// where it started. The client closes with SO_LINGER 0 (a reset, no
// TIME_WAIT) so that the cycles do not use up the ephemeral ports.
func TestConnectAcceptCloseCycles(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	ln, addr := skListen(t, sock.AF_INET, relLo)
	before := testkit.CountFDs(t)
	msg := []byte{0}
	buf := make([]byte, 1)
	for i := range n {
		msg[0] = byte(i)
		c, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
		if err != nil {
			t.Fatalf("cycle %d: New: %v", i, err)
		}
		if err := c.Connect(sock.InetAddr(addr)); err != nil {
			c.Close()
			t.Fatalf("cycle %d: Connect: %v", i, err)
		}
		s, _, err := ln.Accept()
		if err != nil {
			c.Close()
			t.Fatalf("cycle %d: Accept: %v", i, err)
		}
		// One byte through, to prove the accepted socket is this client's.
		if _, err := c.Send(msg, 0); err != nil {
			t.Fatalf("cycle %d: Send: %v", i, err)
		}
		if m, err := s.Recv(buf, 0); m != 1 || err != nil || buf[0] != msg[0] {
			t.Fatalf("cycle %d: Recv = %d %v %v, want 1 %v", i, m, buf, err, msg)
		}
		if err := c.SetLinger(0); err != nil {
			t.Fatalf("cycle %d: SetLinger: %v", i, err)
		}
		if err := c.Close(); err != nil {
			t.Fatalf("cycle %d: Close client: %v", i, err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("cycle %d: Close server: %v", i, err)
		}
	}
	if after := testkit.CountFDs(t); after != before {
		t.Fatalf("%d descriptors open before %d connect/accept/close cycles, %d after", before, n, after)
	}
}

// A storm of SIGURG and SIGUSR1 at every thread during blocking Accept,
// Recv, RecvFrom and a stream transfer: no call ends early, no byte is
// lost or reordered.
func TestSignalStormBlockingCalls(t *testing.T) {
	const storm = 300 * time.Millisecond
	type result struct {
		n   int
		err error
	}
	t.Run("Accept", func(t *testing.T) {
		ln, addr := skListen(t, sock.AF_INET, relLo)
		done := make(chan result, 1)
		var accepted *sock.Socket
		go func() {
			s, _, err := ln.Accept()
			accepted = s
			done <- result{0, err}
		}()
		stop := testkit.StormProcess(t)
		time.Sleep(storm)
		sent := stop()
		select {
		case r := <-done:
			t.Fatalf("Accept returned during the storm (%d signals): %v", sent, r.err)
		default:
		}
		c := skDial(t, sock.AF_INET, addr)
		r := <-done
		if r.err != nil {
			t.Fatalf("Accept after the storm: %v", r.err)
		}
		defer accepted.Close()
		skSend(t, c, "hi")
		skRecv(t, accepted, "hi")
		t.Logf("%d signals sent", sent)
	})
	t.Run("Recv", func(t *testing.T) {
		c, s := skTCP(t, sock.AF_INET, relLo)
		done := make(chan result, 1)
		buf := make([]byte, 16)
		go func() {
			n, err := s.Recv(buf, 0)
			done <- result{n, err}
		}()
		stop := testkit.StormProcess(t)
		time.Sleep(storm)
		sent := stop()
		select {
		case r := <-done:
			t.Fatalf("Recv returned during the storm (%d signals): %d, %v", sent, r.n, r.err)
		default:
		}
		skSend(t, c, "data")
		if r := <-done; r.err != nil || string(buf[:r.n]) != "data" {
			t.Fatalf("Recv after the storm = %q, %v; want \"data\"", buf[:r.n], r.err)
		}
	})
	t.Run("RecvFrom", func(t *testing.T) {
		u := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
		uaddr := skBind(t, u, relLo)
		done := make(chan result, 1)
		buf := make([]byte, 16)
		var from sock.Addr
		go func() {
			n, f, err := u.RecvFrom(buf, 0)
			from = sock.InetAddr(f.AddrPort())
			done <- result{n, err}
		}()
		stop := testkit.StormProcess(t)
		time.Sleep(storm)
		sent := stop()
		select {
		case r := <-done:
			t.Fatalf("RecvFrom returned during the storm (%d signals): %d, %v", sent, r.n, r.err)
		default:
		}
		c := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
		caddr := skBind(t, c, relLo)
		if _, err := c.SendTo([]byte("dgram"), 0, sock.InetAddr(uaddr)); err != nil {
			t.Fatal(err)
		}
		if r := <-done; r.err != nil || string(buf[:r.n]) != "dgram" || from.AddrPort() != caddr {
			t.Fatalf("RecvFrom after the storm = %q from %v, %v; want \"dgram\" from %v", buf[:r.n], from, r.err, caddr)
		}
	})
	t.Run("stream transfer", func(t *testing.T) {
		// The sender streams a position-derived pattern in uneven chunks,
		// with Write (all or error) and Send (what the kernel took), for
		// the whole storm; the receiver checks every byte's position.
		c, s := skTCP(t, sock.AF_INET, relLo)
		pattern := func(pos int) byte { return byte(pos % 251) }
		werr := make(chan error, 1)
		stop := testkit.StormProcess(t)
		go func() {
			rng := rand.New(rand.NewPCG(1, 2))
			chunk := make([]byte, 64<<10)
			pos := 0
			for start := time.Now(); time.Since(start) < storm; {
				m := 1 + rng.IntN(len(chunk))
				for i := range m {
					chunk[i] = pattern(pos + i)
				}
				if rng.IntN(2) == 0 {
					if k, err := c.Write(chunk[:m]); err != nil || k != m {
						werr <- fmt.Errorf("Write = %d, %v; want %d, nil", k, err, m)
						return
					}
					pos += m
					continue
				}
				k, err := c.Send(chunk[:m], 0)
				if err != nil {
					werr <- err
					return
				}
				pos += k
			}
			werr <- c.Shutdown(sock.SHUT_WR)
		}()
		buf := make([]byte, 3000)
		pos := 0
		for {
			n, err := s.Recv(buf, 0)
			for i, b := range buf[:n] {
				if b != pattern(pos+i) {
					stop()
					t.Fatalf("byte %d = %d, want %d", pos+i, b, pattern(pos+i))
				}
			}
			pos += n
			if err == io.EOF {
				break
			}
			if err != nil {
				stop()
				t.Fatalf("Recv after %d bytes: %v", pos, err)
			}
		}
		sent := stop()
		if err := <-werr; err != nil {
			t.Fatalf("sender: %v", err)
		}
		t.Logf("%d bytes intact through %d signals", pos, sent)
	})
}

// Close races blocked (or about to block) Read, Accept, Recv, RecvFrom and
// Poller.Wait (each backend in turn) from other goroutines: every call returns, with an error
// wrapping net.ErrClosed, and two racing Closes give one nil and one
// net.ErrClosed. 1,000 rounds (200 with -short); run with -race.
func TestCloseRacesBlockedCalls(t *testing.T) {
	rounds := 1000
	if testing.Short() {
		rounds = 200
	}
	rng := rand.New(rand.NewPCG(3, 4))
	backends := poll.Backends()
	for round := range rounds {
		a, b, err := sock.Pair(sock.AF_UNIX, sock.SOCK_STREAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		da, db, err := sock.Pair(sock.AF_UNIX, sock.SOCK_DGRAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		ln, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := ln.Bind(sock.InetAddr(netip.AddrPortFrom(relLo, 0))); err != nil {
			t.Fatal(err)
		}
		if err := ln.Listen(1); err != nil {
			t.Fatal(err)
		}
		u, err := sock.New(sock.AF_INET, sock.SOCK_DGRAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Every Poller backend in turn.
		p, err := poll.NewBackend(backends[round%len(backends)])
		if err != nil {
			t.Fatal(err)
		}
		// The Poller watches a pipe that never becomes readable: its
		// write end stays open until the round is over.
		var pp [2]int
		if err := unix.Pipe2(pp[:], unix.O_CLOEXEC); err != nil {
			t.Fatal(err)
		}
		if err := p.Add(pp[0], poll.Readable); err != nil {
			t.Fatal(err)
		}
		calls := []struct {
			name string
			call func() error
		}{
			{"Read", func() error { _, err := a.Read(make([]byte, 8)); return err }},
			{"Recv", func() error { _, err := da.Recv(make([]byte, 8), 0); return err }},
			{"Accept", func() error { _, _, err := ln.Accept(); return err }},
			{"RecvFrom", func() error { _, _, err := u.RecvFrom(make([]byte, 8), 0); return err }},
			{"Poller.Wait (" + p.Backend().String() + ")", func() error { _, err := p.Wait(make([]poll.Ready, 4), -1); return err }},
		}
		errs := make(chan string, len(calls))
		var wg sync.WaitGroup
		for _, c := range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := c.call(); !errors.Is(err, net.ErrClosed) {
					errs <- fmt.Sprintf("%s: %v, want an error wrapping net.ErrClosed", c.name, err)
				}
			}()
		}
		// Close at once, after a yield, or after a short pause: before,
		// during and after the calls start to wait.
		switch rng.IntN(3) {
		case 1:
			for range rng.IntN(8) {
				runtime.Gosched()
			}
		case 2:
			time.Sleep(time.Duration(rng.IntN(200)) * time.Microsecond)
		}
		closeErrs := make(chan error, 2)
		go func() { closeErrs <- a.Close() }()
		for _, cl := range []func() error{a.Close, da.Close, ln.Close, u.Close, p.Close} {
			if err := cl(); err != nil && !errors.Is(err, net.ErrClosed) {
				t.Fatalf("round %d: Close: %v", round, err)
			}
		}
		// a was closed twice, concurrently (the goroutine and the first
		// entry of the loop): each Close returns nil or net.ErrClosed
		// (TestConcurrentClose checks that exactly one returns nil).
		if err := <-closeErrs; err != nil && !errors.Is(err, net.ErrClosed) {
			t.Fatalf("round %d: concurrent Close: %v", round, err)
		}
		finished := make(chan struct{})
		go func() { wg.Wait(); close(finished) }()
		select {
		case <-finished:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: a blocked call did not return 10 s after Close", round)
		}
		close(errs)
		for e := range errs {
			t.Errorf("round %d: %s", round, e)
		}
		b.Close()
		db.Close()
		unix.Close(pp[0])
		unix.Close(pp[1])
		if t.Failed() {
			return
		}
	}
}

// Two concurrent Closes of one Socket: one returns nil, the other an error
// wrapping net.ErrClosed; never two nils (a double close(2)).
func TestConcurrentClose(t *testing.T) {
	for range 200 {
		s, err := sock.New(sock.AF_INET, sock.SOCK_DGRAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 2)
		for range 2 {
			go func() { errs <- s.Close() }()
		}
		e1, e2 := <-errs, <-errs
		nils := 0
		for _, e := range []error{e1, e2} {
			switch {
			case e == nil:
				nils++
			case !errors.Is(e, net.ErrClosed):
				t.Fatalf("Close: %v", e)
			}
		}
		if nils != 1 {
			t.Fatalf("two concurrent Closes returned %v and %v; want exactly one nil", e1, e2)
		}
	}
}

// A Socket is closed and its number is at once taken by a new descriptor
// (pitfall: "after close(2) the number is reused at once"). Every method of
// the old Socket returns net.ErrClosed and the new descriptor is untouched:
// still open, same flags and options, its queued data unread, nothing sent
// on it, not shut down.
func TestClosedSocketNumberReused(t *testing.T) {
	old := skNew(t, sock.AF_INET, sock.SOCK_STREAM, 0)
	num := old.Fd()
	// The new descriptor: one end of a raw socketpair, made before the
	// Close and moved to num right after it with F_DUPFD (the lowest free
	// number >= num: num itself once it is free).
	p, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[1])
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	reused, err := unix.FcntlInt(uintptr(p[0]), unix.F_DUPFD_CLOEXEC, num)
	unix.Close(p[0])
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(reused)
	if reused != num {
		t.Fatalf("F_DUPFD from %d gave %d: the old number was not free after Close", num, reused)
	}
	peer := p[1]
	if _, err := unix.Write(peer, []byte("queued")); err != nil {
		t.Fatal(err)
	}
	flagsBefore, err := unix.FcntlInt(uintptr(reused), unix.F_GETFL, 0)
	if err != nil {
		t.Fatal(err)
	}

	buf := make([]byte, 16)
	ap := netip.MustParseAddrPort("127.0.0.1:9")
	calls := []struct {
		name string
		f    func() error
	}{
		{"Close", old.Close},
		{"Send", func() error { _, err := old.Send([]byte("stale"), 0); return err }},
		{"Write", func() error { _, err := old.Write([]byte("stale")); return err }},
		{"Recv", func() error { _, err := old.Recv(buf, sock.MSG_DONTWAIT); return err }},
		{"Read", func() error { _, err := old.Read(buf); return err }},
		{"Shutdown", func() error { return old.Shutdown(sock.SHUT_RDWR) }},
		{"SetNonblock", func() error { return old.SetNonblock(true) }},
		{"SetKeepAlive", func() error { return old.SetKeepAlive(true) }},
		{"SetLinger", func() error { return old.SetLinger(0) }},
		{"SetsockoptInt", func() error { return old.SetsockoptInt(unix.SOL_SOCKET, unix.SO_RCVBUF, 4096) }},
		{"Bind", func() error { return old.Bind(sock.InetAddr(netip.AddrPortFrom(relLo, 0))) }},
		{"Listen", func() error { return old.Listen(1) }},
		{"Connect", func() error { return old.Connect(sock.InetAddr(ap)) }},
		{"SetDeadline", func() error { return old.SetDeadline(time.Now()) }},
		{"LocalAddr", func() error { _, err := old.LocalAddr(); return err }},
	}
	for _, c := range calls {
		if err := c.f(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("%s on the closed Socket: %v, want an error wrapping net.ErrClosed", c.name, err)
		}
	}
	if fd := old.Fd(); fd != -1 {
		t.Errorf("Fd() of the closed Socket = %d, want -1", fd)
	}

	// The new descriptor is as it was.
	if _, err := unix.FcntlInt(uintptr(reused), unix.F_GETFD, 0); err != nil {
		t.Fatalf("fd %d was closed: %v", reused, err)
	}
	if fl, err := unix.FcntlInt(uintptr(reused), unix.F_GETFL, 0); err != nil || fl != flagsBefore {
		t.Errorf("F_GETFL of fd %d = %#x, %v; want %#x", reused, fl, err, flagsBefore)
	}
	for _, opt := range []struct {
		name string
		opt  int
	}{{"SO_KEEPALIVE", unix.SO_KEEPALIVE}} {
		if v, err := unix.GetsockoptInt(reused, unix.SOL_SOCKET, opt.opt); err != nil || v != 0 {
			t.Errorf("%s of fd %d = %d, %v; want 0", opt.name, reused, v, err)
		}
	}
	if l, err := unix.GetsockoptLinger(reused, unix.SOL_SOCKET, unix.SO_LINGER); err != nil || l.Onoff != 0 {
		t.Errorf("SO_LINGER of fd %d = %+v, %v; want off", reused, l, err)
	}
	n, err := unix.Read(reused, buf)
	if err != nil || string(buf[:n]) != "queued" {
		t.Errorf("the data queued on fd %d = %q, %v; want \"queued\"", reused, buf[:max(n, 0)], err)
	}
	if _, err := unix.Write(reused, []byte("new")); err != nil {
		t.Errorf("fd %d cannot send (shut down?): %v", reused, err)
	}
	n, err = unix.Read(peer, buf)
	if err != nil || string(buf[:n]) != "new" {
		t.Errorf("peer read %q, %v; want only \"new\" (nothing from the closed Socket)", buf[:max(n, 0)], err)
	}
}

// In a subprocess with a low RLIMIT_NOFILE: Accept with a connection
// waiting and no free descriptor returns an error wrapping EMFILE (an
// *os.SyscallError for accept), leaves the connection queued, and once
// descriptors are free the same listener accepts it and it works.
func TestAcceptEMFILE(t *testing.T) {
	if os.Getenv(relChildEnv) == "accept-emfile" {
		acceptEMFILEChild(t)
		return
	}
	testkit.RunChild(t, "TestAcceptEMFILE", relChildEnv, "accept-emfile")
}

func acceptEMFILEChild(t *testing.T) {
	ln, addr := skListen(t, sock.AF_INET, relLo)
	c := skDial(t, sock.AF_INET, addr) // queued in the backlog
	caddr, err := c.LocalAddr()
	if err != nil {
		t.Fatal(err)
	}
	_, restore := testkit.LowerFDLimit(t, 16)
	fillers := testkit.FillFDs(t, math.MaxInt)
	release := func() {
		testkit.CloseFDs(fillers)
		fillers = nil
	}
	defer release()
	for i := range 3 {
		s, _, err := ln.Accept()
		if err == nil {
			s.Close()
			t.Fatalf("Accept %d with no free descriptor succeeded", i)
		}
		if !errors.Is(err, unix.EMFILE) {
			t.Fatalf("Accept %d with no free descriptor: %v, want an error wrapping EMFILE", i, err)
		}
		var se *os.SyscallError
		if !errors.As(err, &se) || se.Syscall != "accept" {
			t.Fatalf("Accept error %#v is not an *os.SyscallError for accept", err)
		}
	}
	release()
	restore()
	s, peer, err := ln.Accept()
	if err != nil {
		t.Fatalf("Accept once descriptors are free: %v", err)
	}
	defer s.Close()
	if peer != caddr {
		t.Errorf("accepted peer %v, want the queued client %v", peer, caddr)
	}
	skSend(t, c, "after EMFILE")
	skRecv(t, s, "after EMFILE")
}

// A peer that resets while a blocking Write is under way: Write returns
// the bytes it sent so far with an error wrapping EPIPE or ECONNRESET, the
// process lives (MSG_NOSIGNAL), and the count is never reported as a
// complete write.
func TestResetMidWrite(t *testing.T) {
	c, s := skTCP(t, sock.AF_INET, relLo)
	const readFirst = 64 << 10
	go func() {
		buf := make([]byte, readFirst)
		if _, err := io.ReadFull(s, buf); err != nil {
			t.Errorf("peer read: %v", err)
		}
		s.SetLinger(0)
		s.Close() // RST
	}()
	data := make([]byte, 32<<20)
	n, err := c.Write(data)
	if !errors.Is(err, unix.EPIPE) && !errors.Is(err, unix.ECONNRESET) {
		t.Fatalf("Write to a peer that resets = %d, %v; want an error wrapping EPIPE or ECONNRESET", n, err)
	}
	if n < readFirst || n >= len(data) {
		t.Errorf("Write count %d, want between %d (what the peer read) and %d", n, readFirst, len(data))
	}
	// The next call fails at once, and the process is still here.
	if _, err := c.Send([]byte("x"), 0); !errors.Is(err, unix.EPIPE) && !errors.Is(err, unix.ECONNRESET) {
		t.Errorf("Send after the reset: %v", err)
	}
}

// A reset client (pitfall, "Example servers"): the data it sent before the
// reset is still read first, then the reset is an error wrapping
// ECONNRESET, not EOF.
func TestResetPeerQueuedDataFirst(t *testing.T) {
	c, s := skTCP(t, sock.AF_INET, relLo)
	skSend(t, c, "last words")
	if err := c.SetLinger(0); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	skRecv(t, s, "last words")
	n, err := s.Recv(make([]byte, 16), 0)
	if n != 0 || !errors.Is(err, unix.ECONNRESET) {
		t.Fatalf("Recv after the queued data = %d, %v; want 0 and an error wrapping ECONNRESET", n, err)
	}
}

// A connection reset while still in the backlog (pitfall, "Sockaddrs"):
// Accept returns it (or skips it), and asking for its peer is an error
// wrapping ENOTCONN, never a panic.
func TestAcceptResetInBacklog(t *testing.T) {
	ln, addr := skListen(t, sock.AF_INET, relLo)
	c := skDial(t, sock.AF_INET, addr)
	if err := c.SetLinger(0); err != nil {
		t.Fatal(err)
	}
	c.Close()
	// A second client, so that Accept has something to return if the
	// kernel or the library drops the reset one.
	c2 := skDial(t, sock.AF_INET, addr)
	c2addr, err := c2.LocalAddr()
	if err != nil {
		t.Fatal(err)
	}
	s, peer, err := ln.Accept()
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	defer s.Close()
	if peer == c2addr {
		t.Skip("the reset connection was not queued (kernel dropped it)")
	}
	if !peer.IsValid() || peer.AddrPort().Addr() != relLo {
		t.Errorf("Accept's peer = %v, want the reset client's loopback address", peer)
	}
	ra, err := s.RemoteAddr()
	if !errors.Is(err, unix.ENOTCONN) {
		t.Errorf("RemoteAddr of a connection reset in the backlog = %v, %v; want an error wrapping ENOTCONN", ra, err)
	}
	// Tuple documents an unconnected socket as a zero Remote.
	if tu, err := s.Tuple(); err != nil || tu.Remote.IsValid() || tu.Local.AddrPort().Addr() != relLo {
		t.Errorf("Tuple of a connection reset in the backlog = %v, %v; want a local address and a zero Remote", tu, err)
	}
	if n, err := s.Recv(make([]byte, 4), 0); err == nil || n != 0 {
		t.Errorf("Recv on a connection reset in the backlog = %d, %v; want an error", n, err)
	}
	s2, _, err := ln.Accept()
	if err != nil {
		t.Fatalf("Accept of the second client: %v", err)
	}
	defer s2.Close()
	skSend(t, c2, "ok")
	skRecv(t, s2, "ok")
}

// A slow reader: a nonblocking Write returns the exact count the kernel
// took with an error wrapping EAGAIN (never -1, never a short count without
// an error); a nonblocking Send into a full buffer returns 0, not -1; a
// blocking Write stopped by its deadline returns the count sent with an
// error wrapping os.ErrDeadlineExceeded. The reader then gets exactly the
// counted bytes.
func TestSlowReader(t *testing.T) {
	data := make([]byte, 16<<20)
	for i := range data {
		data[i] = byte(i % 251)
	}
	pairs := []struct {
		name string
		pair func(t *testing.T) (w, r *sock.Socket)
	}{
		{"unix", func(t *testing.T) (*sock.Socket, *sock.Socket) { return skPair(t, sock.SOCK_STREAM) }},
		{"tcp", func(t *testing.T) (*sock.Socket, *sock.Socket) { return skTCP(t, sock.AF_INET, relLo) }},
	}
	// drain reads what the writer reported sent, n bytes (waiting up to
	// 10 s: bytes of a TCP send queue still travel once the reader reads),
	// then checks that nothing more is there.
	drain := func(t *testing.T, r *sock.Socket, n int) []byte {
		t.Helper()
		got := make([]byte, 0, n)
		buf := make([]byte, 64<<10)
		r.SetReadDeadline(time.Now().Add(10 * time.Second))
		defer r.SetReadDeadline(time.Time{})
		for len(got) < n {
			m, err := r.Recv(buf[:min(len(buf), n-len(got))], 0)
			got = append(got, buf[:m]...)
			if err != nil {
				t.Fatalf("reader, after %d of %d bytes: %v", len(got), n, err)
			}
		}
		if m, err := r.Recv(buf, sock.MSG_DONTWAIT); !errors.Is(err, unix.EAGAIN) {
			t.Fatalf("reader found %d bytes, %v, beyond the %d the writer reported", m, err, n)
		}
		return got
	}
	for _, p := range pairs {
		t.Run(p.name+"/nonblocking Write", func(t *testing.T) {
			w, r := p.pair(t)
			if err := w.SetNonblock(true); err != nil {
				t.Fatal(err)
			}
			n, err := w.Write(data)
			if !errors.Is(err, unix.EAGAIN) {
				t.Fatalf("nonblocking Write of %d bytes to a reader that does not read = %d, %v; want an error wrapping EAGAIN", len(data), n, err)
			}
			if n <= 0 || n >= len(data) {
				t.Fatalf("nonblocking Write count %d, want 0 < n < %d", n, len(data))
			}
			m, err := w.Send(data[:1024], 0)
			if m != 0 || !errors.Is(err, unix.EAGAIN) {
				t.Errorf("nonblocking Send into a full buffer = %d, %v; want 0 and EAGAIN", m, err)
			}
			got := drain(t, r, n)
			if !bytes.Equal(got, data[:n]) {
				t.Fatalf("reader got %d bytes, Write reported %d", len(got), n)
			}
		})
		t.Run(p.name+"/blocking Write past its deadline", func(t *testing.T) {
			w, r := p.pair(t)
			w.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
			n, err := w.Write(data)
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("blocking Write to a reader that does not read = %d, %v; want an error wrapping os.ErrDeadlineExceeded", n, err)
			}
			if n < 0 || n >= len(data) {
				t.Fatalf("Write count %d, want 0 <= n < %d", n, len(data))
			}
			got := drain(t, r, n)
			if !bytes.Equal(got, data[:n]) {
				t.Fatalf("reader got %d bytes, Write reported %d", len(got), n)
			}
		})
	}
}

// Pitfall "x/sys never adds O_CLOEXEC": a child started with os/exec sees
// none of the descriptors the library made (sockets of every kind, an
// accepted one, a file), while a socket made without SOCK_CLOEXEC, the
// control, does leak into it.
func TestNoDescriptorLeaksIntoChildren(t *testing.T) {
	ls, err := exec.LookPath("ls")
	if err != nil {
		t.Skipf("no ls: %v", err)
	}
	ln, addr := skListen(t, sock.AF_INET, relLo)
	c := skDial(t, sock.AF_INET, addr)
	s, _ := skAccept(t, ln)
	a, b := skPair(t, sock.SOCK_DGRAM)
	u := skNew(t, sock.AF_INET6, sock.SOCK_DGRAM, 0)
	f, err := fileio.Open(filepath.Join(t.TempDir(), "file"), fileio.O_RDWR|fileio.O_CREAT, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	leaky, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0) // no SOCK_CLOEXEC
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(leaky)
	target := func(fd int) string { return testkit.FDTarget(t, fd) }
	out, err := exec.Command(ls, "-l", "/proc/self/fd/").CombinedOutput()
	if err != nil {
		t.Fatalf("ls: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), target(leaky)) {
		t.Fatalf("the control socket without SOCK_CLOEXEC (%s) is not seen in the child:\n%s", target(leaky), out)
	}
	for _, o := range []struct {
		name string
		fd   int
	}{{"listener", ln.Fd()}, {"connected", c.Fd()}, {"accepted", s.Fd()}, {"pair[0]", a.Fd()}, {"pair[1]", b.Fd()}, {"udp6", u.Fd()}, {"fileio.Open", f.Fd()}} {
		if tg := target(o.fd); strings.Contains(string(out), tg) {
			t.Errorf("%s socket (fd %d, %s) leaked into the child:\n%s", o.name, o.fd, tg, out)
		}
	}
}
