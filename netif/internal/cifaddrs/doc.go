// Package cifaddrs calls the C library's getifaddrs(3) through cgo, for
// netif's tests and benchmarks only: it is the oracle the netlink
// implementation is compared with, entry for entry. Without cgo (or off
// Linux) [Available] is false and [Get] returns [ErrUnavailable].
package cifaddrs

import (
	"errors"
	"net/netip"
)

// Entry is one struct ifaddrs, copied into Go values.
type Entry struct {
	Name     string
	Flags    uint32
	Family   int        // sa_family of ifa_addr; 0 when ifa_addr is NULL
	Addr     netip.Addr // ifa_addr for AF_INET/AF_INET6 (zone: the scope id in decimal)
	Netmask  netip.Addr // ifa_netmask for AF_INET/AF_INET6
	BroadDst netip.Addr // ifa_broadaddr/ifa_dstaddr (one union) for AF_INET/AF_INET6
	HasUnion bool       // ifa_broadaddr is not NULL
	HWAddr   []byte     // sll_addr of an AF_PACKET ifa_addr
	HWBroad  []byte     // sll_addr of an AF_PACKET ifa_broadaddr
	HWIndex  int        // sll_ifindex of an AF_PACKET ifa_addr
	HasData  bool       // ifa_data is not NULL
}

// ErrUnavailable is returned where cgo is off.
var ErrUnavailable = errors.New("cifaddrs: the C library's getifaddrs needs cgo on Linux")
