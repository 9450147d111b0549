package sock

import (
	"net"
	"net/netip"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// addrError is a bad address given to Bind, Connect or SendTo. It unwraps to
// the errno the kernel would have returned (EINVAL or EAFNOSUPPORT), so
// errors.Is(err, unix.EINVAL) holds.
type addrError struct {
	addr  string // "" for an invalid address
	why   string
	errno unix.Errno
	err   error // unwrapped instead of errno when set (a context's error)
}

func (e *addrError) Error() string {
	if e.addr == "" {
		return "invalid address: " + e.why
	}
	return "address " + e.addr + ": " + e.why
}

func newAddrError(ap netip.AddrPort, why string, errno unix.Errno) *addrError {
	a := ""
	if ap.IsValid() {
		a = ap.String()
	}
	return &addrError{a, why, errno, nil}
}

func (e *addrError) Unwrap() error {
	if e.err != nil {
		return e.err
	}
	return e.errno
}

// encodeAddr writes ap into rsa as the sockaddr of a socket of the given
// family and returns its length. An IPv4 address given to an AF_INET6 socket
// becomes the IPv4-mapped IPv6 address; an IPv4-mapped IPv6 address given to
// an AF_INET socket is unmapped; any other IPv6 address given to an AF_INET
// socket, an invalid AddrPort, or a port of 0 where needPort is set, is an
// error. A zone is looked up as an interface name, or else read as a number.
// It allocates nothing unless ap has a zone.
func encodeAddr(ap netip.AddrPort, family Family, needPort bool, rsa *unix.RawSockaddrAny) (uint32, error) {
	if !ap.IsValid() {
		return 0, newAddrError(ap, "not a valid address", unix.EINVAL)
	}
	if needPort && ap.Port() == 0 {
		return 0, newAddrError(ap, "port 0", unix.EINVAL)
	}
	ip := ap.Addr()
	port := ap.Port()
	switch family {
	case AF_INET:
		if ip.Is4In6() {
			ip = ip.Unmap()
		}
		if !ip.Is4() {
			return 0, newAddrError(ap, "IPv6 address for an AF_INET socket", unix.EAFNOSUPPORT)
		}
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		*sa = unix.RawSockaddrInet4{}
		setHeader4(sa)
		sa.Port = htons(port)
		sa.Addr = ip.As4()
		return unix.SizeofSockaddrInet4, nil
	case AF_INET6:
		var scope uint32
		if z := ip.Zone(); z != "" {
			var err error
			if scope, err = zoneToScope(z); err != nil {
				return 0, newAddrError(ap, "unknown zone "+strconv.Quote(z), unix.EINVAL)
			}
		}
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		*sa = unix.RawSockaddrInet6{}
		setHeader6(sa)
		sa.Port = htons(port)
		sa.Addr = ip.As16() // an IPv4 address comes out IPv4-mapped
		sa.Scope_id = scope
		return unix.SizeofSockaddrInet6, nil
	default:
		return 0, newAddrError(ap, "an IP address for an "+family.String()+" socket", unix.EAFNOSUPPORT)
	}
}

// decodeAddr reads the IP sockaddr of length salen in rsa. It returns the
// zero AddrPort (and no error) for an empty sockaddr or one of another family
// (AF_UNIX, say): callers that need an IP address check IsValid. A non-zero
// IPv6 scope id becomes the zone (the interface name, else the number); only
// then does it allocate.
func decodeAddr(rsa *unix.RawSockaddrAny, salen uint32) netip.AddrPort {
	switch int(rawFamily(rsa)) {
	case unix.AF_INET:
		if salen < unix.SizeofSockaddrInet4 {
			return netip.AddrPort{}
		}
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), ntohs(sa.Port))
	case unix.AF_INET6:
		if salen < unix.SizeofSockaddrInet6 {
			return netip.AddrPort{}
		}
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		ip := netip.AddrFrom16(sa.Addr)
		if sa.Scope_id != 0 {
			ip = ip.WithZone(scopeToZone(sa.Scope_id))
		}
		return netip.AddrPortFrom(ip, ntohs(sa.Port))
	}
	return netip.AddrPort{}
}

func zoneToScope(z string) (uint32, error) {
	if ifi, err := net.InterfaceByName(z); err == nil {
		return uint32(ifi.Index), nil
	}
	n, err := strconv.ParseUint(z, 10, 32)
	if err != nil {
		return 0, err
	}
	return uint32(n), nil
}

func scopeToZone(id uint32) string {
	if ifi, err := net.InterfaceByIndex(int(id)); err == nil {
		return ifi.Name
	}
	return strconv.FormatUint(uint64(id), 10)
}

// htons and ntohs convert a port to and from network byte order, the order
// of the bytes of the Port field in memory.
func htons(p uint16) uint16 {
	var r uint16
	b := (*[2]byte)(unsafe.Pointer(&r))
	b[0], b[1] = byte(p>>8), byte(p)
	return r
}

func ntohs(p uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return uint16(b[0])<<8 | uint16(b[1])
}

// encodeSockaddr writes a into rsa as the sockaddr for a socket of the
// given family and returns its length: the one encoder behind Bind,
// Connect, SendTo and SendMsg. needPort: an IP port of 0 is EINVAL. The
// unnamed AF_UNIX address encodes as the family alone (Linux: autobind).
// Only an IPv6 zone allocates.
func encodeSockaddr(a *Addr, family Family, needPort bool, rsa *unix.RawSockaddrAny) (uint32, error) {
	switch a.fam {
	case AF_INET, AF_INET6:
		return encodeAddr(a.ap, family, needPort, rsa)
	case AF_UNIX:
		if family != AF_UNIX {
			return 0, &addrError{strconv.Quote(a.Path()), "a path for an " + family.String() + " socket", unix.EAFNOSUPPORT, nil}
		}
		return encodeUnix(a, rsa)
	case AF_UNSPEC:
		return 0, &addrError{"", "no address", unix.EINVAL, nil}
	}
	return 0, &addrError{a.String(), "an " + a.fam.String() + " address", unix.EAFNOSUPPORT, nil}
}

// encodeUnix writes an AF_UNIX sockaddr for a into rsa and returns its
// length. On Linux a leading '@' names the abstract namespace (sun_path
// starting with a NUL byte), as in net. A NUL byte in the path, or one too
// long for sun_path (a path that fills it has no NUL), is an error
// wrapping EINVAL.
func encodeUnix(a *Addr, rsa *unix.RawSockaddrAny) (uint32, error) {
	sa := (*unix.RawSockaddrUnix)(unsafe.Pointer(rsa))
	*sa = unix.RawSockaddrUnix{}
	switch {
	case a.n == badNUL:
		return 0, &addrError{"", "NUL byte in an AF_UNIX path", unix.EINVAL, nil}
	case a.n == badLong || int(a.n) > len(sa.Path):
		return 0, &addrError{"", "AF_UNIX path longer than " + strconv.Itoa(len(sa.Path)) + " bytes", unix.EINVAL, nil}
	}
	for i, c := range a.raw[:a.n] {
		sa.Path[i] = int8(c)
	}
	n := uint32(unsafe.Offsetof(sa.Path)) + uint32(a.n)
	if a.n > 0 {
		if abstractUnix && a.raw[0] == '@' {
			sa.Path[0] = 0
		} else if int(a.n) < len(sa.Path) {
			n++ // the terminating NUL, where it fits, as the kernel allows
		}
	}
	setHeaderUnix(sa, n)
	return n, nil
}

// decodeSockaddr reads the sockaddr of length salen in rsa: the one decoder
// behind Accept, RecvFrom, RecvMsg, LocalAddr and RemoteAddr. An empty
// sockaddr is the zero Addr; a family without a decoder keeps only its
// family. Only an IPv6 scope id allocates (the zone's name).
func decodeSockaddr(rsa *unix.RawSockaddrAny, salen uint32) Addr {
	if salen < 2 {
		return Addr{}
	}
	switch f := Family(rawFamily(rsa)); f {
	case AF_INET, AF_INET6:
		ap := decodeAddr(rsa, salen)
		if !ap.IsValid() {
			return Addr{}
		}
		return Addr{ap: ap, fam: f}
	case AF_UNIX:
		return decodeUnix((*unix.RawSockaddrUnix)(unsafe.Pointer(rsa)), salen)
	default:
		return Addr{fam: f}
	}
}

// decodeUnix reads an AF_UNIX sockaddr: no path is the unnamed address; an
// abstract name (leading NUL) shows as '@' and its other NULs as '@', as
// ss(8) shows them.
func decodeUnix(sa *unix.RawSockaddrUnix, salen uint32) Addr {
	a := Addr{fam: AF_UNIX}
	n := int(salen) - int(unsafe.Offsetof(sa.Path))
	n = max(0, min(n, len(sa.Path), addrRawLen))
	if n == 0 {
		return a
	}
	if abstractUnix && sa.Path[0] == 0 {
		for i, c := range sa.Path[:n] {
			if c == 0 {
				c = '@'
			}
			a.raw[i] = byte(c)
		}
		a.n = uint8(n)
		return a
	}
	for i, c := range sa.Path[:n] {
		if c == 0 {
			break
		}
		a.raw[i] = byte(c)
		a.n++
	}
	return a
}
