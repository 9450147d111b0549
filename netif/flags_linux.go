package netif

import "golang.org/x/sys/unix"

// Interface flags, with the system's values.
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
	IFF_LOWER_UP    Flags = unix.IFF_LOWER_UP    // carrier present (layer 1 up)
	IFF_DORMANT     Flags = unix.IFF_DORMANT     // dormant: waiting for an external event
)
