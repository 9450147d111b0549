package sock

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

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

// groupSourceReq is Linux's struct group_source_req: the interface index,
// then two struct sockaddr_storage, aligned as a pointer.
type groupSourceReq struct {
	Interface uint32
	_         [unsafe.Sizeof(uintptr(0)) - 4]byte
	Group     [sizeofSockaddrStorage]byte
	Source    [sizeofSockaddrStorage]byte
}

// sizeofSockaddrStorage is sizeof(struct sockaddr_storage).
const sizeofSockaddrStorage = 128

// setGroupSourceReq6 sets MCAST_JOIN_SOURCE_GROUP (join) or
// MCAST_LEAVE_SOURCE_GROUP for an IPv6 group and source.
func setGroupSourceReq6(fd int, join bool, ifindex uint32, group, source [16]byte) error {
	opt := unix.MCAST_LEAVE_SOURCE_GROUP
	if join {
		opt = unix.MCAST_JOIN_SOURCE_GROUP
	}
	r := groupSourceReq{Interface: ifindex}
	g := (*unix.RawSockaddrInet6)(unsafe.Pointer(&r.Group))
	g.Family, g.Addr = unix.AF_INET6, group
	src := (*unix.RawSockaddrInet6)(unsafe.Pointer(&r.Source))
	src.Family, src.Addr = unix.AF_INET6, source
	b := unsafe.Slice((*byte)(unsafe.Pointer(&r)), unsafe.Sizeof(r))
	return unix.SetsockoptString(fd, unix.IPPROTO_IPV6, opt, string(b))
}
