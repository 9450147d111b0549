package sock

import (
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/posixkit/posixkit/internal/fdcore"
	"golang.org/x/sys/unix"
)

// Socket is an open socket, close-on-exec and nonblocking in the kernel. A
// call that must wait parks its goroutine in the runtime poller, which the
// socket joins at its first wait or deadline; with MSG_DONTWAIT or in
// nonblocking mode it returns EAGAIN instead. Methods are safe for concurrent
// use. Errors are *os.SyscallError values naming the call and wrapping the
// errno; a nil or zero Socket or a bad argument gives EINVAL (an address of
// another family EAFNOSUPPORT), a closed one net.ErrClosed, a deadline
// os.ErrDeadlineExceeded.
type Socket struct {
	fd     *fdcore.FD
	family Family
	typ    Type
	proto  Protocol
	stream bool
	// zeroEOF: a read of 0 bytes is the end of the connection (stream and
	// seqpacket sockets, as in net), not an empty datagram.
	zeroEOF bool

	// Read side: state and callbacks for recv, recvmsg and accept. rmu
	// serialises the callers, the RawConn's read lock the callbacks.
	rmu        sync.Mutex
	rx         rxState
	recvFn     func(uintptr) bool
	recvmsgFn  func(uintptr) bool
	recvmsgvFn func(uintptr) bool
	acceptFn   func(uintptr) bool
	readvFn    func(uintptr) bool
	recvmmsgFn func(uintptr) bool

	// Write side: state and callbacks for send, sendto and connect.
	wmu        sync.Mutex
	tx         txState
	sendFn     func(uintptr) bool
	sendmsgFn  func(uintptr) bool
	writevFn   func(uintptr) bool
	sendmmsgFn func(uintptr) bool
	connectFn  func(uintptr) bool

	// Control side: getsockname, getpeername, getsockopt without a
	// closure per call (LocalAddr, RemoteAddr, Tuple, GetsockoptInt).
	cmu   sync.Mutex
	ctl   ctlState
	ctlFn func(uintptr)
}

var (
	_ syscall.Conn = (*Socket)(nil)
	_ io.Reader    = (*Socket)(nil)
	_ io.Writer    = (*Socket)(nil)
	_ io.Closer    = (*Socket)(nil)
)

// New creates a socket: socket(2) with SOCK_CLOEXEC and SOCK_NONBLOCK
// (Darwin: FD_CLOEXEC, O_NONBLOCK and SO_NOSIGPIPE under syscall.ForkLock).
// Calls wait as in C unless typ has SOCK_NONBLOCK or [Socket.SetNonblock].
func New(family Family, typ Type, proto Protocol) (*Socket, error) {
	fd, err := sysSocket(int(family), int(typ), int(proto))
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	s, err := newSocket(fd, family, typ, proto)
	if err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("socket", err)
	}
	return s, nil
}

// typeFlags splits the creation flags (SOCK_CLOEXEC, SOCK_NONBLOCK) off a
// type argument.
func typeFlags(typ Type) (Type, bool) {
	return typ &^ Type(sockFlagMask), typ&Type(sockNonblock) != 0
}

// Pair creates a pair of connected sockets: socketpair(2), as [New] does.
func Pair(family Family, typ Type, proto Protocol) (*Socket, *Socket, error) {
	fds, err := sysSocketpair(int(family), int(typ), int(proto))
	if err != nil {
		return nil, nil, os.NewSyscallError("socketpair", err)
	}
	a, err := newSocket(fds[0], family, typ, proto)
	if err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, nil, os.NewSyscallError("socketpair", err)
	}
	b, err := newSocket(fds[1], family, typ, proto)
	if err != nil {
		a.Close()
		unix.Close(fds[1])
		return nil, nil, os.NewSyscallError("socketpair", err)
	}
	return a, b, nil
}

// NewFromFd adopts fd, taking ownership: its family, type and protocol
// come from the kernel (SO_DOMAIN, SO_TYPE, SO_PROTOCOL; Darwin:
// getsockname), and it is made close-on-exec and nonblocking in the kernel.
// A negative fd is EINVAL, a non-socket ENOTSOCK; fd is then left open.
func NewFromFd(fd int) (*Socket, error) {
	const op = "newfromfd"
	if fd < 0 {
		return nil, opError(op, unix.EINVAL)
	}
	typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil {
		return nil, opError(op, err)
	}
	family, proto, err := sysDomain(fd, Type(typ))
	if err != nil {
		return nil, opError(op, err)
	}
	if err := adoptFlags(fd); err != nil {
		return nil, opError(op, err)
	}
	s, err := newSocket(fd, family, Type(typ), proto)
	if err != nil {
		return nil, opError(op, err)
	}
	return s, nil
}

// adoptFlags sets FD_CLOEXEC and O_NONBLOCK on an adopted descriptor.
func adoptFlags(fd int) error {
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil {
		return err
	}
	return unix.SetNonblock(fd, true)
}

// newSocket takes ownership of fd (on success) and builds the per-socket
// callbacks, once.
func newSocket(fd int, family Family, typ Type, proto Protocol) (*Socket, error) {
	if err := prepareSocket(fd); err != nil {
		return nil, err
	}
	typ, nonblock := typeFlags(typ)
	d, err := fdcore.NewLazy(fd, "socket", nonblock, net.ErrClosed)
	if err != nil {
		return nil, err
	}
	s := &Socket{fd: d, family: family, typ: typ, proto: proto, stream: typ == SOCK_STREAM,
		zeroEOF: typ == SOCK_STREAM || typ == SOCK_SEQPACKET}
	s.recvFn = s.doRecv
	s.recvmsgFn = s.doRecvmsg
	s.recvmsgvFn = s.doRecvmsgv
	s.sendmsgFn = s.doSendmsg
	s.readvFn = s.doReadv
	s.writevFn = s.doWritev
	s.recvmmsgFn = s.doRecvmmsg
	s.sendmmsgFn = s.doSendmmsg
	s.acceptFn = s.doAccept
	s.sendFn = s.doSend
	s.connectFn = s.doConnect
	s.ctlFn = s.doCtl
	return s, nil
}

// Close closes the socket: close(2), once no call uses it. Waiting calls
// return at once; they and a second Close get net.ErrClosed.
func (s *Socket) Close() error {
	if s.invalid() {
		return opError("close", unix.EINVAL)
	}
	return opError("close", s.fd.Close())
}

// Fd returns the borrowed descriptor number, or -1 after Close.
func (s *Socket) Fd() int {
	if s.invalid() {
		return -1
	}
	return s.fd.Sysfd()
}

// Family returns the address family given to [New].
func (s *Socket) Family() Family {
	if s == nil {
		return 0
	}
	return s.family
}

// Type returns the socket type given to [New], without creation flags.
func (s *Socket) Type() Type {
	if s == nil {
		return 0
	}
	return s.typ
}

// Protocol returns the protocol given to [New] (see [Socket.Tuple]).
func (s *Socket) Protocol() Protocol {
	if s == nil {
		return 0
	}
	return s.proto
}

// SetNonblock sets the mode callers see, with no system call: true makes a
// call that would wait return EAGAIN (Connect: EINPROGRESS), as in C.
func (s *Socket) SetNonblock(nonblocking bool) error {
	if err := s.check("SetNonblock"); err != nil {
		return err
	}
	return opError("SetNonblock", s.fd.SetNonblock(nonblocking))
}

// Nonblock reports the mode [Socket.SetNonblock] set: posixkit's own
// state, not the kernel's O_NONBLOCK (always set; see [Options] Flags).
func (s *Socket) Nonblock() (bool, error) {
	if err := s.check("Nonblock"); err != nil {
		return false, err
	}
	b, err := s.fd.Nonblock()
	return b, opError("Nonblock", err)
}

// SetDeadline sets the read and write deadlines; the zero time clears them.
func (s *Socket) SetDeadline(t time.Time) error {
	return s.deadline("SetDeadline", (*fdcore.FD).SetDeadline, t)
}

// SetReadDeadline sets the deadline of Accept, Recv, RecvFrom and Read.
func (s *Socket) SetReadDeadline(t time.Time) error {
	return s.deadline("SetReadDeadline", (*fdcore.FD).SetReadDeadline, t)
}

// SetWriteDeadline sets the deadline of Connect, Send, SendTo and Write.
func (s *Socket) SetWriteDeadline(t time.Time) error {
	return s.deadline("SetWriteDeadline", (*fdcore.FD).SetWriteDeadline, t)
}

func (s *Socket) deadline(op string, set func(*fdcore.FD, time.Time) error, t time.Time) error {
	if err := s.check(op); err != nil {
		return err
	}
	return opError(op, set(s.fd, t))
}
