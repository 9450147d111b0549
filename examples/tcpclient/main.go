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
// It prints the textbook tcp_client's lines, in its order and wording
// ("Remote address is: ...", "Sending: ...", "Sent N bytes." with what
// send(2) returned, "Received (N bytes): ...", "Connection closed by
// peer."). Lines starting "(Go: " are this program's additions. When
// standard input ends (Ctrl-D, or the end of a piped file) the C client
// stops; this one shuts down its writing side (shutdown SHUT_WR), prints the
// replies still coming, and stops when the server closes. It also stops
// when the server closes first, and on Ctrl-C. A numeric PORT outside
// [1, 65535] is a usage error (getaddrinfo would wrap it).
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
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
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
		fmt.Fprintln(os.Stderr, "tcpclient:", err)
		if errors.As(err, new(usageError)) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

const usage = "usage: tcpclient HOST PORT  (PORT a number in [1, 65535] or a service name)"

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
	if n, err := strconv.Atoi(port); err == nil && (n < 1 || n > 65535) {
		// C's getaddrinfo wraps 65536 to port 0 and 70000 to 4464.
		return usageError(fmt.Sprintf("port %s outside [1, 65535]", port))
	}

	s, err := dial(ctx, host, port, stdout)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintln(stdout, "Connected.")
	if t, err := s.Tuple(); err == nil {
		fmt.Fprintf(stdout, "(Go: the 5-tuple: %s)\n", t)
	}
	fmt.Fprintln(stdout, "To send data, enter text followed by enter.")
	// From here on the socket is nonblocking: recv and send return EAGAIN
	// instead of waiting, and select does the waiting.
	if err := s.SetNonblock(true); err != nil {
		return err
	}
	in, err := stdinfd.New(stdin)
	if err != nil {
		return err
	}
	defer in.Close()

	err = loop(ctx, s, in, stdout)
	// printf("Closing socket...\n"); CLOSESOCKET(socket_peer);
	fmt.Fprintln(stdout, "Closing socket...")
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	fmt.Fprintln(stdout, "Finished.")
	return err
}

// loop is the C program's select loop over the socket and standard input,
// printing its lines: "Received (N bytes): ...", "Sending: ...",
// "Sent N bytes.", "Connection closed by peer.".
func loop(ctx context.Context, s *sock.Socket, in *stdinfd.Input, stdout io.Writer) error {
	sfd, ifd := s.Fd(), in.Fd()
	nfd := max(sfd, ifd) + 1
	var rset, wset poll.FDSet
	buf := make([]byte, 4096)
	var line []byte // read from stdin, no newline yet
	var out []byte  // taken as lines ("Sending: ..."), not yet sent
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
				fmt.Fprintln(stdout, "Connection closed by peer.")
				return nil
			case err != nil:
				return err
			default:
				fmt.Fprintf(stdout, "Received (%d bytes): %s", n, buf[:n])
			}
		}

		if rset.IsSet(ifd) {
			n, err := in.Read(buf)
			line = append(line, buf[:n]...)
			for {
				i := bytes.IndexByte(line, '\n')
				if i < 0 {
					break
				}
				// fgets gave a line: printf("Sending: %s", read);
				fmt.Fprintf(stdout, "Sending: %s", line[:i+1])
				out = append(out, line[:i+1]...)
				line = line[i+1:]
			}
			if err == io.EOF {
				stdinDone = true
				if len(line) > 0 { // fgets's last line, without a newline
					fmt.Fprintf(stdout, "Sending: %s", line)
					out = append(out, line...)
					line = nil
				}
			} else if err != nil {
				return fmt.Errorf("reading standard input: %w", err)
			}
		}

		if len(out) > 0 {
			n, err := s.Send(out, 0)
			if err != nil && !errors.Is(err, unix.EAGAIN) {
				return err
			}
			if n > 0 {
				// What this send(2) returned: a stream may take part.
				fmt.Fprintf(stdout, "Sent %d bytes.\n", n)
			}
			out = append(out[:0], out[max(n, 0):]...)
		}
		if stdinDone && len(out) == 0 && !shut {
			// No more input: tell the server with a half-close, and keep
			// reading its replies until it closes.
			if err := s.Shutdown(sock.SHUT_WR); err != nil {
				return err
			}
			shut = true
			fmt.Fprintln(stdout, "(Go: end of input: shutdown(SHUT_WR), then the replies until the server closes; the C client stops here)")
		}
	}
	return nil
}

// dial is the client half of the notes' TCP flow: getaddrinfo, then socket
// and connect to each address in turn until one answers, printing the C
// program's lines on the way.
func dial(ctx context.Context, host, port string, stdout io.Writer) (*sock.Socket, error) {
	fmt.Fprintln(stdout, "Configuring remote address...")
	infos, err := addrinfo.Lookup(ctx, host, port, &addrinfo.Hints{SockType: sock.SOCK_STREAM})
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, ai := range infos {
		// getnameinfo(..., NI_NUMERICHOST): the service may print as a name.
		h, serv, err := addrinfo.NameInfo(ctx, ai.Addr, addrinfo.NI_NUMERICHOST)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(stdout, "Remote address is: %s %s\n", h, serv)
		fmt.Fprintln(stdout, "Creating socket...")
		s, err := ai.Socket()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintln(stdout, "Connecting...")
		// Connect waits (parking the goroutine) for the handshake;
		// cancelling ctx wakes it through a deadline in the past.
		stop := context.AfterFunc(ctx, func() { s.SetDeadline(time.Unix(1, 0)) })
		err = s.Connect(sock.InetAddr(ai.Addr))
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
