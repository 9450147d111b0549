package peerbench

// The posixkit servers. They are written against sock/poll's Poller API as it
// stands in this tree: poll.NewBackend(poll.BackendSelect,
// BackendPoll or BackendEpoll), Poller.Add / Modify / Remove / Wait / Close
// with []poll.Ready{Fd, Events}, level-triggered (the only mode), and a
// map[int]*pkConn from descriptor to connection kept by the loop, as a
// user writes it from the README. Everything that touches the Poller API
// is in this file.

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sync"

	"github.com/posixkit/posixkit/sock"
	"github.com/posixkit/posixkit/sock/poll"
	"golang.org/x/sys/unix"
)

var posixkitServers = []server{
	// select watches descriptors below FD_SETSIZE only: keep room for the
	// listener, the Poller's own descriptors and the runtime's.
	{name: "posixkit-select", maxConns: poll.FD_SETSIZE - 32, start: startPosixkit(poll.BackendSelect)},
	{name: "posixkit-poll", start: startPosixkit(poll.BackendPoll)},
	{name: "posixkit-epoll", start: startPosixkit(poll.BackendEpoll)},
	// SO_REUSEPORT sharding: one listener, epoll Poller and goroutine per
	// loop (-loops, GOMAXPROCS by default), the goroutine free to move
	// between threads or locked to one.
	{name: "posixkit-reuseport", start: startReuseport(false)},
	{name: "posixkit-reuseport-locked", start: startReuseport(true)},
}

// startPosixkit starts one event loop on one Poller of backend b.
func startPosixkit(b poll.Backend) func(serveOptions) (netip.AddrPort, func() error, error) {
	return func(serveOptions) (netip.AddrPort, func() error, error) {
		ln, addr, err := pkListen(netip.MustParseAddrPort("127.0.0.1:0"), false)
		if err != nil {
			return netip.AddrPort{}, nil, err
		}
		l, err := newPkLoop(b, ln)
		if err != nil {
			ln.Close()
			return netip.AddrPort{}, nil, err
		}
		done := make(chan error, 1)
		go func() { done <- l.run() }()
		return addr, func() error {
			_ = l.p.Close() // ends the loop's Wait
			return <-done
		}, nil
	}
}

// startReuseport starts o.loops epoll event loops, each with its own
// listening socket bound, with SO_REUSEPORT, to the same port; the kernel
// spreads the connections among them. With lock, each loop's goroutine
// is locked to its OS thread.
func startReuseport(lock bool) func(serveOptions) (netip.AddrPort, func() error, error) {
	return func(o serveOptions) (netip.AddrPort, func() error, error) {
		var loops []*pkLoop
		closeAll := func() {
			for _, l := range loops {
				_ = l.p.Close()
				l.ln.Close()
			}
		}
		addr := netip.MustParseAddrPort("127.0.0.1:0")
		for range o.loops {
			ln, bound, err := pkListen(addr, true)
			if err != nil {
				closeAll()
				return netip.AddrPort{}, nil, err
			}
			addr = bound // the others join the port the first one got
			l, err := newPkLoop(poll.BackendEpoll, ln)
			if err != nil {
				ln.Close()
				closeAll()
				return netip.AddrPort{}, nil, err
			}
			loops = append(loops, l)
		}
		var wg sync.WaitGroup
		errs := make([]error, len(loops))
		for i, l := range loops {
			wg.Go(func() {
				if lock {
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
				}
				errs[i] = l.run()
			})
		}
		return addr, func() error {
			for _, l := range loops {
				_ = l.p.Close()
			}
			wg.Wait()
			return errors.Join(errs...)
		}, nil
	}
}

// pkListen returns a nonblocking TCP socket listening on addr, and the
// address it is bound to.
func pkListen(addr netip.AddrPort, reusePort bool) (*sock.Socket, netip.AddrPort, error) {
	ln, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, sock.IPPROTO_TCP)
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	err = func() error {
		if reusePort {
			if err := ln.SetReusePort(true); err != nil {
				return err
			}
		}
		if err := ln.Bind(sock.InetAddr(addr)); err != nil {
			return err
		}
		if err := ln.Listen(unix.SOMAXCONN); err != nil {
			return err
		}
		return ln.SetNonblock(true)
	}()
	if err != nil {
		ln.Close()
		return nil, netip.AddrPort{}, err
	}
	bound, err := ln.LocalAddr()
	if err != nil {
		ln.Close()
		return nil, netip.AddrPort{}, err
	}
	return ln, bound.AddrPort(), nil
}

// pkConn is one client connection of a loop.
type pkConn struct {
	s   *sock.Socket
	out []byte // bytes the kernel did not take yet: the socket is then watched for Writable only
}

// pkLoop is one event loop: one goroutine, one Poller, nonblocking
// sockets.
type pkLoop struct {
	p     *poll.Poller
	ln    *sock.Socket
	lnfd  int
	conns map[int]*pkConn
	buf   [16 << 10]byte
}

func newPkLoop(b poll.Backend, ln *sock.Socket) (*pkLoop, error) {
	p, err := poll.NewBackend(b)
	if err != nil {
		return nil, err
	}
	if err := p.Add(ln.Fd(), poll.Readable); err != nil {
		p.Close()
		return nil, err
	}
	return &pkLoop{p: p, ln: ln, lnfd: ln.Fd(), conns: make(map[int]*pkConn)}, nil
}

// run serves until the Poller is closed (nil) or fails, then closes the
// listener and every connection.
func (l *pkLoop) run() error {
	defer func() {
		for _, c := range l.conns {
			c.s.Close()
		}
		l.ln.Close()
	}()
	ready := make([]poll.Ready, 256)
	for {
		n, err := l.p.Wait(ready, -1)
		for _, r := range ready[:n] {
			if err != nil {
				break
			}
			if r.Fd == l.lnfd {
				err = l.accept()
			} else {
				err = l.serve(r.Fd)
			}
		}
		// The Poller closed (by stop) during Wait or a Modify or Remove.
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// accept takes every queued connection and watches it for Readable.
func (l *pkLoop) accept() error {
	for {
		s, _, err := l.ln.Accept()
		if errors.Is(err, unix.EAGAIN) {
			return nil
		}
		if err != nil {
			return err
		}
		err = func() error {
			if err := s.SetNonblock(true); err != nil {
				return err
			}
			// net and gnet turn Nagle's algorithm off on every
			// connection; so does this server.
			if err := s.SetNoDelay(true); err != nil {
				return err
			}
			return l.p.Add(s.Fd(), poll.Readable)
		}()
		if err != nil {
			s.Close()
			return fmt.Errorf("accepted connection: %w", err)
		}
		l.conns[s.Fd()] = &pkConn{s: s}
	}
}

// serve reads once what a client sent and writes it back: the Poller is
// level-triggered, so what is left is reported again. What the kernel does
// not take at once is kept in the connection's out buffer, and the socket
// watched for Writable until it drains.
func (l *pkLoop) serve(fd int) error {
	c := l.conns[fd]
	if c == nil {
		return nil
	}
	if len(c.out) > 0 {
		return l.flush(fd, c)
	}
	n, err := c.s.Recv(l.buf[:], 0)
	if errors.Is(err, unix.EAGAIN) {
		return nil
	}
	if err != nil { // end of stream or reset: the client is gone
		return l.drop(fd, c)
	}
	for sent := 0; sent < n; {
		m, err := c.s.Send(l.buf[sent:n], 0)
		if errors.Is(err, unix.EAGAIN) {
			c.out = append(c.out[:0], l.buf[sent:n]...)
			return l.p.Modify(fd, poll.Writable)
		}
		if err != nil {
			return l.drop(fd, c)
		}
		sent += m
	}
	return nil
}

// flush sends the rest of c.out, then watches the socket for Readable
// again.
func (l *pkLoop) flush(fd int, c *pkConn) error {
	for len(c.out) > 0 {
		n, err := c.s.Send(c.out, 0)
		if errors.Is(err, unix.EAGAIN) {
			return nil
		}
		if err != nil {
			return l.drop(fd, c)
		}
		c.out = c.out[n:]
	}
	return l.p.Modify(fd, poll.Readable)
}

// drop forgets a connection that ended: Remove before Close.
func (l *pkLoop) drop(fd int, c *pkConn) error {
	delete(l.conns, fd)
	err := l.p.Remove(fd)
	c.s.Close()
	return err
}
