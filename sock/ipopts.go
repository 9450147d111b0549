package sock

import (
	"net"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// optionError is an IP-level option asked of a socket of a family that
// has none, or given a value out of range. It unwraps to the errno.
type optionError struct {
	what  string
	errno unix.Errno
}

func (e *optionError) Error() string { return e.what + ": " + e.errno.Error() }

func (e *optionError) Unwrap() error { return e.errno }

// ipOpt names one IP-level option and its IPv6 twin.
type ipOpt struct {
	name4, name6 string
	opt4, opt6   int
	byte4        bool // an unsigned char on this system, not an int
}

// name returns the option's name for a socket of family f.
func (o *ipOpt) name(f Family) string {
	if f == AF_INET6 {
		return o.name6
	}
	return o.name4
}

// ipLevel returns the level and option of o for the socket's family: the
// AF_INET one or the AF_INET6 twin; an error for any other family.
func (s *Socket) ipLevel(o *ipOpt) (level, opt int, byteOpt bool, err error) {
	switch {
	case o.opt4 < 0 && (s.family == AF_INET || s.family == AF_INET6):
		return 0, 0, false, &optionError{o.name(s.family), unix.ENOPROTOOPT}
	case s.family == AF_INET:
		return unix.IPPROTO_IP, o.opt4, o.byte4, nil
	case s.family == AF_INET6:
		return unix.IPPROTO_IPV6, o.opt6, false, nil
	}
	return 0, 0, false, &optionError{o.name4 + " or " + o.name6 + " on an " + s.family.String() + " socket", unix.EAFNOSUPPORT}
}

// setIP sets o to v, checked against [lo, hi].
func (s *Socket) setIP(o *ipOpt, v, lo, hi int) error {
	const op = "setsockopt"
	if err := s.check(op); err != nil {
		return err
	}
	level, opt, byteOpt, err := s.ipLevel(o)
	if err != nil {
		return opError(op, err)
	}
	if v < lo || v > hi {
		return opError(op, &optionError{o.name(s.family) + " " + strconv.Itoa(v) + " outside [" + strconv.Itoa(lo) + ", " + strconv.Itoa(hi) + "]", unix.EINVAL})
	}
	return s.control(op, func(fd int) error {
		if byteOpt {
			return unix.SetsockoptByte(fd, level, opt, byte(v))
		}
		return unix.SetsockoptInt(fd, level, opt, v)
	})
}

func (s *Socket) getIP(o *ipOpt) (int, error) {
	const op = "getsockopt"
	if err := s.check(op); err != nil {
		return 0, err
	}
	level, opt, byteOpt, err := s.ipLevel(o)
	if err != nil {
		return 0, opError(op, err)
	}
	if byteOpt {
		var b byte
		err := s.control(op, func(fd int) error {
			var err error
			b, err = unix.GetsockoptByte(fd, level, opt)
			return err
		})
		return int(b), err
	}
	return s.GetsockoptInt(Protocol(level), opt)
}

var (
	optTTL       = ipOpt{name4: "IP_TTL", name6: "IPV6_UNICAST_HOPS", opt4: unix.IP_TTL, opt6: unix.IPV6_UNICAST_HOPS}
	optTOS       = ipOpt{name4: "IP_TOS", name6: "IPV6_TCLASS", opt4: unix.IP_TOS, opt6: unix.IPV6_TCLASS}
	optMcastTTL  = ipOpt{name4: "IP_MULTICAST_TTL", name6: "IPV6_MULTICAST_HOPS", opt4: unix.IP_MULTICAST_TTL, opt6: unix.IPV6_MULTICAST_HOPS, byte4: mcastByteOpts}
	optMcastLoop = ipOpt{name4: "IP_MULTICAST_LOOP", name6: "IPV6_MULTICAST_LOOP", opt4: unix.IP_MULTICAST_LOOP, opt6: unix.IPV6_MULTICAST_LOOP, byte4: mcastByteOpts}
	optRecvHL    = ipOpt{name4: "IP_RECVTTL", name6: "IPV6_RECVHOPLIMIT", opt4: unix.IP_RECVTTL, opt6: unix.IPV6_RECVHOPLIMIT}
)

// SetTTL sets the unicast time to live (IPv6: hop limit): setsockopt(2) of
// IP_TTL on AF_INET, IPV6_UNICAST_HOPS on AF_INET6, in [1, 255].
func (s *Socket) SetTTL(ttl int) error { return s.setIP(&optTTL, ttl, 1, 255) }

// TTL reports IP_TTL or IPV6_UNICAST_HOPS: getsockopt(2).
func (s *Socket) TTL() (int, error) { return s.getIP(&optTTL) }

// SetTOS sets the type of service byte (IPv6: traffic class), DSCP and
// ECN bits: setsockopt(2) of IP_TOS or IPV6_TCLASS, in [0, 255].
func (s *Socket) SetTOS(tos int) error { return s.setIP(&optTOS, tos, 0, 255) }

// TOS reports IP_TOS or IPV6_TCLASS: getsockopt(2).
func (s *Socket) TOS() (int, error) { return s.getIP(&optTOS) }

// SetRecvHopLimit asks for each datagram's received TTL (IPv6: hop limit)
// as ancillary data: setsockopt(2) of IP_RECVTTL or IPV6_RECVHOPLIMIT,
// whose control message is IP_TTL or IPV6_HOPLIMIT.
func (s *Socket) SetRecvHopLimit(on bool) error { return s.setIP(&optRecvHL, b2i(on), 0, 1) }

// RecvHopLimit reports IP_RECVTTL or IPV6_RECVHOPLIMIT: getsockopt(2).
func (s *Socket) RecvHopLimit() (bool, error) {
	v, err := s.getIP(&optRecvHL)
	return v != 0, err
}

// SetMulticastTTL sets the TTL (hop limit) of outgoing multicast:
// setsockopt(2) of IP_MULTICAST_TTL or IPV6_MULTICAST_HOPS, in [0, 255]
// (0: this host only; the default is 1).
func (s *Socket) SetMulticastTTL(ttl int) error { return s.setIP(&optMcastTTL, ttl, 0, 255) }

// MulticastTTL reports IP_MULTICAST_TTL or IPV6_MULTICAST_HOPS.
func (s *Socket) MulticastTTL() (int, error) { return s.getIP(&optMcastTTL) }

// SetMulticastLoop sets whether this host's own members of a group get the
// multicast it sends: IP_MULTICAST_LOOP or IPV6_MULTICAST_LOOP (default on).
func (s *Socket) SetMulticastLoop(on bool) error { return s.setIP(&optMcastLoop, b2i(on), 0, 1) }

// MulticastLoop reports IP_MULTICAST_LOOP or IPV6_MULTICAST_LOOP.
func (s *Socket) MulticastLoop() (bool, error) {
	v, err := s.getIP(&optMcastLoop)
	return v != 0, err
}

// SetMulticastAll sets IP_MULTICAST_ALL or IPV6_MULTICAST_ALL (Linux;
// elsewhere ENOPROTOOPT). On, the default, the socket gets every group
// some socket of the host joined on the interface, to its port: one that
// left still gets the group while another member remains.
func (s *Socket) SetMulticastAll(on bool) error { return s.setIP(&optMcastAll, b2i(on), 0, 1) }

// MulticastAll reports IP_MULTICAST_ALL or IPV6_MULTICAST_ALL.
func (s *Socket) MulticastAll() (bool, error) {
	v, err := s.getIP(&optMcastAll)
	return v != 0, err
}

// SetMulticastInterface sets the interface of outgoing multicast, by index
// (0: the routing table's choice): IPV6_MULTICAST_IF, or IP_MULTICAST_IF
// with a struct ip_mreqn.
func (s *Socket) SetMulticastInterface(ifindex int) error {
	const op = "setsockopt"
	if err := s.check(op); err != nil {
		return err
	}
	if ifindex < 0 || ifindex > 1<<31-1 {
		return opError(op, &optionError{"interface index " + strconv.Itoa(ifindex), unix.EINVAL})
	}
	switch s.family {
	case AF_INET:
		return s.control(op, func(fd int) error {
			return setMreqn(fd, unix.IP_MULTICAST_IF, [4]byte{}, ifindex)
		})
	case AF_INET6:
		return s.SetsockoptInt(unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_IF, ifindex)
	}
	return opError(op, &optionError{"IP_MULTICAST_IF on an " + s.family.String() + " socket", unix.EAFNOSUPPORT})
}

// MulticastInterface reports the interface of outgoing multicast as the
// kernel answers getsockopt(2): IPV6_MULTICAST_IF gives an index, and
// IP_MULTICAST_IF an IPv4 address only (0.0.0.0 when set by index).
func (s *Socket) MulticastInterface() (ifindex int, addr netip.Addr, err error) {
	const op = "getsockopt"
	if err := s.check(op); err != nil {
		return 0, netip.Addr{}, err
	}
	switch s.family {
	case AF_INET:
		var a [4]byte
		err := s.control(op, func(fd int) error {
			var err error
			a, err = unix.GetsockoptInet4Addr(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_IF)
			return err
		})
		if err != nil {
			return 0, netip.Addr{}, err
		}
		return 0, netip.AddrFrom4(a), nil
	case AF_INET6:
		v, err := s.GetsockoptInt(unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_IF)
		return v, netip.Addr{}, err
	}
	return 0, netip.Addr{}, opError(op, &optionError{"IP_MULTICAST_IF on an " + s.family.String() + " socket", unix.EAFNOSUPPORT})
}

// JoinGroup joins the multicast group on the interface with index ifindex
// (0: the routing table's choice): IP_ADD_MEMBERSHIP with a struct
// ip_mreqn, or IPV6_JOIN_GROUP. Joining twice is EADDRINUSE.
func (s *Socket) JoinGroup(ifindex int, group netip.Addr) error {
	return s.membership(ifindex, group, true)
}

// LeaveGroup leaves a group joined with [Socket.JoinGroup]:
// IP_DROP_MEMBERSHIP or IPV6_LEAVE_GROUP. Closing the socket leaves all.
func (s *Socket) LeaveGroup(ifindex int, group netip.Addr) error {
	return s.membership(ifindex, group, false)
}

// checkGroup checks a group address for the socket's family.
func (s *Socket) checkGroup(what string, ifindex int, group netip.Addr) error {
	switch {
	case ifindex < 0 || ifindex > 1<<31-1:
		return &optionError{what + ": interface index " + strconv.Itoa(ifindex), unix.EINVAL}
	case s.family != AF_INET && s.family != AF_INET6:
		return &optionError{what + " on an " + s.family.String() + " socket", unix.EAFNOSUPPORT}
	case !group.IsValid():
		return &optionError{what + ": no group address", unix.EINVAL}
	case !group.IsMulticast():
		return &optionError{what + ": " + group.String() + " is not a multicast address", unix.EINVAL}
	case s.family == AF_INET && !group.Unmap().Is4():
		return &optionError{what + ": IPv6 group " + group.String() + " for an AF_INET socket", unix.EAFNOSUPPORT}
	}
	return nil
}

func (s *Socket) membership(ifindex int, group netip.Addr, join bool) error {
	const op = "setsockopt"
	if err := s.check(op); err != nil {
		return err
	}
	what, opt4, opt6 := "IP_ADD_MEMBERSHIP", unix.IP_ADD_MEMBERSHIP, unix.IPV6_JOIN_GROUP
	if !join {
		what, opt4, opt6 = "IP_DROP_MEMBERSHIP", unix.IP_DROP_MEMBERSHIP, unix.IPV6_LEAVE_GROUP
	}
	if err := s.checkGroup(what, ifindex, group); err != nil {
		return opError(op, err)
	}
	if s.family == AF_INET {
		g := group.Unmap().As4()
		return s.control(op, func(fd int) error {
			return setMreqn(fd, opt4, g, ifindex)
		})
	}
	m := unix.IPv6Mreq{Multiaddr: group.As16(), Interface: uint32(ifindex)}
	return s.control(op, func(fd int) error {
		return unix.SetsockoptIPv6Mreq(fd, unix.IPPROTO_IPV6, opt6, &m)
	})
}

// JoinSourceGroup joins the group for datagrams from source only (SSM):
// IP_ADD_SOURCE_MEMBERSHIP, whose struct ip_mreq_source names the
// interface by address (ifindex's first IPv4 one; 0: INADDR_ANY), or on an
// AF_INET6 socket MCAST_JOIN_SOURCE_GROUP (Linux only).
func (s *Socket) JoinSourceGroup(ifindex int, group, source netip.Addr) error {
	return s.sourceMembership(ifindex, group, source, true)
}

// LeaveSourceGroup leaves what [Socket.JoinSourceGroup] joined:
// IP_DROP_SOURCE_MEMBERSHIP or MCAST_LEAVE_SOURCE_GROUP.
func (s *Socket) LeaveSourceGroup(ifindex int, group, source netip.Addr) error {
	return s.sourceMembership(ifindex, group, source, false)
}

func (s *Socket) sourceMembership(ifindex int, group, source netip.Addr, join bool) error {
	const op = "setsockopt"
	if err := s.check(op); err != nil {
		return err
	}
	what := "IP_ADD_SOURCE_MEMBERSHIP"
	if !join {
		what = "IP_DROP_SOURCE_MEMBERSHIP"
	}
	if s.family == AF_INET6 {
		what = "MCAST_JOIN_SOURCE_GROUP"
		if !join {
			what = "MCAST_LEAVE_SOURCE_GROUP"
		}
	}
	if err := s.checkGroup(what, ifindex, group); err != nil {
		return opError(op, err)
	}
	if s.family == AF_INET6 {
		if !source.Is6() || source.Is4In6() {
			return opError(op, &optionError{what + ": source " + source.String() + " is not an IPv6 address", unix.EINVAL})
		}
		g, src := group.As16(), source.As16()
		return s.control(op, func(fd int) error {
			return setGroupSourceReq6(fd, join, uint32(ifindex), g, src)
		})
	}
	if !source.Unmap().Is4() {
		return opError(op, &optionError{what + ": source " + source.String() + " is not an IPv4 address", unix.EINVAL})
	}
	var ifaddr [4]byte
	if ifindex != 0 {
		a, err := interfaceAddr4(what, ifindex)
		if err != nil {
			return opError(op, err)
		}
		ifaddr = a
	}
	g, src := group.Unmap().As4(), source.Unmap().As4()
	return s.control(op, func(fd int) error {
		return setMreqSource(fd, join, g, ifaddr, src)
	})
}

// interfaceAddr4 returns the first IPv4 address of the interface.
func interfaceAddr4(what string, ifindex int) ([4]byte, error) {
	ifi, err := net.InterfaceByIndex(ifindex)
	if err != nil {
		return [4]byte{}, &optionError{what + ": no interface " + strconv.Itoa(ifindex), unix.ENODEV}
	}
	addrs, _ := ifi.Addrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap().Is4() {
				return ip.Unmap().As4(), nil
			}
		}
	}
	return [4]byte{}, &optionError{what + ": interface " + ifi.Name + " has no IPv4 address", unix.EADDRNOTAVAIL}
}

// SetBindToDevice binds the socket to the interface named name, so it
// sends and receives only through it: SO_BINDTODEVICE. "" unbinds. Linux
// only (elsewhere ENOPROTOOPT); it needs CAP_NET_RAW before Linux 5.7.
func (s *Socket) SetBindToDevice(name string) error {
	const op = "setsockopt"
	if err := s.check(op); err != nil {
		return err
	}
	if len(name) >= unix.IFNAMSIZ || strings.IndexByte(name, 0) >= 0 {
		return opError(op, &optionError{"SO_BINDTODEVICE " + strconv.Quote(name) + ": not an interface name", unix.EINVAL})
	}
	return s.control(op, func(fd int) error { return sysSetBindToDevice(fd, name) })
}

// BindToDevice reports SO_BINDTODEVICE: getsockopt(2); "" when unbound.
func (s *Socket) BindToDevice() (string, error) {
	var name string
	err := s.control("getsockopt", func(fd int) error {
		var err error
		name, err = sysBindToDevice(fd)
		return err
	})
	return name, err
}
