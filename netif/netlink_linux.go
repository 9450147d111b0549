package netif

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// recvBufSize is the receive buffer: the kernel sizes each dump datagram to
// the largest buffer a reader has offered, up to 32 KiB, so one this size
// takes the fewest recvfrom calls, and no datagram is ever larger.
const recvBufSize = 32 << 10

// bufPool holds receive buffers: a whole dump is read into one, so that it
// can be parsed in one pass after the count of its messages is known.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 2*recvBufSize); return &b }}

// seqNum numbers the requests of this process.
var seqNum atomic.Uint32

// dumpRetries counts the dumps read again because the kernel marked them
// interrupted (for tests).
var dumpRetries atomic.Uint64

// maxAttempts bounds the retries of a dump the kernel marks interrupted.
const maxAttempts = 5

// rtnl is one NETLINK_ROUTE socket, used for one pair of dumps. It is
// blocking: the kernel answers a dump at once, from the sender's and then
// the receiver's context, so no call waits for long.
type rtnl struct {
	fd  int
	pid uint32 // port id the kernel assigned at bind
	buf []byte
}

func openRTNL() (*rtnl, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	c := &rtnl{fd: fd}
	var sa unix.RawSockaddrNetlink
	sa.Family = unix.AF_NETLINK
	if _, _, e := unix.Syscall(unix.SYS_BIND, uintptr(fd), uintptr(unsafe.Pointer(&sa)), unix.SizeofSockaddrNetlink); e != 0 {
		unix.Close(fd)
		return nil, os.NewSyscallError("bind", e)
	}
	sl := uint32(unix.SizeofSockaddrNetlink)
	if _, _, e := unix.Syscall(unix.SYS_GETSOCKNAME, uintptr(fd), uintptr(unsafe.Pointer(&sa)), uintptr(unsafe.Pointer(&sl))); e != 0 {
		unix.Close(fd)
		return nil, os.NewSyscallError("getsockname", e)
	}
	c.pid = sa.Pid
	c.buf = *bufPool.Get().(*[]byte)
	return c, nil
}

func (c *rtnl) close() {
	unix.Close(c.fd)
	b := c.buf[:0]
	c.buf = nil
	if cap(b) <= 1<<20 { // keep no huge buffer alive
		bufPool.Put(&b)
	}
}

// request sends a dump request of type typ with a family-only body of
// bodyLen bytes (struct ifinfomsg or struct ifaddrmsg, all zero: AF_UNSPEC,
// every interface), and returns its sequence number.
func (c *rtnl) request(typ uint16, bodyLen int) (uint32, error) {
	var req [nlmsgHdrLen + ifInfoMsgLen]byte
	n := nlmsgHdrLen + bodyLen
	seq := seqNum.Add(1)
	ne.PutUint32(req[0:], uint32(n))
	ne.PutUint16(req[4:], typ)
	ne.PutUint16(req[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	ne.PutUint32(req[8:], seq)
	var to unix.RawSockaddrNetlink // the kernel: port id 0
	to.Family = unix.AF_NETLINK
	for {
		_, _, e := unix.Syscall6(unix.SYS_SENDTO, uintptr(c.fd), uintptr(unsafe.Pointer(&req[0])), uintptr(n), 0,
			uintptr(unsafe.Pointer(&to)), unix.SizeofSockaddrNetlink)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return 0, os.NewSyscallError("sendto", e)
		}
		return seq, nil
	}
}

// receive reads one datagram, appended to c.buf, and returns it. MSG_TRUNC
// makes recvfrom return the datagram's real length, so a truncation shows.
func (c *rtnl) receive() ([]byte, error) {
	if cap(c.buf)-len(c.buf) < recvBufSize {
		nb := make([]byte, len(c.buf), 2*cap(c.buf)+recvBufSize)
		copy(nb, c.buf)
		c.buf = nb
	}
	start := len(c.buf)
	free := c.buf[start:cap(c.buf)]
	var from unix.RawSockaddrNetlink
	for {
		fl := uint32(unix.SizeofSockaddrNetlink)
		n, _, e := unix.Syscall6(unix.SYS_RECVFROM, uintptr(c.fd), uintptr(unsafe.Pointer(&free[0])), uintptr(len(free)),
			unix.MSG_TRUNC, uintptr(unsafe.Pointer(&from)), uintptr(unsafe.Pointer(&fl)))
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return nil, os.NewSyscallError("recvfrom", e)
		}
		if int(n) > len(free) {
			return nil, fmt.Errorf("recvfrom: %w: %d bytes for a %d-byte buffer", errMsgTrunc, n, len(free))
		}
		if from.Family != unix.AF_NETLINK || from.Pid != 0 {
			return nil, fmt.Errorf("recvfrom: %w: port id %d", errSender, from.Pid)
		}
		c.buf = c.buf[:start+int(n)]
		return c.buf[start:], nil
	}
}

// dump sends a request and appends every datagram of the answer to c.buf,
// until NLMSG_DONE. It checks the headers as they come and returns the
// dump's bytes, its sequence number and the number of messages of type want.
func (c *rtnl) dump(typ uint16, bodyLen int, want uint16) (b []byte, seq uint32, n int, err error) {
	seq, err = c.request(typ, bodyLen)
	if err != nil {
		return nil, 0, 0, err
	}
	d := dumpState{op: opName(typ), seq: seq, pid: c.pid}
	start := len(c.buf)
	count := func(int, []byte) error { n++; return nil }
	for !d.done {
		b, err := c.receive()
		if err != nil {
			return nil, 0, 0, err
		}
		if err := d.messages(b, want, count); err != nil {
			return nil, 0, 0, err
		}
	}
	return c.buf[start:], seq, n, nil
}

func opName(typ uint16) string {
	if typ == unix.RTM_GETLINK {
		return "RTM_GETLINK"
	}
	return "RTM_GETADDR"
}

// fetch reads and parses the links and then the addresses, retrying while
// the kernel reports the dumps inconsistent. start makes the slice the
// address entries are appended to, given the links and the number of
// address messages.
func fetch(start func(links []link, naddrs int) []IfAddr) (links []link, out []IfAddr, err error) {
	c, err := openRTNL()
	if err != nil {
		return nil, nil, err
	}
	defer c.close()
	for attempt := 1; ; attempt++ {
		c.buf = c.buf[:0]
		lb, lseq, _, err := c.dump(unix.RTM_GETLINK, ifInfoMsgLen, unix.RTM_NEWLINK)
		if err != nil {
			return nil, nil, err
		}
		// The link dump's bytes stay where they are: the address dump is
		// appended after them, or to a new buffer.
		ab, aseq, naddrs, err := c.dump(unix.RTM_GETADDR, ifAddrMsgLen, unix.RTM_NEWADDR)
		if err != nil {
			return nil, nil, err
		}
		links, lintr, err := parseLinkMessages(lb, lseq, c.pid)
		if err != nil {
			return nil, nil, err
		}
		out, aintr, inconsistent, err := parseAddrMessages(ab, aseq, c.pid, links, start(links, naddrs))
		if err != nil {
			return nil, nil, err
		}
		if !lintr && !aintr && !inconsistent {
			return links, out, nil
		}
		if attempt == maxAttempts {
			return links, out, ErrDumpInterrupted
		}
		dumpRetries.Add(1)
	}
}
