// Command shutdown shows the half-close of a TCP connection, shutdown(2)
// from section 9 of the notes: the client sends its request and then shuts
// down its writing side (SHUT_WR); the server reads until EOF, which tells
// it the request is complete, and replies; the client, which can still
// read, receives the reply. close(2) could not do this: it ends both
// directions at once.
//
// Run it (server and client in one process, each step printed):
//
//	go run ./examples/shutdown
//
// or as a client only, against a server that reads to EOF before replying:
//
//	go run ./examples/shutdown -connect 127.0.0.1:8080 -request "hello"
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/posixkit/posixkit/sock"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "shutdown:", err)
		if errors.As(err, new(usageError)) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

const usage = "usage: shutdown [-connect IP:PORT] [-request TEXT]"

// usageError is a bad command line: exit status 2.
type usageError string

func (e usageError) Error() string { return string(e) + " (" + usage + ")" }

func run(ctx context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("shutdown", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	connect := fs.String("connect", "", "`IP:PORT` of a server to use instead of the built-in one")
	request := fs.String("request", "GET /time", "the request the client sends")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, usage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return err
		}
		return usageError(err.Error())
	}
	if fs.NArg() != 0 {
		return usageError("unexpected argument " + fs.Arg(0))
	}

	// Every wait below parks in the poller; cancelling ctx (Ctrl-C) makes
	// the waiting call return an error wrapping os.ErrDeadlineExceeded.
	var mu sync.Mutex
	var socks []*sock.Socket
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, s := range socks {
			s.Close()
		}
	}()
	wake := func() {
		mu.Lock()
		defer mu.Unlock()
		for _, s := range socks {
			s.SetDeadline(time.Unix(1, 0))
		}
	}
	defer context.AfterFunc(ctx, wake)()
	track := func(s *sock.Socket) *sock.Socket {
		mu.Lock()
		socks = append(socks, s)
		mu.Unlock()
		if ctx.Err() != nil {
			wake()
		}
		return s
	}

	var srv *sock.Socket
	var to netip.AddrPort
	if *connect != "" {
		var err error
		if to, err = netip.ParseAddrPort(*connect); err != nil {
			return usageError("-connect: " + err.Error())
		}
	} else {
		// The server: socket, bind to a free loopback port, listen.
		ln, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, sock.IPPROTO_TCP)
		if err != nil {
			return err
		}
		track(ln)
		if err := ln.Bind(sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:0"))); err != nil {
			return err
		}
		if err := ln.Listen(1); err != nil {
			return err
		}
		la, err := ln.LocalAddr()
		if err != nil {
			return err
		}
		to = la.AddrPort()
		fmt.Fprintf(stdout, "server: socket, bind, listen: listening on %s\n", to)
		srv = ln
	}

	// The client: socket, connect.
	family := sock.AF_INET
	if to.Addr().Is6() && !to.Addr().Is4In6() {
		family = sock.AF_INET6
	}
	c, err := sock.New(family, sock.SOCK_STREAM, sock.IPPROTO_TCP)
	if err != nil {
		return err
	}
	track(c)
	if err := c.Connect(sock.InetAddr(to)); err != nil {
		return err
	}
	tuple, err := c.Tuple()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "client: socket, connect: %s\n", tuple)

	var conn *sock.Socket // the server's socket for this client
	if srv != nil {
		a, peer, err := srv.Accept()
		if err != nil {
			return err
		}
		conn = track(a)
		fmt.Fprintf(stdout, "server: accept: a new socket for %s\n", peer)
	}

	// The client sends its request, then shuts down writing: FIN goes out,
	// the server will read EOF, and this socket can still receive.
	if _, err := c.Write([]byte(*request)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "client: send %q (%d bytes)\n", *request, len(*request))
	if err := c.Shutdown(sock.SHUT_WR); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "client: shutdown(SHUT_WR): no more sending; still reading")

	if conn != nil {
		// The server reads until EOF: that is how it knows the whole
		// request has arrived. Then it replies and closes.
		req, err := readAll(conn, "server", stdout)
		if err != nil {
			return err
		}
		reply := fmt.Sprintf("received %d bytes: %s", len(req), req)
		if _, err := conn.Write([]byte(reply)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "server: send %q (%d bytes), close\n", reply, len(reply))
		if err := conn.Close(); err != nil {
			return err
		}
	}

	// The client reads the reply on the half it kept open, up to EOF.
	if _, err := readAll(c, "client", stdout); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "client: close")
	return nil
}

// readAll receives until EOF, printing each recv.
func readAll(s *sock.Socket, who string, stdout io.Writer) ([]byte, error) {
	var all []byte
	buf := make([]byte, 4096)
	for {
		n, err := s.Recv(buf, 0)
		if err == io.EOF {
			fmt.Fprintf(stdout, "%s: recv returned EOF: the peer has finished sending\n", who)
			return all, nil
		}
		if err != nil {
			return all, err
		}
		fmt.Fprintf(stdout, "%s: recv %q (%d bytes)\n", who, buf[:n], n)
		all = append(all, buf[:n]...)
	}
}
