package sock_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net/netip"
	"strings"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// The TCP flow of the notes on loopback: the server makes a socket, binds,
// listens and accepts; the client makes a socket and connects; then send
// and recv, and the client half-closes.
func Example_tcp() {
	// Server: socket, bind, listen.
	ln, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	if err := ln.SetReuseAddr(true); err != nil {
		log.Fatal(err)
	}
	if err := ln.Bind(sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:0"))); err != nil {
		log.Fatal(err)
	}
	if err := ln.Listen(16); err != nil {
		log.Fatal(err)
	}
	addr, _ := ln.LocalAddr() // the port the kernel chose

	done := make(chan struct{})
	go func() { // the server: accept, upper-case what the client sends
		defer close(done)
		c, peer, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		defer c.Close()
		fmt.Println("server: accepted a client from", peer.AddrPort().Addr())
		buf := make([]byte, 64)
		for {
			n, err := c.Recv(buf, 0)
			if err == io.EOF {
				fmt.Println("server: client shut down writing")
				return
			}
			if err != nil {
				log.Fatal(err)
			}
			if _, err := c.Write([]byte(strings.ToUpper(string(buf[:n])))); err != nil {
				log.Fatal(err)
			}
		}
	}()

	// Client: socket, connect, send, recv.
	c, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.Connect(addr); err != nil {
		log.Fatal(err)
	}
	if _, err := c.Write([]byte("hello")); err != nil {
		log.Fatal(err)
	}
	reply := make([]byte, 5)
	if _, err := io.ReadFull(c, reply); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("client: got %q\n", reply)
	if err := c.Shutdown(sock.SHUT_WR); err != nil {
		log.Fatal(err)
	}
	<-done
	// Output:
	// server: accepted a client from 127.0.0.1
	// client: got "HELLO"
	// server: client shut down writing
}

// The UDP flow of the notes on loopback: the server binds and waits in
// recvfrom; the client, with no connection, sends first with sendto; the
// server answers the address recvfrom reported.
func Example_udp() {
	srv, err := sock.New(sock.AF_INET6, sock.SOCK_DGRAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Bind(sock.InetAddr(netip.MustParseAddrPort("[::1]:0"))); err != nil {
		log.Fatal(err)
	}
	saddr, _ := srv.LocalAddr()

	cli, err := sock.New(sock.AF_INET6, sock.SOCK_DGRAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	if _, err := cli.SendTo([]byte("what time is it?"), 0, saddr); err != nil {
		log.Fatal(err)
	}

	buf := make([]byte, 1500)
	n, from, err := srv.RecvFrom(buf, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("server: %q from %v\n", buf[:n], from.AddrPort().Addr())
	if _, err := srv.SendTo([]byte("time to go"), 0, from); err != nil {
		log.Fatal(err)
	}

	// A reply larger than the buffer is reported, not silently cut.
	small := make([]byte, 4)
	n, from, err = cli.RecvFrom(small, 0)
	fmt.Printf("client: %q from the server: %v, truncated: %v\n", small[:n], from == saddr, errors.Is(err, sock.ErrTruncated))
	// Output:
	// server: "what time is it?" from ::1
	// client: "time" from the server: true, truncated: true
}

// Two clients to one server port: their 5-tuples differ only in the local
// port.
func ExampleSocket_Tuple() {
	ln, _ := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	defer ln.Close()
	ln.Bind(sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:0")))
	ln.Listen(16)
	addr, _ := ln.LocalAddr()

	var tuples []sock.Tuple
	for range 2 {
		c, _ := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
		defer c.Close()
		if err := c.Connect(addr); err != nil {
			log.Fatal(err)
		}
		t, err := c.Tuple()
		if err != nil {
			log.Fatal(err)
		}
		tuples = append(tuples, t)
	}
	a, b := tuples[0], tuples[1]
	fmt.Println(a.Protocol == b.Protocol, a.Local.AddrPort().Addr() == b.Local.AddrPort().Addr(), a.Remote == b.Remote, a.Local.AddrPort().Port() == b.Local.AddrPort().Port())
	// Output: true true true false
}

// Errors carry the errno: a port with no listener refuses the connection.
func ExampleSocket_Connect_refused() {
	// A bound socket that does not listen: its port refuses connections.
	b, _ := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	defer b.Close()
	b.Bind(sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:0")))
	addr, _ := b.LocalAddr()

	c, _ := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	defer c.Close()
	err := c.Connect(addr)
	fmt.Println(strings.Replace(err.Error(), addr.String(), "127.0.0.1:PORT", 1))
	fmt.Println(errors.Is(err, unix.ECONNREFUSED))
	// Output:
	// connect: address 127.0.0.1:PORT: connection refused
	// true
}

// A socketpair, and a view of its options and descriptor flags, as the
// notes do with getsockopt and fcntl.
func ExampleSocket_Options() {
	a, b, err := sock.Pair(sock.AF_UNIX, sock.SOCK_STREAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	a.SetRecvBuffer(32 << 10) // Linux doubles it: 65536
	a.SetSendBuffer(32 << 10)
	a.SetNonblock(true)
	o, err := a.Options()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(o)
	// Output:
	// SO_TYPE        SOCK_STREAM
	// SO_PROTOCOL    IPPROTO_IP
	// SO_REUSEADDR   0
	// SO_REUSEPORT   0
	// SO_KEEPALIVE   0
	// SO_BROADCAST   0
	// SO_RCVBUF      65536
	// SO_SNDBUF      65536
	// SO_LINGER      off
	// SO_RCVTIMEO    0s
	// SO_SNDTIMEO    0s
	// SO_ERROR       0
	// SO_ACCEPTCONN  0
	// FD_CLOEXEC     1
	// F_GETFL        O_RDWR|O_NONBLOCK
	// posixkit mode  nonblocking
}
