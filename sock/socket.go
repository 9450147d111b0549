package sock

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/posixkit/posixkit/internal/fdcore"
	"golang.org/x/sys/unix"
)

// ErrTruncated is wrapped by the error of [Socket.Recv], [Socket.RecvFrom]
// and [Socket.Read] when a datagram was larger than the buffer: the kernel
// dropped its tail (MSG_TRUNC in recvmsg's flags). The returned count is
// then len(p), never more, even when the caller passed MSG_TRUNC.
var ErrTruncated = errors.New("message truncated")

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

// ctlState is the per-socket state of one control operation.
type ctlState struct {
	op          int // ctlSockname, ...
	level, name int // ctlGetsockopt
	val         int
	err         error
	salen       uint32
	rsa         unix.RawSockaddrAny
}

const (
	ctlSockname = iota
	ctlPeername
	ctlGetsockopt
	ctlProtocol
)

// rxState is the per-socket state of one read-side operation.
type rxState struct {
	buf      []byte
	flags    int
	wantName bool // recvmsg: fill rsa with the sender's address
	n        int
	nfd      int // accept: the new descriptor
	errno    unix.Errno
	mflags   int // recvmsg: the kernel's msg_flags
	salen    uint32
	rsa      unix.RawSockaddrAny
	msg      unix.Msghdr
	iov      unix.Iovec
}

// txState is the per-socket state of one write-side operation.
type txState struct {
	buf     []byte
	flags   int
	n       int
	errno   unix.Errno
	started bool // connect: connect(2) was made, now waiting
	salen   uint32
	rsa     unix.RawSockaddrAny
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

// wait reports whether an operation that got EAGAIN should wait in the
// poller: not in user-nonblocking mode, nor with MSG_DONTWAIT.
func (s *Socket) wait(flags int) bool {
	return flags&unix.MSG_DONTWAIT == 0 && s.fd.WouldWait()
}

func (s *Socket) doRecv(fd uintptr) bool {
	r := &s.rx
	for {
		n, e := sysRecv(fd, r.buf, r.flags)
		if e == unix.EINTR {
			continue
		}
		if e == unix.EAGAIN && s.wait(r.flags) {
			return false
		}
		r.n, r.errno, r.mflags = n, e, 0
		return true
	}
}

func (s *Socket) doRecvmsg(fd uintptr) bool {
	r := &s.rx
	for {
		e := r.recvmsg(fd)
		if e == unix.EINTR {
			continue
		}
		if e == unix.EAGAIN && s.wait(r.flags) {
			return false
		}
		r.errno = e
		return true
	}
}

func (s *Socket) doAccept(fd uintptr) bool {
	r := &s.rx
	for {
		r.salen = unix.SizeofSockaddrAny
		nfd, e := sysAccept(fd, &r.rsa, &r.salen)
		switch e {
		case unix.EINTR, unix.ECONNABORTED:
			// A connection reset while in the backlog: take the next.
			continue
		case unix.EAGAIN:
			if s.wait(0) {
				return false
			}
		}
		r.nfd, r.errno = nfd, e
		return true
	}
}

func (s *Socket) doSend(fd uintptr) bool {
	w := &s.tx
	for {
		n, e := sysSendto(fd, w.buf, w.flags|msgNoSignal, &w.rsa, w.salen)
		if e == unix.EINTR {
			continue
		}
		if e == unix.EAGAIN && s.wait(w.flags) {
			return false
		}
		w.n, w.errno = n, e
		return true
	}
}

func (s *Socket) doConnect(fd uintptr) bool {
	w := &s.tx
	if !w.started {
		w.started = true
		switch e := sysConnect(int(fd), &w.rsa, w.salen); e {
		case 0:
			w.errno = 0
			return true
		case unix.EINPROGRESS, unix.EALREADY, unix.EINTR:
			if s.fd.WouldWait() {
				return false
			}
			// Nonblocking mode: report as C does (EINTR on a nonblocking
			// connect means it goes on in the background).
			if e == unix.EINTR {
				e = unix.EINPROGRESS
			}
			w.errno = e
			return true
		default:
			w.errno = e
			return true
		}
	}
	// Woken as writable: the connection is made or has failed; SO_ERROR
	// says which, as in net.
	v, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		w.errno = errnoOf(err)
		return true
	}
	switch e := unix.Errno(v); e {
	case unix.EINPROGRESS, unix.EALREADY, unix.EINTR:
		return false
	case 0, unix.EISCONN:
		// Guard against a spurious wake-up: connected means a peer.
		var rsa unix.RawSockaddrAny
		salen := uint32(unix.SizeofSockaddrAny)
		if sysGetpeername(int(fd), &rsa, &salen) == unix.ENOTCONN {
			return false
		}
		w.errno = 0
		return true
	default:
		w.errno = e
		return true
	}
}

func (s *Socket) doCtl(fd uintptr) {
	c := &s.ctl
	switch c.op {
	case ctlSockname, ctlPeername:
		c.salen = unix.SizeofSockaddrAny
		call := sysGetsockname
		if c.op == ctlPeername {
			call = sysGetpeername
		}
		c.err = errOrNil(call(int(fd), &c.rsa, &c.salen))
	case ctlGetsockopt:
		c.val, c.err = unix.GetsockoptInt(int(fd), c.level, c.name)
	case ctlProtocol:
		var p Protocol
		p, c.err = sysProtocol(int(fd), s.typ, s.proto)
		c.val = int(p)
	}
}

// control runs the control operation set up in s.ctl; s.cmu is held. It
// returns the operation's error, or the closed error.
func (s *Socket) control() error {
	if err := s.fd.RawControl(s.ctlFn); err != nil {
		if s.fd.Closed() {
			return net.ErrClosed
		}
		return err
	}
	return s.ctl.err
}

func errnoOf(err error) unix.Errno {
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return unix.EINVAL
}

// opError wraps an error of the descriptor core or the kernel with the name
// of the call.
func opError(op string, err error) error {
	if err == nil {
		return nil
	}
	return os.NewSyscallError(op, err)
}

func (s *Socket) closedError(op string) error {
	return os.NewSyscallError(op, net.ErrClosed)
}

// Bind assigns a local address to the socket: bind(2). Port 0 asks the
// kernel to choose one; [Socket.LocalAddr] reports it. An IPv4 address given
// to an AF_INET6 socket is bound as the IPv4-mapped address.
func (s *Socket) Bind(addr netip.AddrPort) error {
	return s.bind(func(rsa *unix.RawSockaddrAny) (uint32, error) {
		return encodeAddr(addr, s.family, false, rsa)
	})
}

// BindUnix binds an AF_UNIX socket to a path: bind(2) with a sockaddr_un.
// The kernel creates the socket file (EADDRINUSE if the path exists; the
// caller removes it when done). On Linux a path starting with '@' names the
// abstract namespace, which has no file. An empty path, one with a NUL byte
// or one too long for sun_path is an error wrapping EINVAL; a socket of
// another family one wrapping EAFNOSUPPORT.
func (s *Socket) BindUnix(path string) error {
	return s.bind(func(rsa *unix.RawSockaddrAny) (uint32, error) {
		if s.family != AF_UNIX {
			return 0, &addrError{strconv.Quote(path), "a path for an " + s.family.String() + " socket", unix.EAFNOSUPPORT}
		}
		return encodeUnix(path, rsa)
	})
}

func (s *Socket) bind(encode func(*unix.RawSockaddrAny) (uint32, error)) error {
	var rsa unix.RawSockaddrAny
	if s.fd.Closed() {
		return s.closedError("bind")
	}
	salen, err := encode(&rsa)
	if err != nil {
		return opError("bind", err)
	}
	return opError("bind", s.fd.Control(func(fd int) error {
		return errOrNil(sysBind(fd, &rsa, salen))
	}))
}

func errOrNil(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

// Listen marks the socket as accepting connections: listen(2). The kernel
// caps backlog at its limit (net.core.somaxconn on Linux); unix.SOMAXCONN
// asks for that limit.
func (s *Socket) Listen(backlog int) error {
	return opError("listen", s.fd.Control(func(fd int) error {
		return unix.Listen(fd, backlog)
	}))
}

// Accept waits for and returns the next connection and its peer's address:
// accept4(2) with SOCK_CLOEXEC and SOCK_NONBLOCK (on Darwin accept(2), then
// both flags set under syscall.ForkLock). The wait parks the goroutine; in
// nonblocking mode an empty queue gives an error wrapping EAGAIN. A
// connection reset while queued (ECONNABORTED) is skipped. The peer address
// is as the kernel reports it (an IPv4 peer of a dual-stack socket is
// ::ffff:a.b.c.d; see netip.Addr.Unmap), and the zero AddrPort for a
// non-IP family.
func (s *Socket) Accept() (*Socket, netip.AddrPort, error) {
	const op = "accept"
	s.rmu.Lock()
	r := &s.rx
	err := s.fd.Read(s.acceptFn)
	nfd, e := r.nfd, r.errno
	var peer netip.AddrPort
	if err == nil && e == 0 {
		peer = decodeAddr(&r.rsa, r.salen)
	}
	s.rmu.Unlock()
	if err != nil {
		return nil, netip.AddrPort{}, opError(op, err)
	}
	if e != 0 {
		return nil, netip.AddrPort{}, opError(op, e)
	}
	ns, err := newSocket(nfd, s.family, s.typ, s.proto)
	if err != nil {
		unix.Close(nfd)
		return nil, netip.AddrPort{}, opError(op, err)
	}
	return ns, peer, nil
}

// Connect connects the socket to addr: connect(2). On a stream socket it
// waits, parking the goroutine, until the connection is made or has failed
// (SO_ERROR), as net does; a refused connection is an error wrapping
// ECONNREFUSED. In nonblocking mode it returns an error wrapping
// EINPROGRESS (EALREADY while an earlier attempt is still in progress)
// instead of waiting, as in C; the caller then waits for writability and
// reads SO_ERROR. Port 0 and an address of the wrong family are errors
// wrapping EINVAL or EAFNOSUPPORT.
func (s *Socket) Connect(addr netip.AddrPort) error {
	return s.connect(func(rsa *unix.RawSockaddrAny) (uint32, error) {
		return encodeAddr(addr, s.family, true, rsa)
	})
}

// ConnectUnix connects an AF_UNIX socket to the socket bound at path:
// connect(2) with a sockaddr_un. On Linux a path starting with '@' names
// the abstract namespace. An empty path, one with a NUL byte or one too
// long for sun_path is an error wrapping EINVAL; a socket of another family
// one wrapping EAFNOSUPPORT. It waits as [Socket.Connect] does, with one
// difference from blocking C: on Linux, when the listener's backlog is
// full, the kernel answers a nonblocking AF_UNIX connect with EAGAIN rather
// than EINPROGRESS, and ConnectUnix returns that error (as net does) instead
// of waiting for room; retry after a pause.
func (s *Socket) ConnectUnix(path string) error {
	return s.connect(func(rsa *unix.RawSockaddrAny) (uint32, error) {
		if s.family != AF_UNIX {
			return 0, &addrError{strconv.Quote(path), "a path for an " + s.family.String() + " socket", unix.EAFNOSUPPORT}
		}
		return encodeUnix(path, rsa)
	})
}

func (s *Socket) connect(encode func(*unix.RawSockaddrAny) (uint32, error)) error {
	const op = "connect"
	if s.fd.Closed() {
		return s.closedError(op)
	}
	s.wmu.Lock()
	w := &s.tx
	salen, err := encode(&w.rsa)
	if err != nil {
		s.wmu.Unlock()
		return opError(op, err)
	}
	w.salen, w.started, w.errno = salen, false, 0
	err = s.fd.Write(s.connectFn)
	e := w.errno
	w.salen = 0
	s.wmu.Unlock()
	if err != nil {
		return opError(op, err)
	}
	return opError(op, errOrNil(e))
}

// Send sends p on a connected socket: send(2), with MSG_NOSIGNAL added (on
// Darwin the socket has SO_NOSIGPIPE instead), so a reset peer gives an
// error wrapping EPIPE or ECONNRESET, never SIGPIPE. As in C it makes one
// successful send(2) and may send less than len(p) on a stream socket; use
// [Socket.Write] to send it all. A full send buffer parks the goroutine,
// unless the socket is in nonblocking mode or flags has MSG_DONTWAIT: then
// the error wraps EAGAIN.
func (s *Socket) Send(p []byte, flags MsgFlag) (int, error) {
	const op = "send"
	if s.fd.Closed() {
		return 0, s.closedError(op)
	}
	s.wmu.Lock()
	n, err := s.sendLocked(p, flags)
	s.wmu.Unlock()
	return n, opError(op, err)
}

// SendTo sends p to addr: sendto(2), with MSG_NOSIGNAL as in
// [Socket.Send]. An IPv4 addr to an AF_INET6 socket is sent to the
// IPv4-mapped address. Port 0, an invalid addr or one of the wrong family
// is an error wrapping EINVAL or EAFNOSUPPORT, and nothing is sent.
func (s *Socket) SendTo(p []byte, flags MsgFlag, addr netip.AddrPort) (int, error) {
	const op = "sendto"
	if s.fd.Closed() {
		return 0, s.closedError(op)
	}
	s.wmu.Lock()
	salen, err := encodeAddr(addr, s.family, true, &s.tx.rsa)
	if err != nil {
		s.wmu.Unlock()
		return 0, opError(op, err)
	}
	s.tx.salen = salen
	n, err := s.sendLocked(p, flags)
	s.tx.salen = 0
	s.wmu.Unlock()
	return n, opError(op, err)
}

// sendLocked makes one send with s.tx.salen's address (none if 0); s.wmu
// is held.
func (s *Socket) sendLocked(p []byte, flags MsgFlag) (int, error) {
	w := &s.tx
	w.buf, w.flags = p, int(flags)
	err := s.fd.Write(s.sendFn)
	n, e := w.n, w.errno
	w.buf = nil
	if err != nil {
		return 0, err
	}
	if e != 0 {
		return 0, e
	}
	return n, nil
}

// Write writes all of p to the socket, with as many send(2) calls as it
// takes (MSG_NOSIGNAL added), or returns the error that stopped it and the
// count sent before. It implements io.Writer.
func (s *Socket) Write(p []byte) (int, error) {
	const op = "write"
	if s.fd.Closed() {
		return 0, s.closedError(op)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	total := 0
	for {
		n, err := s.sendLocked(p[total:], 0)
		total += n
		if err != nil {
			return total, opError(op, err)
		}
		if total >= len(p) {
			return total, nil
		}
	}
}

// Recv receives into p from a connected socket: recv(2) on a stream socket,
// recvmsg(2) otherwise (so that truncation is seen). It parks the goroutine
// until data arrives, unless the socket is in nonblocking mode or flags has
// MSG_DONTWAIT: then an empty queue is an error wrapping EAGAIN.
//
// On a stream socket it returns 0, io.EOF once the peer has shut down
// writing (and len(p) > 0), and MSG_WAITALL waits until p is full (or the
// stream ends, or an error or deadline comes: then the bytes received so
// far are returned without the error, which the next call reports). On a
// datagram socket an empty datagram is (0, nil), and a datagram larger than
// p returns len(p) and an error wrapping [ErrTruncated]. A SOCK_SEQPACKET
// socket has both natures: its records are truncated like datagrams, and 0
// bytes read is io.EOF, as in net, because the kernel reports an empty
// record and the end of the connection alike (recvmsg returns 0 with no
// flags for both).
func (s *Socket) Recv(p []byte, flags MsgFlag) (int, error) {
	return s.recv("recv", p, flags)
}

// Read reads from the socket as [Socket.Recv] with no flags does, and
// implements io.Reader: 0, io.EOF at the end of a stream.
func (s *Socket) Read(p []byte) (int, error) {
	return s.recv("read", p, 0)
}

func (s *Socket) recv(op string, p []byte, flags MsgFlag) (int, error) {
	if s.fd.Closed() {
		return 0, s.closedError(op)
	}
	s.rmu.Lock()
	r := &s.rx
	r.buf, r.flags = p, int(flags)
	var err error
	if s.stream {
		err = s.fd.Read(s.recvFn)
		if flags&MSG_WAITALL != 0 && flags&(MSG_PEEK|MSG_DONTWAIT) == 0 {
			err = s.recvAll(p, err)
		}
	} else {
		r.wantName = false
		err = s.fd.Read(s.recvmsgFn)
	}
	n, e, mf := r.n, r.errno, r.mflags
	r.buf = nil
	s.rmu.Unlock()
	return s.recvResult(op, p, n, e, mf, err)
}

// recvAll gives MSG_WAITALL its blocking meaning on a descriptor that is
// nonblocking in the kernel (where the kernel returns what it has): it
// receives until p is full, the stream ends or an error comes. Data already
// received is returned without the error, as recv(2) does. s.rmu is held;
// err is the first receive's error.
func (s *Socket) recvAll(p []byte, err error) error {
	r := &s.rx
	total := 0
	for err == nil && r.errno == 0 && r.n > 0 {
		total += r.n
		if total >= len(p) || !s.fd.WouldWait() {
			break
		}
		r.buf = p[total:]
		err = s.fd.Read(s.recvFn)
	}
	if total > 0 {
		r.n, r.errno = total, 0
		return nil
	}
	return err
}

func (s *Socket) recvResult(op string, p []byte, n int, e unix.Errno, mflags int, err error) (int, error) {
	if err != nil {
		return 0, opError(op, err)
	}
	if e != 0 {
		return 0, opError(op, e)
	}
	if n > len(p) || (!s.stream && mflags&unix.MSG_TRUNC != 0) {
		return min(n, len(p)), opError(op, ErrTruncated)
	}
	if n == 0 && s.zeroEOF && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// RecvFrom receives into p and returns the sender's address: recvmsg(2)
// (recvfrom's job, with the kernel's flags seen). It waits, reports EOF,
// empty and truncated datagrams as [Socket.Recv] does. The address is as
// the kernel reports it: an IPv4 sender to a dual-stack AF_INET6 socket is
// ::ffff:a.b.c.d (see netip.Addr.Unmap); a connected stream socket and a
// non-IP family give the zero AddrPort.
func (s *Socket) RecvFrom(p []byte, flags MsgFlag) (int, netip.AddrPort, error) {
	const op = "recvfrom"
	if s.fd.Closed() {
		return 0, netip.AddrPort{}, s.closedError(op)
	}
	s.rmu.Lock()
	r := &s.rx
	r.buf, r.flags, r.wantName = p, int(flags), true
	err := s.fd.Read(s.recvmsgFn)
	n, e, mf := r.n, r.errno, r.mflags
	var from netip.AddrPort
	if err == nil && e == 0 {
		from = decodeAddr(&r.rsa, r.salen)
	}
	r.buf = nil
	s.rmu.Unlock()
	n, err = s.recvResult(op, p, n, e, mf, err)
	return n, from, err
}

// Shutdown shuts down one or both directions of a connection: shutdown(2).
// After SHUT_WR the peer reads EOF and this side can still receive.
func (s *Socket) Shutdown(how How) error {
	return opError("shutdown", s.fd.Control(func(fd int) error {
		return unix.Shutdown(fd, int(how))
	}))
}

// Close closes the socket: close(2), once no call is using it. Calls
// waiting in the poller (Accept, Recv, ...) return at once with an error
// wrapping net.ErrClosed. A second Close returns such an error too.
func (s *Socket) Close() error {
	return opError("close", s.fd.Close())
}

// Fd returns the descriptor number, or -1 after Close. The number is
// borrowed: do not close it, and do not use it after Close.
func (s *Socket) Fd() int { return s.fd.Sysfd() }

// Family returns the address family given when the socket was made.
func (s *Socket) Family() Family { return s.family }

// Type returns the socket type given when the socket was made.
func (s *Socket) Type() Type { return s.typ }

// Protocol returns the protocol given when the socket was made (0 when the
// kernel chose it; [Socket.Tuple] and [Socket.Options] ask the kernel).
func (s *Socket) Protocol() Protocol { return s.proto }

// SyscallConn returns a raw connection to the descriptor: it implements
// syscall.Conn. Its errors after Close wrap net.ErrClosed.
func (s *Socket) SyscallConn() (syscall.RawConn, error) {
	if s.fd.Closed() {
		return nil, s.closedError("syscallconn")
	}
	return rawConn{s}, nil
}

type rawConn struct{ s *Socket }

func (c rawConn) Control(f func(fd uintptr)) error {
	return opError("control", c.s.fd.Control(func(fd int) error {
		f(uintptr(fd))
		return nil
	}))
}

// Read and Write hold the socket's read or write lock, as os's RawConn
// holds its own: callbacks are serialised with each other and with Recv
// or Send, also before the socket has joined the runtime poller.
func (c rawConn) Read(f func(fd uintptr) bool) error {
	c.s.rmu.Lock()
	defer c.s.rmu.Unlock()
	return opError("read", c.s.fd.Read(f))
}

func (c rawConn) Write(f func(fd uintptr) bool) error {
	c.s.wmu.Lock()
	defer c.s.wmu.Unlock()
	return opError("write", c.s.fd.Write(f))
}

// SetNonblock sets the blocking mode callers see, with no system call. In
// nonblocking mode (true) a call that would wait returns an error wrapping
// EAGAIN (Connect: EINPROGRESS), as in C; the descriptor itself stays
// nonblocking in the kernel either way, so that blocking calls park only
// their goroutine.
func (s *Socket) SetNonblock(nonblocking bool) error {
	return opError("setnonblock", s.fd.SetNonblock(nonblocking))
}

// Nonblock reports the mode [Socket.SetNonblock] set (false at creation).
// It is posixkit's own state, read without a system call: the kernel's
// O_NONBLOCK, in [Socket.Options] Flags, is always set.
func (s *Socket) Nonblock() (bool, error) {
	b, err := s.fd.Nonblock()
	return b, opError("nonblock", err)
}

// SetDeadline sets the read and write deadlines: a waiting call still
// waiting at t returns an error wrapping os.ErrDeadlineExceeded. The zero
// time means no deadline.
func (s *Socket) SetDeadline(t time.Time) error {
	return opError("setdeadline", s.fd.SetDeadline(t))
}

// SetReadDeadline sets the deadline of Accept, Recv, RecvFrom and Read.
func (s *Socket) SetReadDeadline(t time.Time) error {
	return opError("setreaddeadline", s.fd.SetReadDeadline(t))
}

// SetWriteDeadline sets the deadline of Connect, Send, SendTo and Write.
func (s *Socket) SetWriteDeadline(t time.Time) error {
	return opError("setwritedeadline", s.fd.SetWriteDeadline(t))
}

// LocalAddr returns the address the socket is bound to: getsockname(2).
// An unbound IP socket reports the unspecified address with port 0; a
// socket of a non-IP family (AF_UNIX) the zero AddrPort. The address is as
// the kernel reports it.
func (s *Socket) LocalAddr() (netip.AddrPort, error) {
	return s.sockname("getsockname", ctlSockname)
}

// RemoteAddr returns the address of the connected peer: getpeername(2). An
// unconnected socket gives an error wrapping ENOTCONN; a non-IP family the
// zero AddrPort.
func (s *Socket) RemoteAddr() (netip.AddrPort, error) {
	return s.sockname("getpeername", ctlPeername)
}

func (s *Socket) sockname(op string, which int) (netip.AddrPort, error) {
	if s.fd.Closed() {
		return netip.AddrPort{}, s.closedError(op)
	}
	s.cmu.Lock()
	s.ctl.op = which
	err := s.control()
	var ap netip.AddrPort
	if err == nil {
		ap = decodeAddr(&s.ctl.rsa, s.ctl.salen)
	}
	s.cmu.Unlock()
	if err != nil {
		return netip.AddrPort{}, opError(op, err)
	}
	return ap, nil
}

// getsockoptInt is GetsockoptInt without the error wrapping.
func (s *Socket) getsockoptInt(op, level, name int) (int, error) {
	if s.fd.Closed() {
		return 0, net.ErrClosed
	}
	s.cmu.Lock()
	s.ctl.op, s.ctl.level, s.ctl.name = op, level, name
	err := s.control()
	v := s.ctl.val
	s.cmu.Unlock()
	return v, err
}
