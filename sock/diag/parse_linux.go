package diag

import (
	"encoding/binary"
	"fmt"
	"os"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// The parser: pure functions over the bytes of a sock_diag dump, apart from
// the socket that fetches them, so that they can be table-tested and fuzzed
// on captures. Every length is checked against the buffer before it is
// used; a reply that fails a check is an error wrapping ErrMalformed, never
// a panic or an out-of-range read.

// Sizes of the fixed structures (linux/netlink.h, linux/inet_diag.h,
// linux/unix_diag.h); x/sys/unix does not define them.
const (
	nlmsgHdrLen = unix.SizeofNlMsghdr // struct nlmsghdr: 16
	attrHdrLen  = unix.SizeofRtAttr   // struct nlattr: 4
	inetReqLen  = 56                  // struct inet_diag_req_v2
	inetReqV1   = 60                  // struct inet_diag_req, of TCPDIAG_GETSOCK
	inetMsgLen  = 72                  // struct inet_diag_msg
	unixReqLen  = 24                  // struct unix_diag_req
	unixMsgLen  = 16                  // struct unix_diag_msg
	bcOpLen     = 4                   // struct inet_diag_bc_op
	nlaTypeMask = 0x3fff              // nla_type without NLA_F_NESTED/NET_BYTEORDER
)

// inet_diag attributes (enum in linux/inet_diag.h).
const (
	inetDiagInfo     = 2
	inetDiagCong     = 4
	inetDiagShutdown = 8
	inetDiagProtocol = 10
	inetDiagV6Only   = 11
	inetDiagMark     = 15
	inetDiagCgroupID = 21

	inetDiagReqBytecode = 1 // request attribute

	// Bits of idiag_ext: 1 << (attribute - 1).
	extInfo = 1 << (inetDiagInfo - 1)
	extCong = 1 << (inetDiagCong - 1)
)

// tcpdiagGetSock is the request type of inet_diag's first interface,
// which the kernel keeps for old programs: it takes a struct inet_diag_req
// and dumps the TCP sockets of both families in one walk of the tables,
// where SOCK_DIAG_BY_FAMILY walks them once per family. Its answers carry
// its own type.
const tcpdiagGetSock = 18

// inet_diag bytecode operations (enum in linux/inet_diag.h).
const (
	bcSEq = 11 // INET_DIAG_BC_S_EQ: local port equals
	bcDEq = 12 // INET_DIAG_BC_D_EQ: remote port equals
)

// unix_diag attributes and the udiag_show bits asking for them.
const (
	unixDiagName     = 0
	unixDiagVFS      = 1
	unixDiagPeer     = 2
	unixDiagIcons    = 3
	unixDiagRQLen    = 4
	unixDiagShutdown = 6
	unixDiagUID      = 7

	udiagShowName  = 0x01
	udiagShowVFS   = 0x02
	udiagShowPeer  = 0x04
	udiagShowIcons = 0x08
	udiagShowRQLen = 0x10
	udiagShowUID   = 0x40
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
	errFamily    = fmt.Errorf("%w: socket of another family than asked for", ErrMalformed)
)

var ne = binary.NativeEndian

func align4(n int) int { return (n + 3) &^ 3 }

// dump describes one SOCK_DIAG_BY_FAMILY request: what it asks for and
// what its answer must carry.
type dump struct {
	family   sock.Family   // AF_INET, AF_INET6 or AF_UNIX; AF_UNSPEC: TCP of both, by TCPDIAG_GETSOCK
	protocol sock.Protocol // IPPROTO_TCP, IPPROTO_UDP or IPPROTO_RAW; 0 for unix
	states   uint32        // bitmask of 1 << State
	ext      uint8         // idiag_ext
	bytecode []byte        // INET_DIAG_REQ_BYTECODE program, or nil
}

// op names the dump in errors.
func (d *dump) op() string {
	switch {
	case d.family == sock.AF_UNIX:
		return "unix_diag"
	case d.protocol == sock.IPPROTO_TCP:
		return "inet_diag tcp"
	case d.protocol == sock.IPPROTO_UDP:
		return "inet_diag udp"
	}
	return "inet_diag raw"
}

// msgType is the type of the request and of the socket messages answering it.
func (d *dump) msgType() uint16 {
	if d.family == sock.AF_UNSPEC {
		return tcpdiagGetSock
	}
	return unix.SOCK_DIAG_BY_FAMILY
}

// scanner checks the messages of one dump's answer as its datagrams
// arrive: their headers, sequence numbers, port ids, types and the
// NLMSG_DONE that ends them, and counts the sockets. It looks at no
// socket message's body: the decoder does that once the whole answer is in.
type scanner struct {
	d     *dump
	seq   uint32 // sequence number of the request
	pid   uint32 // our port id
	done  bool   // NLMSG_DONE seen
	intr  bool   // NLM_F_DUMP_INTR seen
	total int    // bytes fed so far, for error offsets
	n     int    // socket messages
}

// errorf returns a malformed-reply error at byte off of the answer to d.
func errorf(d *dump, off int, class error, format string, args ...any) error {
	return fmt.Errorf("%s dump: at byte %d: %w: "+format, append([]any{d.op(), off, class}, args...)...)
}

// feed checks the messages in b, which holds whole messages (one datagram
// or several).
func (p *scanner) feed(b []byte) error {
	defer func() { p.total += len(b) }()
	for off := 0; off < len(b); {
		rest := b[off:]
		at := p.total + off
		if len(rest) < nlmsgHdrLen {
			return errorf(p.d, at, errTruncated, "%d bytes left, a header is %d", len(rest), nlmsgHdrLen)
		}
		mlen := int(ne.Uint32(rest[0:4]))
		typ := ne.Uint16(rest[4:6])
		flags := ne.Uint16(rest[6:8])
		seq := ne.Uint32(rest[8:12])
		pid := ne.Uint32(rest[12:16])
		if mlen < nlmsgHdrLen || mlen > len(rest) {
			return errorf(p.d, at, errTruncated, "nlmsg_len %d, %d bytes left", mlen, len(rest))
		}
		if align4(mlen) > len(rest) {
			return errorf(p.d, at, errAlign, "nlmsg_len %d padded to %d, %d bytes left", mlen, align4(mlen), len(rest))
		}
		if p.done {
			return errorf(p.d, at, errAfterDone, "type %d", typ)
		}
		if seq != p.seq {
			return errorf(p.d, at, errSeq, "got %d, want %d", seq, p.seq)
		}
		if pid != p.pid {
			return errorf(p.d, at, errPortID, "got %d, want %d", pid, p.pid)
		}
		if flags&unix.NLM_F_DUMP_INTR != 0 {
			p.intr = true
		}
		body := rest[nlmsgHdrLen:mlen]
		switch typ {
		case unix.NLMSG_NOOP:
		case unix.NLMSG_DONE:
			// The body is the dump's return value: 0, or a negative errno.
			if len(body) < 4 {
				return errorf(p.d, at, errTruncated, "NLMSG_DONE body of %d bytes", len(body))
			}
			if e := int32(ne.Uint32(body)); e < 0 {
				return os.NewSyscallError(p.d.op(), unix.Errno(-e))
			}
			p.done = true
		case unix.NLMSG_ERROR:
			// struct nlmsgerr: a negative errno, then the request's header.
			if len(body) < 4 {
				return errorf(p.d, at, errTruncated, "NLMSG_ERROR body of %d bytes", len(body))
			}
			if e := int32(ne.Uint32(body)); e < 0 {
				return os.NewSyscallError(p.d.op(), unix.Errno(-e))
			}
			return errorf(p.d, at, errMsgType, "acknowledgement (NLMSG_ERROR 0) in a dump")
		case p.d.msgType():
			p.n++
		default:
			return errorf(p.d, at, errMsgType, "type %d, want %d", typ, p.d.msgType())
		}
		off += align4(mlen)
	}
	return nil
}

// finish checks that the dump ended.
func (p *scanner) finish() error {
	if !p.done {
		return errorf(p.d, 0, errNoDone, "%d bytes read", p.total)
	}
	return nil
}
