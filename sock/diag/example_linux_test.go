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
