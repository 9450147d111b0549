//go:build linux || darwin || freebsd

// The systems whose IP_ADD_MEMBERSHIP and IP_MULTICAST_IF take a struct
// ip_mreqn, which names the interface by index.

package sock

import "golang.org/x/sys/unix"

// setMreqn sets the IPv4 option opt to a struct ip_mreqn.
func setMreqn(fd, opt int, group [4]byte, ifindex int) error {
	m := unix.IPMreqn{Multiaddr: group, Ifindex: int32(ifindex)}
	return unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, opt, &m)
}
