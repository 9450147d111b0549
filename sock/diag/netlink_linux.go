package diag

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

var bufPool = sync.Pool{New: func() any { return new([recvBufSize]byte) }}

// seqNum numbers the requests of this process.
var seqNum atomic.Uint32

// dumpRetries counts the dumps read again because the kernel marked them
// interrupted (for tests).
var dumpRetries atomic.Uint64

// maxAttempts bounds the reads of a dump the kernel marks interrupted.
const maxAttempts = 5

// conn is one NETLINK_SOCK_DIAG socket, used for the dumps of one List. It
// is blocking: the kernel answers a dump at once, from the receiver's
// context, so no call waits for long.
type conn struct {
	fd  int
	pid uint32 // port id the kernel assigned at bind
	buf *[recvBufSize]byte
	// capture, if not nil, gets a copy of every datagram read (for tests).
	capture func(d *dump, seq, pid uint32, b []byte)
}

func openConn() (*conn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
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
	return &conn{fd: fd, pid: sa.Pid, buf: bufPool.Get().(*[recvBufSize]byte)}, nil
}

func (c *conn) close() {
	unix.Close(c.fd)
	bufPool.Put(c.buf)
	c.buf = nil
}

func (c *conn) send(req []byte) error {
	var to unix.RawSockaddrNetlink // the kernel: port id 0
	to.Family = unix.AF_NETLINK
	for {
		_, _, e := unix.Syscall6(unix.SYS_SENDTO, uintptr(c.fd), uintptr(unsafe.Pointer(&req[0])), uintptr(len(req)), 0,
			uintptr(unsafe.Pointer(&to)), unix.SizeofSockaddrNetlink)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return os.NewSyscallError("sendto", e)
		}
		return nil
	}
}

// receive reads one datagram into c.buf and returns it. MSG_TRUNC makes
// recvfrom return the datagram's real length, so a truncation shows.
func (c *conn) receive() ([]byte, error) {
	var from unix.RawSockaddrNetlink
	for {
		fl := uint32(unix.SizeofSockaddrNetlink)
		n, _, e := unix.Syscall6(unix.SYS_RECVFROM, uintptr(c.fd), uintptr(unsafe.Pointer(&c.buf[0])), recvBufSize,
			unix.MSG_TRUNC, uintptr(unsafe.Pointer(&from)), uintptr(unsafe.Pointer(&fl)))
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return nil, os.NewSyscallError("recvfrom", e)
		}
		if n > recvBufSize {
			return nil, fmt.Errorf("recvfrom: %w: %d bytes for a %d-byte buffer", errMsgTrunc, n, recvBufSize)
		}
		if from.Family != unix.AF_NETLINK || from.Pid != 0 {
			return nil, fmt.Errorf("recvfrom: %w: port id %d", errSender, from.Pid)
		}
		return c.buf[:n], nil
	}
}

// dump sends d's request and parses its answer, appending the sockets to
// out. intr reports that the kernel marked the dump interrupted.
func (c *conn) dump(d *dump, out []Socket) (_ []Socket, intr bool, err error) {
	seq := seqNum.Add(1)
	if err := c.send(d.request(seq)); err != nil {
		return out, false, err
	}
	p := parser{d: d, seq: seq, pid: c.pid, out: out}
	for !p.done {
		b, err := c.receive()
		if err != nil {
			return p.out, false, err
		}
		if c.capture != nil {
			c.capture(d, seq, c.pid, b)
		}
		if err := p.feed(b); err != nil {
			return p.out, false, err
		}
	}
	return p.out, p.intr, nil
}
