package addrinfo

import (
	"errors"
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
// Linux). If that fails, both families count as seen, as in glibc's
// __check_pf ("be pessimistic"), so AI_ADDRCONFIG filters nothing; a dump
// interrupted by changing addresses still gives the list read so far.
func loadIfInfo() *ifInfo {
	info := &ifInfo{}
	list, err := netif.IfAddrs()
	if err != nil && (!errors.Is(err, netif.ErrDumpInterrupted) || len(list) == 0) {
		info.seen4, info.seen6 = true, true
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
