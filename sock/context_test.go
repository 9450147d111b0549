package sock_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// fullListener returns the address of a loopback listener whose accept
// queue is full, so that a new connect(2) waits (its SYN is dropped).
func fullListener(t *testing.T) sock.Addr {
	t.Helper()
	ln := skNew(t, sock.AF_INET, sock.SOCK_STREAM, 0)
	addr := skBind(t, ln, netip.MustParseAddr("127.0.0.1"))
	if err := ln.Listen(0); err != nil {
		t.Fatal(err)
	}
	to := sock.InetAddr(addr)
	for range 4 { // fill the queue; the kernel may take one more than 0
		c := skNew(t, sock.AF_INET, sock.SOCK_STREAM, 0)
		c.SetNonblock(true)
		c.Connect(to)
	}
	time.Sleep(50 * time.Millisecond) // let the handshakes of the fillers settle
	return to
}

func TestConnectContext(t *testing.T) {
	to := fullListener(t)
	c := skNew(t, sock.AF_INET, sock.SOCK_STREAM, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.ConnectContext(ctx, to)
	if el := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || el < 150*time.Millisecond || el > 2*time.Second {
		t.Fatalf("ConnectContext to a full listener = %v after %v; want DeadlineExceeded after 200ms", err, el)
	}
	if want := "connect: address " + to.String() + ": context deadline exceeded"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	// A done context does nothing.
	c2 := skNew(t, sock.AF_INET, sock.SOCK_STREAM, 0)
	if err := c2.ConnectContext(ctx, to); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ConnectContext with a done context = %v", err)
	}
	//lint:ignore SA1012 a nil context is what this checks
	if err := c2.ConnectContext(nil, to); !errors.Is(err, unix.EINVAL) {
		t.Errorf("ConnectContext(nil) = %v, want EINVAL", err)
	}
	// A live context connects.
	ln, addr := skListen(t, sock.AF_INET, netip.MustParseAddr("127.0.0.1"))
	c3 := skNew(t, sock.AF_INET, sock.SOCK_STREAM, 0)
	if err := c3.ConnectContext(context.Background(), sock.InetAddr(addr)); err != nil {
		t.Fatal(err)
	}
	s, peer, err := ln.AcceptContext(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if la, _ := c3.LocalAddr(); la != peer {
		t.Errorf("AcceptContext peer %v, client %v", peer, la)
	}
}

func TestAcceptContext(t *testing.T) {
	ln, _ := skListen(t, sock.AF_INET, netip.MustParseAddr("127.0.0.1"))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	s, _, err := ln.AcceptContext(ctx)
	if s != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("AcceptContext = %v, %v; want context.Canceled", s, err)
	}
	// The read deadline was cleared: a later Accept waits again, and
	// succeeds when a client comes.
	go func() {
		c, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
		if err != nil {
			return
		}
		defer c.Close()
		la, _ := ln.LocalAddr()
		c.Connect(la)
	}()
	s, _, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}
