package sock_test

import (
	"fmt"
	"log"
	"net/netip"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// AttachFilter makes the kernel drop, before the socket sees them, the
// datagrams a classic BPF program rejects: here all but those starting "A".
func ExampleSocket_AttachFilter() {
	a, b, err := sock.Pair(sock.AF_UNIX, sock.SOCK_DGRAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	prog := []sock.SockFilter{
		{Code: unix.BPF_LD | unix.BPF_B | unix.BPF_ABS, K: 0},           // A = first byte
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jf: 1, K: 'A'}, // A == 'A'?
		{Code: unix.BPF_RET | unix.BPF_K, K: 0xffff},                    // keep it all
		{Code: unix.BPF_RET | unix.BPF_K, K: 0},                         // drop it
	}
	if err := b.AttachFilter(prog); err != nil {
		log.Fatal(err)
	}
	for _, m := range []string{"Apple", "Banana", "Apricot"} {
		a.Send([]byte(m), 0)
	}
	buf := make([]byte, 16)
	for {
		n, err := b.Recv(buf, sock.MSG_DONTWAIT)
		if err != nil {
			break
		}
		fmt.Println(string(buf[:n]))
	}
	// Output:
	// Apple
	// Apricot
}

// SetTTL, SetTOS and the multicast options set the IPv4 option or its IPv6
// twin by the socket's family; each getter reads the kernel's value back.
func ExampleSocket_SetTTL() {
	s, err := sock.New(sock.AF_INET6, sock.SOCK_DGRAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	if err := s.SetTTL(9); err != nil { // IPV6_UNICAST_HOPS
		log.Fatal(err)
	}
	if err := s.SetTOS(0xb8); err != nil { // IPV6_TCLASS
		log.Fatal(err)
	}
	ttl, _ := s.TTL()
	tos, _ := s.TOS()
	fmt.Printf("hop limit %d, traffic class %#x\n", ttl, tos)
	// Output: hop limit 9, traffic class 0xb8
}

// JoinGroup makes the socket a member of a multicast group on one
// interface; closing the socket leaves it.
func ExampleSocket_JoinGroup() {
	s, err := sock.New(sock.AF_INET, sock.SOCK_DGRAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	group := netip.MustParseAddrPort("239.1.2.3:5007")
	s.SetReuseAddr(true)
	if err := s.Bind(sock.InetAddr(group)); err != nil {
		log.Fatal(err)
	}
	if err := s.JoinGroup(1, group.Addr()); err != nil { // index 1: lo, usually
		log.Fatal(err)
	}
	buf := make([]byte, 1500)
	n, from, err := s.RecvFrom(buf, 0)
	fmt.Println(n, from, err)
}
