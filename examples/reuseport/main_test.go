package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) {
	testkit.RunMainIfAsked(main)
	testkit.Main(m)
}

var (
	loopLine     = regexp.MustCompile(`(?m)^\(Go: loop (\d+): listening socket (\d+), Poller (\w+) (\w+)\)$`)
	acceptedLine = regexp.MustCompile(`(?m)^\(Go: loop (\d+) accepted (\d+) connections\)$`)
)

// TestEcho runs 4 loops and 64 clients, each sending a short message and
// one of 256 KiB (more than the socket buffers take at once: the loops
// meet EAGAIN on both sides and keep what they owe), and checks every
// echo, that each listening socket has SO_REUSEPORT set in the kernel,
// and that every connection was accepted by some loop (on Linux, spread
// over more than one).
func TestEcho(t *testing.T) {
	const loops, clients = 4, 64
	srv := testkit.StartServer(t, run, "-addr", "127.0.0.1:0", "-loops", strconv.Itoa(loops))
	ls := loopLine.FindAllStringSubmatch(srv.Stdout.String(), -1)
	if len(ls) != loops {
		t.Fatalf("%d loop lines, want %d; stdout:\n%s", len(ls), loops, srv.Stdout)
	}
	for _, l := range ls {
		fd, _ := strconv.Atoi(l[2])
		// The server runs in this process: ask the kernel about its socket.
		if v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT); err != nil || v == 0 {
			t.Errorf("loop %s: SO_REUSEPORT on descriptor %d = %d, %v; want set", l[1], fd, v, err)
		}
		if runtime.GOOS == "linux" && (l[3] != "epoll" || l[4] != "EdgeTriggered") {
			t.Errorf("loop %s: Poller %s %s, want epoll EdgeTriggered", l[1], l[3], l[4])
		}
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 16<<10)
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Go(func() {
			c, err := net.DialTimeout("tcp", srv.Addr, 5*time.Second)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(30 * time.Second))
			for _, msg := range [][]byte{fmt.Appendf(nil, "client %d\n", i), big} {
				// Write from another goroutine: the echo comes back while
				// the client is still sending.
				werr := make(chan error, 1)
				go func() { _, err := c.Write(msg); werr <- err }()
				got := make([]byte, len(msg))
				_, err := io.ReadFull(c, got)
				if err == nil {
					err = <-werr
				}
				if err != nil {
					errs <- fmt.Errorf("client %d: %v", i, err)
					return
				}
				if !bytes.Equal(got, msg) {
					errs <- fmt.Errorf("client %d: the echo of %d bytes differs", i, len(msg))
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("run after cancel: %v", err)
	}
	as := acceptedLine.FindAllStringSubmatch(srv.Stdout.String(), -1)
	total, busy := 0, 0
	for _, a := range as {
		n, _ := strconv.Atoi(a[2])
		total += n
		if n > 0 {
			busy++
		}
	}
	if len(as) != loops || total != clients {
		t.Errorf("%d loops accepted %d connections in all, want %d and %d; stdout:\n%s", len(as), total, loops, clients, srv.Stdout)
	}
	if runtime.GOOS == "linux" && busy < 2 {
		t.Errorf("only %d of %d loops accepted connections: SO_REUSEPORT spread nothing; stdout:\n%s", busy, loops, srv.Stdout)
	}
	if s := srv.Stderr.String(); s != "" {
		t.Errorf("unexpected log lines:\n%s", s)
	}
}

// TestPortTaken: a socket without SO_REUSEPORT cannot bind the port the
// loops listen on; another server, which sets it, joins them.
func TestPortTaken(t *testing.T) {
	srv := testkit.StartServer(t, run, "-addr", "127.0.0.1:0", "-loops", "1")
	// A socket without SO_REUSEPORT cannot bind the port.
	s, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Bind(sock.InetAddr(netip.MustParseAddrPort(srv.Addr))); !errors.Is(err, unix.EADDRINUSE) {
		t.Errorf("bind without SO_REUSEPORT = %v, want EADDRINUSE", err)
	}
	// A second server sets it and shares the port.
	srv2 := testkit.StartServer(t, run, "-addr", srv.Addr, "-loops", "2")
	if srv2.Addr != srv.Addr {
		t.Errorf("second server listens on %s, want %s", srv2.Addr, srv.Addr)
	}
}

func TestRunErrors(t *testing.T) {
	testkit.CheckRunErrors(t, run, []testkit.RunErrorCase{
		{Name: "no loops", Args: []string{"-loops", "0"}, WantMsg: "-loops 0 outside [1, 256] (" + usage + ")"},
		{Name: "bad address", Args: []string{"-addr", "localhost:80"}, WantMsg: `-addr: ParseAddr("localhost"): unable to parse IP (` + usage + ")"},
		{Name: "argument", Args: []string{"x"}, WantMsg: `unexpected argument "x" (` + usage + ")"},
	})
}

func TestHelpAndUsage(t *testing.T) {
	testkit.CheckHelpAndUsage(t, []string{"-loops", "-1"}, []string{"extra"})
}

// On Linux the kernel shows the sockets: strace sees SO_REUSEPORT set on
// each before its bind to the one port.
func TestStrace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("strace is Linux's")
	}
	_, tr := testkit.StraceServer(t, func(addr string, _ *testkit.Output) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Error(err)
			return
		}
		c.Write([]byte("x"))
		io.ReadFull(c, make([]byte, 1))
		c.Close()
	}, "-addr", "127.0.0.1:0", "-loops", "3")
	n := 0
	for _, sc := range tr {
		if sc.Name == "setsockopt" && strings.Contains(sc.Args, "SO_REUSEPORT, [1]") && sc.Ret == "0" {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d setsockopt SO_REUSEPORT calls that succeeded, want 3", n)
	}
}
