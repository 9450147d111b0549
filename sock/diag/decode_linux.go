package diag

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"
	"unsafe"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// The decoder: the socket messages of a checked answer into Sockets.

// decoder turns the socket messages of checked answers into Sockets.
// The strings and slices it hands out come from a few blocks it allocates
// as it goes, not one allocation per socket.
type decoder struct {
	d     *dump
	bytes []byte    // the block strings are cut from
	u32s  []uint32  // the block Pending lists are cut from
	infos []TCPInfo // the block TCPInfo values are taken from
}

// decode appends the sockets of answer b, which a scanner has checked, to
// out; out has room for them.
func (p *decoder) decode(b []byte, out []Socket) ([]Socket, error) {
	for off := 0; off+nlmsgHdrLen <= len(b); {
		mlen := int(ne.Uint32(b[off : off+4]))
		typ := ne.Uint16(b[off+4 : off+6])
		if mlen < nlmsgHdrLen || mlen > len(b)-off {
			return out, errorf(p.d, off, errTruncated, "nlmsg_len %d, %d bytes left", mlen, len(b)-off)
		}
		if typ == unix.NLMSG_DONE {
			break
		}
		if typ == p.d.msgType() {
			body := b[off+nlmsgHdrLen : off+mlen]
			out = append(out, Socket{})
			s := &out[len(out)-1]
			var err error
			if p.d.family == sock.AF_UNIX {
				err = p.unixMsg(off+nlmsgHdrLen, body, s)
			} else {
				err = p.inetMsg(off+nlmsgHdrLen, body, s)
			}
			if err != nil {
				return out[:len(out)-1], err
			}
		}
		off += align4(mlen)
	}
	return out, nil
}

// string returns a string of b's bytes, cut from the current block.
func (p *decoder) string(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if cap(p.bytes)-len(p.bytes) < len(b) {
		p.bytes = make([]byte, 0, max(4<<10, len(b)))
	}
	i := len(p.bytes)
	p.bytes = append(p.bytes, b...)
	// The block's bytes are never written again once a string holds them.
	return unsafe.String(&p.bytes[i], len(b))
}

// uint32s returns a slice of n uint32s, cut from the current block, whose
// capacity ends with it.
func (p *decoder) uint32s(n int) []uint32 {
	if cap(p.u32s)-len(p.u32s) < n {
		p.u32s = make([]uint32, 0, max(1<<10, n))
	}
	i := len(p.u32s)
	p.u32s = p.u32s[:i+n]
	return p.u32s[i : i+n : i+n]
}

// tcpInfo returns a zero TCPInfo from the current block.
func (p *decoder) tcpInfo() *TCPInfo {
	if len(p.infos) == cap(p.infos) {
		p.infos = make([]TCPInfo, 0, 256)
	}
	p.infos = p.infos[:len(p.infos)+1]
	return &p.infos[len(p.infos)-1]
}

// attrs checks the attribute list in b (which starts at byte off of the
// answer) and calls fn with each attribute's type and payload. The last
// attribute may lack its padding.
func (p *decoder) attrs(off int, b []byte, fn func(typ uint16, v []byte) error) error {
	for i := 0; i < len(b); {
		rest := b[i:]
		if len(rest) < attrHdrLen {
			return errorf(p.d, off+i, errAttrLen, "%d bytes left, an attribute header is %d", len(rest), attrHdrLen)
		}
		alen := int(ne.Uint16(rest[0:2]))
		typ := ne.Uint16(rest[2:4]) & nlaTypeMask
		if alen < attrHdrLen || alen > len(rest) {
			return errorf(p.d, off+i, errAttrLen, "nla_len %d, %d bytes left", alen, len(rest))
		}
		if err := fn(typ, rest[attrHdrLen:alen]); err != nil {
			return errorf(p.d, off+i, errAttrValue, "type %d: %v", typ, err)
		}
		i += align4(alen)
	}
	return nil
}

// sizeError says an attribute is too short.
type sizeError struct{ got, want int }

func (e sizeError) Error() string { return fmt.Sprintf("%d bytes, want at least %d", e.got, e.want) }

func need(v []byte, n int) error {
	if len(v) < n {
		return sizeError{len(v), n}
	}
	return nil
}

// inetMsg parses one struct inet_diag_msg and its attributes into s.
func (p *decoder) inetMsg(off int, body []byte, s *Socket) error {
	if len(body) < inetMsgLen {
		return errorf(p.d, off, errTruncated, "inet_diag_msg of %d bytes, want %d", len(body), inetMsgLen)
	}
	fam := sock.Family(body[0])
	if fam != p.d.family && (p.d.family != sock.AF_UNSPEC || fam != sock.AF_INET && fam != sock.AF_INET6) {
		return errorf(p.d, off, errFamily, "family %d, asked for %d", body[0], p.d.family)
	}
	s.Family = fam
	s.State = State(body[1])
	s.Timer = Timer(body[2])
	s.Retransmits = int(body[3])
	s.Protocol = p.d.protocol
	switch p.d.protocol {
	case sock.IPPROTO_TCP:
		s.Type = sock.SOCK_STREAM
	case sock.IPPROTO_UDP:
		s.Type = sock.SOCK_DGRAM
	default:
		s.Type = sock.SOCK_RAW
	}
	id := body[4:52] // struct inet_diag_sockid
	sport := binary.BigEndian.Uint16(id[0:2])
	dport := binary.BigEndian.Uint16(id[2:4])
	var src, dst netip.Addr
	if fam == sock.AF_INET {
		src = netip.AddrFrom4([4]byte(id[4:8]))
		dst = netip.AddrFrom4([4]byte(id[20:24]))
	} else {
		src = netip.AddrFrom16([16]byte(id[4:20]))
		dst = netip.AddrFrom16([16]byte(id[20:36]))
	}
	s.Local = netip.AddrPortFrom(src, sport)
	s.Remote = netip.AddrPortFrom(dst, dport)
	s.Interface = int(ne.Uint32(id[36:40]))
	s.Cookie = uint64(ne.Uint32(id[40:44])) | uint64(ne.Uint32(id[44:48]))<<32
	s.Expires = time.Duration(ne.Uint32(body[52:56])) * time.Millisecond
	s.RecvQ = ne.Uint32(body[56:60])
	s.SendQ = ne.Uint32(body[60:64])
	s.UID = ne.Uint32(body[64:68])
	s.Inode = ne.Uint32(body[68:72])
	return p.attrs(off+inetMsgLen, body[inetMsgLen:], func(typ uint16, v []byte) error {
		switch typ {
		case inetDiagShutdown:
			if err := need(v, 1); err != nil {
				return err
			}
			s.Shutdown, s.HasShutdown = Shutdown(v[0]), true
		case inetDiagProtocol:
			if err := need(v, 1); err != nil {
				return err
			}
			if p.d.protocol == IPPROTO_RAW {
				s.Protocol = sock.Protocol(v[0])
			}
		case inetDiagV6Only:
			if err := need(v, 1); err != nil {
				return err
			}
			s.V6Only = v[0] != 0
		case inetDiagMark:
			if err := need(v, 4); err != nil {
				return err
			}
			s.Mark = ne.Uint32(v)
		case inetDiagCgroupID:
			if err := need(v, 8); err != nil {
				return err
			}
			s.CgroupID = ne.Uint64(v)
		case inetDiagInfo:
			if p.d.protocol != sock.IPPROTO_TCP || p.d.ext&extInfo == 0 {
				return nil // UDP sends none; nothing asked for otherwise
			}
			ti := p.tcpInfo()
			copy(unsafe.Slice((*byte)(unsafe.Pointer(ti)), unsafe.Sizeof(*ti)), v)
			s.TCPInfo = ti
		case inetDiagCong:
			if p.d.ext&extCong == 0 {
				return nil
			}
			s.Congestion = p.congestionName(cString(v))
		}
		return nil
	})
}

// unixMsg parses one struct unix_diag_msg and its attributes into s.
func (p *decoder) unixMsg(off int, body []byte, s *Socket) error {
	if len(body) < unixMsgLen {
		return errorf(p.d, off, errTruncated, "unix_diag_msg of %d bytes, want %d", len(body), unixMsgLen)
	}
	if body[0] != unix.AF_UNIX {
		return errorf(p.d, off, errFamily, "family %d, asked for %d", body[0], unix.AF_UNIX)
	}
	s.Family = sock.AF_UNIX
	s.Type = sock.Type(body[1])
	s.State = State(body[2])
	s.Inode = ne.Uint32(body[4:8])
	s.Cookie = uint64(ne.Uint32(body[8:12])) | uint64(ne.Uint32(body[12:16]))<<32
	return p.attrs(off+unixMsgLen, body[unixMsgLen:], func(typ uint16, v []byte) error {
		switch typ {
		case unixDiagName:
			if len(v) > len(unix.RawSockaddrUnix{}.Path) {
				return sizeError{len(v), len(unix.RawSockaddrUnix{}.Path)}
			}
			if len(v) > 0 && v[0] != 0 {
				v = cString(v) // a path's length counts its terminating NUL
			}
			s.Path = p.string(v)
		case unixDiagVFS:
			if err := need(v, 8); err != nil {
				return err
			}
			// The kernel's dev_t is MAJOR<<20 | MINOR; stat's is glibc's encoding.
			dev := ne.Uint32(v[4:8])
			s.VFSInode, s.VFSDevice = ne.Uint32(v[0:4]), unix.Mkdev(dev>>20, dev&(1<<20-1))
		case unixDiagPeer:
			if err := need(v, 4); err != nil {
				return err
			}
			s.Peer = ne.Uint32(v)
		case unixDiagIcons:
			if len(v)%4 != 0 {
				return fmt.Errorf("%d bytes, not a multiple of 4", len(v))
			}
			if len(v) > 0 {
				s.Pending = p.uint32s(len(v) / 4)
				for i := range s.Pending {
					s.Pending[i] = ne.Uint32(v[4*i:])
				}
			}
		case unixDiagRQLen:
			if err := need(v, 8); err != nil {
				return err
			}
			s.RecvQ, s.SendQ = ne.Uint32(v[0:4]), ne.Uint32(v[4:8])
		case unixDiagShutdown:
			if err := need(v, 1); err != nil {
				return err
			}
			s.Shutdown, s.HasShutdown = Shutdown(v[0]), true
		case unixDiagUID:
			if err := need(v, 4); err != nil {
				return err
			}
			s.UID = ne.Uint32(v)
		}
		return nil
	})
}

// cString returns b up to its first NUL byte.
func cString(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}

// congestionName returns the algorithm's name, without allocating for the
// common ones.
func (p *decoder) congestionName(b []byte) string {
	for _, n := range [...]string{"cubic", "reno", "bbr", "dctcp", "vegas", "westwood", "htcp", "bic"} {
		if string(b) == n {
			return n
		}
	}
	return p.string(b)
}

// request builds the SOCK_DIAG_BY_FAMILY dump request for d with sequence
// number seq.
func (d *dump) request(seq uint32) []byte {
	var n int
	switch d.family {
	case sock.AF_UNIX:
		n = nlmsgHdrLen + unixReqLen
	case sock.AF_UNSPEC:
		n = nlmsgHdrLen + inetReqV1
	default:
		n = nlmsgHdrLen + inetReqLen
	}
	reqLen := n - nlmsgHdrLen
	if d.family != sock.AF_UNIX && d.bytecode != nil {
		n += attrHdrLen + align4(len(d.bytecode))
	}
	b := make([]byte, n)
	ne.PutUint32(b[0:], uint32(n))
	ne.PutUint16(b[4:], d.msgType())
	ne.PutUint16(b[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	ne.PutUint32(b[8:], seq)
	r := b[nlmsgHdrLen:]
	r[0] = byte(d.family)
	if d.family == sock.AF_UNIX {
		ne.PutUint32(r[4:], d.states) // udiag_states
		ne.PutUint32(r[12:], udiagShowName|udiagShowVFS|udiagShowPeer|udiagShowIcons|udiagShowRQLen|udiagShowUID)
		return b
	}
	if d.family == sock.AF_UNSPEC {
		// struct inet_diag_req: the protocol is the message type's.
		r[3] = d.ext
		ne.PutUint32(r[52:], d.states) // idiag_states; id: all zero
	} else {
		r[1] = byte(d.protocol)
		r[2] = d.ext
		ne.PutUint32(r[4:], d.states) // idiag_states; id: all zero
	}
	if d.bytecode != nil {
		a := r[reqLen:]
		ne.PutUint16(a[0:], uint16(attrHdrLen+len(d.bytecode)))
		ne.PutUint16(a[2:], inetDiagReqBytecode)
		copy(a[attrHdrLen:], d.bytecode)
	}
	return b
}

// portProgram returns the inet_diag bytecode keeping the sockets whose
// local port is lport (if not 0) and whose remote port is rport (if not 0),
// or nil if both are 0. Each test is an EQ operation followed by a pseudo
// operation holding the port; on failure it jumps 4 bytes past the end,
// which rejects the socket.
func portProgram(lport, rport uint16) []byte {
	var b []byte
	for _, t := range []struct {
		code uint8
		port uint16
	}{{bcSEq, lport}, {bcDEq, rport}} {
		if t.port != 0 {
			b = append(b, t.code, 2*bcOpLen, 0, 0, 0, 0, 0, 0)
		}
	}
	if b == nil {
		return nil
	}
	i := 0
	for _, port := range []uint16{lport, rport} {
		if port == 0 {
			continue
		}
		ne.PutUint16(b[i+2:], uint16(len(b)-i+bcOpLen)) // no: reject
		ne.PutUint16(b[i+6:], port)                     // pseudo op's "no" holds the port
		i += 2 * bcOpLen
	}
	return b
}
