// Command tcpclient is the TCP client flow of the notes (section 10): the
// server's host and port come from the command line, getaddrinfo turns them
// into addresses, socket and connect open the connection, and then one
// select(2) loop watches both standard input and the socket: each line typed
// goes to the server with send, and whatever the server sends (recv) is
// printed.
//
// Run it against a server (tcpserver from this repository, or any other):
//
//	go run ./examples/tcpserver -addr 127.0.0.1:8080
//	go run ./examples/tcpclient 127.0.0.1 8080
//
// What the server sends goes to stdout unchanged; the connection's progress
// goes to stderr. When standard input ends (Ctrl-D, or the end of a piped
// file) the client shuts down its writing side (shutdown SHUT_WR), prints
// the replies still coming, and exits when the server closes. It also exits
// when the server closes first, and on Ctrl-C.
//
// Unlike the textbook's fgets-and-send, input is read from the descriptor
// with read(2), so nothing hides in a stdio buffer where select cannot see
// it, and a server that does not read never blocks the client: unsent input
// waits in a buffer (input is not read while 64 KiB are pending).
//
// Standard input reaches run as an io.Reader. When it is an *os.File (the
// real stdin, a pipe, a file) its descriptor goes into the select set
// directly; any other reader is copied by a goroutine into a socketpair(2)
// whose other end is selected instead (package examples/internal/stdinfd).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
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
		fmt.Fprintln(os.Stderr, "tcpclient:", err)
		if errors.As(err, new(usageError)) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

const usage = "usage: tcpclient HOST PORT"

// usageError is a bad command line: exit status 2.
type usageError string

func (e usageError) Error() string { return string(e) + " (" + usage + ")" }

const (
	pollInterval = 100 * time.Millisecond // how often the loop checks ctx
	maxPending   = 64 << 10               // input buffered for the server before stdin is left unread
)

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tcpclient", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, usage)
			return err
		}
		return usageError(err.Error())
	}
	if fs.NArg() != 2 {
		return usageError(fmt.Sprintf("want 2 arguments, got %d", fs.NArg()))
	}
	host, port := fs.Arg(0), fs.Arg(1)

	s, err := dial(ctx, host, port)
	if err != nil {
		return err
	}
	defer s.Close()
	if t, err := s.Tuple(); err == nil {
		fmt.Fprintf(stderr, "connected: %s\n", t)
	}
	// From here on the socket is nonblocking, as in the C program after
	// fcntl(O_NONBLOCK): recv and send return EAGAIN instead of waiting,
	// and select does the waiting.
	if err := s.SetNonblock(true); err != nil {
		return err
	}
	in, err := stdinfd.New(stdin)
	if err != nil {
		return err
	}
	defer in.Close()

	sfd, ifd := s.Fd(), in.Fd()
	nfd := max(sfd, ifd) + 1
	var rset, wset poll.FDSet
	buf := make([]byte, 4096)
	var out []byte // read from stdin, not yet sent
	stdinDone, shut := false, false
	for ctx.Err() == nil {
		rset.Zero()
		wset.Zero()
		if err := rset.Set(sfd); err != nil {
			return err
		}
		if !stdinDone && len(out) < maxPending {
			if err := rset.Set(ifd); err != nil {
				return err
			}
		}
		if len(out) > 0 {
			wset.Set(sfd)
		}
		n, err := poll.Select(nfd, &rset, &wset, nil, pollInterval)
		if err != nil {
			return err
		}
		if n == 0 {
			continue
		}

		if rset.IsSet(sfd) {
			n, err := s.Recv(buf, 0)
			switch {
			case errors.Is(err, unix.EAGAIN):
			case err == io.EOF:
				fmt.Fprintln(stderr, "connection closed by the server")
				return nil
			case err != nil:
				return err
			default:
				if _, err := stdout.Write(buf[:n]); err != nil {
					return err
				}
			}
		}

		if rset.IsSet(ifd) {
			n, err := in.Read(buf)
			out = append(out, buf[:n]...)
			if err == io.EOF {
				stdinDone = true
			} else if err != nil {
				return fmt.Errorf("reading standard input: %w", err)
			}
		}

		if len(out) > 0 {
			n, err := s.Send(out, 0)
			if err != nil && !errors.Is(err, unix.EAGAIN) {
				return err
			}
			out = append(out[:0], out[n:]...)
		}
		if stdinDone && len(out) == 0 && !shut {
			// No more input: tell the server with a half-close, and keep
			// reading its replies until it closes.
			if err := s.Shutdown(sock.SHUT_WR); err != nil {
				return err
			}
			shut = true
			fmt.Fprintln(stderr, "end of input: shutdown(SHUT_WR); waiting for the server to close")
		}
	}
	return nil
}

// dial is the client half of the notes' TCP flow: getaddrinfo, then socket
// and connect to each address in turn until one answers.
func dial(ctx context.Context, host, port string) (*sock.Socket, error) {
	infos, err := addrinfo.Lookup(ctx, host, port, &addrinfo.Hints{SockType: sock.SOCK_STREAM})
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, ai := range infos {
		s, err := ai.Socket()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// Connect waits (parking the goroutine) for the handshake;
		// cancelling ctx wakes it through a deadline in the past.
		stop := context.AfterFunc(ctx, func() { s.SetDeadline(time.Unix(1, 0)) })
		err = s.Connect(ai.Addr)
		if !stop() && err == nil {
			err = ctx.Err()
		}
		if err != nil {
			s.Close()
			errs = append(errs, err)
			continue
		}
		s.SetDeadline(time.Time{})
		return s, nil
	}
	return nil, errors.Join(errs...)
}
