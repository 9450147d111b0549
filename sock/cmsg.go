package sock

import (
	"encoding/binary"
	"net/netip"
	"strconv"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

var nativeEndian = binary.NativeEndian

// Control message levels and types, for [Cmsg] and the Append functions.
const (
	SOL_SOCKET        = unix.SOL_SOCKET
	SCM_RIGHTS        = unix.SCM_RIGHTS
	SCM_TIMESTAMP     = unix.SCM_TIMESTAMP
	IP_TOS            = unix.IP_TOS
	IP_TTL            = unix.IP_TTL
	IP_RECVTTL        = unix.IP_RECVTTL
	IPV6_PKTINFO      = unix.IPV6_PKTINFO
	IPV6_RECVPKTINFO  = unix.IPV6_RECVPKTINFO
	IPV6_HOPLIMIT     = unix.IPV6_HOPLIMIT
	IPV6_RECVHOPLIMIT = unix.IPV6_RECVHOPLIMIT
	IPV6_TCLASS       = unix.IPV6_TCLASS
	IPV6_RECVTCLASS   = unix.IPV6_RECVTCLASS
)

// argError is a bad argument (malformed control data, a nil context); it
// wraps EINVAL.
type argError string

func (e argError) Error() string { return string(e) }
func (e argError) Unwrap() error { return unix.EINVAL }

// CmsgLen is C's CMSG_LEN: a header and datalen bytes of data.
func CmsgLen(datalen int) int { return unix.CmsgLen(datalen) }

// CmsgSpace is C's CMSG_SPACE: the bytes a control message with datalen
// bytes of data takes in a buffer, padding included.
func CmsgSpace(datalen int) int { return unix.CmsgSpace(datalen) }

// cmsgAlign is C's CMSG_ALIGN.
func cmsgAlign(n int) int { return unix.CmsgSpace(n) - unix.CmsgSpace(0) }

// Cmsg is one control message of a [Socket.RecvMsg] buffer; Data is a
// sub-slice of that buffer.
type Cmsg struct {
	Level int // cmsg_level: SOL_SOCKET, IPPROTO_IP, ...
	Type  int // cmsg_type: SCM_RIGHTS, IP_PKTINFO, ...
	Data  []byte
}

// ParseControl appends the control messages of b (oob[:oobn]) to dst and
// returns it; it allocates only to grow dst. A header that is short, or a
// length that runs past b, is an error wrapping EINVAL; it never panics.
func ParseControl(b []byte, dst []Cmsg) ([]Cmsg, error) {
	for len(b) > 0 {
		c, rest, err := nextCmsg(b)
		if err != nil {
			return dst, opError("parsecontrol", err)
		}
		dst = append(dst, c)
		b = rest
	}
	return dst, nil
}

// nextCmsg splits the first control message off b.
func nextCmsg(b []byte) (Cmsg, []byte, error) {
	var h unix.Cmsghdr
	hlen := int(unsafe.Sizeof(h))
	if len(b) < hlen {
		return Cmsg{}, nil, argError("control message header of " + strconv.Itoa(len(b)) + " bytes")
	}
	var l uint64
	switch unsafe.Sizeof(h.Len) {
	case 8:
		l = nativeEndian.Uint64(b)
	default:
		l = uint64(nativeEndian.Uint32(b))
	}
	off := int(unsafe.Offsetof(h.Level))
	c := Cmsg{
		Level: int(int32(nativeEndian.Uint32(b[off:]))),
		Type:  int(int32(nativeEndian.Uint32(b[off+4:]))),
	}
	start := CmsgLen(0)
	if l < uint64(start) || l > uint64(len(b)) {
		return Cmsg{}, nil, argError("control message length " + strconv.FormatUint(l, 10) + " outside [" + strconv.Itoa(start) + ", " + strconv.Itoa(len(b)) + "]")
	}
	c.Data = b[start:l:l]
	next := min(cmsgAlign(int(l)), len(b))
	return c, b[next:], nil
}

// Rights appends the descriptors of an SCM_RIGHTS message to dst. The
// caller owns them: close them, or adopt them with [NewFromFd].
func (c Cmsg) Rights(dst []int) ([]int, bool) {
	if c.Level != unix.SOL_SOCKET || c.Type != unix.SCM_RIGHTS || len(c.Data)%4 != 0 {
		return dst, false
	}
	for i := 0; i < len(c.Data); i += 4 {
		dst = append(dst, int(int32(nativeEndian.Uint32(c.Data[i:]))))
	}
	return dst, true
}

// Int returns the value of an integer message: IP_TOS, IP_TTL,
// IPV6_HOPLIMIT, IPV6_TCLASS (one byte or a C int, as the kernel sends).
func (c Cmsg) Int() (int, bool) {
	switch {
	case c.Level == unix.IPPROTO_IP && (c.Type == unix.IP_TOS || c.Type == unix.IP_TTL || c.Type == ipRecvTOS || c.Type == unix.IP_RECVTTL),
		c.Level == unix.IPPROTO_IPV6 && (c.Type == unix.IPV6_HOPLIMIT || c.Type == unix.IPV6_TCLASS):
	default:
		return 0, false
	}
	switch len(c.Data) {
	case 1:
		return int(c.Data[0]), true
	case 4:
		return int(int32(nativeEndian.Uint32(c.Data))), true
	}
	return 0, false
}

// PktInfo is the data of IP_PKTINFO and IPV6_PKTINFO: received, the
// datagram's destination address and arrival interface; sent, the source
// address and outgoing interface (0: any).
type PktInfo struct {
	Ifindex int
	Addr    netip.Addr
}

// PktInfo decodes an IPV6_PKTINFO message, or IP_PKTINFO where the system
// has it (Linux, Darwin).
func (c Cmsg) PktInfo() (PktInfo, bool) {
	switch {
	case c.Level == unix.IPPROTO_IPV6 && c.Type == unix.IPV6_PKTINFO && len(c.Data) == unix.SizeofInet6Pktinfo:
		addr := netip.AddrFrom16([16]byte(c.Data[:16]))
		return PktInfo{Ifindex: int(nativeEndian.Uint32(c.Data[16:])), Addr: addr}, true
	case c.Level == unix.IPPROTO_IP && c.Type == ipPktinfo && ipPktinfo != 0 && len(c.Data) == sizeofInet4Pktinfo:
		// struct in_pktinfo: ifindex, spec_dst, addr (the destination).
		return PktInfo{Ifindex: int(int32(nativeEndian.Uint32(c.Data))), Addr: netip.AddrFrom4([4]byte(c.Data[8:12]))}, true
	}
	return PktInfo{}, false
}

// Timestamp decodes SCM_TIMESTAMP (a timeval), or on Linux SCM_TIMESTAMPNS
// (a timespec).
func (c Cmsg) Timestamp() (time.Time, bool) {
	if c.Level != unix.SOL_SOCKET {
		return time.Time{}, false
	}
	switch {
	case c.Type == unix.SCM_TIMESTAMP && len(c.Data) == int(unsafe.Sizeof(unix.Timeval{})):
		tv := *(*unix.Timeval)(unsafe.Pointer(unsafe.SliceData(copyAligned(c.Data))))
		return time.Unix(tv.Unix()), true
	case c.Type == scmTimestampns && scmTimestampns != 0 && len(c.Data) == int(unsafe.Sizeof(unix.Timespec{})):
		ts := *(*unix.Timespec)(unsafe.Pointer(unsafe.SliceData(copyAligned(c.Data))))
		return time.Unix(ts.Unix()), true
	}
	return time.Time{}, false
}

// copyAligned copies a timeval or timespec into aligned storage.
func copyAligned(b []byte) []byte {
	var a [2]uint64
	buf := unsafe.Slice((*byte)(unsafe.Pointer(&a)), 16)
	copy(buf, b)
	return buf
}

// AppendControl appends a control message of level, typ and data to b,
// padded to CMSG_SPACE(len(data)).
func AppendControl(b []byte, level, typ int, data []byte) []byte {
	b, d := appendCmsg(b, level, typ, len(data))
	copy(d, data)
	return b
}

// appendCmsg appends a header and room for datalen bytes, zeroed, and
// returns b and the data slice.
func appendCmsg(b []byte, level, typ, datalen int) ([]byte, []byte) {
	start := len(b)
	space := CmsgSpace(datalen)
	b = append(b, make([]byte, space)...)
	h := b[start:]
	var hdr unix.Cmsghdr
	switch unsafe.Sizeof(hdr.Len) {
	case 8:
		nativeEndian.PutUint64(h, uint64(CmsgLen(datalen)))
	default:
		nativeEndian.PutUint32(h, uint32(CmsgLen(datalen)))
	}
	off := int(unsafe.Offsetof(hdr.Level))
	nativeEndian.PutUint32(h[off:], uint32(int32(level)))
	nativeEndian.PutUint32(h[off+4:], uint32(int32(typ)))
	d := h[CmsgLen(0):CmsgLen(datalen)]
	return b, d
}

// AppendRights appends an SCM_RIGHTS message passing fds.
func AppendRights(b []byte, fds ...int) []byte {
	b, d := appendCmsg(b, unix.SOL_SOCKET, unix.SCM_RIGHTS, 4*len(fds))
	for i, fd := range fds {
		nativeEndian.PutUint32(d[4*i:], uint32(int32(fd)))
	}
	return b
}

// AppendInt appends an integer message (a C int): IP_TOS, IP_TTL,
// IPV6_HOPLIMIT, IPV6_TCLASS.
func AppendInt(b []byte, level, typ, v int) []byte {
	b, d := appendCmsg(b, level, typ, 4)
	nativeEndian.PutUint32(d, uint32(int32(v)))
	return b
}

// AppendPktInfo appends IPV6_PKTINFO for an IPv6 p.Addr, else IP_PKTINFO
// (Linux, Darwin): send from p.Addr (if valid) out of p.Ifindex (if not 0).
func AppendPktInfo(b []byte, p PktInfo) []byte {
	if p.Addr.Is4() {
		if ipPktinfo == 0 {
			return b
		}
		b, d := appendCmsg(b, unix.IPPROTO_IP, ipPktinfo, sizeofInet4Pktinfo)
		nativeEndian.PutUint32(d, uint32(int32(p.Ifindex)))
		a := p.Addr.As4()
		copy(d[4:8], a[:]) // ipi_spec_dst: the source address
		return b
	}
	b, d := appendCmsg(b, unix.IPPROTO_IPV6, unix.IPV6_PKTINFO, unix.SizeofInet6Pktinfo)
	if p.Addr.IsValid() {
		a := p.Addr.As16()
		copy(d, a[:])
	}
	nativeEndian.PutUint32(d[16:], uint32(p.Ifindex))
	return b
}
