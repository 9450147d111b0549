package sock_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"time"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// New makes a socket; Bind to port 0 lets the kernel choose the port.
func ExampleNew() {
	s, err := sock.New(sock.AF_INET, sock.SOCK_DGRAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	if err := s.Bind(sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:0"))); err != nil {
		log.Fatal(err)
	}
	addr, err := s.LocalAddr()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Family(), s.Type(), addr.AddrPort().Addr(), addr.AddrPort().Port() != 0)
	// Output: AF_INET SOCK_DGRAM 127.0.0.1 true
}

// Pair gives two connected sockets: what one sends, the other receives.
func ExamplePair() {
	a, b, err := sock.Pair(sock.AF_UNIX, sock.SOCK_STREAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	if _, err := a.Write([]byte("ping")); err != nil {
		log.Fatal(err)
	}
	buf := make([]byte, 16)
	n, err := b.Recv(buf, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", buf[:n])
	// Output: ping
}

// Accept waits for a connection and returns it with the peer's address,
// which is the client's local address.
func ExampleSocket_Accept() {
	ln, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	if err := ln.Bind(sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:0"))); err != nil {
		log.Fatal(err)
	}
	if err := ln.Listen(1); err != nil {
		log.Fatal(err)
	}
	addr, _ := ln.LocalAddr()

	c, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.Connect(addr); err != nil {
		log.Fatal(err)
	}
	conn, peer, err := ln.Accept()
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	local, _ := c.LocalAddr()
	fmt.Println("peer is the client:", peer == local)
	// Output: peer is the client: true
}

// FromConn inspects a connection made with net: its 5-tuple, as the
// kernel reports it, matches net's own view.
func ExampleFromConn() {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	s, err := sock.FromConn(c.(*net.TCPConn))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close() // closes the duplicate; c stays open
	t, err := s.Tuple()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(t.Protocol, t.Local.String() == c.LocalAddr().String(), t.Remote.String() == ln.Addr().String())
	// Output: IPPROTO_TCP true true
}

// NetConn hands a socket to code that wants a net.Conn; the two are
// independent handles on one connection.
func ExampleSocket_NetConn() {
	a, b, err := sock.Pair(sock.AF_UNIX, sock.SOCK_STREAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	c, err := a.NetConn()
	if err != nil {
		log.Fatal(err)
	}
	a.Close() // c still works
	defer c.Close()
	if _, err := fmt.Fprint(c, "through net"); err != nil {
		log.Fatal(err)
	}
	buf := make([]byte, 32)
	n, err := b.Recv(buf, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", buf[:n])
	// Output: through net
}

// SetReuseAddr sets SO_REUSEADDR and ReuseAddr reads it back from the
// kernel.
func ExampleSocket_SetReuseAddr() {
	s, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	before, _ := s.ReuseAddr()
	if err := s.SetReuseAddr(true); err != nil {
		log.Fatal(err)
	}
	after, _ := s.ReuseAddr()
	fmt.Println("SO_REUSEADDR", before, "->", after)
	// Output: SO_REUSEADDR false -> true
}

// Shutdown(SHUT_WR) ends the stream for the peer, which reads io.EOF,
// while this side can still receive.
func ExampleSocket_Shutdown() {
	a, b, err := sock.Pair(sock.AF_UNIX, sock.SOCK_STREAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	if err := a.Shutdown(sock.SHUT_WR); err != nil {
		log.Fatal(err)
	}
	_, err = b.Recv(make([]byte, 8), 0)
	fmt.Println("peer reads EOF:", err == io.EOF)
	b.Write([]byte("still open"))
	buf := make([]byte, 16)
	n, _ := a.Recv(buf, 0)
	fmt.Printf("%s\n", buf[:n])
	// Output:
	// peer reads EOF: true
	// still open
}

// SendTo and RecvFrom carry datagrams with their addresses; a datagram
// larger than the buffer is truncated and says so.
func ExampleSocket_RecvFrom() {
	srv, err := sock.New(sock.AF_INET, sock.SOCK_DGRAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Bind(sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:0"))); err != nil {
		log.Fatal(err)
	}
	to, _ := srv.LocalAddr()
	cli, err := sock.New(sock.AF_INET, sock.SOCK_DGRAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	if err := cli.Bind(sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:0"))); err != nil {
		log.Fatal(err)
	}
	if _, err := cli.SendTo([]byte("hello, server"), 0, to); err != nil {
		log.Fatal(err)
	}
	buf := make([]byte, 5)
	n, from, err := srv.RecvFrom(buf, 0)
	cliAddr, _ := cli.LocalAddr()
	fmt.Printf("%q from the client: %v\n", buf[:n], from == cliAddr)
	fmt.Println("truncated:", errors.Is(err, sock.ErrTruncated))
	// Output:
	// "hello" from the client: true
	// truncated: true
}

// A deadline ends a wait with os.ErrDeadlineExceeded; without one,
// nonblocking mode returns EAGAIN at once instead of waiting.
func ExampleSocket_SetReadDeadline() {
	a, b, err := sock.Pair(sock.AF_UNIX, sock.SOCK_DGRAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	a.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	_, err = a.Recv(make([]byte, 1), 0)
	fmt.Println(err)
	a.SetReadDeadline(time.Time{})
	a.SetNonblock(true)
	_, err = a.Recv(make([]byte, 1), 0)
	fmt.Println("EAGAIN:", errors.Is(err, unix.EAGAIN))
	// Output:
	// recv: i/o timeout
	// EAGAIN: true
}
