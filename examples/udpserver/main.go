// Command udpserver is the UDP server flow of the notes (section 11):
// getaddrinfo with AI_PASSIVE for a protocol-independent local address,
// socket, bind, then a loop of recvfrom, which waits until a datagram
// arrives, and sendto, which answers its sender with the datagram in upper
// case. There is no listen and no accept: one socket serves every client.
//
// Run it in one terminal and talk to it from another:
//
//	go run ./examples/udpserver -addr 127.0.0.1:8080
//	go run ./examples/udpclient 127.0.0.1 8080        (or: nc -u 127.0.0.1 8080)
//
// It prints udp_serve_toupper's lines in its order; the address it listens
// on is a line of its own, "(Go: listening on ADDR)" ("-addr :0" picks a
// free port). Datagrams of up to 65,507 bytes (the most IPv4 can carry) are
// received whole; one larger than -bufsize is truncated by the kernel, and
// the server says so on stderr instead of hiding it, then answers with the
// part it got. Ctrl-C stops it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/posixkit/posixkit/addrinfo"
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
		fmt.Fprintln(os.Stderr, "udpserver:", err)
		if errors.As(err, new(usageError)) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

const usage = "usage: udpserver [-addr HOST:PORT] [-bufsize N]"

// usageError is a bad command line: exit status 2.
type usageError string

func (e usageError) Error() string { return string(e) + " (" + usage + ")" }

func run(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("udpserver", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", ":8080", "HOST:PORT to listen on; port 0 picks a free port")
	bufsize := fs.Int("bufsize", 65536, "receive buffer size: longer datagrams are truncated (and reported)")
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
	if *bufsize < 1 || *bufsize > 1<<20 {
		return usageError(fmt.Sprintf("-bufsize %d outside [1, 1048576]", *bufsize))
	}
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		return usageError(err.Error())
	}
	if n, err := strconv.Atoi(port); err == nil && (n < 0 || n > 65535) {
		// getaddrinfo would wrap it (65536 is port 0).
		return usageError(fmt.Sprintf("-addr port %s outside [0, 65535] (0 picks a free port)", port))
	}

	// getaddrinfo(host, port, {AI_PASSIVE, SOCK_DGRAM}), then socket and
	// bind on the first address that works.
	fmt.Fprintln(stdout, "Configuring local address...")
	hints := &addrinfo.Hints{Flags: addrinfo.AI_PASSIVE, SockType: sock.SOCK_DGRAM}
	infos, err := addrinfo.Lookup(ctx, host, port, hints)
	if err != nil {
		return err
	}
	var s *sock.Socket
	var errs []error
	for _, ai := range infos {
		fmt.Fprintln(stdout, "Creating socket...")
		c, err := ai.Socket()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintln(stdout, "Binding socket to local address...")
		if err := c.Bind(sock.InetAddr(ai.Addr)); err != nil {
			c.Close()
			errs = append(errs, err)
			continue
		}
		s = c
		break
	}
	if s == nil {
		return errors.Join(errs...)
	}
	defer s.Close()
	local, err := s.LocalAddr()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "(Go: listening on %s)\n", local)
	fmt.Fprintln(stdout, "Waiting for connections...")
	defer func() {
		fmt.Fprintln(stdout, "Closing listening socket...")
		s.Close()
		fmt.Fprintln(stdout, "Finished.")
	}()

	// recvfrom waits (parking the goroutine) until a datagram arrives.
	// Cancelling ctx sets a deadline in the past, which wakes it.
	defer context.AfterFunc(ctx, func() { s.SetReadDeadline(time.Unix(1, 0)) })()
	logger := log.New(stderr, "udpserver: ", 0)
	buf := make([]byte, *bufsize)
	for {
		n, from, err := s.RecvFrom(buf, 0)
		if errors.Is(err, sock.ErrTruncated) {
			logger.Printf("datagram from %s truncated to the %d-byte buffer", from, n)
		} else if err != nil {
			if ctx.Err() != nil {
				return nil // stopped: not an error
			}
			return err
		}
		for i, b := range buf[:n] {
			if 'a' <= b && b <= 'z' {
				buf[i] = b - ('a' - 'A')
			}
		}
		if _, err := s.SendTo(buf[:n], 0, from); err != nil {
			// One client's trouble (an ICMP error, a vanished route) is
			// not the server's: log it and serve the next datagram.
			logger.Printf("sendto %s: %v", from, err)
		}
	}
}
