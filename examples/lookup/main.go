// Command lookup shows the address look-up flow of the notes, as the C
// textbook's lookup program does it: it resolves the host name (and the
// optional service) given on the command line with getaddrinfo (AI_ALL,
// any family) and prints each address it gets back, turned into text by
// getnameinfo with NI_NUMERICHOST. The C program's lines come first, in
// its order and wording:
//
//	Resolving hostname 'HOST'
//	Remote address is:
//		ADDRESS
//
// Two things are Go-side additions, each on a line of its own, marked with
// "(posixkit)": the port of each entry when a service is given, and the
// reverse name of each address (getnameinfo without NI_NUMERICHOST: the
// hosts file, then a DNS PTR query; the numeric form when there is none).
// The C program asks with no socket type and prints each address once per
// type (stream, datagram, raw); this one asks for SOCK_STREAM, so each
// address is printed once.
//
// Run it:
//
//	go run ./examples/lookup example.com
//	go run ./examples/lookup example.com http
//	go run ./examples/lookup            # looks up localhost
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
		fmt.Fprintln(os.Stderr, "lookup:", err)
		if errors.As(err, new(usageError)) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

const usage = "usage: lookup [-timeout DURATION] [hostname [service]]"

// usageError is a bad command line: exit status 2.
type usageError string

func (e usageError) Error() string { return string(e) + " (" + usage + ")" }

func run(ctx context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("lookup", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	timeout := fs.Duration("timeout", 10*time.Second, "how long the look-up may take (more than 0)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, usage)
			fmt.Fprintln(stdout, "  hostname\tthe name or address to resolve (default localhost)")
			fmt.Fprintln(stdout, "  service\ta service name or port number (default none)")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return err
		}
		return usageError(err.Error())
	}
	if *timeout <= 0 {
		return usageError(fmt.Sprintf("-timeout %v is not more than 0", *timeout))
	}
	host, service := "localhost", ""
	switch fs.NArg() {
	case 0:
	case 1:
		host = fs.Arg(0)
	case 2:
		host, service = fs.Arg(0), fs.Arg(1)
	default:
		return usageError("unexpected argument " + fs.Arg(2))
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	fmt.Fprintf(stdout, "Resolving hostname '%s'\n", host)
	infos, err := addrinfo.Lookup(ctx, host, service, &addrinfo.Hints{Flags: addrinfo.AI_ALL, SockType: sock.SOCK_STREAM})
	if err != nil {
		var e *addrinfo.Error
		if errors.As(err, &e) {
			// The C program's line, then the error's text.
			fmt.Fprintf(stdout, "getaddrinfo() failed. (%d)\n", int(e.Code))
		}
		return err
	}
	fmt.Fprintln(stdout, "Remote address is:")
	for _, info := range infos {
		name, port, err := addrinfo.NameInfo(ctx, info.Addr, addrinfo.NI_NUMERICHOST|addrinfo.NI_NUMERICSERV)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\t%s\n", name)
		if service != "" {
			fmt.Fprintf(stdout, "\t\t(posixkit) port %s\n", port)
		}
		rev, _, err := addrinfo.NameInfo(ctx, info.Addr, addrinfo.NI_NUMERICSERV)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\t\t(posixkit) reverse name %s\n", rev)
	}
	return nil
}
