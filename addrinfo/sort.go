package addrinfo

import (
	"net/netip"
	"strconv"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// sortResult is glibc's struct sort_result: a destination and what
// connecting a UDP socket to it taught about the source address.
type sortResult struct {
	dest      netip.Addr // the entry's address (a mapped IPv4 stays IPv6)
	fam       sock.Family
	src       netip.Addr // the source address, as the socket family gives it
	got       bool
	prefixLen int
	index     uint32
}

// sortRFC3484 orders the entries as glibc 2.36 does when an answer has more
// than one address: for each distinct destination it connects a UDP socket
// (no packet is sent) to learn the source address the kernel would use,
// then sorts with the rules of RFC 3484 section 6 (RFC 6724's numbering)
// over glibc's default policy tables, with glibc's merge sort so ties and
// the rules' corner cases come out the same.
//
// Not done: rule 3 (deprecated source addresses), rule 4 (home addresses)
// and rule 7 (native transport, which glibc decides from the interface
// type) need data netif does not report; they decide nothing unless the
// system has deprecated addresses, mobile IPv6 or tunnel interfaces.
func sortRFC3484(out []Info, ifs *ifInfo, gc *gaiConf) {
	res := make([]sortResult, len(out))
	for i := range out {
		r := &res[i]
		r.dest, r.fam = out[i].Addr.Addr(), out[i].Family
		r.index = 0xffffffff
		if i > 0 && out[i-1].Family == out[i].Family && out[i-1].Addr == out[i].Addr {
			prev := res[i-1]
			r.src, r.got, r.prefixLen, r.index = prev.src, prev.got, prev.prefixLen, prev.index
			continue
		}
		src, ok := sourceAddr(out[i].Family, out[i].Addr)
		if !ok {
			continue
		}
		r.src, r.got = src, true
		if info, found := ifs.addrs[netip.AddrFrom16(src.WithZone("").As16())]; found {
			r.prefixLen, r.index = max(info.prefixLen, 0), uint32(info.index)
		}
	}
	canon := out[0].CanonName
	out[0].CanonName = ""
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	cmp := func(i, j int) int { return rfc3484Compare(&res[i], &res[j], i, j, gc) }
	msort(order, make([]int, len(order)), cmp)
	sorted := make([]Info, len(out))
	for k, i := range order {
		sorted[k] = out[i]
	}
	copy(out, sorted)
	out[0].CanonName = canon
}

// msort is glibc's msort_with_tmp: a top-down merge sort that takes from
// the left run while cmp <= 0.
func msort(b, tmp []int, cmp func(a, b int) int) {
	n := len(b)
	if n <= 1 {
		return
	}
	n1 := n / 2
	msort(b[:n1], tmp, cmp)
	msort(b[n1:], tmp, cmp)
	l, r := b[:n1], b[n1:]
	t := tmp[:0]
	for len(l) > 0 && len(r) > 0 {
		if cmp(l[0], r[0]) <= 0 {
			t = append(t, l[0])
			l = l[1:]
		} else {
			t = append(t, r[0])
			r = r[1:]
		}
	}
	t = append(t, l...)
	copy(b, t)
}

// sourceAddr connects a UDP socket of the entry's family to dst and reads
// back the local address: the source the kernel would pick.
func sourceAddr(fam sock.Family, dst netip.AddrPort) (netip.Addr, bool) {
	var sa unix.Sockaddr
	af := unix.AF_INET
	if fam == sock.AF_INET6 {
		af = unix.AF_INET6
		s6 := &unix.SockaddrInet6{Port: int(dst.Port()), Addr: dst.Addr().As16()}
		if z := dst.Addr().Zone(); z != "" {
			n, _ := strconv.ParseUint(z, 10, 32)
			s6.ZoneId = uint32(n)
		}
		sa = s6
	} else {
		sa = &unix.SockaddrInet4{Port: int(dst.Port()), Addr: dst.Addr().As4()}
	}
	fd, err := udpSocket(af)
	if err != nil {
		return netip.Addr{}, false
	}
	defer unix.Close(fd)
	if err := unix.Connect(fd, sa); err != nil {
		return netip.Addr{}, false
	}
	local, err := unix.Getsockname(fd)
	if err != nil {
		return netip.Addr{}, false
	}
	switch l := local.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrFrom4(l.Addr), true
	case *unix.SockaddrInet6:
		return netip.AddrFrom16(l.Addr), true
	}
	return netip.Addr{}, false
}

// glibc's default scope table for IPv4 (gai.conf "scopev4" defaults).
var scopes4 = []scopeEntry{
	{0xa9fe0000, 0xffff0000, 2}, // 169.254/16
	{0x7f000000, 0xff000000, 2}, // 127/8
	{0, 0, 14},
}

// getScope is glibc's get_scope: IPv4 (family AF_INET) by the table above,
// IPv6 by the address's own scope.
func getScope(a netip.Addr, fam sock.Family, scopes []scopeEntry) int {
	if fam != sock.AF_INET6 {
		b := a.As4()
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		for _, s := range scopes {
			if v&s.mask == s.addr {
				return s.scope
			}
		}
		return 14
	}
	b := a.As16()
	if b[0] == 0xff {
		return int(b[1] & 0xf)
	}
	switch {
	case b[0] == 0xfe && b[1]&0xc0 == 0x80, a.WithZone("") == netip.IPv6Loopback():
		return 2
	case b[0] == 0xfe && b[1]&0xc0 == 0xc0:
		return 5
	}
	return 14
}

type prefixEntry struct {
	prefix netip.Prefix
	val    int
}

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// glibc's default label and precedence tables, in glibc's order (the
// first match wins).
var (
	labels = []prefixEntry{
		{mustPrefix("::1/128"), 0},
		{mustPrefix("2002::/16"), 2},
		{mustPrefix("::/96"), 3},
		{mustPrefix("::ffff:0:0/96"), 4},
		{mustPrefix("fec0::/10"), 5},
		{mustPrefix("fc00::/7"), 6},
		{mustPrefix("2001::/32"), 7},
		{mustPrefix("::/0"), 1},
	}
	precedences = []prefixEntry{
		{mustPrefix("::1/128"), 50},
		{mustPrefix("2002::/16"), 30},
		{mustPrefix("::/96"), 20},
		{mustPrefix("::ffff:0:0/96"), 10},
		{mustPrefix("::/0"), 40},
	}
)

func matchPrefix(a netip.Addr, list []prefixEntry) int {
	a16 := netip.AddrFrom16(a.WithZone("").As16())
	for _, e := range list {
		if e.prefix.Contains(a16) {
			return e.val
		}
	}
	return list[len(list)-1].val
}

// fls is glibc's fls: the number of leading zero bits (32 for 0).
func fls(a uint32) int {
	n := 0
	for mask := uint32(1) << 31; n < 32; mask >>= 1 {
		if a&mask != 0 {
			break
		}
		n++
	}
	return n
}

func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// rfc3484Compare is glibc's rfc3484_sort comparator.
func rfc3484Compare(a1, a2 *sortResult, idx1, idx2 int, gc *gaiConf) int {
	// Rule 1: avoid unusable destinations.
	if a1.got && !a2.got {
		return -1
	}
	if !a1.got && a2.got {
		return 1
	}
	// Rule 2: prefer matching scope.
	d1, d2 := getScope(a1.dest, a1.fam, gc.scopes), getScope(a2.dest, a2.fam, gc.scopes)
	if a1.got {
		s1, s2 := getScope(a1.src, a1.fam, gc.scopes), getScope(a2.src, a2.fam, gc.scopes)
		if d1 == s1 && d2 != s2 {
			return -1
		}
		if d1 != s1 && d2 == s2 {
			return 1
		}
	}
	// Rules 3 and 4: no deprecated/home-address data (see sortRFC3484).
	// Rule 5: prefer matching label.
	if a1.got {
		l1d, l1s := matchPrefix(a1.dest, gc.labels), matchPrefix(a1.src, gc.labels)
		l2d, l2s := matchPrefix(a2.dest, gc.labels), matchPrefix(a2.src, gc.labels)
		if l1d == l1s && l2d != l2s {
			return -1
		}
		if l1d != l1s && l2d == l2s {
			return 1
		}
	}
	// Rule 6: prefer higher precedence.
	p1, p2 := matchPrefix(a1.dest, gc.precedences), matchPrefix(a2.dest, gc.precedences)
	if p1 > p2 {
		return -1
	}
	if p1 < p2 {
		return 1
	}
	// Rule 7: native transport, not decided (see sortRFC3484).
	// Rule 8: prefer smaller scope.
	if d1 < d2 {
		return -1
	}
	if d1 > d2 {
		return 1
	}
	// Rule 9: longest matching prefix.
	if a1.got && a1.fam == a2.fam {
		bit1, bit2 := 0, 0
		if a1.fam == sock.AF_INET {
			dst1, src1 := be32(a1.dest.AsSlice()), be32(a1.src.AsSlice())
			dst2, src2 := be32(a2.dest.AsSlice()), be32(a2.src.AsSlice())
			// C shifts by (32 - prefixlen); x86 masks the count, so a
			// prefix length of 0 gives an all-ones mask.
			m1 := uint32(0xffffffff) << ((32 - a1.prefixLen) & 31)
			m2 := uint32(0xffffffff) << ((32 - a2.prefixLen) & 31)
			if src1&m1 == dst1&m1 {
				bit1 = fls(dst1 ^ src1)
			}
			if src2&m2 == dst2&m2 {
				bit2 = fls(dst2 ^ src2)
			}
		} else {
			d1b, s1b := a1.dest.As16(), a1.src.As16()
			d2b, s2b := a2.dest.As16(), a2.src.As16()
			i := 0
			for ; i < 4; i++ {
				if be32(d1b[4*i:]) != be32(s1b[4*i:]) || be32(d2b[4*i:]) != be32(s2b[4*i:]) {
					break
				}
			}
			if i < 4 {
				bit1 = fls(be32(d1b[4*i:]) ^ be32(s1b[4*i:]))
				bit2 = fls(be32(d2b[4*i:]) ^ be32(s2b[4*i:]))
			}
		}
		if bit1 > bit2 {
			return -1
		}
		if bit1 < bit2 {
			return 1
		}
	}
	// Rule 10: keep the order.
	if idx1 < idx2 {
		return -1
	}
	return 1
}
