package diag

import (
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// recvBufSize is the room offered to each recvfrom: the kernel sizes each
// dump datagram to the largest buffer a reader has offered, up to 32 KiB
// less its overhead, so this takes the fewest recvfrom calls, and no
// datagram is ever larger.
const recvBufSize = 32 << 10

// rawPool keeps the buffers that receive a List's datagrams, so that a
// List of the same tables as the last one reads into memory already there.
// A buffer grown past maxPooled is left to the garbage collector.
var rawPool = sync.Pool{New: func() any { return new([]byte) }}

const maxPooled = 16 << 20

// seqNum numbers the requests of this process.
var seqNum atomic.Uint32

// dumpRetries counts the dumps read again because the kernel marked them
// interrupted (for tests).
var dumpRetries atomic.Uint64

// maxAttempts bounds the reads of a dump the kernel marks interrupted.
const maxAttempts = 5

// interruptNext, when above 0, makes that many of the next dumps read
// count as interrupted (for tests: the kernel's socket dumps are never
// marked so today).
var interruptNext atomic.Int32

// conn is one NETLINK_SOCK_DIAG socket, used for the dumps of one List. It
// is blocking: the kernel answers a dump at once, from the receiver's
// context, so no call waits for long.
type conn struct {
	fd  int
	pid uint32 // port id the kernel assigned at bind
	// raw holds every datagram read, back to back: the answers are
	// checked as they arrive and decoded once all are in, into a slice
	// of the exact length.
	raw  []byte
	pool *[]byte
	// capture, if not nil, gets every datagram read (for tests).
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
	pool := rawPool.Get().(*[]byte)
	return &conn{fd: fd, pid: sa.Pid, raw: (*pool)[:0], pool: pool}, nil
}

func (c *conn) close() {
	unix.Close(c.fd)
	if cap(c.raw) <= maxPooled {
		*c.pool = c.raw[:0]
		rawPool.Put(c.pool)
	}
	c.raw, c.pool = nil, nil
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

// receive reads one datagram onto the end of c.raw and returns it.
// MSG_TRUNC makes recvfrom return the datagram's real length, so a
// truncation shows.
func (c *conn) receive() ([]byte, error) {
	c.raw = slices.Grow(c.raw, recvBufSize)
	buf := c.raw[len(c.raw) : len(c.raw)+recvBufSize]
	var from unix.RawSockaddrNetlink
	for {
		fl := uint32(unix.SizeofSockaddrNetlink)
		n, _, e := unix.Syscall6(unix.SYS_RECVFROM, uintptr(c.fd), uintptr(unsafe.Pointer(&buf[0])), recvBufSize,
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
		c.raw = c.raw[:len(c.raw)+int(n)]
		return buf[:n], nil
	}
}

// answer is the answer to one dump request: c.raw[start:end], checked,
// holding n sockets.
type answer struct {
	d          *dump
	start, end int
	n          int
	intr       bool
}

// read sends d's request and receives and checks its answer, which it
// leaves at the end of c.raw.
func (c *conn) read(d *dump) (answer, error) {
	seq := seqNum.Add(1)
	a := answer{d: d, start: len(c.raw)}
	if err := c.send(d.request(seq)); err != nil {
		return a, err
	}
	s := scanner{d: d, seq: seq, pid: c.pid}
	for !s.done {
		b, err := c.receive()
		if err != nil {
			return a, err
		}
		if c.capture != nil {
			c.capture(d, seq, c.pid, b)
		}
		if err := s.feed(b); err != nil {
			return a, err
		}
	}
	a.end, a.n, a.intr = len(c.raw), s.n, s.intr
	if interruptNext.Load() > 0 && interruptNext.Add(-1) >= 0 {
		a.intr = true
	}
	return a, nil
}
