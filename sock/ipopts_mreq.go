//go:build netbsd || openbsd || dragonfly

// The systems without struct ip_mreqn: IP_ADD_MEMBERSHIP takes a struct
// ip_mreq and IP_MULTICAST_IF a struct in_addr, which name the interface
// by its address.

package sock

import "golang.org/x/sys/unix"

// setMreqn sets the IPv4 option opt naming the interface by its first
// IPv4 address (0: INADDR_ANY).
func setMreqn(fd, opt int, group [4]byte, ifindex int) error {
	var ifaddr [4]byte
	if ifindex != 0 {
		a, err := interfaceAddr4("IP_MULTICAST_IF", ifindex)
		if err != nil {
			return err
		}
		ifaddr = a
	}
	if opt == unix.IP_MULTICAST_IF {
		return unix.SetsockoptInet4Addr(fd, unix.IPPROTO_IP, opt, ifaddr)
	}
	m := unix.IPMreq{Multiaddr: group, Interface: ifaddr}
	return unix.SetsockoptIPMreq(fd, unix.IPPROTO_IP, opt, &m)
}

// mcastByteOpts: these systems take IP_MULTICAST_TTL and
// IP_MULTICAST_LOOP as an unsigned char.
const mcastByteOpts = true

// setMreqSource: x/sys has no IP_ADD_SOURCE_MEMBERSHIP for these systems.
func setMreqSource(int, bool, [4]byte, [4]byte, [4]byte) error { return unix.ENOPROTOOPT }

// setGroupSourceReq6: IPv6 source-specific joins are wrapped on Linux only.
func setGroupSourceReq6(int, bool, uint32, [16]byte, [16]byte) error { return unix.ENOPROTOOPT }
