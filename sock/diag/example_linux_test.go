package diag_test

import (
	"context"
	"fmt"
	"log"
	"net/netip"

	"github.com/posixkit/posixkit/sock"
	"github.com/posixkit/posixkit/sock/diag"
)

// A listener, found in the machine's socket table by its port: the kernel
// sends only the sockets with that local port.
func ExampleList() {
	l, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	if err := l.Bind(sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:0"))); err != nil {
		log.Fatal(err)
	}
	if err := l.Listen(1); err != nil {
		log.Fatal(err)
	}
	addr, err := l.LocalAddr()
	if err != nil {
		log.Fatal(err)
	}

	socks, err := diag.List(context.Background(), diag.Filter{
		Protocols: []sock.Protocol{sock.IPPROTO_TCP},
		States:    []diag.State{diag.TCP_LISTEN},
		LocalPort: addr.AddrPort().Port(),
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range socks {
		fmt.Println(s.Netid(), s.State, s.Local == addr.AddrPort(), s.Remote)
	}
	// Output: tcp LISTEN true 0.0.0.0:0
}

// A monitor that lists the TCP listeners of one port now and then, into
// one slice, so that each round writes over the last one's memory. (The
// listener is not bound: listen(2) binds it to a port the kernel picks.)
func ExampleAppendList() {
	l, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	if err := l.Listen(1); err != nil {
		log.Fatal(err)
	}
	addr, err := l.LocalAddr()
	if err != nil {
		log.Fatal(err)
	}
	f := diag.Filter{States: []diag.State{diag.TCP_LISTEN}, LocalPort: addr.AddrPort().Port()}

	var socks []diag.Socket
	for round := 1; round <= 2; round++ {
		socks, err = diag.AppendList(context.Background(), socks[:0], f)
		if err != nil {
			log.Fatal(err)
		}
		for _, s := range socks {
			fmt.Println("round", round, s.Netid(), s.State, s.Local == addr.AddrPort())
		}
	}
	// Output:
	// round 1 tcp LISTEN true
	// round 2 tcp LISTEN true
}
