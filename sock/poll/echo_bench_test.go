package poll_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/posixkit/posixkit/sock"
	"github.com/posixkit/posixkit/sock/poll"
	"golang.org/x/sys/unix"
)

// echoSize is the request and response size of the echo benchmark.
const echoSize = 64

var echoClients = []int{1, 16, 100, 500, 1000}

// BenchmarkEcho compares a single-goroutine event loop on a Poller
// (nonblocking sockets: read what is there, write it back) with the
// standard library's goroutine-per-connection net server, under c
// concurrent loopback clients. Each client is a goroutine with a net.Conn
// doing request -> response (64 bytes each) in a loop; b.N requests are
// shared among them. It reports requests per second ("req/s"). select
// runs only while every descriptor fits below FD_SETSIZE (up to 100
// clients).
func BenchmarkEcho(b *testing.B) {
	for _, c := range echoClients {
		b.Run(fmt.Sprintf("clients=%d/server=net", c), func(b *testing.B) {
			addr, stop := startNetEcho(b)
			runEchoClients(b, addr, c)
			stop()
		})
		for _, bk := range poll.Backends() {
			b.Run(fmt.Sprintf("clients=%d/server=%v", c, bk), func(b *testing.B) {
				if bk == poll.BackendSelect && c > 100 {
					b.Skip("select: 2 descriptors per client would pass FD_SETSIZE")
				}
				addr, e, stop := startPollerEcho(b, bk)
				runEchoClients(b, addr, c)
				if err := stop(); err != nil {
					b.Fatal(err)
				}
				// How many ready descriptors a Wait returned on average:
				// the batching that decides the loop's cost per request.
				if e.waits > 0 {
					b.ReportMetric(float64(e.events)/float64(e.waits), "ready/wait")
				}
			})
		}
		if poll.Best != poll.BackendPoll {
			b.Run(fmt.Sprintf("clients=%d/server=%v-et", c, poll.Best), func(b *testing.B) {
				addr, e, stop := startPollerEchoMode(b, poll.Best, poll.EdgeTriggered)
				runEchoClients(b, addr, c)
				if err := stop(); err != nil {
					b.Fatal(err)
				}
				if e.waits > 0 {
					b.ReportMetric(float64(e.events)/float64(e.waits), "ready/wait")
				}
			})
		}
	}
}

// runEchoClients connects c clients to addr, then times b.N request ->
// response exchanges spread among them.
func runEchoClients(b *testing.B, addr string, c int) {
	b.Helper()
	conns := make([]net.Conn, c)
	for i := range conns {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatalf("dial client %d: %v", i, err)
		}
		conns[i] = conn
	}
	defer func() {
		for _, conn := range conns {
			conn.Close()
		}
	}()
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	errs := make(chan error, c)
	b.ReportAllocs()
	b.ResetTimer()
	for i, conn := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := bytes.Repeat([]byte{byte('a' + i%26)}, echoSize)
			resp := make([]byte, echoSize)
			for left.Add(-1) >= 0 {
				if _, err := conn.Write(req); err != nil {
					errs <- err
					return
				}
				if _, err := io.ReadFull(conn, resp); err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(req, resp) {
					errs <- fmt.Errorf("client %d: echo %q, want %q", i, resp, req)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// startNetEcho starts the standard library's echo server: one goroutine
// per connection, reading and writing back.
func startNetEcho(b *testing.B) (addr string, stop func()) {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]byte, 4096)
				for {
					n, err := conn.Read(buf)
					if err != nil {
						return
					}
					if _, err := conn.Write(buf[:n]); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), func() {
		ln.Close()
		mu.Lock()
		for _, conn := range conns {
			conn.Close()
		}
		mu.Unlock()
		wg.Wait()
	}
}

// echoConn is one client connection of the Poller echo server.
type echoConn struct {
	s   *sock.Socket
	out []byte // bytes still to send (the socket is then watched for Writable only)
}

// pollerEcho is the event loop: one goroutine, one Poller, nonblocking
// sockets.
type pollerEcho struct {
	p     *poll.Poller
	ln    *sock.Socket
	edge  bool        // the Poller is edge-triggered: read until EAGAIN
	conns []*echoConn // indexed by descriptor
	buf   [4096]byte
	// Counted by the loop, read once it has ended.
	waits, events int64
}

// startPollerEcho starts the Poller echo server on backend bk. stop
// closes the Poller, which ends the loop, and returns the loop's error.
func startPollerEcho(b *testing.B, bk poll.Backend) (addr string, e *pollerEcho, stop func() error) {
	b.Helper()
	return startPollerEchoMode(b, bk, poll.LevelTriggered)
}

// startPollerEchoMode is startPollerEcho with a Poller in mode m.
func startPollerEchoMode(b *testing.B, bk poll.Backend, m poll.Mode) (addr string, e *pollerEcho, stop func() error) {
	b.Helper()
	p, err := poll.NewMode(bk, m)
	if err != nil {
		b.Fatal(err)
	}
	ln, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, sock.IPPROTO_TCP)
	if err != nil {
		b.Fatal(err)
	}
	if err := ln.Bind(sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:0"))); err != nil {
		b.Fatal(err)
	}
	if err := ln.Listen(4096); err != nil {
		b.Fatal(err)
	}
	if err := ln.SetNonblock(true); err != nil {
		b.Fatal(err)
	}
	if err := p.Add(ln.Fd(), poll.Readable); err != nil {
		b.Fatal(err)
	}
	la, err := ln.LocalAddr()
	if err != nil {
		b.Fatal(err)
	}
	e = &pollerEcho{p: p, ln: ln, edge: m == poll.EdgeTriggered}
	done := make(chan error, 1)
	go func() { done <- e.loop() }()
	return la.String(), e, func() error {
		p.Close()
		err := <-done
		if errors.Is(err, net.ErrClosed) {
			err = nil
		}
		return err
	}
}

// loop runs until the Poller is closed (or fails), then closes every
// socket.
func (e *pollerEcho) loop() error {
	defer func() {
		for _, c := range e.conns {
			if c != nil {
				c.s.Close()
			}
		}
		e.ln.Close()
	}()
	ready := make([]poll.Ready, 128)
	for {
		n, err := e.p.Wait(ready, -1)
		if err != nil {
			return err
		}
		e.waits++
		e.events += int64(n)
		for _, r := range ready[:n] {
			var err error
			if r.Fd == e.ln.Fd() {
				err = e.accept()
			} else {
				err = e.serve(r.Fd)
			}
			if err != nil {
				return err
			}
		}
	}
}

// accept takes every queued connection.
func (e *pollerEcho) accept() error {
	for {
		s, _, err := e.ln.Accept()
		if errors.Is(err, unix.EAGAIN) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.SetNonblock(true); err != nil {
			s.Close()
			return err
		}
		fd := s.Fd()
		if err := e.p.Add(fd, poll.Readable); err != nil {
			s.Close()
			return err
		}
		for len(e.conns) <= fd {
			e.conns = append(e.conns, nil)
		}
		e.conns[fd] = &echoConn{s: s}
	}
}

// serve reads what a client sent and writes it back. A level-triggered
// Poller needs one read per report (a full buffer is read again at once),
// as what is left is reported again; an edge-triggered one, reads until
// EAGAIN. Only what the
// kernel does not take at once is copied, into the connection's out
// buffer, and the socket then watched for Writable until it drains.
func (e *pollerEcho) serve(fd int) error {
	c := e.conns[fd]
	if len(c.out) > 0 {
		return e.flush(fd, c)
	}
	for {
		n, err := c.s.Recv(e.buf[:], 0)
		if errors.Is(err, unix.EAGAIN) {
			return nil
		}
		if err != nil { // EOF or reset: the client is gone
			e.drop(fd, c)
			return nil
		}
		sent := 0
		for sent < n {
			m, err := c.s.Send(e.buf[sent:n], 0)
			if errors.Is(err, unix.EAGAIN) {
				c.out = append(c.out[:0], e.buf[sent:n]...)
				return e.p.Modify(fd, poll.Writable)
			}
			if err != nil {
				e.drop(fd, c)
				return nil
			}
			sent += m
		}
		if n < len(e.buf) && !e.edge {
			return nil
		}
	}
}

// flush sends the rest of c.out once the socket is writable, then watches
// it for Readable again.
func (e *pollerEcho) flush(fd int, c *echoConn) error {
	for len(c.out) > 0 {
		n, err := c.s.Send(c.out, 0)
		if errors.Is(err, unix.EAGAIN) {
			return nil
		}
		if err != nil {
			e.drop(fd, c)
			return nil
		}
		c.out = c.out[n:]
	}
	return e.p.Modify(fd, poll.Readable)
}

func (e *pollerEcho) drop(fd int, c *echoConn) {
	_ = e.p.Remove(fd)
	c.s.Close()
	e.conns[fd] = nil
}
