package sock

import (
	"errors"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"
)

// Tuple is the 5-tuple that names a socket.
type Tuple struct {
	Protocol Protocol
	Local    netip.AddrPort
	Remote   netip.AddrPort // zero when the socket is not connected
}

// String formats the tuple as "tcp 127.0.0.1:50312 -> 127.0.0.1:8080"; a
// zero address prints "*", an unnamed protocol "proto 132".
func (t Tuple) String() string {
	b := make([]byte, 0, 64)
	b = append(b, protocolShortName(t.Protocol)...)
	b = append(b, ' ')
	b = appendAddr(b, t.Local)
	b = append(b, " -> "...)
	b = appendAddr(b, t.Remote)
	return string(b)
}

func protocolShortName(p Protocol) string {
	switch p {
	case IPPROTO_TCP:
		return "tcp"
	case IPPROTO_UDP:
		return "udp"
	case IPPROTO_ICMP:
		return "icmp"
	case IPPROTO_ICMPV6:
		return "icmpv6"
	}
	return "proto " + strconv.Itoa(int(p))
}

func appendAddr(b []byte, ap netip.AddrPort) []byte {
	if !ap.IsValid() {
		return append(b, '*')
	}
	return ap.AppendTo(b)
}

// Tuple returns the 5-tuple: SO_PROTOCOL (derived on Darwin), getsockname(2)
// and getpeername(2). Remote is zero if not connected, both if not IP.
func (s *Socket) Tuple() (Tuple, error) {
	var t Tuple
	p, err := s.getsockoptInt(ctlProtocol, 0, 0)
	if err != nil {
		return Tuple{}, err
	}
	t.Protocol = Protocol(p)
	if t.Local, err = s.LocalAddr(); err != nil {
		return Tuple{}, err
	}
	if t.Remote, err = s.RemoteAddr(); err != nil {
		if !errors.Is(err, unix.ENOTCONN) {
			return Tuple{}, err
		}
		t.Remote = netip.AddrPort{}
	}
	return t, nil
}
