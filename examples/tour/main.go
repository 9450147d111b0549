// Command tour runs every flow of the notes (see notes/README.md) in one
// go, in this process, on loopback and in a temporary directory, and prints
// a heading for each section of the notes and what each call returned:
// the 5-tuple, open/read/write/close, getifaddrs, getaddrinfo and
// getnameinfo, the two kinds of socket, the socket functions, the TCP and
// UDP program flows, select, shutdown, and setsockopt/fcntl.
//
// Run it (it is the README's first command):
//
//	go run ./examples/tour
//
// It needs no network beyond loopback and finishes in well under a second;
// the look-ups of section 7 use only numeric addresses and the hosts file.
// Each flow is written out here in a few lines; the programs next to this
// one (tcpserver, udpclient, ...) are the full versions.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/posixkit/posixkit/addrinfo"
	"github.com/posixkit/posixkit/fileio"
	"github.com/posixkit/posixkit/netif"
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
		fmt.Fprintln(os.Stderr, "tour:", err)
		if errors.As(err, new(usageError)) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

const usage = "usage: tour"

// usageError is a bad command line: exit status 2.
type usageError string

func (e usageError) Error() string { return string(e) + " (" + usage + ")" }

// Headings, one per section of the notes, in the order they run.
var headings = []string{
	"1. A socket is identified by a 5-tuple",
	"2. open(2)",
	"3. read(2)",
	"4. write(2)",
	"5. close(2)",
	"6. getifaddrs(3): the network interfaces",
	"7. getaddrinfo(3) and struct addrinfo, getnameinfo(3)",
	"8. Two kinds of socket: connection-oriented and connectionless",
	"9. Socket functions",
	"10. TCP program flow",
	"11. UDP program flow",
	"select(2): watching many sockets",
	"shutdown(2): closing one direction",
	"setsockopt(2) and fcntl(2): setting and viewing options",
	"sendmsg(2) and recvmsg(2): unix paths, passing descriptors, several buffers",
}

// tour carries what the sections share.
type tour struct {
	ctx context.Context
	out io.Writer
	dir string // temporary directory for the file sections
	// closers are closed at the end, in reverse order, whatever happened.
	closers []io.Closer
}

func (t *tour) printf(format string, args ...any) { fmt.Fprintf(t.out, format, args...) }

func (t *tour) heading(i int) { t.printf("\n== %s ==\n\n", headings[i]) }

// keep registers c to be closed when the tour ends.
func keep[C io.Closer](t *tour, c C) C {
	t.closers = append(t.closers, c)
	return c
}

func run(ctx context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
	fl := flag.NewFlagSet("tour", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, usage)
			return err
		}
		return usageError(err.Error())
	}
	if fl.NArg() != 0 {
		return usageError("unexpected argument " + fl.Arg(0))
	}
	dir, err := os.MkdirTemp("", "posixkit-tour-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// Nothing here should wait for long; if it does, stop it.
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	t := &tour{ctx: ctx, out: stdout, dir: dir}
	defer func() {
		for i := len(t.closers) - 1; i >= 0; i-- {
			t.closers[i].Close()
		}
	}()
	t.printf("posixkit tour: every flow of the notes, on loopback and in %s\n", dir)
	sections := []func() error{
		t.fiveTuple, t.open, t.read, t.write, t.close, t.ifaddrs, t.addrinfo,
		t.kinds, t.functions, t.tcp, t.udp, t.select_, t.shutdown, t.sockopts,
		t.messages,
	}
	for i, section := range sections {
		if err := ctx.Err(); err != nil {
			return err
		}
		t.heading(i)
		if err := section(); err != nil {
			return fmt.Errorf("section %q: %w", headings[i], err)
		}
	}
	t.printf("\nDone: every section ran.\n")
	return nil
}

// listener is socket, bind to port 0 on 127.0.0.1, listen.
func (t *tour) listener() (*sock.Socket, netip.AddrPort, error) {
	ln, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	keep(t, ln)
	if err := ln.Bind(sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:0"))); err != nil {
		return nil, netip.AddrPort{}, err
	}
	if err := ln.Listen(8); err != nil {
		return nil, netip.AddrPort{}, err
	}
	addr, err := ln.LocalAddr()
	return ln, addr.AddrPort(), err
}

// connect is socket, connect to addr.
func (t *tour) connect(addr netip.AddrPort) (*sock.Socket, error) {
	c, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	if err != nil {
		return nil, err
	}
	keep(t, c)
	return c, c.Connect(sock.InetAddr(addr))
}

func (t *tour) fiveTuple() error {
	ln, addr, err := t.listener()
	if err != nil {
		return err
	}
	t.printf("a server listens on %s; two \"browsers\" connect to it:\n", addr)
	var tuples [2]sock.Tuple
	for i := range tuples {
		c, err := t.connect(addr)
		if err != nil {
			return err
		}
		if tuples[i], err = c.Tuple(); err != nil {
			return err
		}
		t.printf("  browser %d: Tuple() = %s\n", i+1, tuples[i])
	}
	a, b := tuples[0], tuples[1]
	same := a.Protocol == b.Protocol && a.Local.AddrPort().Addr() == b.Local.AddrPort().Addr() && a.Remote == b.Remote
	t.printf("same protocol, local IP, remote IP and remote port: %v; local ports %d and %d\n",
		same, a.Local.AddrPort().Port(), b.Local.AddrPort().Port())
	return ln.Close()
}

// errno prints err the way the C programs do: its number and its text.
func errno(err error) string {
	var e unix.Errno
	if errors.As(err, &e) {
		return fmt.Sprintf("-1, errno %d (%v)", int(e), err)
	}
	return fmt.Sprintf("-1 (%v)", err)
}

func (t *tour) path(name string) string { return filepath.Join(t.dir, name) }

func (t *tour) open() error {
	f, err := fileio.Open(t.path("foo.txt"), fileio.O_RDONLY|fileio.O_CREAT, 0o644)
	if err != nil {
		return err
	}
	t.printf("open(\"foo.txt\", O_RDONLY|O_CREAT, 0644): fd = %d (foo.txt did not exist: created, empty)\n", f.Fd())
	t.printf("(Go: fileio.Open calls openat(AT_FDCWD, path, flags|O_CLOEXEC, mode): every descriptor here is close-on-exec)\n")
	if err := f.Close(); err != nil {
		return err
	}
	_, err = fileio.Open(t.path("missing.txt"), fileio.O_RDONLY, 0)
	t.printf("open(\"missing.txt\", O_RDONLY) = %s\n", errno(err))
	t.printf("  errors.Is(err, fs.ErrNotExist) = %v\n", errors.Is(err, fs.ErrNotExist))
	_, err = fileio.Open(t.path("foo.txt"), fileio.O_WRONLY|fileio.O_CREAT|fileio.O_EXCL, 0o644)
	t.printf("open(\"foo.txt\", O_WRONLY|O_CREAT|O_EXCL, 0644) = %s\n", errno(err))
	return nil
}

// readTen is the C read example: open read-only, read 10 bytes.
func (t *tour) readTen() error {
	f, err := fileio.Open(t.path("foo.txt"), fileio.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	c := make([]byte, 10)
	n, err := f.Read(c)
	if err != nil && err != io.EOF {
		return err
	}
	t.printf("called read(%d, c, 10). returned that %d bytes were read.\n", f.Fd(), n)
	if err == io.EOF {
		t.printf("  (Go's Read reports the end of the file as 0, io.EOF)\n")
	}
	t.printf("Those bytes are as follows: %s\n", c[:n])
	return nil
}

func (t *tour) read() error {
	t.printf("foo.txt is still empty:\n")
	return t.readTen()
}

func (t *tour) write() error {
	f, err := fileio.Open(t.path("foo.txt"), fileio.O_WRONLY|fileio.O_CREAT|fileio.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	msg := "hello geeks\n"
	n, err := f.Write([]byte(msg))
	if err != nil {
		f.Close()
		return err
	}
	t.printf("called write(%d, \"hello geeks\\n\", %d). It returned %d\n", f.Fd(), len(msg), n)
	if err := f.Close(); err != nil {
		return err
	}
	t.printf("and read(2) again, now that foo.txt has something in it:\n")
	return t.readTen()
}

func (t *tour) close() error {
	f, err := fileio.Open(t.path("foo.txt"), fileio.O_RDONLY, 0)
	if err != nil {
		return err
	}
	t.printf("opened the fd = %d\n", f.Fd())
	if err := f.Close(); err != nil {
		return err
	}
	t.printf("closed the fd.\n")
	err = f.Close()
	t.printf("a second Close() = %v (errors.Is(err, fs.ErrClosed) = %v: no close(2) of a number someone else may own now)\n",
		err, errors.Is(err, fs.ErrClosed))
	return nil
}

func (t *tour) ifaddrs() error {
	list, err := netif.IfAddrs()
	if err != nil && len(list) == 0 {
		t.printf("getifaddrs failed: %v\n", err)
		return nil
	}
	t.printf("IfAddrs() returned %d entries (links first, then addresses):\n", len(list))
	const most = 24
	for i, a := range list {
		if i == most {
			t.printf("  ... and %d more\n", len(list)-most)
			break
		}
		switch {
		case a.Family == sock.AF_PACKET && a.HardwareAddr != nil:
			t.printf("  %-10s %-9v %-28s <%v>\n", a.Name, a.Family, a.HardwareAddr, a.Flags)
		case a.Family == sock.AF_PACKET:
			t.printf("  %-10s %-9v %-28s <%v>\n", a.Name, a.Family, "-", a.Flags)
		default:
			t.printf("  %-10s %-9v %-28s <%v>\n", a.Name, a.Family, a.Prefix(), a.Flags)
		}
	}
	if err != nil {
		t.printf("  (with an error: %v)\n", err)
	}
	return nil
}

func (t *tour) addrinfo() error {
	ctx, cancel := context.WithTimeout(t.ctx, 3*time.Second)
	defer cancel()
	lookups := []struct {
		host, service string
		hints         *addrinfo.Hints
		show          string
	}{
		{"127.0.0.1", "8080", &addrinfo.Hints{SockType: sock.SOCK_STREAM}, `"127.0.0.1", "8080", {SOCK_STREAM}`},
		{"", "8080", &addrinfo.Hints{Flags: addrinfo.AI_PASSIVE, SockType: sock.SOCK_DGRAM}, `NULL, "8080", {AI_PASSIVE, SOCK_DGRAM}`},
		{"localhost", "80", &addrinfo.Hints{Flags: addrinfo.AI_CANONNAME, SockType: sock.SOCK_STREAM}, `"localhost", "80", {AI_CANONNAME, SOCK_STREAM}`},
		{"no.such.host.invalid", "80", &addrinfo.Hints{Flags: addrinfo.AI_NUMERICHOST}, `"no.such.host.invalid", "80", {AI_NUMERICHOST}`},
	}
	for _, l := range lookups {
		infos, err := addrinfo.Lookup(ctx, l.host, l.service, l.hints)
		if err != nil {
			var code addrinfo.Code
			if errors.As(err, &code) {
				t.printf("getaddrinfo(%s) = %s: %v\n", l.show, code.Name(), err)
			} else {
				t.printf("getaddrinfo(%s) failed: %v\n", l.show, err)
			}
			continue
		}
		t.printf("getaddrinfo(%s) = %d entries:\n", l.show, len(infos))
		for _, ai := range infos {
			canon := ""
			if ai.CanonName != "" {
				canon = fmt.Sprintf(" ai_canonname=%q", ai.CanonName)
			}
			t.printf("  ai_family=%v ai_socktype=%v ai_protocol=%v ai_addr=%s%s\n", ai.Family, ai.SockType, ai.Protocol, ai.Addr, canon)
		}
	}
	addr := netip.MustParseAddrPort("127.0.0.1:22")
	for _, flags := range []addrinfo.NIFlags{addrinfo.NI_NUMERICHOST | addrinfo.NI_NUMERICSERV, 0} {
		host, serv, err := addrinfo.NameInfo(ctx, addr, flags)
		if err != nil {
			t.printf("getnameinfo(%s, %v) failed: %v\n", addr, flags, err)
			continue
		}
		t.printf("getnameinfo(%s, %v) = host %q, service %q\n", addr, flags, host, serv)
	}
	return nil
}

func (t *tour) kinds() error {
	t.printf("(Go: sock.New adds SOCK_CLOEXEC|SOCK_NONBLOCK to the type socket(2) gets: nonblocking in the kernel, so that a wait parks only the goroutine)\n")
	for _, k := range []struct {
		typ  sock.Type
		what string
	}{
		{sock.SOCK_STREAM, "connection-oriented: bytes arrive in order, no duplicates, loss is retransmitted"},
		{sock.SOCK_DGRAM, "connectionless: each datagram on its own; may be lost, duplicated or reordered, and nobody is told"},
	} {
		s, err := sock.New(sock.AF_INET, k.typ, 0)
		if err != nil {
			return err
		}
		fd := s.Fd()
		o, err := s.Options()
		s.Close()
		if err != nil {
			return err
		}
		t.printf("socket(AF_INET, %v, 0) = %d: SO_TYPE %v, SO_PROTOCOL %v\n  %s\n", k.typ, fd, o.Type, o.Protocol, k.what)
	}
	return nil
}

func (t *tour) functions() error {
	rows := [][2]string{
		{"socket()", "sock.New(family, type, proto), or addrinfo.Info.Socket()"},
		{"bind()", "s.Bind(sock.InetAddr(ap)) or s.Bind(sock.UnixAddr(path))"},
		{"listen()", "s.Listen(backlog)               (TCP only)"},
		{"connect()", "s.Connect(netip.AddrPort)       (TCP; on UDP it only sets the peer)"},
		{"accept()", "s.Accept() -> new socket, peer (TCP only)"},
		{"send(), recv()", "s.Send(p, flags), s.Recv(p, flags)"},
		{"sendto(), recvfrom()", "s.SendTo(p, flags, to), s.RecvFrom(p, flags)"},
		{"close()", "s.Close()                       (TCP: ends the connection)"},
		{"shutdown()", "s.Shutdown(sock.SHUT_WR)        (TCP: stop one direction)"},
		{"select()", "poll.Select(nfd, &r, &w, &e, timeout) with poll.FDSet; poll.Poller"},
		{"getaddrinfo()", "addrinfo.Lookup(ctx, host, service, &hints)"},
		{"getnameinfo()", "addrinfo.NameInfo(ctx, addr, flags)"},
		{"setsockopt()", "s.SetsockoptInt(level, name, v), s.SetReuseAddr(true), ..."},
		{"fcntl()", "s.Options() (getsockopt and fcntl F_GETFL/F_GETFD), s.SetNonblock(true)"},
	}
	for _, r := range rows {
		t.printf("  %-22s %s\n", r[0], r[1])
	}
	t.printf("each is shown running in the sections around this one.\n")
	return nil
}

func (t *tour) tcp() error {
	// The server: getaddrinfo(AI_PASSIVE), socket, bind, listen.
	infos, err := addrinfo.Lookup(t.ctx, "127.0.0.1", "0", &addrinfo.Hints{Flags: addrinfo.AI_PASSIVE, SockType: sock.SOCK_STREAM})
	if err != nil {
		return err
	}
	ai := infos[0]
	t.printf("server: getaddrinfo(\"127.0.0.1\", \"0\", {AI_PASSIVE, SOCK_STREAM}) = %s %v\n", ai.Addr, ai.Family)
	ln, err := ai.Socket()
	if err != nil {
		return err
	}
	keep(t, ln)
	t.printf("server: socket(%v, %v, %v) = %d\n", ai.Family, ai.SockType, ai.Protocol, ln.Fd())
	if err := ln.Bind(sock.InetAddr(ai.Addr)); err != nil {
		return err
	}
	if err := ln.Listen(8); err != nil {
		return err
	}
	addr, err := ln.LocalAddr()
	if err != nil {
		return err
	}
	t.printf("server: bind, listen: listening on %s (port 0: the kernel chose)\n", addr)

	// The client: getaddrinfo(host, port), socket, connect.
	infos, err = addrinfo.Lookup(t.ctx, addr.AddrPort().Addr().String(), fmt.Sprint(addr.AddrPort().Port()), &addrinfo.Hints{SockType: sock.SOCK_STREAM})
	if err != nil {
		return err
	}
	c, err := infos[0].Socket()
	if err != nil {
		return err
	}
	keep(t, c)
	if err := c.Connect(sock.InetAddr(infos[0].Addr)); err != nil {
		return err
	}
	t.printf("client: getaddrinfo, socket, connect(%s): Connect returned nil\n", infos[0].Addr)
	t.printf("(Go: connect(2) on the nonblocking socket returns EINPROGRESS until the handshake is done; Connect then waits in the runtime poller and reads SO_ERROR = 0, what a blocking connect reports as 0)\n")

	// accept returns a new socket for this client; the listener stays.
	conn, peer, err := ln.Accept()
	if err != nil {
		return err
	}
	keep(t, conn)
	t.printf("server: accept() = new socket %d for %s; the listening socket %d keeps accepting\n", conn.Fd(), peer, ln.Fd())

	n, err := c.Send([]byte("hello"), 0)
	if err != nil {
		return err
	}
	t.printf("client: send(\"hello\") = %d\n", n)
	buf := make([]byte, 64)
	n, err = conn.Recv(buf, 0)
	if err != nil {
		return err
	}
	t.printf("server: recv() = %d: %q\n", n, buf[:n])
	reply := strings.ToUpper(string(buf[:n]))
	if _, err := conn.Send([]byte(reply), 0); err != nil {
		return err
	}
	t.printf("server: send(%q)\n", reply)
	n, err = c.Recv(buf, 0)
	if err != nil {
		return err
	}
	t.printf("client: recv() = %d: %q\n", n, buf[:n])
	if err := c.Close(); err != nil {
		return err
	}
	t.printf("client: close()\n")
	_, err = conn.Recv(buf, 0)
	t.printf("server: recv() = 0, %v: the client closed\n", err)
	return conn.Close()
}

func (t *tour) udp() error {
	// The server: getaddrinfo(AI_PASSIVE), socket, bind; no listen, no accept.
	infos, err := addrinfo.Lookup(t.ctx, "127.0.0.1", "0", &addrinfo.Hints{Flags: addrinfo.AI_PASSIVE, SockType: sock.SOCK_DGRAM})
	if err != nil {
		return err
	}
	srv, err := infos[0].Socket()
	if err != nil {
		return err
	}
	keep(t, srv)
	if err := srv.Bind(sock.InetAddr(infos[0].Addr)); err != nil {
		return err
	}
	addr, err := srv.LocalAddr()
	if err != nil {
		return err
	}
	t.printf("server: getaddrinfo, socket(%v, %v, %v), bind: on %s\n", infos[0].Family, infos[0].SockType, infos[0].Protocol, addr)

	// The client must send first: the server cannot know it before.
	c, err := sock.New(sock.AF_INET, sock.SOCK_DGRAM, 0)
	if err != nil {
		return err
	}
	keep(t, c)
	n, err := c.SendTo([]byte("hello"), 0, addr)
	if err != nil {
		return err
	}
	t.printf("client: socket, sendto(\"hello\", %s) = %d (the first datagram)\n", addr, n)
	buf := make([]byte, 1024)
	n, from, err := srv.RecvFrom(buf, 0)
	if err != nil {
		return err
	}
	t.printf("server: recvfrom() = %d: %q from %s\n", n, buf[:n], from)
	reply := strings.ToUpper(string(buf[:n]))
	if _, err := srv.SendTo([]byte(reply), 0, from); err != nil {
		return err
	}
	t.printf("server: sendto(%q, %s)\n", reply, from)
	n, from, err = c.RecvFrom(buf, 0)
	if err != nil {
		return err
	}
	t.printf("client: recvfrom() = %d: %q from %s\n", n, buf[:n], from)

	// Datagram boundaries are kept: an empty one is a datagram, and a long
	// one does not fit a short buffer.
	if _, err := c.SendTo(nil, 0, addr); err != nil {
		return err
	}
	n, _, err = srv.RecvFrom(buf, 0)
	t.printf("client sends an empty datagram; server: recvfrom() = %d, %v (not EOF)\n", n, err)
	if _, err := c.SendTo(make([]byte, 3000), 0, addr); err != nil {
		return err
	}
	n, _, err = srv.RecvFrom(buf, 0)
	t.printf("client sends 3000 bytes; server: recvfrom(buf[1024]) = %d, %v (errors.Is(err, sock.ErrTruncated) = %v)\n",
		n, err, errors.Is(err, sock.ErrTruncated))
	return nil
}

func (t *tour) select_() error {
	ln, addr, err := t.listener()
	if err != nil {
		return err
	}
	var conns [2]*sock.Socket
	var clients [2]*sock.Socket
	for i := range conns {
		if clients[i], err = t.connect(addr); err != nil {
			return err
		}
		c, _, err := ln.Accept()
		if err != nil {
			return err
		}
		conns[i] = keep(t, c)
	}
	t.printf("a server with two clients: server-side fds %d and %d\n", conns[0].Fd(), conns[1].Fd())
	nfd := max(conns[0].Fd(), conns[1].Fd()) + 1

	var r poll.FDSet
	set := func() error {
		r.Zero()
		for _, c := range conns {
			if err := r.Set(c.Fd()); err != nil {
				return err
			}
		}
		return nil
	}
	if err := set(); err != nil {
		return err
	}
	n, err := poll.Select(nfd, &r, nil, nil, 10*time.Millisecond)
	if err != nil {
		return err
	}
	t.printf("select(%d, {%d, %d}, 10ms) = %d: nobody has sent anything\n", nfd, conns[0].Fd(), conns[1].Fd(), n)
	if _, err := clients[1].Send([]byte("ping"), 0); err != nil {
		return err
	}
	t.printf("client 2 sends \"ping\"\n")
	if err := set(); err != nil {
		return err
	}
	n, err = poll.Select(nfd, &r, nil, nil, time.Second)
	if err != nil {
		return err
	}
	t.printf("select(%d, {%d, %d}, 1s) = %d: FD_ISSET(%d) = %v, FD_ISSET(%d) = %v\n", nfd, conns[0].Fd(), conns[1].Fd(), n,
		conns[0].Fd(), r.IsSet(conns[0].Fd()), conns[1].Fd(), r.IsSet(conns[1].Fd()))
	err = r.Set(poll.FD_SETSIZE)
	t.printf("FD_SET(%d) = %v (x/sys would panic; C would write past the set)\n", poll.FD_SETSIZE, err)

	// The same with a Poller, which keeps the sets itself.
	p, err := poll.New()
	if err != nil {
		return err
	}
	defer p.Close()
	for _, c := range conns {
		if err := p.Add(c.Fd(), poll.Readable); err != nil {
			return err
		}
	}
	ready := make([]poll.Ready, 4)
	n, err = p.Wait(ready, time.Second)
	if err != nil {
		return err
	}
	for _, rd := range ready[:n] {
		t.printf("Poller.Wait: fd %d is %v\n", rd.Fd, rd.Events)
	}
	for _, c := range conns {
		if err := p.Remove(c.Fd()); err != nil {
			return err
		}
	}
	return p.Close()
}

func (t *tour) shutdown() error {
	ln, addr, err := t.listener()
	if err != nil {
		return err
	}
	c, err := t.connect(addr)
	if err != nil {
		return err
	}
	conn, _, err := ln.Accept()
	if err != nil {
		return err
	}
	keep(t, conn)
	if _, err := c.Write([]byte("request")); err != nil {
		return err
	}
	if err := c.Shutdown(sock.SHUT_WR); err != nil {
		return err
	}
	t.printf("client: send(\"request\"), shutdown(SHUT_WR) = 0: no more sending, still reading\n")
	req, err := io.ReadAll(conn)
	if err != nil {
		return err
	}
	t.printf("server: reads %q, then EOF: the request is complete\n", req)
	if _, err := conn.Write([]byte("reply to " + string(req))); err != nil {
		return err
	}
	if err := conn.Close(); err != nil {
		return err
	}
	t.printf("server: send(\"reply to request\"), close()\n")
	reply, err := io.ReadAll(c)
	if err != nil {
		return err
	}
	t.printf("client: still reads %q after its half-close\n", reply)
	return nil
}

func (t *tour) sockopts() error {
	s, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	if err != nil {
		return err
	}
	defer s.Close()
	before, err := s.Options()
	if err != nil {
		return err
	}
	steps := []struct {
		call string
		err  error
	}{
		{"setsockopt(SO_REUSEADDR, 1) = 0", s.SetReuseAddr(true)},
		{"setsockopt(TCP_NODELAY, 1) = 0", s.SetNoDelay(true)},
		{"setsockopt(SO_RCVBUF, 16384) = 0", s.SetRecvBuffer(16384)},
		// No fcntl(F_SETFL): the kernel's O_NONBLOCK is set from socket(2).
		{"(Go: SetNonblock(true): no system call; posixkit's own mode)", s.SetNonblock(true)},
	}
	for _, st := range steps {
		if st.err != nil {
			return st.err
		}
		t.printf("%s\n", st.call)
	}
	after, err := s.Options()
	if err != nil {
		return err
	}
	t.printf("Options() before and after, the lines that changed:\n")
	was := map[string]string{}
	for line := range strings.Lines(before.String()) {
		name, v, _ := strings.Cut(strings.TrimSpace(line), "  ")
		was[name] = strings.TrimSpace(v)
	}
	for line := range strings.Lines(after.String()) {
		name, v, _ := strings.Cut(strings.TrimSpace(line), "  ")
		if v = strings.TrimSpace(v); was[name] != v {
			t.printf("  %-14s %s -> %s\n", name, was[name], v)
		}
	}
	return nil
}

func (t *tour) messages() error {
	// A unix datagram server answers a client at the path recvfrom gives.
	var ends [2]*sock.Socket
	for i, name := range []string{"srv.sock", "client.sock"} {
		s, err := sock.New(sock.AF_UNIX, sock.SOCK_DGRAM, 0)
		if err != nil {
			return err
		}
		ends[i] = keep(t, s)
		if err := s.Bind(sock.UnixAddr(t.path(name))); err != nil {
			return err
		}
	}
	srv, c := ends[0], ends[1]
	if _, err := c.SendTo([]byte("hi"), 0, sock.UnixAddr(t.path("srv.sock"))); err != nil {
		return err
	}
	buf := make([]byte, 64)
	n, from, err := srv.RecvFrom(buf, 0)
	if err != nil {
		return err
	}
	if _, err := srv.SendTo(buf[:n], 0, from); err != nil {
		return err
	}
	if _, _, err := c.RecvFrom(buf, 0); err != nil {
		return err
	}
	t.printf("unix datagram: recvfrom() = %d from %s; sendto that path answers the client\n", n, filepath.Base(from.Path()))

	// SCM_RIGHTS: an open file crosses a socketpair.
	a, b, err := sock.Pair(sock.AF_UNIX, sock.SOCK_STREAM, 0)
	if err != nil {
		return err
	}
	keep(t, a)
	keep(t, b)
	f, err := fileio.Open(t.path("passed.txt"), fileio.O_RDWR|fileio.O_CREAT, 0o600)
	if err != nil {
		return err
	}
	keep(t, f)
	if _, err := a.SendMsg([][]byte{[]byte("fd")}, sock.AppendRights(nil, f.Fd()), sock.Addr{}, 0); err != nil {
		return err
	}
	oob := make([]byte, sock.CmsgSpace(4))
	_, oobn, _, _, err := b.RecvMsg([][]byte{buf}, oob, 0)
	if err != nil {
		return err
	}
	msgs, err := sock.ParseControl(oob[:oobn], nil)
	if err != nil {
		return err
	}
	var fds []int
	for _, m := range msgs {
		fds, _ = m.Rights(fds)
	}
	if len(fds) != 1 {
		return fmt.Errorf("received %d descriptors, want 1", len(fds))
	}
	got := keep(t, fileio.NewFile(fds[0], "received"))
	t.printf("SCM_RIGHTS: sendmsg(fd %d), recvmsg() gave fd %d for the same open file (close-on-exec: MSG_CMSG_CLOEXEC)\n", f.Fd(), fds[0])

	// writev: several buffers, one call; the original descriptor reads them.
	n, err = got.Writev([][]byte{[]byte("head "), []byte("body\n")})
	if err != nil {
		return err
	}
	body := make([]byte, n)
	if _, err := f.ReadAt(body, 0); err != nil {
		return err
	}
	t.printf("writev([\"head \", \"body\\n\"]) = %d through the received fd; the original fd reads %q\n", n, body)
	return nil
}
