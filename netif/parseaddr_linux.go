package netif

import (
	"fmt"
	"net/netip"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// The RTM_NEWADDR half of the parser (see parse_linux.go): a dump's
// addresses, joined to the links they belong to.

// addrAttrs are the attributes of one RTM_NEWADDR message.
type addrAttrs struct {
	family    uint8
	local     netip.Addr // IFA_LOCAL
	address   netip.Addr // IFA_ADDRESS
	broadcast netip.Addr // IFA_BROADCAST
	label     []byte     // IFA_LABEL, without its NUL; nil if absent
}

// addrParser turns RTM_NEWADDR messages into address entries, appended to
// out. An address whose index is not among the links (a link created
// between the two dumps) is left out, and marks the pair of dumps
// inconsistent.
type addrParser struct {
	dumpState
	links        []link
	byIndex      map[int]int
	out          []IfAddr
	slots, end   []int // grouped mode: next and end position in out of each link's addresses
	inconsistent bool
}

func newAddrParser(seq, pid uint32, links []link, out []IfAddr) *addrParser {
	p := &addrParser{dumpState: dumpState{op: "RTM_GETADDR", seq: seq, pid: pid}, links: links, out: out}
	if len(links) > 8 {
		p.byIndex = make(map[int]int, len(links))
		for i, l := range links {
			p.byIndex[l.index] = i
		}
	}
	return p
}

func (p *addrParser) feed(b []byte) error {
	return p.messages(b, unix.RTM_NEWADDR, p.addr)
}

func (p *addrParser) find(index int) (int, bool) {
	if p.byIndex != nil {
		i, ok := p.byIndex[index]
		return i, ok
	}
	for i := range p.links {
		if p.links[i].index == index {
			return i, true
		}
	}
	return 0, false
}

func skipAttr(uint16, []byte) error { return nil }

func (p *addrParser) addr(off int, body []byte) error {
	if len(body) < ifAddrMsgLen {
		return p.errorf(off, errTruncated, "ifaddrmsg of %d bytes, want %d", len(body), ifAddrMsgLen)
	}
	fam := body[0]
	plen := int(body[1])
	index := int(int32(ne.Uint32(body[4:8])))
	var bits int
	switch fam {
	case unix.AF_INET:
		bits = 32
	case unix.AF_INET6:
		bits = 128
	default:
		// Other families (AF_MCTP, say) have no place in IfAddr: skip
		// them, after checking their attributes all the same.
		return p.attrs(off+ifAddrMsgLen, body[ifAddrMsgLen:], skipAttr)
	}
	if plen > bits {
		return p.errorf(off, errAttrValue, "prefix length %d for a %d-bit address", plen, bits)
	}
	// The attributes go to a local value, not the parser's heap state: no
	// write barriers on the path every address takes.
	a := addrAttrs{family: fam}
	if err := p.attrs(off+ifAddrMsgLen, body[ifAddrMsgLen:], func(typ uint16, v []byte) error {
		return a.set(typ, v)
	}); err != nil {
		return err
	}
	if !a.local.IsValid() && !a.address.IsValid() {
		return p.errorf(off, errAttrValue, "address message without IFA_ADDRESS or IFA_LOCAL")
	}
	li, known := p.find(index)
	if !known {
		p.inconsistent = true
		return nil
	}
	var e *IfAddr
	if p.slots != nil {
		if p.slots[li] >= p.end[li] {
			return p.errorf(off, errAttrValue, "more addresses on interface %d than counted", index)
		}
		e = &p.out[p.slots[li]]
		p.slots[li]++
	} else {
		p.out = append(p.out, IfAddr{})
		e = &p.out[len(p.out)-1]
	}
	fillAddr(e, &a, plen, &p.links[li])
	return nil
}

func (a *addrAttrs) ip(v []byte) (netip.Addr, error) {
	switch {
	case a.family == unix.AF_INET && len(v) == 4:
		return netip.AddrFrom4([4]byte(v)), nil
	case a.family == unix.AF_INET6 && len(v) == 16:
		return netip.AddrFrom16([16]byte(v)), nil
	}
	return netip.Addr{}, attrError(fmt.Sprintf("address of %d bytes for family %d", len(v), a.family))
}

// set records one attribute of an RTM_NEWADDR message.
func (a *addrAttrs) set(typ uint16, v []byte) error {
	var err error
	switch typ {
	case unix.IFA_ADDRESS:
		a.address, err = a.ip(v)
	case unix.IFA_LOCAL:
		a.local, err = a.ip(v)
	case unix.IFA_BROADCAST:
		a.broadcast, err = a.ip(v)
	case unix.IFA_LABEL:
		n := cstrlen(v)
		if n >= ifNameSize {
			return attrError(fmt.Sprintf("IFA_LABEL of %d bytes", n))
		}
		if n > 0 {
			a.label = v[:n]
		}
	}
	return err
}

// fillAddr makes the getifaddrs entry of one address of link l in e, which
// is zero. Fields are set one by one: no copy of a whole struct with its
// pointers.
func fillAddr(e *IfAddr, a *addrAttrs, plen int, l *link) {
	e.Name = l.name
	if a.label != nil && string(a.label) != l.name {
		e.Name = string(a.label) // an alias label such as "eth0:1"
	}
	e.Index, e.Flags = l.index, l.flags
	if a.family == unix.AF_INET {
		e.Family = sock.AF_INET
		e.Netmask = netmask(32, plen)
	} else {
		e.Family = sock.AF_INET6
		e.Netmask = netmask(128, plen)
	}
	// IFA_LOCAL is the local address; IFA_ADDRESS the same one, or the
	// peer's on a point-to-point address. Without IFA_LOCAL (IPv6 without
	// a peer) IFA_ADDRESS is the local address.
	e.Addr = a.local
	if !e.Addr.IsValid() {
		e.Addr = a.address
	} else if a.address.IsValid() && a.address != a.local {
		e.Dst = zoned(a.address, l.name)
	}
	e.Addr = zoned(e.Addr, l.name)
	if l.flags&IFF_BROADCAST != 0 {
		e.Broadcast = a.broadcast
	}
}

// zoned adds the interface name as zone to IPv6 link-local addresses, where
// glibc sets sin6_scope_id.
func zoned(a netip.Addr, name string) netip.Addr {
	if a.Is6() && (a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast()) {
		return a.WithZone(name)
	}
	return a
}

func (p *addrParser) finish() error {
	if !p.done {
		return fmt.Errorf("%s dump: %w", p.op, errNoDone)
	}
	for i := range p.slots {
		if p.slots[i] != p.end[i] {
			return fmt.Errorf("%s dump: %w: fewer addresses on interface %d than counted", p.op, errAttrValue, p.links[i].index)
		}
	}
	return nil
}

// parseAddrMessages parses a whole RTM_GETADDR dump against the links of
// the RTM_GETLINK dump read before it, and appends the address entries to
// out. inconsistent reports addresses left out because their interface was
// not among the links.
func parseAddrMessages(b []byte, seq, pid uint32, links []link, out []IfAddr) (_ []IfAddr, intr, inconsistent bool, err error) {
	p := newAddrParser(seq, pid, links, out)
	if err := p.feed(b); err != nil {
		return nil, false, false, err
	}
	if err := p.finish(); err != nil {
		return nil, false, false, err
	}
	return p.out, p.intr, p.inconsistent, nil
}
