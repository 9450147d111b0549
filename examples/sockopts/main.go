// Command sockopts is the setsockopt/fcntl pair of the notes (section 9):
// setsockopt() sets socket options, fcntl() views a socket's flags. It
// creates a TCP socket, prints everything getsockopt(2) and fcntl(2) say
// about it, sets SO_REUSEADDR, TCP_NODELAY and SO_RCVBUF with setsockopt
// and posixkit's nonblocking mode, prints the same view again, and lists
// what changed.
//
// Run it:
//
//	go run ./examples/sockopts
//	go run ./examples/sockopts -rcvbuf 262144
//
// Every line printed as a system call is the call made and the value the
// kernel returned (strace -f -e trace=%network,fcntl shows the same). Lines
// starting "(Go: " say where a Go program differs from the C one: the
// socket is created SOCK_CLOEXEC|SOCK_NONBLOCK (nonblocking in the kernel,
// so that a blocking call parks its goroutine, not its thread), and
// SetNonblock makes no system call at all, since there is nothing to change
// in the kernel: it sets posixkit's own mode, shown apart from F_GETFL.
//
// Linux doubles the SO_RCVBUF asked for (the kernel's bookkeeping is
// counted in it) and clamps it to net.core.rmem_max; other systems keep
// the value as given.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

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
		fmt.Fprintln(os.Stderr, "sockopts:", err)
		if errors.As(err, new(usageError)) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

const usage = "usage: sockopts [-rcvbuf BYTES]  (BYTES in [1, 2147483647])"

// usageError is a bad command line: exit status 2.
type usageError string

func (e usageError) Error() string { return string(e) + " (" + usage + ")" }

func run(_ context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("sockopts", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	rcvbuf := fs.Int("rcvbuf", 16384, "SO_RCVBUF to ask for, in bytes")
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
	if *rcvbuf < 1 || *rcvbuf > math.MaxInt32 {
		return usageError(fmt.Sprintf("-rcvbuf %d outside [1, %d]", *rcvbuf, math.MaxInt32))
	}

	s, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, sock.IPPROTO_TCP)
	if err != nil {
		return err
	}
	defer s.Close()
	fd := s.Fd()
	fmt.Fprintf(stdout, "socket(AF_INET, %s, IPPROTO_TCP) = %d\n", socketType, fd)
	fmt.Fprintln(stdout, socketNote)
	fmt.Fprintln(stdout)

	before, err := s.Options()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "before (getsockopt and fcntl):\n%s\n\n", indent(before.String()))

	steps := []struct {
		call string
		do   func() error
	}{
		{fmt.Sprintf("setsockopt(%d, SOL_SOCKET, SO_REUSEADDR, [1], 4)", fd), func() error { return s.SetReuseAddr(true) }},
		{fmt.Sprintf("setsockopt(%d, IPPROTO_TCP, TCP_NODELAY, [1], 4)", fd), func() error { return s.SetNoDelay(true) }},
		{fmt.Sprintf("setsockopt(%d, SOL_SOCKET, SO_RCVBUF, [%d], 4)", fd, *rcvbuf), func() error { return s.SetRecvBuffer(*rcvbuf) }},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			fmt.Fprintf(stdout, "%s = -1 (%v)\n", st.call, err)
			return err
		}
		fmt.Fprintf(stdout, "%s = 0\n", st.call)
	}
	// C would now call fcntl(fd, F_SETFL, flags|O_NONBLOCK). Here the
	// kernel's O_NONBLOCK is already set; only posixkit's mode changes.
	if err := s.SetNonblock(true); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "(Go: SetNonblock(true): no system call; F_GETFL already has O_NONBLOCK, posixkit's mode becomes nonblocking: calls that would wait now return EAGAIN)")

	after, err := s.Options()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nafter:\n%s\n\n", indent(after.String()))

	fmt.Fprintln(stdout, "changed:")
	old := parse(before.String())
	for _, kv := range parseOrdered(after.String()) {
		if was := old[kv[0]]; was != kv[1] {
			fmt.Fprintf(stdout, "  %-14s %s -> %s\n", kv[0], was, kv[1])
		}
	}
	return nil
}

// socketType is the type argument socket(2) gets, and socketNote says why.
var socketType, socketNote = func() (string, string) {
	if runtime.GOOS == "darwin" {
		return "SOCK_STREAM", "(Go: then fcntl(F_SETFD, FD_CLOEXEC) and fcntl(F_SETFL, O_NONBLOCK), and SO_NOSIGPIPE: the socket is nonblocking in the kernel so that a blocking call parks only its goroutine)"
	}
	return "SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK", "(Go: SOCK_CLOEXEC and SOCK_NONBLOCK are posixkit's: the socket is nonblocking in the kernel so that a blocking call parks only its goroutine)"
}()

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }

// parseOrdered splits Options.String's "NAME   value" lines: a name has
// single spaces at most, the gap after it two or more.
func parseOrdered(s string) [][2]string {
	var out [][2]string
	for line := range strings.Lines(s) {
		name, value, _ := strings.Cut(strings.TrimSpace(line), "  ")
		out = append(out, [2]string{name, strings.TrimSpace(value)})
	}
	return out
}

func parse(s string) map[string]string {
	m := make(map[string]string)
	for _, kv := range parseOrdered(s) {
		m[kv[0]] = kv[1]
	}
	return m
}
