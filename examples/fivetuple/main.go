// Command fivetuple shows that a socket is identified by a 5-tuple (section
// 1 of the notes): local IP, local port, remote IP, remote port, protocol.
// It replays the notes' example of two browsers on one computer connected
// to the same web server: it starts a server on loopback, connects two
// clients to the same port, and prints each client's 5-tuple, marking the
// one field that differs, the local port the kernel chose for each.
//
// Run it:
//
//	go run ./examples/fivetuple              (on 127.0.0.1)
//	go run ./examples/fivetuple -host ::1    (on IPv6 loopback)
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
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"

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
		fmt.Fprintln(os.Stderr, "fivetuple:", err)
		if errors.As(err, new(usageError)) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

const usage = "usage: fivetuple [-host LOOPBACK-IP]"

// usageError is a bad command line: exit status 2.
type usageError string

func (e usageError) Error() string { return string(e) + " (" + usage + ")" }

func run(_ context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("fivetuple", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	hostFlag := fs.String("host", "127.0.0.1", "loopback address for the server and both clients")
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
	host, err := netip.ParseAddr(*hostFlag)
	if err != nil || !host.IsLoopback() {
		return usageError(fmt.Sprintf("-host %q is not a loopback IP address", *hostFlag))
	}
	family := sock.AF_INET
	if host.Is6() {
		family = sock.AF_INET6
	}

	// The web server: socket, bind to port 0 (the kernel picks one), listen.
	srv, err := sock.New(family, sock.SOCK_STREAM, sock.IPPROTO_TCP)
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := srv.Bind(sock.InetAddr(netip.AddrPortFrom(host, 0))); err != nil {
		return err
	}
	if err := srv.Listen(2); err != nil {
		return err
	}
	srvAddr, err := srv.LocalAddr()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "server listening on %s\n", srvAddr)

	// Two browsers: each a socket connected to the same server port.
	var tuples [2]sock.Tuple
	for i := range tuples {
		c, err := sock.New(family, sock.SOCK_STREAM, sock.IPPROTO_TCP)
		if err != nil {
			return err
		}
		defer c.Close()
		if err := c.Connect(srvAddr); err != nil {
			return err
		}
		if tuples[i], err = c.Tuple(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "browser %d socket: %s\n", i+1, tuples[i])
	}
	// The server side has one accepted socket per browser: the same
	// tuples, seen from the other end.
	for i := range tuples {
		a, _, err := srv.Accept()
		if err != nil {
			return err
		}
		defer a.Close()
		t, err := a.Tuple()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "server's socket %d: %s\n", i+1, t)
	}

	fmt.Fprintln(stdout)
	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "field\tbrowser 1\tbrowser 2\t")
	a, b := tuples[0], tuples[1]
	rows := [][2]string{
		{protoName(a.Protocol), protoName(b.Protocol)},
		{a.Local.AddrPort().Addr().String(), b.Local.AddrPort().Addr().String()},
		{strconv.Itoa(int(a.Local.AddrPort().Port())), strconv.Itoa(int(b.Local.AddrPort().Port()))},
		{a.Remote.AddrPort().Addr().String(), b.Remote.AddrPort().Addr().String()},
		{strconv.Itoa(int(a.Remote.AddrPort().Port())), strconv.Itoa(int(b.Remote.AddrPort().Port()))},
	}
	names := []string{"protocol", "local IP", "local port", "remote IP", "remote port"}
	var differ []string
	for i, r := range rows {
		mark := ""
		if r[0] != r[1] {
			mark = "<- differs"
			differ = append(differ, names[i])
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", names[i], r[0], r[1], mark)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for line := range strings.Lines(table.String()) {
		fmt.Fprintln(stdout, strings.TrimRight(line, " \n"))
	}
	fmt.Fprintln(stdout)
	if len(differ) == 1 && differ[0] == "local port" {
		fmt.Fprintln(stdout, "The two sockets share local IP, remote IP, remote port and protocol: only the local port tells them apart.")
	} else {
		fmt.Fprintf(stdout, "The fields that differ: %v\n", differ)
	}
	return nil
}

// protoName prints the protocol as the 5-tuple's String does ("tcp").
func protoName(p sock.Protocol) string {
	switch p {
	case sock.IPPROTO_TCP:
		return "tcp"
	case sock.IPPROTO_UDP:
		return "udp"
	}
	return p.String()
}
