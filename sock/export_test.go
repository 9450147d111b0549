package sock

import (
	"net/netip"

	"golang.org/x/sys/unix"
)

// SockaddrRoundTrip encodes ap as a sockaddr of the family, as Bind,
// Connect and SendTo do, and decodes it back, as RecvFrom and Accept do.
func SockaddrRoundTrip(ap netip.AddrPort, family Family, needPort bool) (netip.AddrPort, uint32, error) {
	var rsa unix.RawSockaddrAny
	n, err := encodeAddr(ap, family, needPort, &rsa)
	if err != nil {
		return netip.AddrPort{}, 0, err
	}
	return decodeAddr(&rsa, n), n, nil
}

// Joined reports whether s has joined the Go runtime's poller (it does
// when a call first has to wait, or a deadline is set).
func Joined(s *Socket) bool { return s.fd.Joined() }
