package sock

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hasPacketSockets: Linux has AF_PACKET sockets.
const hasPacketSockets = true

type rawSockaddrLL = unix.RawSockaddrLinklayer

// linkSockaddr views the per-socket sockaddr storage as a sockaddr_ll.
func linkSockaddr(rsa *unix.RawSockaddrAny) *rawSockaddrLL {
	return (*rawSockaddrLL)(unsafe.Pointer(rsa))
}

func encodeSockaddrLL(a *LinkAddr, sa *rawSockaddrLL) uint32 {
	*sa = rawSockaddrLL{
		Family:   unix.AF_PACKET,
		Protocol: htons(a.Protocol),
		Ifindex:  int32(a.Ifindex),
		Hatype:   a.Hatype,
		Pkttype:  a.Pkttype,
		Halen:    a.Halen,
		Addr:     a.Addr,
	}
	return unix.SizeofSockaddrLinklayer
}

func decodeLink(sa *rawSockaddrLL, salen uint32) LinkAddr {
	if salen < unix.SizeofSockaddrLinklayer || sa.Family != unix.AF_PACKET {
		return LinkAddr{}
	}
	return LinkAddr{
		Protocol: ntohs(sa.Protocol),
		Ifindex:  int(sa.Ifindex),
		Hatype:   sa.Hatype,
		Pkttype:  sa.Pkttype,
		Halen:    min(sa.Halen, 8),
		Addr:     sa.Addr,
	}
}
