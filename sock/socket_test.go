package sock_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// skFamilies are the IP families the flow tests run over.
var skFamilies = []struct {
	name   string
	family sock.Family
	lo     netip.Addr
}{
	{"ipv4", sock.AF_INET, netip.MustParseAddr("127.0.0.1")},
	{"ipv6", sock.AF_INET6, netip.MustParseAddr("::1")},
}

// skNew makes a socket closed at the end of the test.
func skNew(t testing.TB, family sock.Family, typ sock.Type, proto sock.Protocol) *sock.Socket {
	t.Helper()
	s, err := sock.New(family, typ, proto)
	if err != nil {
		if family == sock.AF_INET6 && errors.Is(err, unix.EAFNOSUPPORT) {
			t.Skipf("no IPv6 here: %v", err)
		}
		t.Fatalf("New(%v, %v, %v): %v", family, typ, proto, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// skBind binds s to the loopback address of its family, port 0, and returns
// the address the kernel chose.
func skBind(t testing.TB, s *sock.Socket, lo netip.Addr) netip.AddrPort {
	t.Helper()
	if err := s.Bind(sock.InetAddr(netip.AddrPortFrom(lo, 0))); err != nil {
		if lo.Is6() && errors.Is(err, unix.EADDRNOTAVAIL) {
			t.Skipf("no [::1] here: %v", err)
		}
		t.Fatalf("Bind: %v", err)
	}
	a, err := s.LocalAddr()
	if err != nil {
		t.Fatalf("LocalAddr: %v", err)
	}
	if a.AddrPort().Port() == 0 {
		t.Fatalf("LocalAddr after Bind to port 0 = %v, want a chosen port", a)
	}
	return a.AddrPort()
}

// skListen makes a TCP listener on loopback.
func skListen(t testing.TB, family sock.Family, lo netip.Addr) (*sock.Socket, netip.AddrPort) {
	t.Helper()
	ln := skNew(t, family, sock.SOCK_STREAM, 0)
	addr := skBind(t, ln, lo)
	if err := ln.Listen(16); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	return ln, addr
}

// skDial connects a new TCP socket to addr.
func skDial(t testing.TB, family sock.Family, addr netip.AddrPort) *sock.Socket {
	t.Helper()
	c := skNew(t, family, sock.SOCK_STREAM, 0)
	if err := c.Connect(sock.InetAddr(addr)); err != nil {
		t.Fatalf("Connect(%v): %v", addr, err)
	}
	return c
}

// skAccept accepts one connection, closed at the end of the test.
func skAccept(t testing.TB, ln *sock.Socket) (*sock.Socket, netip.AddrPort) {
	t.Helper()
	s, peer, err := ln.Accept()
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, peer.AddrPort()
}

// skTCP returns the two ends of a loopback TCP connection.
func skTCP(t testing.TB, family sock.Family, lo netip.Addr) (client, server *sock.Socket) {
	t.Helper()
	ln, addr := skListen(t, family, lo)
	client = skDial(t, family, addr)
	server, _ = skAccept(t, ln)
	return client, server
}

// skPair returns a socketpair closed at the end of the test.
func skPair(t testing.TB, typ sock.Type) (*sock.Socket, *sock.Socket) {
	t.Helper()
	a, b, err := sock.Pair(sock.AF_UNIX, typ, 0)
	if err != nil {
		t.Fatalf("Pair(AF_UNIX, %v): %v", typ, err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

func skSend(t testing.TB, s *sock.Socket, msg string) {
	t.Helper()
	n, err := s.Send([]byte(msg), 0)
	if err != nil || n != len(msg) {
		t.Fatalf("Send(%q) = %d, %v; want %d, nil", msg, n, err, len(msg))
	}
}

func skRecv(t testing.TB, s *sock.Socket, want string) {
	t.Helper()
	buf := make([]byte, len(want)+16)
	got := 0
	for got < len(want) {
		n, err := s.Recv(buf[got:], 0)
		if err != nil {
			t.Fatalf("Recv after %q: %v", buf[:got], err)
		}
		got += n
	}
	if string(buf[:got]) != want {
		t.Fatalf("Recv = %q, want %q", buf[:got], want)
	}
}

// skErrIs fails unless errors.Is(err, want).
func skErrIs(t testing.TB, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: error %v, want one wrapping %v", what, err, want)
	}
}

func TestTCPFlow(t *testing.T) {
	for _, f := range skFamilies {
		t.Run(f.name, func(t *testing.T) {
			ln, addr := skListen(t, f.family, f.lo)
			if addr.Addr() != f.lo {
				t.Errorf("listener LocalAddr = %v, want %v", addr, f.lo)
			}
			c := skDial(t, f.family, addr)
			s, peer := skAccept(t, ln)

			cl, err := c.LocalAddr()
			if err != nil {
				t.Fatal(err)
			}
			if peer != cl.AddrPort() {
				t.Errorf("Accept's peer = %v, client's LocalAddr = %v", peer, cl)
			}
			cr, err := c.RemoteAddr()
			if err != nil {
				t.Fatal(err)
			}
			if cr.AddrPort() != addr {
				t.Errorf("client RemoteAddr = %v, want %v", cr, addr)
			}

			ct, err := c.Tuple()
			if err != nil {
				t.Fatal(err)
			}
			st, err := s.Tuple()
			if err != nil {
				t.Fatal(err)
			}
			want := sock.Tuple{Protocol: sock.IPPROTO_TCP, Local: cl, Remote: sock.InetAddr(addr), Type: sock.SOCK_STREAM}
			if diff := cmp.Diff(want, ct, cmp.Comparer(func(a, b sock.Addr) bool { return a == b })); diff != "" {
				t.Errorf("client Tuple (-want +got):\n%s", diff)
			}
			mirror := sock.Tuple{Protocol: ct.Protocol, Local: ct.Remote, Remote: ct.Local, Type: ct.Type}
			if st != mirror {
				t.Errorf("server Tuple = %v, want the client's mirrored: %v", st, mirror)
			}

			skSend(t, c, "hello")
			skRecv(t, s, "hello")
			skSend(t, s, "HELLO")
			skRecv(t, c, "HELLO")

			// io.Writer / io.Reader on the same connection.
			if n, err := c.Write([]byte("via write")); err != nil || n != 9 {
				t.Fatalf("Write = %d, %v", n, err)
			}
			buf := make([]byte, 9)
			if _, err := io.ReadFull(s, buf); err != nil || string(buf) != "via write" {
				t.Fatalf("ReadFull = %q, %v", buf, err)
			}
			if err := c.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if n, err := s.Read(buf); n != 0 || err != io.EOF {
				t.Fatalf("Read after peer Close = %d, %v; want 0, io.EOF", n, err)
			}
		})
	}
}

// TestTwoClientsTuples is the notes' two-browsers example: two connections
// from one host to one server port differ only in the local port.
func TestTwoClientsTuples(t *testing.T) {
	for _, f := range skFamilies {
		t.Run(f.name, func(t *testing.T) {
			_, addr := skListen(t, f.family, f.lo)
			a := skDial(t, f.family, addr)
			b := skDial(t, f.family, addr)
			ta, err := a.Tuple()
			if err != nil {
				t.Fatal(err)
			}
			tb, err := b.Tuple()
			if err != nil {
				t.Fatal(err)
			}
			if ta.Local.AddrPort().Port() == tb.Local.AddrPort().Port() {
				t.Fatalf("both clients have local port %d", ta.Local.AddrPort().Port())
			}
			// Equal once the local ports are made equal: nothing else differs.
			tb.Local = sock.InetAddr(netip.AddrPortFrom(tb.Local.AddrPort().Addr(), ta.Local.AddrPort().Port()))
			if ta != tb {
				t.Errorf("tuples differ in more than the local port: %v vs %v", ta, tb)
			}
			if ta.Remote.AddrPort() != addr || ta.Protocol != sock.IPPROTO_TCP {
				t.Errorf("tuple %v, want tcp to %v", ta, addr)
			}
		})
	}
}

func TestStdlibPeers(t *testing.T) {
	t.Run("net.Dial to Socket listener", func(t *testing.T) {
		ln, addr := skListen(t, sock.AF_INET, netip.MustParseAddr("127.0.0.1"))
		nc, err := net.Dial("tcp", addr.String())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		s, peer := skAccept(t, ln)
		if want := nc.LocalAddr().(*net.TCPAddr).AddrPort(); peer != want {
			t.Errorf("Accept's peer = %v, net.Conn's LocalAddr = %v", peer, want)
		}
		if _, err := nc.Write([]byte("from net")); err != nil {
			t.Fatal(err)
		}
		skRecv(t, s, "from net")
		skSend(t, s, "to net")
		buf := make([]byte, 6)
		if _, err := io.ReadFull(nc, buf); err != nil || string(buf) != "to net" {
			t.Fatalf("net.Conn read %q, %v", buf, err)
		}
	})
	t.Run("Socket to net.Listen", func(t *testing.T) {
		nl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer nl.Close()
		addr := nl.Addr().(*net.TCPAddr).AddrPort()
		c := skDial(t, sock.AF_INET, addr)
		nc, err := nl.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		cl, _ := c.LocalAddr()
		if got := nc.RemoteAddr().(*net.TCPAddr).AddrPort(); got != cl.AddrPort() {
			t.Errorf("net's RemoteAddr = %v, Socket's LocalAddr = %v", got, cl)
		}
		skSend(t, c, "ping")
		buf := make([]byte, 4)
		if _, err := io.ReadFull(nc, buf); err != nil || string(buf) != "ping" {
			t.Fatalf("net.Conn read %q, %v", buf, err)
		}
		nc.Write([]byte("pong"))
		skRecv(t, c, "pong")
	})
	t.Run("UDP with net.UDPConn", func(t *testing.T) {
		uc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer uc.Close()
		s := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
		local := skBind(t, s, netip.MustParseAddr("127.0.0.1"))
		to := uc.LocalAddr().(*net.UDPAddr).AddrPort()
		if _, err := s.SendTo([]byte("dgram"), 0, sock.InetAddr(to)); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64)
		n, from, err := uc.ReadFromUDPAddrPort(buf)
		if err != nil || string(buf[:n]) != "dgram" || from != local {
			t.Fatalf("ReadFromUDPAddrPort = %q, %v, %v; want dgram from %v", buf[:n], from, err, local)
		}
		if _, err := uc.WriteToUDPAddrPort([]byte("reply"), from); err != nil {
			t.Fatal(err)
		}
		n, sfrom, err := s.RecvFrom(buf, 0)
		if err != nil || string(buf[:n]) != "reply" || sfrom.AddrPort() != to {
			t.Fatalf("RecvFrom = %q, %v, %v; want reply from %v", buf[:n], sfrom, err, to)
		}
	})
}

func TestUDPSendToRecvFrom(t *testing.T) {
	for _, f := range skFamilies {
		t.Run(f.name, func(t *testing.T) {
			srv := skNew(t, f.family, sock.SOCK_DGRAM, 0)
			saddr := skBind(t, srv, f.lo)
			cli := skNew(t, f.family, sock.SOCK_DGRAM, 0)
			caddr := skBind(t, cli, f.lo)

			if n, err := cli.SendTo([]byte("question"), 0, sock.InetAddr(saddr)); err != nil || n != 8 {
				t.Fatalf("SendTo = %d, %v", n, err)
			}
			buf := make([]byte, 100)
			n, from, err := srv.RecvFrom(buf, 0)
			if err != nil {
				t.Fatal(err)
			}
			if string(buf[:n]) != "question" || from.AddrPort() != caddr {
				t.Fatalf("server RecvFrom = %q from %v, want %q from %v", buf[:n], from, "question", caddr)
			}
			if _, err := srv.SendTo([]byte("answer"), 0, from); err != nil {
				t.Fatal(err)
			}
			n, from, err = cli.RecvFrom(buf, 0)
			if err != nil || string(buf[:n]) != "answer" || from.AddrPort() != saddr {
				t.Fatalf("client RecvFrom = %q from %v, %v; want %q from %v", buf[:n], from, err, "answer", saddr)
			}

			tu, err := srv.Tuple()
			if err != nil {
				t.Fatal(err)
			}
			if want := (sock.Tuple{Protocol: sock.IPPROTO_UDP, Local: sock.InetAddr(saddr), Type: sock.SOCK_DGRAM}); tu != want {
				t.Errorf("unconnected UDP Tuple = %v, want %v", tu, want)
			}
			if !strings.HasSuffix(tu.String(), " -> *") {
				t.Errorf("Tuple.String() = %q, want the remote as *", tu)
			}
		})
	}
}

// TestUDPDualStack: an IPv4 destination given to an AF_INET6 socket is sent
// IPv4-mapped, and the sender shows up as the kernel reports it.
func TestUDPDualStack(t *testing.T) {
	srv := skNew(t, sock.AF_INET6, sock.SOCK_DGRAM, 0)
	if err := srv.SetV6Only(false); err != nil {
		t.Fatal(err)
	}
	if err := srv.Bind(sock.InetAddr(netip.MustParseAddrPort("[::]:0"))); err != nil {
		t.Fatal(err)
	}
	saddr, _ := srv.LocalAddr()
	cli := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
	caddr := skBind(t, cli, netip.MustParseAddr("127.0.0.1"))
	if _, err := cli.SendTo([]byte("x"), 0, sock.InetAddr(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), saddr.AddrPort().Port()))); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	_, from, err := srv.RecvFrom(buf, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := netip.AddrPortFrom(netip.AddrFrom16(caddr.Addr().As16()), caddr.Port()); from.AddrPort() != want {
		t.Fatalf("RecvFrom on a dual-stack socket = %v, want %v", from, want)
	}
	if from.AddrPort().Addr().Unmap() != caddr.Addr() {
		t.Fatalf("Unmap(%v) != %v", from.AddrPort().Addr(), caddr.Addr())
	}
	// The IPv4 form of the sender, given to the AF_INET6 socket, is mapped.
	if _, err := srv.SendTo([]byte("y"), 0, sock.InetAddr(caddr)); err != nil {
		t.Fatalf("SendTo an IPv4 address from an AF_INET6 socket: %v", err)
	}
	if n, from, err := cli.RecvFrom(buf, 0); err != nil || n != 1 || from.AddrPort().Port() != saddr.AddrPort().Port() {
		t.Fatalf("RecvFrom = %d, %v, %v", n, from, err)
	}
}

func TestUDPTruncated(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	srv := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
	saddr := skBind(t, srv, lo)
	cli := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
	caddr := skBind(t, cli, lo)
	if err := cli.Connect(sock.InetAddr(saddr)); err != nil {
		t.Fatal(err)
	}
	if err := srv.Connect(sock.InetAddr(caddr)); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("0123456789"), 300)
	tests := []struct {
		name  string
		flags sock.MsgFlag
		recv  func(buf []byte, flags sock.MsgFlag) (int, error)
	}{
		{"RecvFrom", 0, func(b []byte, fl sock.MsgFlag) (int, error) { n, _, err := srv.RecvFrom(b, fl); return n, err }},
		{"RecvFrom MSG_TRUNC", sock.MSG_TRUNC, func(b []byte, fl sock.MsgFlag) (int, error) { n, _, err := srv.RecvFrom(b, fl); return n, err }},
		{"Recv", 0, srv.Recv},
		{"Recv MSG_TRUNC", sock.MSG_TRUNC, srv.Recv},
		{"Read", 0, func(b []byte, _ sock.MsgFlag) (int, error) { return srv.Read(b) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := cli.Send(big, 0); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 1024)
			n, err := tt.recv(buf, tt.flags)
			if n != len(buf) {
				t.Errorf("n = %d, want %d (never more than the buffer)", n, len(buf))
			}
			skErrIs(t, "oversized datagram", err, sock.ErrTruncated)
			if !bytes.Equal(buf[:n], big[:n]) {
				t.Error("the kept part of the datagram differs")
			}
			// The tail is gone: the next datagram is a fresh one.
			skSend(t, cli, "next")
			n, err = tt.recv(buf, 0)
			if err != nil || string(buf[:n]) != "next" {
				t.Fatalf("next datagram = %q, %v", buf[:n], err)
			}
		})
	}
}

// TestSeqpacketEOF: on a SOCK_SEQPACKET socket, 0 bytes is the end of the
// connection (an empty record reads the same way), so io.ReadAll returns.
func TestSeqpacketEOF(t *testing.T) {
	a, b := skPair(t, sock.SOCK_SEQPACKET)
	skSend(t, a, "last")
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(b)
	if err != nil || string(got) != "last" {
		t.Fatalf("ReadAll after the peer closed = %q, %v; want \"last\", nil", got, err)
	}
	buf := make([]byte, 8)
	if n, err := b.Recv(buf, 0); n != 0 || err != io.EOF {
		t.Errorf("Recv after the peer closed = %d, %v; want 0, io.EOF", n, err)
	}
}

func TestEmptyDatagram(t *testing.T) {
	for _, typ := range []sock.Type{sock.SOCK_DGRAM} {
		t.Run(typ.String(), func(t *testing.T) {
			a, b := skPair(t, typ)
			buf := make([]byte, 16)
			for _, recv := range []struct {
				name string
				f    func() (int, error)
			}{
				{"Recv", func() (int, error) { return b.Recv(buf, 0) }},
				{"RecvFrom", func() (int, error) { n, _, err := b.RecvFrom(buf, 0); return n, err }},
			} {
				if n, err := a.Send(nil, 0); n != 0 || err != nil {
					t.Fatalf("Send(nil) = %d, %v", n, err)
				}
				if n, err := recv.f(); n != 0 || err != nil {
					t.Errorf("%s of an empty datagram = %d, %v; want 0, nil", recv.name, n, err)
				}
			}
		})
	}
	t.Run("UDP", func(t *testing.T) {
		lo := netip.MustParseAddr("127.0.0.1")
		srv := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
		saddr := skBind(t, srv, lo)
		cli := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
		caddr := skBind(t, cli, lo)
		if _, err := cli.SendTo(nil, 0, sock.InetAddr(saddr)); err != nil {
			t.Fatal(err)
		}
		n, from, err := srv.RecvFrom(make([]byte, 8), 0)
		if n != 0 || err != nil || from.AddrPort() != caddr {
			t.Fatalf("RecvFrom = %d, %v, %v; want 0 from %v, nil", n, from, err, caddr)
		}
	})
}

func TestShutdownHalfClose(t *testing.T) {
	for _, f := range skFamilies {
		t.Run(f.name, func(t *testing.T) {
			c, s := skTCP(t, f.family, f.lo)
			skSend(t, c, "request")
			if err := c.Shutdown(sock.SHUT_WR); err != nil {
				t.Fatal(err)
			}
			skRecv(t, s, "request")
			buf := make([]byte, 8)
			if n, err := s.Recv(buf, 0); n != 0 || err != io.EOF {
				t.Fatalf("Recv after the peer's SHUT_WR = %d, %v; want 0, io.EOF", n, err)
			}
			// The half-closed side still receives, and the other still sends.
			skSend(t, s, "reply")
			skRecv(t, c, "reply")
			_, err := c.Send([]byte("x"), 0)
			skErrIs(t, "Send after own SHUT_WR", err, unix.EPIPE)
		})
	}
	t.Run("unix stream", func(t *testing.T) {
		a, b := skPair(t, sock.SOCK_STREAM)
		if err := a.Shutdown(sock.SHUT_WR); err != nil {
			t.Fatal(err)
		}
		if n, err := b.Recv(make([]byte, 4), 0); n != 0 || err != io.EOF {
			t.Fatalf("Recv = %d, %v; want 0, io.EOF", n, err)
		}
		skSend(t, b, "still")
		skRecv(t, a, "still")
	})
}

// TestSendToResetPeer: a send to a connection the peer has reset fails with
// EPIPE or ECONNRESET, and no SIGPIPE kills the process.
func TestSendToResetPeer(t *testing.T) {
	c, s := skTCP(t, sock.AF_INET, netip.MustParseAddr("127.0.0.1"))
	if err := s.SetLinger(0); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil { // linger 0: close sends RST
		t.Fatal(err)
	}
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		_, err = c.Send([]byte("are you there?"), 0)
	}
	if !errors.Is(err, unix.EPIPE) && !errors.Is(err, unix.ECONNRESET) {
		t.Fatalf("Send to a reset peer: %v, want EPIPE or ECONNRESET", err)
	}
	// Still alive: the same again through Write.
	if _, err := c.Write([]byte("again")); !errors.Is(err, unix.EPIPE) && !errors.Is(err, unix.ECONNRESET) {
		t.Fatalf("Write to a reset peer: %v", err)
	}
}

func TestNonblocking(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	c, _ := skTCP(t, sock.AF_INET, lo)
	buf := make([]byte, 8)

	if nb, err := c.Nonblock(); nb || err != nil {
		t.Fatalf("Nonblock() at creation = %v, %v; want false", nb, err)
	}
	_, err := c.Recv(buf, sock.MSG_DONTWAIT)
	skErrIs(t, "Recv(MSG_DONTWAIT) with no data", err, unix.EAGAIN)

	if err := c.SetNonblock(true); err != nil {
		t.Fatal(err)
	}
	if nb, err := c.Nonblock(); !nb || err != nil {
		t.Fatalf("Nonblock() = %v, %v; want true", nb, err)
	}
	_, err = c.Recv(buf, 0)
	skErrIs(t, "nonblocking Recv with no data", err, unix.EAGAIN)
	_, _, err = c.RecvFrom(buf, 0)
	skErrIs(t, "nonblocking RecvFrom with no data", err, unix.EAGAIN)
	_, err = c.Read(buf)
	skErrIs(t, "nonblocking Read with no data", err, unix.EAGAIN)

	ln, _ := skListen(t, sock.AF_INET, lo)
	if err := ln.SetNonblock(true); err != nil {
		t.Fatal(err)
	}
	_, _, err = ln.Accept()
	skErrIs(t, "nonblocking Accept with no client", err, unix.EAGAIN)

	// A full send buffer: Send returns EAGAIN instead of waiting.
	a, _ := skPair(t, sock.SOCK_STREAM)
	if err := a.SetNonblock(true); err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for i := 0; ; i++ {
		if i > 10000 {
			t.Fatal("the send buffer never filled")
		}
		if _, err = a.Send(chunk, 0); err != nil {
			break
		}
	}
	skErrIs(t, "nonblocking Send into a full buffer", err, unix.EAGAIN)

	// Back to blocking mode: the Recv waits, and a deadline ends it.
	if err := c.SetNonblock(false); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	_, err = c.Recv(buf, 0)
	skErrIs(t, "blocking Recv past its deadline", err, os.ErrDeadlineExceeded)
}

func TestDeadlines(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	t.Run("read deadline ends a waiting Recv", func(t *testing.T) {
		c, _ := skTCP(t, sock.AF_INET, lo)
		done := make(chan error, 1)
		go func() {
			_, err := c.Recv(make([]byte, 1), 0)
			done <- err
		}()
		testkit.WaitParked(t, "", 1)
		if err := c.SetReadDeadline(time.Now()); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			skErrIs(t, "Recv", err, os.ErrDeadlineExceeded)
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Errorf("error %v is not a net.Error with Timeout() true", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Recv still waiting 10 s after its deadline")
		}
	})
	t.Run("read deadline ends Accept", func(t *testing.T) {
		ln, _ := skListen(t, sock.AF_INET, lo)
		ln.SetDeadline(time.Now().Add(5 * time.Millisecond))
		_, _, err := ln.Accept()
		skErrIs(t, "Accept", err, os.ErrDeadlineExceeded)
	})
	t.Run("write deadline ends Write into a full buffer", func(t *testing.T) {
		a, _ := skPair(t, sock.SOCK_STREAM)
		// The buffer comes first: allocated after the deadline is armed,
		// it can take the whole deadline under load, and then Write
		// sends nothing.
		buf := make([]byte, 8<<20)
		if err := a.SetWriteDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		n, err := a.Write(buf)
		skErrIs(t, "Write", err, os.ErrDeadlineExceeded)
		if n <= 0 || n >= 8<<20 {
			t.Errorf("Write reported %d bytes sent, want some but not all", n)
		}
	})
}

func TestErrors(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	t.Run("connection refused", func(t *testing.T) {
		// A bound port with no listener refuses connections.
		b := skNew(t, sock.AF_INET, sock.SOCK_STREAM, 0)
		addr := skBind(t, b, lo)
		c := skNew(t, sock.AF_INET, sock.SOCK_STREAM, 0)
		err := c.Connect(sock.InetAddr(addr))
		skErrIs(t, "Connect to a port with no listener", err, unix.ECONNREFUSED)
		var se *os.SyscallError
		if !errors.As(err, &se) || se.Syscall != "connect" {
			t.Errorf("error %#v is not an *os.SyscallError for connect", err)
		}
		if got, want := err.Error(), "connect: address "+addr.String()+": connection refused"; got != want {
			t.Errorf("error text %q, want %q", got, want)
		}
	})
	t.Run("address in use", func(t *testing.T) {
		_, addr := skListen(t, sock.AF_INET, lo)
		s := skNew(t, sock.AF_INET, sock.SOCK_STREAM, 0)
		skErrIs(t, "Bind to a listening port", s.Bind(sock.InetAddr(addr)), unix.EADDRINUSE)
	})
	t.Run("not connected", func(t *testing.T) {
		s := skNew(t, sock.AF_INET, sock.SOCK_STREAM, 0)
		_, err := s.RemoteAddr()
		skErrIs(t, "RemoteAddr of an unconnected socket", err, unix.ENOTCONN)
		tu, err := s.Tuple()
		if err != nil || tu.Remote.IsValid() {
			t.Errorf("Tuple of an unconnected socket = %v, %v; want a zero Remote", tu, err)
		}
		_, err = s.Send([]byte("x"), 0)
		if !errors.Is(err, unix.EPIPE) && !errors.Is(err, unix.ENOTCONN) {
			t.Errorf("Send on an unconnected socket: %v", err)
		}
	})
	t.Run("datagram too large", func(t *testing.T) {
		u := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
		_, err := u.SendTo(make([]byte, 70000), 0, sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:9")))
		skErrIs(t, "SendTo of 70000 bytes", err, unix.EMSGSIZE)
	})
	t.Run("bad family in New", func(t *testing.T) {
		_, err := sock.New(sock.Family(-1), sock.SOCK_STREAM, 0)
		if err == nil {
			t.Fatal("New with family -1 succeeded")
		}
	})
}

func TestBadAddresses(t *testing.T) {
	v4 := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
	v6 := skNew(t, sock.AF_INET6, sock.SOCK_DGRAM, 0)
	ux, _ := skPair(t, sock.SOCK_DGRAM)
	tests := []struct {
		name string
		s    *sock.Socket
		call func(s *sock.Socket) error
		want error
	}{
		{"SendTo zero AddrPort", v4, func(s *sock.Socket) error {
			_, err := s.SendTo([]byte("x"), 0, sock.InetAddr(netip.AddrPort{}))
			return err
		}, unix.EINVAL},
		{"SendTo port 0", v4, func(s *sock.Socket) error {
			_, err := s.SendTo([]byte("x"), 0, sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:0")))
			return err
		}, unix.EINVAL},
		{"Connect port 0", v4, func(s *sock.Socket) error { return s.Connect(sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:0"))) }, unix.EINVAL},
		{"Connect zero AddrPort", v6, func(s *sock.Socket) error { return s.Connect(sock.InetAddr(netip.AddrPort{})) }, unix.EINVAL},
		{"SendTo IPv6 from AF_INET", v4, func(s *sock.Socket) error {
			_, err := s.SendTo([]byte("x"), 0, sock.InetAddr(netip.MustParseAddrPort("[::1]:53")))
			return err
		}, unix.EAFNOSUPPORT},
		{"Bind IPv6 to AF_INET", v4, func(s *sock.Socket) error { return s.Bind(sock.InetAddr(netip.MustParseAddrPort("[::1]:0"))) }, unix.EAFNOSUPPORT},
		{"Connect IP on AF_UNIX", ux, func(s *sock.Socket) error { return s.Connect(sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:80"))) }, unix.EAFNOSUPPORT},
		{"SendTo unknown zone", v6, func(s *sock.Socket) error {
			_, err := s.SendTo([]byte("x"), 0, sock.InetAddr(netip.MustParseAddrPort("[fe80::1%no-such-if0]:53")))
			return err
		}, unix.EINVAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(tt.s)
			skErrIs(t, tt.name, err, tt.want)
			if !strings.Contains(err.Error(), "address") {
				t.Errorf("error %q does not say what is wrong with the address", err)
			}
		})
	}
}

func TestCloexec(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	ln, addr := skListen(t, sock.AF_INET, lo)
	c := skDial(t, sock.AF_INET, addr)
	s, _ := skAccept(t, ln)
	a, b := skPair(t, sock.SOCK_STREAM)
	u := skNew(t, sock.AF_INET6, sock.SOCK_DGRAM, 0)
	for _, tt := range []struct {
		name string
		s    *sock.Socket
	}{{"listener", ln}, {"connected", c}, {"accepted", s}, {"pair[0]", a}, {"pair[1]", b}, {"udp6", u}} {
		t.Run(tt.name, func(t *testing.T) {
			fl, err := unix.FcntlInt(uintptr(tt.s.Fd()), unix.F_GETFD, 0)
			if err != nil {
				t.Fatal(err)
			}
			if fl&unix.FD_CLOEXEC == 0 {
				t.Errorf("fd %d has no FD_CLOEXEC", tt.s.Fd())
			}
			o, err := tt.s.Options()
			if err != nil {
				t.Fatal(err)
			}
			if !o.CloseOnExec {
				t.Error("Options().CloseOnExec = false")
			}
		})
	}
}

// TestClosed: after Close, every method returns an error wrapping
// net.ErrClosed, and Fd is -1.
func TestClosed(t *testing.T) {
	s, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	ap := netip.MustParseAddrPort("127.0.0.1:9")
	buf := make([]byte, 4)
	calls := []struct {
		name string
		f    func() error
	}{
		{"Close", s.Close},
		{"Bind", func() error { return s.Bind(sock.InetAddr(ap)) }},
		{"Listen", func() error { return s.Listen(1) }},
		{"Accept", func() error { _, _, err := s.Accept(); return err }},
		{"Connect", func() error { return s.Connect(sock.InetAddr(ap)) }},
		{"Bind AF_UNIX", func() error { return s.Bind(sock.UnixAddr("/tmp/x")) }},
		{"Connect AF_UNIX", func() error { return s.Connect(sock.UnixAddr("/tmp/x")) }},
		{"Send", func() error { _, err := s.Send(buf, 0); return err }},
		{"SendTo", func() error { _, err := s.SendTo(buf, 0, sock.InetAddr(ap)); return err }},
		{"Recv", func() error { _, err := s.Recv(buf, 0); return err }},
		{"RecvFrom", func() error { _, _, err := s.RecvFrom(buf, 0); return err }},
		{"Read", func() error { _, err := s.Read(buf); return err }},
		{"Write", func() error { _, err := s.Write(buf); return err }},
		{"Shutdown", func() error { return s.Shutdown(sock.SHUT_RDWR) }},
		{"LocalAddr", func() error { _, err := s.LocalAddr(); return err }},
		{"RemoteAddr", func() error { _, err := s.RemoteAddr(); return err }},
		{"Tuple", func() error { _, err := s.Tuple(); return err }},
		{"SyscallConn", func() error { _, err := s.SyscallConn(); return err }},
		{"SetNonblock", func() error { return s.SetNonblock(true) }},
		{"Nonblock", func() error { _, err := s.Nonblock(); return err }},
		{"SetDeadline", func() error { return s.SetDeadline(time.Now()) }},
		{"SetReadDeadline", func() error { return s.SetReadDeadline(time.Now()) }},
		{"SetWriteDeadline", func() error { return s.SetWriteDeadline(time.Now()) }},
		{"GetsockoptInt", func() error { _, err := s.GetsockoptInt(unix.SOL_SOCKET, unix.SO_TYPE); return err }},
		{"SetsockoptInt", func() error { return s.SetsockoptInt(unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1) }},
		{"SetReuseAddr", func() error { return s.SetReuseAddr(true) }},
		{"ReuseAddr", func() error { _, err := s.ReuseAddr(); return err }},
		{"SetLinger", func() error { return s.SetLinger(time.Second) }},
		{"Linger", func() error { _, err := s.Linger(); return err }},
		{"SetRecvTimeout", func() error { return s.SetRecvTimeout(time.Second) }},
		{"RecvTimeout", func() error { _, err := s.RecvTimeout(); return err }},
		{"Options", func() error { _, err := s.Options(); return err }},
		{"NetConn", func() error { _, err := s.NetConn(); return err }},
		{"NetListener", func() error { _, err := s.NetListener(); return err }},
		{"NetPacketConn", func() error { _, err := s.NetPacketConn(); return err }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			skErrIs(t, c.name+" after Close", c.f(), net.ErrClosed)
		})
	}
	if fd := s.Fd(); fd != -1 {
		t.Errorf("Fd() after Close = %d, want -1", fd)
	}
	// A RawConn taken before Close reports net.ErrClosed too.
	s2 := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
	rc, err := s2.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
	skErrIs(t, "RawConn.Control after Close", rc.Control(func(uintptr) {}), net.ErrClosed)
	skErrIs(t, "RawConn.Read after Close", rc.Read(func(uintptr) bool { return true }), net.ErrClosed)
}

// TestCloseWakesWaiters: a Close from another goroutine returns a waiting
// Accept or Recv at once with an error wrapping net.ErrClosed.
func TestCloseWakesWaiters(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	tests := []struct {
		name  string
		setup func(t *testing.T) (*sock.Socket, func() error)
	}{
		{"Accept", func(t *testing.T) (*sock.Socket, func() error) {
			ln, _ := skListen(t, sock.AF_INET, lo)
			return ln, func() error { _, _, err := ln.Accept(); return err }
		}},
		{"Recv", func(t *testing.T) (*sock.Socket, func() error) {
			c, _ := skTCP(t, sock.AF_INET, lo)
			return c, func() error { _, err := c.Recv(make([]byte, 1), 0); return err }
		}},
		{"RecvFrom", func(t *testing.T) (*sock.Socket, func() error) {
			u := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
			skBind(t, u, lo)
			return u, func() error { _, _, err := u.RecvFrom(make([]byte, 1), 0); return err }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, wait := tt.setup(t)
			done := make(chan error, 1)
			go func() { done <- wait() }()
			testkit.WaitParked(t, "", 1)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				skErrIs(t, tt.name+" woken by Close", err, net.ErrClosed)
			case <-time.After(10 * time.Second):
				t.Fatalf("%s still waiting 10 s after Close", tt.name)
			}
		})
	}
}

// TestManyWaitersFewThreads: 500 goroutines each waiting in Recv on its own
// idle connection park in the poller, not in 500 OS threads.
func TestManyWaitersFewThreads(t *testing.T) {
	const n = 500
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err == nil && rl.Cur < 2*n+100 {
		t.Skipf("RLIMIT_NOFILE %d is too low for %d socketpairs", rl.Cur, n)
	}
	before := testkit.Threads(t)
	socks := make([]*sock.Socket, 0, 2*n)
	defer func() {
		for _, s := range socks {
			s.Close()
		}
	}()
	done := make(chan error, n)
	for i := 0; i < n; i++ {
		a, b, err := sock.Pair(sock.AF_UNIX, sock.SOCK_STREAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		socks = append(socks, a, b)
		go func() {
			_, err := a.Recv(make([]byte, 1), 0)
			done <- err
		}()
	}
	testkit.WaitParked(t, "", n)
	during := testkit.Threads(t)
	if during-before > 50 {
		t.Errorf("%d OS threads before, %d with %d goroutines waiting in Recv", before, during, n)
	}
	for _, s := range socks {
		s.Close()
	}
	for i := 0; i < n; i++ {
		skErrIs(t, "Recv woken by Close", <-done, net.ErrClosed)
	}
}

func TestPairFlows(t *testing.T) {
	for _, typ := range []sock.Type{sock.SOCK_STREAM, sock.SOCK_DGRAM, sock.SOCK_SEQPACKET} {
		t.Run(typ.String(), func(t *testing.T) {
			a, b := skPair(t, typ)
			skSend(t, a, "one")
			skRecv(t, b, "one")
			skSend(t, b, "two")
			skRecv(t, a, "two")
			if a.Family() != sock.AF_UNIX || a.Type() != typ || a.Protocol() != 0 {
				t.Errorf("accessors = %v %v %v", a.Family(), a.Type(), a.Protocol())
			}
			tu, err := a.Tuple()
			if err != nil {
				t.Fatal(err)
			}
			unnamed := sock.UnixAddr("")
			if tu.Local != unnamed || tu.Remote != unnamed || tu.Type != typ {
				t.Errorf("AF_UNIX Tuple = %v, want unnamed addresses", tu)
			}
			// MSG_PEEK leaves the data queued.
			skSend(t, a, "peek")
			buf := make([]byte, 4)
			if n, err := b.Recv(buf, sock.MSG_PEEK); err != nil || string(buf[:n]) != "peek" {
				t.Fatalf("Recv(MSG_PEEK) = %q, %v", buf[:n], err)
			}
			skRecv(t, b, "peek")
		})
	}
}

// TestWriteAll: Write sends everything, across many send(2) calls, while
// the reader drains the other end.
func TestWriteAll(t *testing.T) {
	a, b := skPair(t, sock.SOCK_STREAM)
	data := bytes.Repeat([]byte("posixkit"), 1<<17) // 1 MiB, far above the buffer
	got := make(chan []byte, 1)
	go func() {
		all, _ := io.ReadAll(b)
		got <- all
	}()
	n, err := a.Write(data)
	if err != nil || n != len(data) {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(data))
	}
	a.Shutdown(sock.SHUT_WR)
	if r := <-got; !bytes.Equal(r, data) {
		t.Fatalf("reader got %d bytes, want %d identical", len(r), len(data))
	}
}

// TestRecvWaitAll: MSG_WAITALL waits for the whole buffer even though the
// descriptor is nonblocking in the kernel.
func TestRecvWaitAll(t *testing.T) {
	a, b := skPair(t, sock.SOCK_STREAM)
	skSend(t, a, "ab")
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 4)
		n, err := b.Recv(buf, sock.MSG_WAITALL)
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(buf[:n])
	}()
	testkit.WaitParked(t, "", 1)
	skSend(t, a, "cd")
	if s := <-got; s != "abcd" {
		t.Fatalf("Recv(MSG_WAITALL) = %q, want %q", s, "abcd")
	}
	// At the end of the stream it returns what it has, then io.EOF.
	skSend(t, a, "xy")
	a.Shutdown(sock.SHUT_WR)
	buf := make([]byte, 4)
	if n, err := b.Recv(buf, sock.MSG_WAITALL); n != 2 || err != nil {
		t.Fatalf("Recv(MSG_WAITALL) at EOF = %d, %v; want 2, nil", n, err)
	}
	if n, err := b.Recv(buf, sock.MSG_WAITALL); n != 0 || err != io.EOF {
		t.Fatalf("next Recv = %d, %v; want 0, io.EOF", n, err)
	}
}

func TestUnixPaths(t *testing.T) {
	paths := []struct {
		name string
		path string
	}{
		{"file", t.TempDir() + "/s.sock"},
	}
	if runtime.GOOS == "linux" {
		paths = append(paths, struct{ name, path string }{"abstract", "@posixkit-sock-test-" + strconv.Itoa(os.Getpid())})
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			ln := skNew(t, sock.AF_UNIX, sock.SOCK_STREAM, 0)
			if err := ln.Bind(sock.UnixAddr(p.path)); err != nil {
				t.Fatal(err)
			}
			if err := ln.Listen(4); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(p.path, "@") {
				if fi, err := os.Stat(p.path); err != nil || fi.Mode()&os.ModeSocket == 0 {
					t.Fatalf("no socket file at %s: %v", p.path, err)
				}
				// The path is taken now.
				other := skNew(t, sock.AF_UNIX, sock.SOCK_STREAM, 0)
				skErrIs(t, "Bind to a bound path", other.Bind(sock.UnixAddr(p.path)), unix.EADDRINUSE)
			}
			c := skNew(t, sock.AF_UNIX, sock.SOCK_STREAM, 0)
			if err := c.Connect(sock.UnixAddr(p.path)); err != nil {
				t.Fatal(err)
			}
			s, peer, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if peer != sock.UnixAddr("") || peer.String() != "*" {
				t.Errorf("Accept's peer on AF_UNIX = %v, want the unnamed address", peer)
			}
			if la, err := ln.LocalAddr(); err != nil || la != sock.UnixAddr(p.path) || la.Path() != p.path {
				t.Errorf("listener's LocalAddr = %q, %v; want %q", la.Path(), err, p.path)
			}
			if ra, err := c.RemoteAddr(); err != nil || ra.String() != p.path {
				t.Errorf("client's RemoteAddr = %v, %v; want %s", ra, err, p.path)
			}
			if tu, err := s.Tuple(); err != nil || tu.String() != "u_str "+p.path+" -> *" {
				t.Errorf("accepted Tuple = %v, %v; want u_str %s -> *", tu, err, p.path)
			}
			skSend(t, c, "over unix")
			skRecv(t, s, "over unix")
		})
	}
	t.Run("refused", func(t *testing.T) {
		c := skNew(t, sock.AF_UNIX, sock.SOCK_STREAM, 0)
		err := c.Connect(sock.UnixAddr(t.TempDir() + "/none"))
		skErrIs(t, "Connect to no AF_UNIX socket", err, unix.ENOENT)
	})
	t.Run("unnamed", func(t *testing.T) {
		c := skNew(t, sock.AF_UNIX, sock.SOCK_DGRAM, 0)
		skErrIs(t, "Connect to the unnamed address", c.Connect(sock.UnixAddr("")), unix.EINVAL)
		if la, err := c.LocalAddr(); err != nil || la.Family() != sock.AF_UNIX || la.Path() != "" {
			t.Errorf("unbound LocalAddr = %v (%v), %v; want the unnamed address", la, la.Family(), err)
		}
		err := c.Bind(sock.UnixAddr(""))
		if runtime.GOOS != "linux" {
			return
		}
		// Linux autobinds: an abstract name of five hex digits.
		la, _ := c.LocalAddr()
		if err != nil || !regexp.MustCompile(`^@[0-9a-f]{5}$`).MatchString(la.Path()) {
			t.Errorf("Bind(unnamed) = %v, LocalAddr %q; want an autobound @xxxxx", err, la.Path())
		}
	})
	bad := []struct {
		name   string
		family sock.Family
		path   string
		want   error
	}{
		{"NUL byte", sock.AF_UNIX, "sock\x00y", unix.EINVAL},
		{"too long", sock.AF_UNIX, "/" + strings.Repeat("x", 200), unix.EINVAL},
		{"AF_INET socket", sock.AF_INET, "/tmp/x", unix.EAFNOSUPPORT},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			s := skNew(t, tt.family, sock.SOCK_STREAM, 0)
			skErrIs(t, "Bind", s.Bind(sock.UnixAddr(tt.path)), tt.want)
			skErrIs(t, "Connect", s.Connect(sock.UnixAddr(tt.path)), tt.want)
		})
	}
	// A NUL byte must not create a truncated path ("sock" for "sock\x00y").
	if _, err := os.Stat("sock"); err == nil {
		t.Error(`a file "sock" appeared in the working directory`)
	}
}
