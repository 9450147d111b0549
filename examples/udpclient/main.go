// Command udpclient is the UDP client flow of the notes (section 11): there
// is no connection, so the client must know the server's address and send
// first. getaddrinfo turns HOST and PORT into an address, socket makes a
// datagram socket, and each line of standard input, its newline included
// (as fgets gives it to the C client), is sent as one datagram with sendto;
// a select(2) loop watches standard input and the socket, and every
// datagram received (recvfrom; posixkit's RecvFrom and Recv call
// recvmsg(2), whose flags report truncation) is printed. With -connect the socket is
// connected first and send and recv are used instead, as the textbook's
// udp_client does: connect(2) on a UDP socket sends nothing, it only fixes
// the peer, so that recv takes the peer's datagrams alone.
//
// Run it against a UDP server (udpserver from this repository, or any other):
//
//	go run ./examples/udpserver -addr 127.0.0.1:8080
//	go run ./examples/udpclient 127.0.0.1 8080
//	go run ./examples/udpclient -connect 127.0.0.1 8080
//
// It prints udp_client's lines in its order and wording ("Sending: ...",
// "Sent N bytes." with what sendto or send returned, "Received (N bytes):
// ..."); lines starting "(Go: " are this program's own, such as the sender
// of each reply in the sendto flow.
//
// A datagram carries up to 65,507 bytes over IPv4; a longer line fails with
// EMSGSIZE, reported and skipped. A reply longer than -bufsize is truncated
// by the kernel; the client says so on stderr instead of hiding it. When
// standard input ends the C client stops; this one waits for the replies
// still due: it stops when it has as many replies as it sent datagrams, or
// when nothing has arrived for -wait (UDP never says that a datagram was
// lost).
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
	"strconv"
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

const usage = "usage: udpclient [-connect] [-bufsize N] [-wait DURATION] HOST PORT  (PORT a number in [1, 65535] or a service name)"

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
	connect := fs.Bool("connect", false, "connect(2) the socket to the server and use send/recv, as the textbook's udp_client does (default: sendto/recvfrom, the notes' flow)")
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
	if n, err := strconv.Atoi(fs.Arg(1)); err == nil && (n < 1 || n > 65535) {
		// C's getaddrinfo wraps 65536 to port 0 and 70000 to 4464.
		return usageError(fmt.Sprintf("port %s outside [1, 65535]", fs.Arg(1)))
	}

	// getaddrinfo(host, port, {SOCK_DGRAM}) and a socket for the first
	// address.
	fmt.Fprintln(stdout, "Configuring remote address...")
	infos, err := addrinfo.Lookup(ctx, fs.Arg(0), fs.Arg(1), &addrinfo.Hints{SockType: sock.SOCK_DGRAM})
	if err != nil {
		return err
	}
	var s *sock.Socket
	var to netip.AddrPort
	var errs []error
	for _, ai := range infos {
		h, serv, err := addrinfo.NameInfo(ctx, ai.Addr, addrinfo.NI_NUMERICHOST)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Remote address is: %s %s\n", h, serv)
		fmt.Fprintln(stdout, "Creating socket...")
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
	if *connect {
		// connect(2) on a UDP socket sends nothing: it fixes the peer, so
		// send needs no address and recv takes only the peer's datagrams.
		fmt.Fprintln(stdout, "Connecting...")
		if err := s.Connect(sock.InetAddr(to)); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "Connected.")
	} else {
		fmt.Fprintf(stdout, "(Go: no connect: each datagram goes to %s with sendto, and recvfrom says who sent a reply; -connect does as the C udp_client)\n", to)
	}
	fmt.Fprintln(stdout, "To send data, enter text followed by enter.")
	if err := s.SetNonblock(true); err != nil { // select waits, recvfrom does not
		return err
	}

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
		// printf("Sending: %s", read); a line keeps its newline, as fgets
		// gives it.
		fmt.Fprintf(stdout, "Sending: %s", p)
		var n int
		var err error
		if *connect {
			n, err = s.Send(p, 0)
		} else {
			n, err = s.SendTo(p, 0, sock.InetAddr(to))
		}
		if err != nil {
			// EMSGSIZE for a line too long for a datagram; ECONNREFUSED
			// when an earlier datagram met a closed port.
			fmt.Fprintf(stderr, "udpclient: datagram of %d bytes not sent: %v\n", len(p), err)
			return
		}
		fmt.Fprintf(stdout, "Sent %d bytes.\n", n)
		sent++
	}
	for ctx.Err() == nil {
		if stdinDone && (received >= sent || time.Since(quietSince) >= *wait) {
			if received < sent {
				fmt.Fprintf(stderr, "udpclient: %d of %d datagrams got no reply within %v\n", sent-received, sent, *wait)
			}
			break
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
				var n int
				var from sock.Addr
				var err error
				if *connect {
					n, err = s.Recv(rbuf, 0)
				} else {
					n, from, err = s.RecvFrom(rbuf, 0)
				}
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
				fmt.Fprintf(stdout, "Received (%d bytes): %s", n, rbuf[:n])
				if !*connect {
					if n > 0 && rbuf[n-1] != '\n' {
						fmt.Fprintln(stdout)
					}
					fmt.Fprintf(stdout, "(Go: from %s)\n", from)
				}
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
				send(line[:i+1]) // one line, one datagram, newline included
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
	fmt.Fprintln(stdout, "Closing socket...")
	err = s.Close()
	fmt.Fprintln(stdout, "Finished.")
	return err
}
