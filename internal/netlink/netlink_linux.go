package netlink

import (
	"errors"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// RecvBufSize is the room to offer each Receive: the kernel sizes a dump's
// datagrams to the largest buffer a reader has offered, up to 32 KiB less
// its overhead, so this takes the fewest recvfrom calls, and no datagram of
// a dump is ever larger.
const RecvBufSize = 32 << 10

// Errors of Receive, each also wrapping the Conn's Malformed error.
var (
	ErrTruncated = errors.New("datagram truncated (MSG_TRUNC)")
	ErrSender    = errors.New("sender is not the kernel")
)

// errMalformed is the Malformed of a Conn that Open returns.
var errMalformed = errors.New("malformed netlink reply")

// Conn is one bound netlink socket, made by Open. It is blocking: the
// kernel answers a dump at once, in the sender's and then the receiver's
// context, so no call waits for long. Its user serialises calls. A zero
// Conn's FD is 0, standard input: do not call its methods.
type Conn struct {
	FD  int
	PID uint32 // the port id the kernel assigned at bind
	// Malformed is the user's class of malformed replies: a refused
	// datagram's error wraps it as well as ErrTruncated or ErrSender.
	// Open sets a plain "malformed netlink reply"; users set their own.
	Malformed error
}

// Open opens a netlink socket of protocol proto (unix.NETLINK_ROUTE,
// unix.NETLINK_SOCK_DIAG…), close-on-exec, and binds it to a port id the
// kernel picks, which it reads back with getsockname. It returns a value,
// for its user to embed without an allocation of its own.
func Open(proto int) (Conn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return Conn{}, os.NewSyscallError("socket", err)
	}
	var sa unix.RawSockaddrNetlink
	sa.Family = unix.AF_NETLINK
	if _, _, e := unix.Syscall(unix.SYS_BIND, uintptr(fd), uintptr(unsafe.Pointer(&sa)), unix.SizeofSockaddrNetlink); e != 0 {
		unix.Close(fd)
		return Conn{}, os.NewSyscallError("bind", e)
	}
	sl := uint32(unix.SizeofSockaddrNetlink)
	if _, _, e := unix.Syscall(unix.SYS_GETSOCKNAME, uintptr(fd), uintptr(unsafe.Pointer(&sa)), uintptr(unsafe.Pointer(&sl))); e != 0 {
		unix.Close(fd)
		return Conn{}, os.NewSyscallError("getsockname", e)
	}
	return Conn{FD: fd, PID: sa.Pid, Malformed: errMalformed}, nil
}

// Close closes the socket; a second Close, or one on a nil Conn, returns
// EBADF and closes nothing.
func (c *Conn) Close() error {
	if c == nil || c.FD < 0 {
		return os.NewSyscallError("close", unix.EBADF)
	}
	err := unix.Close(c.FD)
	c.FD = -1
	return os.NewSyscallError("close", err)
}

// Send sends req, one or more whole netlink messages, to the kernel (port
// id 0) with sendto(2). An empty req or a nil Conn is EINVAL.
func (c *Conn) Send(req []byte) error {
	if c == nil || len(req) == 0 {
		return os.NewSyscallError("sendto", unix.EINVAL)
	}
	var to unix.RawSockaddrNetlink
	to.Family = unix.AF_NETLINK
	for {
		_, _, e := unix.Syscall6(unix.SYS_SENDTO, uintptr(c.FD), uintptr(unsafe.Pointer(&req[0])), uintptr(len(req)), 0,
			uintptr(unsafe.Pointer(&to)), unix.SizeofSockaddrNetlink)
		switch e {
		case unix.EINTR:
			continue
		case 0:
			return nil
		}
		return os.NewSyscallError("sendto", e)
	}
}

// Receive reads one datagram into buf with recvfrom(2) and returns its
// length. MSG_TRUNC makes the kernel return a datagram's real length, so
// one longer than buf is an error (ErrTruncated) rather than a cut-off
// reply; so is one whose sender is not the kernel (ErrSender). An empty buf
// or a nil Conn is EINVAL.
func (c *Conn) Receive(buf []byte) (int, error) {
	if c == nil || len(buf) == 0 {
		return 0, os.NewSyscallError("recvfrom", unix.EINVAL)
	}
	var from unix.RawSockaddrNetlink
	for {
		fl := uint32(unix.SizeofSockaddrNetlink)
		n, _, e := unix.Syscall6(unix.SYS_RECVFROM, uintptr(c.FD), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)),
			unix.MSG_TRUNC, uintptr(unsafe.Pointer(&from)), uintptr(unsafe.Pointer(&fl)))
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return 0, os.NewSyscallError("recvfrom", e)
		}
		if int(n) > len(buf) {
			return 0, fmt.Errorf("recvfrom: %w: %w: %d bytes for a %d-byte buffer", c.Malformed, ErrTruncated, n, len(buf))
		}
		if from.Family != unix.AF_NETLINK || from.Pid != 0 {
			return 0, fmt.Errorf("recvfrom: %w: %w: port id %d", c.Malformed, ErrSender, from.Pid)
		}
		return int(n), nil
	}
}
