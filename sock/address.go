package sock

import "net/netip"

// Addr is a socket address, C's struct sockaddr: an IP address and port
// ([InetAddr]) or an AF_UNIX path ([UnixAddr]), unnamed or abstract. The
// zero Addr is no address. Addrs are comparable; only String and Path
// allocate.
type Addr struct {
	ap  netip.AddrPort
	fam Family
	// n is how many bytes of raw are in use, or a badXxx value.
	n uint8
	// raw holds the family's other bytes: for AF_UNIX, the path as
	// [Addr.Path] shows it (abstract: a leading '@').
	raw [addrRawLen]byte
}

// addrRawLen is the longest sun_path of any system (Linux: 108).
const addrRawLen = 108

// Values of Addr.n for a path that cannot be stored.
const (
	badLong = 0xff - iota // longer than addrRawLen
	badNUL                // holds a NUL byte
)

// InetAddr returns the address of ap: AF_INET for an IPv4 address,
// AF_INET6 otherwise. An invalid ap gives the zero Addr.
func InetAddr(ap netip.AddrPort) Addr {
	if !ap.IsValid() {
		return Addr{}
	}
	f := AF_INET6
	if ap.Addr().Is4() {
		f = AF_INET
	}
	return Addr{ap: ap, fam: f}
}

// UnixAddr returns the AF_UNIX address of path. On Linux a leading '@'
// names the abstract namespace; "" is the unnamed address, which Bind turns
// into an autobound abstract name on Linux.
func UnixAddr(path string) Addr {
	a := Addr{fam: AF_UNIX}
	switch {
	case len(path) > addrRawLen:
		a.n = badLong
	case containsNUL(path):
		a.n = badNUL
	default:
		a.n = uint8(copy(a.raw[:], path))
	}
	return a
}

func containsNUL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return true
		}
	}
	return false
}

// IsValid reports whether a is an address, not the zero Addr.
func (a Addr) IsValid() bool { return a.fam != AF_UNSPEC }

// Family returns the address family: AF_INET, AF_INET6, AF_UNIX, ...
func (a Addr) Family() Family { return a.fam }

// AddrPort returns the IP address and port; the zero AddrPort for another
// family.
func (a Addr) AddrPort() netip.AddrPort { return a.ap }

// Path returns the AF_UNIX path ("@name" if abstract); "" if unnamed or of
// another family.
func (a Addr) Path() string {
	if a.fam != AF_UNIX || a.n > addrRawLen {
		return ""
	}
	return string(a.raw[:a.n])
}

// String formats the address as ss(8) does: "127.0.0.1:80", "[::1]:80",
// "/run/x.sock", "@name"; "*" for an unnamed AF_UNIX socket and the zero
// Addr.
func (a Addr) String() string { return string(a.AppendTo(make([]byte, 0, 48))) }

// AppendTo appends the form String returns to b.
func (a Addr) AppendTo(b []byte) []byte {
	switch a.fam {
	case AF_UNSPEC:
		return append(b, '*')
	case AF_INET, AF_INET6:
		return a.ap.AppendTo(b)
	case AF_UNIX:
		switch {
		case a.n == badLong:
			return append(b, "<AF_UNIX path too long>"...)
		case a.n == badNUL:
			return append(b, "<AF_UNIX path with a NUL byte>"...)
		case a.n == 0:
			return append(b, '*')
		}
		return append(b, a.raw[:a.n]...)
	}
	// A family with no case here yet: its name.
	return append(append(b, '<'), a.fam.String()+">"...)
}
