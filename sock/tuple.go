package sock

import (
	"errors"
	"strconv"

	"golang.org/x/sys/unix"
)

// Tuple is the 5-tuple that names a socket (an AF_UNIX socket: its type
// and paths).
type Tuple struct {
	Protocol Protocol
	Local    Addr
	Remote   Addr // zero when the socket is not connected
	Type     Type
}

// String formats the tuple as "tcp 127.0.0.1:50312 -> 127.0.0.1:8080", an
// AF_UNIX one as "u_str /run/x.sock -> *" (ss(8)'s names); a zero or
// unnamed address prints "*", an unnamed protocol "proto 132".
func (t Tuple) String() string {
	b := make([]byte, 0, 64)
	if t.Local.Family() == AF_UNIX || t.Remote.Family() == AF_UNIX {
		b = append(b, unixNetid(t.Type)...)
	} else {
		b = append(b, protocolShortName(t.Protocol)...)
	}
	b = append(b, ' ')
	b = t.Local.AppendTo(b)
	b = append(b, " -> "...)
	b = t.Remote.AppendTo(b)
	return string(b)
}

// unixNetid is ss(8)'s name of an AF_UNIX socket type.
func unixNetid(t Type) string {
	switch t {
	case SOCK_STREAM:
		return "u_str"
	case SOCK_DGRAM:
		return "u_dgr"
	case SOCK_SEQPACKET:
		return "u_seq"
	}
	return "unix"
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

// Tuple returns the 5-tuple: SO_PROTOCOL (Darwin: derived from the type),
// getsockname(2) and getpeername(2). Remote is zero when not connected.
func (s *Socket) Tuple() (Tuple, error) {
	t := Tuple{Type: s.Type()}
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
		t.Remote = Addr{}
	}
	return t, nil
}
