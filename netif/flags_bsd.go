//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package netif

import "golang.org/x/sys/unix"

// Interface flags, with the system's values. The BSDs and Darwin have no
// IFF_LOWER_UP and IFF_DORMANT: they are 0 here, so a test of either bit is
// always false, and String never prints them.
const (
	IFF_UP          Flags = unix.IFF_UP          // interface is up (administratively)
	IFF_BROADCAST   Flags = unix.IFF_BROADCAST   // broadcast address valid
	IFF_DEBUG       Flags = unix.IFF_DEBUG       // debugging on
	IFF_LOOPBACK    Flags = unix.IFF_LOOPBACK    // a loopback interface
	IFF_POINTOPOINT Flags = unix.IFF_POINTOPOINT // a point-to-point link
	IFF_RUNNING     Flags = unix.IFF_RUNNING     // resources allocated, operational
	IFF_NOARP       Flags = unix.IFF_NOARP       // no ARP
	IFF_PROMISC     Flags = unix.IFF_PROMISC     // receives all packets
	IFF_MULTICAST   Flags = unix.IFF_MULTICAST   // supports multicast
	IFF_LOWER_UP    Flags = 0                    // not on this system
	IFF_DORMANT     Flags = 0                    // not on this system
)
