package sock

import "golang.org/x/sys/unix"

// mcastByteOpts: Linux takes IP_MULTICAST_TTL and IP_MULTICAST_LOOP as an
// int (or a byte) and returns an int.
const mcastByteOpts = false

// setMreqSource sets IP_ADD_SOURCE_MEMBERSHIP (join) or
// IP_DROP_SOURCE_MEMBERSHIP to Linux's struct ip_mreq_source: group,
// interface, source.
func setMreqSource(fd int, join bool, group, ifaddr, source [4]byte) error {
	opt := unix.IP_DROP_SOURCE_MEMBERSHIP
	if join {
		opt = unix.IP_ADD_SOURCE_MEMBERSHIP
	}
	var m [12]byte
	copy(m[0:4], group[:])
	copy(m[4:8], ifaddr[:])
	copy(m[8:12], source[:])
	return unix.SetsockoptString(fd, unix.IPPROTO_IP, opt, string(m[:]))
}

var optMcastAll = ipOpt{name4: "IP_MULTICAST_ALL", name6: "IPV6_MULTICAST_ALL", opt4: unix.IP_MULTICAST_ALL, opt6: unix.IPV6_MULTICAST_ALL}
