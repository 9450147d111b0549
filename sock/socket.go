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

// Socket is an open socket descriptor. It waits in the runtime network
// poller: a call that must wait (Accept, Connect, Recv, RecvFrom, Send into
// a full buffer) parks its goroutine, not an OS thread, unless
// [Socket.SetNonblock] asked for EAGAIN instead. The socket joins that
// poller only when a call first has to wait (or a deadline is set): one
// driven in nonblocking mode by the caller's own select, poll or Poller
// loop never does, which spares the kernel a wake-up callback on every
// packet (see the README's Performance section). Its methods are safe for
// concurrent use; calls reading from it are serialised with each other, and
// so are calls writing to it.
//
// Errors from the kernel are *os.SyscallError values naming the call and
// wrapping the unix.Errno, so errors.Is(err, unix.ECONNREFUSED) works. After
// [Socket.Close] every method returns an error wrapping net.ErrClosed; a
// deadline that expires returns one wrapping os.ErrDeadlineExceeded.
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
	rmu       sync.Mutex
	rx        rxState
	recvFn    func(uintptr) bool
	recvmsgFn func(uintptr) bool
	acceptFn  func(uintptr) bool

	// Write side: state and callbacks for send, sendto and connect.
	wmu       sync.Mutex
	tx        txState
	sendFn    func(uintptr) bool
	connectFn func(uintptr) bool

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
// (Darwin, which has neither flag, sets FD_CLOEXEC and O_NONBLOCK at once
// under syscall.ForkLock, and SO_NOSIGPIPE). The descriptor is nonblocking
// in the kernel and waits in the runtime poller (joined at the first wait);
// [Socket.Nonblock] reports
// false until [Socket.SetNonblock] is called, or unless typ has the
// SOCK_NONBLOCK bit (Linux, FreeBSD), which sets that mode from the start.
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

// Pair creates a pair of connected sockets: socketpair(2), with the same
// flags as [New]. It is mostly used with AF_UNIX.
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
	s.acceptFn = s.doAccept
	s.sendFn = s.doSend
	s.connectFn = s.doConnect
	s.ctlFn = s.doCtl
	return s, nil
}

// Close closes the socket: close(2), once no call is using it. Calls
// waiting in the poller (Accept, Recv, ...) return at once with an error
// wrapping net.ErrClosed. A second Close returns such an error too.
func (s *Socket) Close() error {
	if s.invalid() {
		return opError("close", unix.EINVAL)
	}
	return opError("close", s.fd.Close())
}

// Fd returns the descriptor number, or -1 after Close. The number is
// borrowed: do not close it, and do not use it after Close.
func (s *Socket) Fd() int {
	if s.invalid() {
		return -1
	}
	return s.fd.Sysfd()
}

// Family returns the address family given when the socket was made.
func (s *Socket) Family() Family {
	if s == nil {
		return 0
	}
	return s.family
}

// Type returns the socket type given when the socket was made.
func (s *Socket) Type() Type {
	if s == nil {
		return 0
	}
	return s.typ
}

// Protocol returns the protocol given when the socket was made (0 when the
// kernel chose it; [Socket.Tuple] and [Socket.Options] ask the kernel).
func (s *Socket) Protocol() Protocol {
	if s == nil {
		return 0
	}
	return s.proto
}

// SetNonblock sets the blocking mode callers see. In nonblocking mode
// (true) a call that would wait returns an error wrapping EAGAIN (Connect:
// EINPROGRESS), as in C; the descriptor itself stays nonblocking in the
// kernel either way, so that blocking calls park only their goroutine.
func (s *Socket) SetNonblock(nonblocking bool) error {
	if err := s.check("setnonblock"); err != nil {
		return err
	}
	return opError("setnonblock", s.fd.SetNonblock(nonblocking))
}

// Nonblock reports the mode [Socket.SetNonblock] set (false at creation).
func (s *Socket) Nonblock() (bool, error) {
	if err := s.check("nonblock"); err != nil {
		return false, err
	}
	b, err := s.fd.Nonblock()
	return b, opError("nonblock", err)
}

// SetDeadline sets the read and write deadlines: a call still waiting at t
// returns an error wrapping os.ErrDeadlineExceeded. The zero time means no
// deadline.
func (s *Socket) SetDeadline(t time.Time) error {
	return s.deadline("setdeadline", (*fdcore.FD).SetDeadline, t)
}

// SetReadDeadline sets the deadline of Accept, Recv, RecvFrom and Read.
func (s *Socket) SetReadDeadline(t time.Time) error {
	return s.deadline("setreaddeadline", (*fdcore.FD).SetReadDeadline, t)
}

// SetWriteDeadline sets the deadline of Connect, Send, SendTo and Write.
func (s *Socket) SetWriteDeadline(t time.Time) error {
	return s.deadline("setwritedeadline", (*fdcore.FD).SetWriteDeadline, t)
}

func (s *Socket) deadline(op string, set func(*fdcore.FD, time.Time) error, t time.Time) error {
	if err := s.check(op); err != nil {
		return err
	}
	return opError(op, set(s.fd, t))
}
