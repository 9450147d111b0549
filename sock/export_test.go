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
