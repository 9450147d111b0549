package addrinfo_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/posixkit/posixkit/addrinfo"
	"github.com/posixkit/posixkit/sock"
)

// A numeric look-up needs no hosts file and no DNS: the glibc forms that
// Go's own parsers reject are accepted too.
func ExampleLookup() {
	infos, err := addrinfo.Lookup(context.Background(), "127.1", "80",
		&addrinfo.Hints{Flags: addrinfo.AI_NUMERICHOST, SockType: sock.SOCK_STREAM})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, i := range infos {
		fmt.Println(i.Family, i.SockType, i.Protocol, i.Addr)
	}
	// Output:
	// AF_INET SOCK_STREAM IPPROTO_TCP 127.0.0.1:80
}

// With no host, AI_PASSIVE gives the wildcard addresses a server binds to.
func ExampleLookup_passive() {
	infos, err := addrinfo.Lookup(context.Background(), "", "8080",
		&addrinfo.Hints{Flags: addrinfo.AI_PASSIVE, Family: sock.AF_INET, SockType: sock.SOCK_STREAM})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(infos[0].Addr)
	// Output:
	// 0.0.0.0:8080
}

// Errors carry their EAI code.
func ExampleCode() {
	_, err := addrinfo.Lookup(context.Background(), "not an address", "",
		&addrinfo.Hints{Flags: addrinfo.AI_NUMERICHOST})
	fmt.Println(errors.Is(err, addrinfo.EAI_NONAME))
	fmt.Println(err)
	// Output:
	// true
	// lookup not an address: Name or service not known
}

func ExampleNameInfo() {
	host, serv, err := addrinfo.NameInfo(context.Background(),
		netip.MustParseAddrPort("[fe80::1%999]:443"), addrinfo.NI_NUMERICHOST|addrinfo.NI_NUMERICSERV)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(host, serv)
	// Output:
	// fe80::1%999 443
}

func ExampleFlags_String() {
	fmt.Println(addrinfo.AI_PASSIVE | addrinfo.AI_NUMERICSERV)
	fmt.Println(addrinfo.NI_NUMERICHOST | addrinfo.NI_DGRAM)
	// Output:
	// AI_PASSIVE|AI_NUMERICSERV
	// NI_NUMERICHOST|NI_DGRAM
}
