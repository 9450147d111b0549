package main

import (
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posixkit/posixkit/internal/testkit"
	"golang.org/x/sys/unix"
)

// TestSlowloris fills the server with 1,050 connections that each send a
// byte a second (more than select's FD_SETSIZE can hold), then checks that
// a client that talks is still served within a second: the server evicts
// the slowest client to make room, and says so.
func TestSlowloris(t *testing.T) {
	if testing.Short() {
		t.Skip("1,050 connections and a few seconds: not in -short")
	}
	const n, high = 1050, 4096 // slowloris sockets live at fds >= high
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur < high+n+64 {
		want := lim
		want.Cur = min(lim.Max, high+n+64)
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &want); err != nil || want.Cur < high+n+64 {
			t.Skipf("RLIMIT_NOFILE %d (hard %d) is below the %d descriptors this test needs: %v", lim.Cur, lim.Max, high+n+64, err)
		}
		t.Cleanup(func() { unix.Setrlimit(unix.RLIMIT_NOFILE, &lim) })
	}
	srv := testkit.StartServer(t, run, "-addr", "127.0.0.1:0", "-q")
	ap := netip.MustParseAddrPort(srv.Addr)
	sa := &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}

	// The slowloris clients: blocking sockets moved to high numbers, so that
	// they leave the low ones to the server running in this process.
	var fds []int
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	for range n {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := unix.Connect(fd, sa); err != nil {
			unix.Close(fd)
			t.Fatalf("connect %d: %v", len(fds), err)
		}
		hfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, high)
		unix.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		fds = append(fds, hfd)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			for _, fd := range fds {
				// Evicted ones fail (EPIPE, ECONNRESET): nothing to do.
				unix.Sendto(fd, []byte("x"), unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT, nil)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	defer func() { close(stop); wg.Wait() }()
	// Let every slowloris be a second old and the server full.
	time.Sleep(1500 * time.Millisecond)

	start := time.Now()
	c, err := net.DialTimeout("tcp", srv.Addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(start.Add(time.Second))
	if _, err := io.WriteString(c, "hello\n"); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	if _, err := io.ReadFull(c, b); err != nil || string(b) != "HELLO\n" {
		t.Fatalf("good client got %q, %v after %v, want HELLO within 1 s; server stderr:\n%.1000s", b, err, time.Since(start), srv.Stderr.String())
	}
	t.Logf("good client served in %v among %d slowloris connections", time.Since(start), n)
	if !strings.Contains(srv.Stderr.String(), "evicted to make room: the slowest client") {
		t.Errorf("no eviction logged; stderr:\n%.1000s", srv.Stderr.String())
	}
}
