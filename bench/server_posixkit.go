package peerbench

// The posixkit servers, written against sock/poll's Poller API as a user
// writes them from its documentation: poll.NewMode(backend, mode),
// Poller.AddConn with the connection as its token (no map from descriptors
// to connections), Modify / Remove / Wait / Close, nonblocking sockets.
// Everything that touches the Poller API is in this file.

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
	{name: "posixkit-select", maxConns: poll.FD_SETSIZE - 32, start: startPosixkit(poll.BackendSelect, poll.LevelTriggered)},
	{name: "posixkit-poll", start: startPosixkit(poll.BackendPoll, poll.LevelTriggered)},
	{name: "posixkit-epoll", start: startPosixkit(poll.BackendEpoll, poll.LevelTriggered)},
	{name: "posixkit-epoll-et", start: startPosixkit(poll.BackendEpoll, poll.EdgeTriggered)},
	// SO_REUSEPORT sharding: one listener, level-triggered epoll Poller
	// (the faster mode for echo in the README's run) and goroutine per loop
	// (-loops, GOMAXPROCS by default), the goroutine free to move between
	// threads or locked to one.
	{name: "posixkit-reuseport", start: startReuseport(false)},
	{name: "posixkit-reuseport-locked", start: startReuseport(true)},
}

// startPosixkit starts one event loop on one Poller of backend b in mode.
func startPosixkit(b poll.Backend, mode poll.Mode) func(serveOptions) (netip.AddrPort, func() error, error) {
	return func(serveOptions) (netip.AddrPort, func() error, error) {
		ln, addr, err := pkListen(netip.MustParseAddrPort("127.0.0.1:0"), false)
		if err != nil {
			return netip.AddrPort{}, nil, err
		}
		l, err := newPkLoop(b, mode, ln)
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

// startReuseport starts o.loops level-triggered epoll event loops, each
// with its own listening socket bound, with SO_REUSEPORT, to the same
// port; the kernel spreads the connections among them. With lock, each loop's goroutine
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
			l, err := newPkLoop(poll.BackendEpoll, poll.LevelTriggered, ln)
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

// pkConn is one client connection of a loop, the token it is watched
// with.
type pkConn struct {
	s   *sock.Socket
	fd  int
	out []byte // bytes the kernel did not take yet
}

// pkLoop is one event loop: one goroutine, one Poller, nonblocking
// sockets. The Poller hands back each connection's *pkConn as its token;
// the listener's token is nil.
type pkLoop struct {
	p     *poll.Poller
	ln    *sock.Socket
	edge  bool                 // the Poller is edge-triggered
	conns map[*pkConn]struct{} // every connection, to close them at the end
	buf   [16 << 10]byte
}

func newPkLoop(b poll.Backend, mode poll.Mode, ln *sock.Socket) (*pkLoop, error) {
	p, err := poll.NewMode(b, mode)
	if err != nil {
		return nil, err
	}
	if _, err := p.AddConn(ln, poll.Readable, nil); err != nil {
		p.Close()
		return nil, err
	}
	return &pkLoop{p: p, ln: ln, edge: mode == poll.EdgeTriggered, conns: make(map[*pkConn]struct{})}, nil
}

// run serves until the Poller is closed (nil) or fails, then closes the
// listener and every connection.
func (l *pkLoop) run() error {
	defer func() {
		for c := range l.conns {
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
			switch c, _ := r.Token.(*pkConn); {
			case c == nil:
				err = l.accept()
			case l.edge:
				err = l.serveEdge(c, r.Events)
			default:
				err = l.serve(c)
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

// accept takes every queued connection (until EAGAIN, as an edge-triggered
// Poller requires) and watches it: for Readable when level-triggered, for
// Readable and Writable, once for all, when edge-triggered.
func (l *pkLoop) accept() error {
	ev := poll.Readable
	if l.edge {
		ev |= poll.Writable
	}
	for {
		s, _, err := l.ln.Accept()
		if errors.Is(err, unix.EAGAIN) {
			return nil
		}
		if err != nil {
			return err
		}
		c := &pkConn{s: s}
		err = func() error {
			if err := s.SetNonblock(true); err != nil {
				return err
			}
			// net and gnet turn Nagle's algorithm off on every
			// connection; so does this server.
			if err := s.SetNoDelay(true); err != nil {
				return err
			}
			c.fd, err = l.p.AddConn(s, ev, c)
			return err
		}()
		if err != nil {
			s.Close()
			return fmt.Errorf("accepted connection: %w", err)
		}
		l.conns[c] = struct{}{}
	}
}

// serve (level-triggered) reads once what a client sent and writes it
// back: what is left is reported again. What the kernel does not take at
// once is kept in the connection's out buffer, and the socket watched for
// Writable only until it drains.
func (l *pkLoop) serve(c *pkConn) error {
	if len(c.out) > 0 {
		if done, err := l.flush(c); !done || err != nil {
			return err
		}
		return l.p.Modify(c.fd, poll.Readable)
	}
	n, err := c.s.Recv(l.buf[:], 0)
	if errors.Is(err, unix.EAGAIN) {
		return nil
	}
	if err != nil { // end of stream or reset: the client is gone
		return l.drop(c)
	}
	if pending, err := l.send(c, l.buf[:n]); pending || err != nil {
		if err == nil {
			err = l.p.Modify(c.fd, poll.Writable)
		}
		return err
	}
	return nil
}

// serveEdge (edge-triggered) sends what is left of the out buffer when
// the socket is writable, then reads and writes back until the read
// returns EAGAIN: a socket is reported again only once more data arrives
// or room is freed. While the out buffer holds bytes it stops reading and
// waits for Writable, then reads on.
func (l *pkLoop) serveEdge(c *pkConn, ev poll.Events) error {
	if len(c.out) > 0 {
		if ev&poll.Writable == 0 {
			return nil
		}
		if done, err := l.flush(c); !done || err != nil {
			return err
		}
	}
	for {
		n, err := c.s.Recv(l.buf[:], 0)
		if errors.Is(err, unix.EAGAIN) {
			return nil
		}
		if err != nil {
			return l.drop(c)
		}
		if pending, err := l.send(c, l.buf[:n]); pending || err != nil {
			return err
		}
	}
}

// send writes p to c, keeping in c.out what the kernel does not take
// (pending true); a failed send drops the connection.
func (l *pkLoop) send(c *pkConn, p []byte) (pending bool, err error) {
	for sent := 0; sent < len(p); {
		m, err := c.s.Send(p[sent:], 0)
		if errors.Is(err, unix.EAGAIN) {
			c.out = append(c.out[:0], p[sent:]...)
			return true, nil
		}
		if err != nil {
			return false, l.drop(c)
		}
		sent += m
	}
	return false, nil
}

// flush sends what c.out holds; done is false while the kernel does not
// take it all or once the connection is dropped.
func (l *pkLoop) flush(c *pkConn) (done bool, err error) {
	for len(c.out) > 0 {
		n, err := c.s.Send(c.out, 0)
		if errors.Is(err, unix.EAGAIN) {
			return false, nil
		}
		if err != nil {
			return false, l.drop(c)
		}
		c.out = c.out[n:]
	}
	return true, nil
}

// drop forgets a connection that ended: Remove before Close.
func (l *pkLoop) drop(c *pkConn) error {
	delete(l.conns, c)
	err := l.p.Remove(c.fd)
	c.s.Close()
	return err
}
