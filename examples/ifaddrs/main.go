// Command ifaddrs lists the machine's network interfaces and addresses: the
// getifaddrs(3) flow of the notes (section 6), as the C textbooks' "list
// interfaces" program does it. Where C calls getifaddrs, walks the linked
// list of struct ifaddrs, reads each entry's name, family and address, and
// calls freeifaddrs, this program calls netif.IfAddrs, ranges over the
// slice, and frees nothing. Each line is
//
//	NAME<TAB>FAMILY<TAB><TAB>ADDRESS
//
// with FAMILY one of IPv4, IPv6 or packet (a link, whose address is its
// hardware address; links without one, such as tunnels, are skipped, as the
// C program skips entries whose ifa_addr is NULL).
//
// Run it:
//
//	go run ./examples/ifaddrs
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/posixkit/posixkit/netif"
	"github.com/posixkit/posixkit/sock"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ifaddrs:", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a bad command line: exit status 2.
type usageError string

func (e usageError) Error() string { return string(e) + " (usage: ifaddrs)" }

func run(_ context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
	if len(args) > 0 {
		return usageError(fmt.Sprintf("unexpected argument %q", args[0]))
	}
	// getifaddrs(&addresses)
	ifas, err := netif.IfAddrs()
	if err != nil {
		return err
	}
	// while (address) { ... address = address->ifa_next; }
	for _, ifa := range ifas {
		var family, addr string
		switch ifa.Family {
		case sock.AF_INET:
			family, addr = "IPv4", ifa.Addr.String()
		case sock.AF_INET6:
			family, addr = "IPv6", ifa.Addr.String() // link-local ones with their zone, as getnameinfo prints them
		case sock.AF_PACKET:
			if ifa.HardwareAddr == nil {
				continue // ifa_addr == NULL
			}
			family, addr = "packet", ifa.HardwareAddr.String()
		default:
			continue
		}
		if _, err := fmt.Fprintf(stdout, "%s\t%s\t\t%s\n", ifa.Name, family, addr); err != nil {
			return err
		}
	}
	// freeifaddrs(addresses): nothing to do, the garbage collector frees.
	return nil
}
