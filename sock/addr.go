package sock

import (
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"
)

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
	if err := s.check("bind"); err != nil {
		return err
	}
	salen, err := encode(&rsa)
	if err != nil {
		return opError("bind", err)
	}
	return s.control("bind", func(fd int) error {
		return errOrNil(sysBind(fd, &rsa, salen))
	})
}

// Listen marks the socket as accepting connections: listen(2). The kernel
// caps backlog at its limit (net.core.somaxconn on Linux); unix.SOMAXCONN
// asks for that limit.
func (s *Socket) Listen(backlog int) error {
	return s.control("listen", func(fd int) error {
		return unix.Listen(fd, backlog)
	})
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
	if err := s.check(op); err != nil {
		return err
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
	if err := s.check(op); err != nil {
		return netip.AddrPort{}, err
	}
	s.cmu.Lock()
	s.ctl.op = which
	err := s.runCtl()
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
