package sock

import (
	"net/netip"
	"unsafe"

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

// AddrRoundTrip encodes a as a sockaddr for a socket of the family and
// decodes it back: the Addr path of Bind, Connect, SendTo and RecvFrom.
func AddrRoundTrip(a Addr, family Family, needPort bool) (Addr, uint32, error) {
	var rsa unix.RawSockaddrAny
	n, err := encodeSockaddr(&a, family, needPort, &rsa)
	if err != nil {
		return Addr{}, 0, err
	}
	return decodeSockaddr(&rsa, n), n, nil
}

// DecodeSockaddr decodes b as a sockaddr the kernel returned, of length
// len(b) (at most sizeof(struct sockaddr_storage)).
func DecodeSockaddr(b []byte) Addr {
	var rsa unix.RawSockaddrAny
	raw := (*[unix.SizeofSockaddrAny]byte)(unsafe.Pointer(&rsa))
	n := copy(raw[:], b)
	return decodeSockaddr(&rsa, uint32(n))
}
