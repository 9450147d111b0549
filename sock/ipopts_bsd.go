//go:build darwin || freebsd

package sock

import "golang.org/x/sys/unix"

// mcastByteOpts: Darwin and FreeBSD take IP_MULTICAST_TTL and
// IP_MULTICAST_LOOP as an unsigned char.
const mcastByteOpts = true

// setMreqSource sets IP_ADD_SOURCE_MEMBERSHIP (join) or
// IP_DROP_SOURCE_MEMBERSHIP to the BSD struct ip_mreq_source: group,
// source, interface.
func setMreqSource(fd int, join bool, group, ifaddr, source [4]byte) error {
	opt := unix.IP_DROP_SOURCE_MEMBERSHIP
	if join {
		opt = unix.IP_ADD_SOURCE_MEMBERSHIP
	}
	var m [12]byte
	copy(m[0:4], group[:])
	copy(m[4:8], source[:])
	copy(m[8:12], ifaddr[:])
	return unix.SetsockoptString(fd, unix.IPPROTO_IP, opt, string(m[:]))
}

// setGroupSourceReq6: IPv6 source-specific joins are wrapped on Linux only.
func setGroupSourceReq6(int, bool, uint32, [16]byte, [16]byte) error { return unix.ENOPROTOOPT }
