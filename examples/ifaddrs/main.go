// Command ifaddrs lists the machine's network interfaces and addresses: the
// getifaddrs(3) flow of the notes (section 6), as the C textbooks' "list
// interfaces" program does it. Where C calls getifaddrs, walks the linked
// list of struct ifaddrs, reads each entry's name, family and address, and
// calls freeifaddrs, this program calls netif.IfAddrs, ranges over the
// slice, and frees nothing. Each line is
//
//	NAME<TAB>FAMILY<TAB><TAB>ADDRESS
//
// with FAMILY IPv4 or IPv6, as in the C program. With -packet the link
// entries (AF_PACKET, whose address is the hardware address) are listed
// too, as "packet"; the C program skips them, and both skip links without
// an address, such as tunnels (ifa_addr == NULL).
//
// Run it:
//
//	go run ./examples/ifaddrs
//	go run ./examples/ifaddrs -packet
package main

import (
	"context"
	"fmt"
	"io"

	"github.com/posixkit/posixkit/examples/internal/cli"
	"github.com/posixkit/posixkit/netif"
	"github.com/posixkit/posixkit/sock"
)

func main() { cli.Main("ifaddrs", run) }

const usage = "usage: ifaddrs [-packet]"

func run(_ context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
	fs := cli.New("ifaddrs", usage)
	packet := fs.Bool("packet", false, "also list the link-layer (AF_PACKET) entries, which the C program skips")
	if err := fs.Parse(args, stdout); err != nil {
		return err
	}
	if err := fs.NArgs(0, 0); err != nil {
		return err
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
			if !*packet || ifa.HardwareAddr == nil {
				continue // ifa_addr == NULL
			}
			family, addr = "packet", ifa.HardwareAddr.String()
		default:
			continue
		}
		// printf("%s\t", name); printf("%s\t", family); printf("\t%s\n", ap);
		if _, err := fmt.Fprintf(stdout, "%s\t"+"%s\t"+"\t%s\n", ifa.Name, family, addr); err != nil {
			return err
		}
	}
	// freeifaddrs(addresses): nothing to do, the garbage collector frees.
	return nil
}
