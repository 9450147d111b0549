// Command udpclient is the UDP client flow of the notes (section 11): there
// is no connection, so the client must know the server's address and send
// first. getaddrinfo turns HOST and PORT into an address, socket makes a
// datagram socket, and each line of standard input is sent as one datagram
// with sendto; a select(2) loop watches standard input and the socket, and
// every datagram received (recvfrom) is printed with its sender.
//
// Run it against a UDP server (udpserver from this repository, or any other):
//
//	go run ./examples/udpserver -addr 127.0.0.1:8080
//	go run ./examples/udpclient 127.0.0.1 8080
//
// A datagram carries up to 65,507 bytes over IPv4; a longer line fails with
// EMSGSIZE, reported and skipped. A reply longer than -bufsize is truncated
// by the kernel; the client says so on stderr instead of hiding it. When
// standard input ends, the client waits for the replies still due: it stops
// when it has as many replies as it sent datagrams, or when nothing has
// arrived for -wait (UDP never says that a datagram was lost).
//
// Standard input reaches run as an io.Reader. When it is an *os.File (the
// real stdin, a pipe, a file) its descriptor goes into the select set
// directly; any other reader is copied by a goroutine into a socketpair(2)
// whose other end is selected instead (package examples/internal/stdinfd).
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/posixkit/posixkit/addrinfo"
	"github.com/posixkit/posixkit/examples/internal/stdinfd"
	"github.com/posixkit/posixkit/sock"
	"github.com/posixkit/posixkit/sock/poll"
	"golang.org/x/sys/unix"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "udpclient:", err)
		if errors.As(err, new(usageError)) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

const usage = "usage: udpclient [-bufsize N] [-wait DURATION] HOST PORT"

// usageError is a bad command line: exit status 2.
type usageError string

func (e usageError) Error() string { return string(e) + " (" + usage + ")" }

const (
	pollInterval = 100 * time.Millisecond // how often the loop checks ctx
	maxLine      = 1 << 20                // input kept while waiting for a newline
)

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("udpclient", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	bufsize := fs.Int("bufsize", 65536, "receive buffer size: longer datagrams are truncated (and reported)")
	wait := fs.Duration("wait", time.Second, "after the end of input, how long to wait for a reply")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, usage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return err
		}
		return usageError(err.Error())
	}
	if fs.NArg() != 2 {
		return usageError(fmt.Sprintf("want 2 arguments, got %d", fs.NArg()))
	}
	if *bufsize < 1 || *bufsize > 1<<20 {
		return usageError(fmt.Sprintf("-bufsize %d outside [1, 1048576]", *bufsize))
	}
	if *wait < 0 {
		return usageError("negative -wait")
	}

	// getaddrinfo(host, port, {SOCK_DGRAM}) and a socket for the first
	// address: no connect, the address goes with every sendto.
	infos, err := addrinfo.Lookup(ctx, fs.Arg(0), fs.Arg(1), &addrinfo.Hints{SockType: sock.SOCK_DGRAM})
	if err != nil {
		return err
	}
	var s *sock.Socket
	var to netip.AddrPort
	var errs []error
	for _, ai := range infos {
		if s, err = ai.Socket(); err == nil {
			to = ai.Addr
			break
		}
		errs = append(errs, err)
	}
	if s == nil {
		return errors.Join(errs...)
	}
	defer s.Close()
	if err := s.SetNonblock(true); err != nil { // select waits, recvfrom does not
		return err
	}
	fmt.Fprintf(stderr, "sending to %s\n", to)

	in, err := stdinfd.New(stdin)
	if err != nil {
		return err
	}
	defer in.Close()

	sfd, ifd := s.Fd(), in.Fd()
	var rset poll.FDSet
	rbuf := make([]byte, *bufsize)
	chunk := make([]byte, 64<<10)
	var line []byte // input read but not yet a whole line
	sent, received := 0, 0
	stdinDone := false
	var quietSince time.Time // after the end of input: the last datagram
	send := func(p []byte) {
		if _, err := s.SendTo(p, 0, to); err != nil {
			// EMSGSIZE for a line too long for a datagram; ECONNREFUSED
			// when an earlier datagram met a closed port.
			fmt.Fprintf(stderr, "udpclient: datagram of %d bytes not sent: %v\n", len(p), err)
			return
		}
		sent++
	}
	for ctx.Err() == nil {
		if stdinDone && (received >= sent || time.Since(quietSince) >= *wait) {
			if received < sent {
				fmt.Fprintf(stderr, "udpclient: %d of %d datagrams got no reply within %v\n", sent-received, sent, *wait)
			}
			return nil
		}
		rset.Zero()
		if err := rset.Set(sfd); err != nil {
			return err
		}
		if !stdinDone {
			if err := rset.Set(ifd); err != nil {
				return err
			}
		}
		n, err := poll.Select(max(sfd, ifd)+1, &rset, nil, nil, pollInterval)
		if err != nil {
			return err
		}
		if n == 0 {
			continue
		}

		if rset.IsSet(sfd) {
			for { // every datagram queued
				n, from, err := s.RecvFrom(rbuf, 0)
				if errors.Is(err, unix.EAGAIN) {
					break
				}
				if errors.Is(err, sock.ErrTruncated) {
					fmt.Fprintf(stderr, "udpclient: datagram from %s truncated to the %d-byte buffer\n", from, n)
				} else if err != nil {
					// An ICMP error for an earlier datagram (ECONNREFUSED):
					// say so, and keep going, as UDP does.
					fmt.Fprintf(stderr, "udpclient: %v\n", err)
					break
				}
				received++
				quietSince = time.Now()
				fmt.Fprintf(stdout, "received %d bytes from %s: %s\n", n, from, rbuf[:n])
			}
		}

		if rset.IsSet(ifd) {
			n, err := in.Read(chunk)
			line = append(line, chunk[:n]...)
			for {
				i := bytes.IndexByte(line, '\n')
				if i < 0 {
					break
				}
				send(line[:i]) // one line, one datagram (without its newline)
				line = line[i+1:]
			}
			line = append([]byte(nil), line...)
			if len(line) > maxLine {
				// Far beyond any datagram: do not hold it all in memory.
				fmt.Fprintf(stderr, "udpclient: line longer than %d bytes: discarded up to here\n", maxLine)
				line = line[:0]
			}
			if err == io.EOF {
				if len(line) > 0 {
					send(line)
				}
				stdinDone = true
				quietSince = time.Now()
			} else if err != nil {
				return fmt.Errorf("reading standard input: %w", err)
			}
		}
	}
	return nil
}
