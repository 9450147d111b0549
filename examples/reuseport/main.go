// Command reuseport is an echo server past one core: N event loops, each
// with its own listening socket, all bound to one port with SO_REUSEPORT
// (setsockopt before bind), its own edge-triggered Poller and its own
// goroutine. The kernel hands each new connection to one of the
// listening sockets (on Linux, by a hash of its addresses), so the loops
// share nothing: no lock, no hand-off between goroutines.
//
//	go run ./examples/reuseport -addr 127.0.0.1:8080 -loops 4
//	nc 127.0.0.1 8080
//
// Lines starting "(Go: " are its own: per loop, its listening socket's
// descriptor and its Poller; the address; when Ctrl-C stops it, how many
// connections each loop accepted. Port 0 ("-addr 127.0.0.1:0") picks a
// free port for the first socket, which the others then join.
//
// The loops follow the edge-triggered contract: a connection is watched
// for Readable and Writable once, when accepted; on each report the loop
// reads and writes back until recv returns EAGAIN, and the listener
// accepts until EAGAIN, since nothing is reported again until new data
// arrives. Bytes the kernel does not take wait in a per-connection buffer
// until a Writable report; a client that lets it grow past 1 MiB is
// dropped. On Darwin and the BSDs SO_REUSEPORT lets the sockets share the
// port but does not spread connections (one socket gets them all).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"runtime"
	"sync"

	"github.com/posixkit/posixkit/examples/internal/cli"
	"github.com/posixkit/posixkit/sock"
	"github.com/posixkit/posixkit/sock/poll"
	"golang.org/x/sys/unix"
)

func main() { cli.Main("reuseport", run) }

const usage = "usage: reuseport [-addr IP:PORT] [-loops N]"

// maxPending is the most bytes a connection may owe its client.
const maxPending = 1 << 20

func run(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := cli.New("reuseport", usage)
	addrFlag := fs.String("addr", "127.0.0.1:8080", "IP:PORT to listen on; port 0 picks a free port")
	loopsFlag := fs.Int("loops", runtime.GOMAXPROCS(0), "event loops (listening sockets), 1 to 256")
	if err := fs.Parse(args, stdout); err != nil {
		return err
	}
	if err := fs.NArgs(0, 0); err != nil {
		return err
	}
	addr, err := netip.ParseAddrPort(*addrFlag)
	if err != nil {
		return fs.Errorf("-addr: %v", err)
	}
	if *loopsFlag < 1 || *loopsFlag > 256 {
		return fs.Errorf("-loops %d outside [1, 256]", *loopsFlag)
	}
	var loops []*loop
	defer func() {
		for _, l := range loops {
			l.p.Close()
			l.ln.Close()
		}
	}()
	for i := range *loopsFlag {
		ln, bound, err := listen(addr)
		if err != nil {
			return fmt.Errorf("loop %d: %w", i, err)
		}
		addr = bound // the others join the port the first one got
		p, err := poll.NewMode(poll.Best, poll.EdgeTriggered)
		if err != nil {
			ln.Close()
			return err
		}
		l := &loop{id: i, p: p, ln: ln, conns: map[*conn]struct{}{},
			log: log.New(stderr, fmt.Sprintf("reuseport: loop %d: ", i), 0)}
		loops = append(loops, l)
		if _, err := p.AddConn(ln, poll.Readable, nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "(Go: loop %d: listening socket %d, Poller %v %v)\n", i, ln.Fd(), p.Backend(), p.Mode())
	}
	fmt.Fprintf(stdout, "(Go: listening on %s)\n", addr)

	// Each loop runs until its Poller is closed; ctx's end closes them all.
	stop := context.AfterFunc(ctx, func() {
		for _, l := range loops {
			l.p.Close()
		}
	})
	defer stop()
	var wg sync.WaitGroup
	errs := make([]error, len(loops))
	for i, l := range loops {
		wg.Go(func() { errs[i] = l.run() })
	}
	wg.Wait()
	for _, l := range loops {
		fmt.Fprintf(stdout, "(Go: loop %d accepted %d connections)\n", l.id, l.accepted)
	}
	return errors.Join(errs...)
}

// listen returns a nonblocking TCP socket with SO_REUSEPORT listening on
// addr, and the address it is bound to.
func listen(addr netip.AddrPort) (*sock.Socket, netip.AddrPort, error) {
	family := sock.AF_INET
	if addr.Addr().Is6() {
		family = sock.AF_INET6
	}
	ln, err := sock.New(family, sock.SOCK_STREAM, 0)
	if err != nil {
		return nil, addr, err
	}
	bound, err := func() (netip.AddrPort, error) {
		if err := ln.SetReusePort(true); err != nil {
			return addr, err
		}
		if err := ln.Bind(sock.InetAddr(addr)); err != nil {
			return addr, err
		}
		if err := ln.Listen(unix.SOMAXCONN); err != nil {
			return addr, err
		}
		if err := ln.SetNonblock(true); err != nil {
			return addr, err
		}
		la, err := ln.LocalAddr()
		return la.AddrPort(), err
	}()
	if err != nil {
		ln.Close()
		return nil, addr, err
	}
	return ln, bound, nil
}

// conn is one client connection, the token its loop's Poller reports.
type conn struct {
	s   *sock.Socket
	fd  int
	out []byte // bytes the kernel has not taken yet
}

// loop is one event loop: its listener, its Poller, its connections.
type loop struct {
	id       int
	p        *poll.Poller
	ln       *sock.Socket
	conns    map[*conn]struct{}
	accepted int
	log      *log.Logger
	buf      [64 << 10]byte
}

// run serves until the Poller is closed, then closes every connection
// and the listener.
func (l *loop) run() error {
	defer func() {
		for c := range l.conns {
			c.s.Close()
		}
		l.ln.Close()
	}()
	ready := make([]poll.Ready, 128)
	for {
		n, err := l.p.Wait(ready, -1)
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, r := range ready[:n] {
			c, _ := r.Token.(*conn)
			if c == nil {
				err = l.accept()
			} else {
				err = l.serve(c, r.Events)
			}
			if errors.Is(err, net.ErrClosed) {
				return nil // the Poller was closed meanwhile
			}
			if err != nil {
				return err
			}
		}
	}
}

// accept takes every queued connection, until EAGAIN, and watches each
// for Readable and Writable, once for all.
func (l *loop) accept() error {
	for {
		s, _, err := l.ln.Accept()
		switch {
		case errors.Is(err, unix.EAGAIN):
			return nil
		case errors.Is(err, unix.EMFILE), errors.Is(err, unix.ENFILE), errors.Is(err, unix.ECONNABORTED):
			// The client waits in the queue (or is gone): the next
			// connection's report tries again.
			l.log.Print(err)
			return nil
		case err != nil:
			return err
		}
		c := &conn{s: s}
		if err := s.SetNonblock(true); err != nil {
			s.Close()
			return err
		}
		if c.fd, err = l.p.AddConn(s, poll.Readable|poll.Writable, c); err != nil {
			s.Close()
			return err
		}
		l.conns[c] = struct{}{}
		l.accepted++
	}
}

// serve sends what c still owes when it is writable, then reads and
// writes back until recv returns EAGAIN; while c owes bytes it reads no
// more and waits for Writable.
func (l *loop) serve(c *conn, ev poll.Events) error {
	if len(c.out) > 0 {
		if ev&poll.Writable == 0 {
			return nil
		}
		if done, err := l.send(c, nil); !done || err != nil {
			return err
		}
	}
	for {
		n, err := c.s.Recv(l.buf[:], 0)
		if errors.Is(err, unix.EAGAIN) {
			return nil
		}
		if err != nil || n == 0 { // end of stream, reset: the client is gone
			return l.drop(c)
		}
		if done, err := l.send(c, l.buf[:n]); !done || err != nil {
			return err
		}
	}
}

// send writes what c owes, then p; what the kernel does not take is kept
// in c.out (done false) until a Writable report. A client owing more than
// maxPending is dropped.
func (l *loop) send(c *conn, p []byte) (done bool, err error) {
	for _, b := range [...]*[]byte{&c.out, &p} {
		for len(*b) > 0 {
			n, err := c.s.Send(*b, 0)
			if errors.Is(err, unix.EAGAIN) {
				c.out = append(c.out, p...)
				if len(c.out) > maxPending {
					l.log.Printf("dropping a client that owes %d bytes", len(c.out))
					return false, l.drop(c)
				}
				return false, nil
			}
			if err != nil {
				return false, l.drop(c)
			}
			*b = (*b)[n:]
		}
	}
	c.out = nil
	return true, nil
}

// drop forgets a connection that ended: Remove before Close.
func (l *loop) drop(c *conn) error {
	delete(l.conns, c)
	err := l.p.Remove(c.fd)
	c.s.Close()
	return err
}
