package netif

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// The parser: pure functions over the bytes of a netlink dump, apart from
// the socket that fetches them, so that they can be table-tested and fuzzed
// on captures. Every length is checked against the buffer before it is
// used; a reply that fails a check is an error wrapping ErrMalformed, never
// a panic or an out-of-range read.

// Sizes of the fixed headers (linux/netlink.h, linux/rtnetlink.h,
// linux/if_addr.h).
const (
	nlmsgHdrLen   = unix.SizeofNlMsghdr  // struct nlmsghdr: 16
	ifInfoMsgLen  = unix.SizeofIfInfomsg // struct ifinfomsg: 16
	ifAddrMsgLen  = unix.SizeofIfAddrmsg // struct ifaddrmsg: 8
	rtAttrLen     = unix.SizeofRtAttr    // struct rtattr: 4
	linkStatsLen  = 9 * 8                // the rtnl_link_stats64 fields kept
	maxAddrLen    = 32                   // MAX_ADDR_LEN: longest link-layer address
	nlaTypeMask   = 0x3fff               // rta_type without NLA_F_NESTED/NET_BYTEORDER
	flagDumpIntr  = unix.NLM_F_DUMP_INTR // the dump changed while being read
	flagDumpFiltd = unix.NLM_F_DUMP_FILTERED
)

// Classes of malformed replies, each wrapping ErrMalformed.
var (
	errTruncated = fmt.Errorf("%w: truncated message", ErrMalformed)
	errAlign     = fmt.Errorf("%w: message padding past the end of the buffer", ErrMalformed)
	errAttrLen   = fmt.Errorf("%w: bad attribute length", ErrMalformed)
	errAttrValue = fmt.Errorf("%w: bad attribute value", ErrMalformed)
	errSeq       = fmt.Errorf("%w: wrong sequence number", ErrMalformed)
	errPortID    = fmt.Errorf("%w: wrong port id", ErrMalformed)
	errMsgType   = fmt.Errorf("%w: unexpected message type", ErrMalformed)
	errAfterDone = fmt.Errorf("%w: message after NLMSG_DONE", ErrMalformed)
	errNoDone    = fmt.Errorf("%w: dump ends without NLMSG_DONE", ErrMalformed)
	errDupIndex  = fmt.Errorf("%w: interface index listed twice", ErrMalformed)
)

func align4(n int) int { return (n + 3) &^ 3 }

// cstrlen is the length of the NUL-terminated string at the start of v
// (all of v when it holds no NUL), as the kernel's name attributes carry.
func cstrlen(v []byte) int {
	if i := bytes.IndexByte(v, 0); i >= 0 {
		return i
	}
	return len(v)
}

var ne = binary.NativeEndian

// dumpState walks the messages of one dump: it checks each header and
// remembers whether the dump has ended and whether the kernel marked it
// interrupted.
type dumpState struct {
	op    string // "RTM_GETLINK" or "RTM_GETADDR", for errors
	seq   uint32 // sequence number of the request
	pid   uint32 // our port id
	done  bool   // NLMSG_DONE seen
	intr  bool   // NLM_F_DUMP_INTR seen
	total int    // bytes fed so far, for error offsets
}

func (d *dumpState) errorf(off int, class error, format string, args ...any) error {
	return fmt.Errorf("%s dump: at byte %d: %w: "+format, append([]any{d.op, d.total + off, class}, args...)...)
}

// messages checks every message header in b and calls fn with the body of
// each message of type want. b holds whole messages (one or more datagrams).
func (d *dumpState) messages(b []byte, want uint16, fn func(off int, body []byte) error) error {
	defer func() { d.total += len(b) }()
	for off := 0; off < len(b); {
		rest := b[off:]
		if len(rest) < nlmsgHdrLen {
			return d.errorf(off, errTruncated, "%d bytes left, a header is %d", len(rest), nlmsgHdrLen)
		}
		mlen := int(ne.Uint32(rest[0:4]))
		typ := ne.Uint16(rest[4:6])
		flags := ne.Uint16(rest[6:8])
		seq := ne.Uint32(rest[8:12])
		pid := ne.Uint32(rest[12:16])
		if mlen < nlmsgHdrLen || mlen > len(rest) {
			return d.errorf(off, errTruncated, "nlmsg_len %d, %d bytes left", mlen, len(rest))
		}
		if align4(mlen) > len(rest) {
			return d.errorf(off, errAlign, "nlmsg_len %d padded to %d, %d bytes left", mlen, align4(mlen), len(rest))
		}
		if d.done {
			return d.errorf(off, errAfterDone, "type %d", typ)
		}
		if seq != d.seq {
			return d.errorf(off, errSeq, "got %d, want %d", seq, d.seq)
		}
		if pid != d.pid {
			return d.errorf(off, errPortID, "got %d, want %d", pid, d.pid)
		}
		if flags&flagDumpIntr != 0 {
			d.intr = true
		}
		body := rest[nlmsgHdrLen:mlen]
		switch typ {
		case unix.NLMSG_NOOP:
		case unix.NLMSG_DONE:
			// The body is the dump's return value: 0, or a negative errno.
			if len(body) < 4 {
				return d.errorf(off, errTruncated, "NLMSG_DONE body of %d bytes", len(body))
			}
			if e := int32(ne.Uint32(body)); e < 0 {
				return os.NewSyscallError("netlink "+d.op, unix.Errno(-e))
			}
			d.done = true
		case unix.NLMSG_ERROR:
			// struct nlmsgerr: a negative errno, then the request's header.
			if len(body) < 4 {
				return d.errorf(off, errTruncated, "NLMSG_ERROR body of %d bytes", len(body))
			}
			e := int32(ne.Uint32(body))
			if e < 0 {
				return os.NewSyscallError("netlink "+d.op, unix.Errno(-e))
			}
			return d.errorf(off, errMsgType, "acknowledgement (NLMSG_ERROR 0) in a dump")
		case want:
			if err := fn(off+nlmsgHdrLen, body); err != nil {
				return err
			}
		default:
			return d.errorf(off, errMsgType, "type %d, want %d", typ, want)
		}
		off += align4(mlen)
	}
	return nil
}

// attrs checks the rtattr list in b (which starts at byte off of the fed
// data) and calls fn with each attribute's type and payload.
func (d *dumpState) attrs(off int, b []byte, fn func(typ uint16, p []byte) error) error {
	for i := 0; i < len(b); {
		rest := b[i:]
		if len(rest) < rtAttrLen {
			return d.errorf(off+i, errAttrLen, "%d bytes left, an attribute header is %d", len(rest), rtAttrLen)
		}
		alen := int(ne.Uint16(rest[0:2]))
		typ := ne.Uint16(rest[2:4]) & nlaTypeMask
		if alen < rtAttrLen || alen > len(rest) {
			return d.errorf(off+i, errAttrLen, "rta_len %d, %d bytes left", alen, len(rest))
		}
		if align4(alen) > len(rest) {
			return d.errorf(off+i, errAlign, "rta_len %d padded to %d, %d bytes left in the message", alen, align4(alen), len(rest))
		}
		if err := fn(typ, rest[rtAttrLen:alen]); err != nil {
			return d.errorf(off+i, errAttrValue, "type %d: %v", typ, err)
		}
		i += align4(alen)
	}
	return nil
}

// link is one RTM_NEWLINK message, parsed.
type link struct {
	index    int
	typ      uint16 // ARPHRD_*
	flags    Flags
	mtu      int
	name     string
	hw       []byte // IFLA_ADDRESS; nil if absent
	brd      []byte // IFLA_BROADCAST; nil if absent
	stats    LinkStats
	hasStats bool
}

// linkParser turns RTM_NEWLINK messages into links.
type linkParser struct {
	dumpState
	links []link
	arena []byte // hardware addresses, copied out of the receive buffer
	cur   *link
}

func newLinkParser(seq, pid uint32) *linkParser {
	return &linkParser{dumpState: dumpState{op: "RTM_GETLINK", seq: seq, pid: pid}}
}

// feed parses the messages in b, which may be one datagram or several.
func (p *linkParser) feed(b []byte) error {
	return p.messages(b, unix.RTM_NEWLINK, p.link)
}

func (p *linkParser) link(off int, body []byte) error {
	if len(body) < ifInfoMsgLen {
		return p.errorf(off, errTruncated, "ifinfomsg of %d bytes, want %d", len(body), ifInfoMsgLen)
	}
	p.links = append(p.links, link{
		typ:   ne.Uint16(body[2:4]),
		index: int(int32(ne.Uint32(body[4:8]))),
		flags: Flags(ne.Uint32(body[8:12])),
	})
	l := &p.links[len(p.links)-1]
	p.cur = l
	if l.index <= 0 {
		return p.errorf(off, errAttrValue, "interface index %d", l.index)
	}
	if err := p.attrs(off+ifInfoMsgLen, body[ifInfoMsgLen:], p.linkAttr); err != nil {
		return err
	}
	if l.name == "" {
		return p.errorf(off, errAttrValue, "interface %d without IFLA_IFNAME", l.index)
	}
	return nil
}

type attrError string

func (e attrError) Error() string { return string(e) }

func (p *linkParser) linkAttr(typ uint16, v []byte) error {
	l := p.cur
	switch typ {
	case unix.IFLA_IFNAME:
		n := cstrlen(v)
		if n == 0 || n >= ifNameSize {
			return attrError(fmt.Sprintf("IFLA_IFNAME of %d bytes", n))
		}
		l.name = string(v[:n])
	case unix.IFLA_MTU:
		if len(v) != 4 {
			return attrError(fmt.Sprintf("IFLA_MTU of %d bytes", len(v)))
		}
		l.mtu = int(ne.Uint32(v))
	case unix.IFLA_ADDRESS, unix.IFLA_BROADCAST:
		if len(v) > maxAddrLen {
			return attrError(fmt.Sprintf("link-layer address of %d bytes", len(v)))
		}
		start := len(p.arena)
		p.arena = append(p.arena, v...)
		a := p.arena[start:len(p.arena):len(p.arena)]
		if typ == unix.IFLA_ADDRESS {
			l.hw = a
		} else {
			l.brd = a
		}
	case unix.IFLA_STATS64:
		if len(v) < linkStatsLen {
			return attrError(fmt.Sprintf("IFLA_STATS64 of %d bytes", len(v)))
		}
		// struct rtnl_link_stats64 begins rx_packets, tx_packets, rx_bytes,
		// tx_bytes, rx_errors, tx_errors, rx_dropped, tx_dropped, multicast.
		l.stats = LinkStats{
			RxPackets: ne.Uint64(v[0:]),
			TxPackets: ne.Uint64(v[8:]),
			RxBytes:   ne.Uint64(v[16:]),
			TxBytes:   ne.Uint64(v[24:]),
			RxErrors:  ne.Uint64(v[32:]),
			TxErrors:  ne.Uint64(v[40:]),
			RxDropped: ne.Uint64(v[48:]),
			TxDropped: ne.Uint64(v[56:]),
			Multicast: ne.Uint64(v[64:]),
		}
		l.hasStats = true
	}
	return nil
}

// finish checks the whole dump was read, and that no index repeats.
func (p *linkParser) finish() error {
	if !p.done {
		return fmt.Errorf("%s dump: %w", p.op, errNoDone)
	}
	seen := make(map[int]struct{}, len(p.links))
	for _, l := range p.links {
		if _, dup := seen[l.index]; dup {
			return fmt.Errorf("%s dump: %w: %d", p.op, errDupIndex, l.index)
		}
		seen[l.index] = struct{}{}
	}
	return nil
}

// parseLinkMessages parses a whole RTM_GETLINK dump: the datagrams the
// kernel sent, concatenated, ending with NLMSG_DONE.
func parseLinkMessages(b []byte, seq, pid uint32) (links []link, intr bool, err error) {
	p := newLinkParser(seq, pid)
	if err := p.feed(b); err != nil {
		return nil, false, err
	}
	if err := p.finish(); err != nil {
		return nil, false, err
	}
	return p.links, p.intr, nil
}
