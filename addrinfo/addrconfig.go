package addrinfo

import (
	"net/netip"

	"github.com/posixkit/posixkit/netif"
	"github.com/posixkit/posixkit/sock"
)

// ifInfo is what glibc's __check_pf learns from the interface addresses:
// whether the system has a non-loopback IPv4 and IPv6 address (for
// AI_ADDRCONFIG) and, per address, its prefix length and interface index
// (for the ordering rules).
type ifInfo struct {
	seen4, seen6 bool
	addrs        map[netip.Addr]ifAddrInfo // IPv6 or v4-mapped form
}

type ifAddrInfo struct {
	prefixLen int
	index     int
}

// loadIfInfo reads the interface addresses through netif (netlink on
// Linux). If that fails the answer is "nothing seen", as glibc's when its
// netlink request fails.
func loadIfInfo() *ifInfo {
	info := &ifInfo{}
	list, err := netif.IfAddrs()
	if err != nil {
		return info
	}
	info.addrs = make(map[netip.Addr]ifAddrInfo, len(list))
	for _, a := range list {
		addr := a.Addr.WithZone("")
		switch a.Family {
		case sock.AF_INET:
			if addr != netip.AddrFrom4([4]byte{127, 0, 0, 1}) {
				info.seen4 = true
			}
		case sock.AF_INET6:
			if addr != netip.IPv6Loopback() {
				info.seen6 = true
			}
		default:
			continue
		}
		key := netip.AddrFrom16(addr.As16())
		if _, dup := info.addrs[key]; !dup {
			info.addrs[key] = ifAddrInfo{prefixLen: a.Prefix().Bits(), index: a.Index}
		}
	}
	return info
}
