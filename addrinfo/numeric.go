package addrinfo

import (
	"net/netip"
	"strings"
)

// parseInetAton parses s the way glibc's inet_aton does (a, a.b, a.b.c or
// a.b.c.d; each part decimal, 0x hex or 0 octal; the last part fills the
// remaining bytes). exact rejects anything after the number, as glibc's
// getaddrinfo does (__inet_aton_exact); without it trailing text after a
// space is ignored, as inet_aton(3) does.
func parseInetAton(s string, exact bool) (netip.Addr, bool) {
	var parts [4]uint32
	np := 0
	i := 0
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	c := at(i)
	var val uint64
	for {
		if !isDigit(c) {
			return netip.Addr{}, false
		}
		base := uint64(10)
		digit := false
		val = 0
		if c == '0' {
			i++
			c = at(i)
			if c == 'x' || c == 'X' {
				base = 16
				i++
				c = at(i)
			} else {
				base = 8
				digit = true
			}
		}
		for {
			if isDigit(c) {
				if base == 8 && (c == '8' || c == '9') {
					return netip.Addr{}, false
				}
				val = val*base + uint64(c-'0')
				digit = true
			} else if base == 16 && isHex(c) {
				val = val<<4 | uint64(hexVal(c))
				digit = true
			} else {
				break
			}
			if val > 0xffffffff {
				return netip.Addr{}, false
			}
			i++
			c = at(i)
		}
		if !digit {
			return netip.Addr{}, false
		}
		if c != '.' {
			break
		}
		if np > 2 || val > 0xff {
			return netip.Addr{}, false
		}
		parts[np] = uint32(val)
		np++
		i++
		c = at(i)
	}
	if i < len(s) {
		if exact || !isSpace(c) {
			return netip.Addr{}, false
		}
	}
	max := [4]uint64{0xffffffff, 0xffffff, 0xffff, 0xff}
	if val > max[np] {
		return netip.Addr{}, false
	}
	w := uint32(val)
	for k := 0; k < np; k++ {
		w |= parts[k] << (24 - 8*k)
	}
	return netip.AddrFrom4([4]byte{byte(w >> 24), byte(w >> 16), byte(w >> 8), byte(w)}), true
}

// parseInetPton4 parses a strict dotted quad, as inet_pton(AF_INET): four
// decimal parts of at most 255, no leading zeros.
func parseInetPton4(s string) (netip.Addr, bool) {
	var b [4]byte
	n := 0
	for i := 0; i < 4; i++ {
		if i > 0 {
			if n >= len(s) || s[n] != '.' {
				return netip.Addr{}, false
			}
			n++
		}
		start := n
		v := 0
		for n < len(s) && isDigit(s[n]) {
			if n > start && s[start] == '0' {
				return netip.Addr{}, false
			}
			v = v*10 + int(s[n]-'0')
			if v > 255 {
				return netip.Addr{}, false
			}
			n++
		}
		if n == start {
			return netip.Addr{}, false
		}
		b[i] = byte(v)
	}
	if n != len(s) {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4(b), true
}

// parseInetPton6 parses an IPv6 address without zone, as
// inet_pton(AF_INET6): hex groups of one to four digits, one "::", an
// optional dotted quad (strict, as inet_pton4) in the last 32 bits.
func parseInetPton6(s string) (netip.Addr, bool) {
	var ip [16]byte
	i, j := 0, 0 // i in s, j in ip
	ellipsis := -1
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		ellipsis = 0
		i = 2
		if i == len(s) {
			return netip.AddrFrom16(ip), true
		}
	} else if len(s) > 0 && s[0] == ':' {
		return netip.Addr{}, false
	}
	for i < len(s) {
		// A dotted quad may close the address.
		start := i
		v, n := 0, 0
		for i < len(s) && isHex(s[i]) && n < 5 {
			v = v<<4 | hexVal(s[i])
			i++
			n++
		}
		if n == 0 || n > 4 {
			return netip.Addr{}, false
		}
		if i < len(s) && s[i] == '.' {
			if j > 12 {
				return netip.Addr{}, false
			}
			a, ok := parseInetPton4(s[start:])
			if !ok {
				return netip.Addr{}, false
			}
			a4 := a.As4()
			copy(ip[j:], a4[:])
			j += 4
			break
		}
		if j > 14 {
			return netip.Addr{}, false
		}
		ip[j] = byte(v >> 8)
		ip[j+1] = byte(v)
		j += 2
		if i == len(s) {
			break
		}
		if s[i] != ':' {
			return netip.Addr{}, false
		}
		i++
		if i < len(s) && s[i] == ':' {
			if ellipsis >= 0 {
				return netip.Addr{}, false
			}
			ellipsis = j
			i++
			if i == len(s) {
				break
			}
		} else if i == len(s) {
			return netip.Addr{}, false // trailing single colon
		}
	}
	if j < 16 {
		if ellipsis < 0 {
			return netip.Addr{}, false
		}
		n := 16 - j
		copy(ip[ellipsis+n:], ip[ellipsis:j])
		for k := ellipsis; k < ellipsis+n; k++ {
			ip[k] = 0
		}
	} else if ellipsis >= 0 {
		return netip.Addr{}, false // "::" must stand for at least one group
	}
	return netip.AddrFrom16(ip), true
}

// parseService parses a service the way glibc's getaddrinfo does with
// strtoul(s, &end, 10): leading white space and a sign are allowed and the
// value is truncated to int. consumed reports whether the whole string was
// a number (else AI_NUMERICSERV fails with EAI_NONAME); ok is false when
// the int is negative ("-1"), which glibc then looks up as a name. The port
// is the low 16 bits, so "65536" is port 0.
func parseService(s string) (port uint16, consumed, ok bool) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var v uint64
	overflow := false
	for i < len(s) && isDigit(s[i]) {
		d := uint64(s[i] - '0')
		if v > (1<<64-1-d)/10 {
			overflow = true
		} else {
			v = v*10 + d
		}
		i++
	}
	if i == start || i != len(s) {
		return 0, false, false
	}
	if overflow {
		v = 1<<64 - 1
	} else if neg {
		v = -v
	}
	if int32(uint32(v)) < 0 {
		return 0, true, false
	}
	return uint16(v), true, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isHex(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
func hexVal(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}

// isSpace is C's isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// splitZone splits "addr%zone" at the first '%'.
func splitZone(s string) (addr, zone string, ok bool) {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}
