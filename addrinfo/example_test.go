package addrinfo_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"

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

// A Resolver reads the files it names instead of the system's: here a
// hosts file of its own, and no DNS. AI_CANONNAME gives the official name
// of the line that matched an alias.
func ExampleResolver() {
	dir, err := os.MkdirTemp("", "hosts")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	hosts := filepath.Join(dir, "hosts")
	if err := os.WriteFile(hosts, []byte("192.0.2.7 db.example.test db\n2001:db8::7 db.example.test db\n"), 0o644); err != nil {
		fmt.Println(err)
		return
	}
	r := &addrinfo.Resolver{HostsFile: hosts, NoDNS: true}
	infos, err := r.Lookup(context.Background(), "db", "5432",
		&addrinfo.Hints{Flags: addrinfo.AI_CANONNAME, Family: sock.AF_INET, SockType: sock.SOCK_STREAM})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(infos[0].Addr, infos[0].CanonName)
	_, err = r.Lookup(context.Background(), "nosuchhost", "5432", nil)
	fmt.Println(errors.Is(err, addrinfo.EAI_NONAME))
	// Output:
	// 192.0.2.7:5432 db.example.test
	// true
}

// NameInfo without NI_NUMERICHOST looks the address up (the hosts file,
// then DNS); with it, the address is only turned into text.
func ExampleResolver_NameInfo() {
	dir, err := os.MkdirTemp("", "hosts")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	hosts := filepath.Join(dir, "hosts")
	if err := os.WriteFile(hosts, []byte("192.0.2.7 db.example.test db\n"), 0o644); err != nil {
		fmt.Println(err)
		return
	}
	r := &addrinfo.Resolver{HostsFile: hosts, NoDNS: true}
	ap := netip.MustParseAddrPort("192.0.2.7:22")
	host, serv, err := r.NameInfo(context.Background(), ap, addrinfo.NI_NUMERICSERV)
	fmt.Println(host, serv, err)
	host, serv, err = r.NameInfo(context.Background(), ap, addrinfo.NI_NUMERICHOST|addrinfo.NI_NUMERICSERV)
	fmt.Println(host, serv, err)
	// Output:
	// db.example.test 22 <nil>
	// 192.0.2.7 22 <nil>
}
