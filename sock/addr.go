package sock

import (
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"
)

// Bind assigns a local address: bind(2). Port 0 lets the kernel choose; an
// IPv4 address to an AF_INET6 socket binds the IPv4-mapped address.
func (s *Socket) Bind(addr netip.AddrPort) error {
	return s.bind(func(rsa *unix.RawSockaddrAny) (uint32, error) { return encodeAddr(addr, s.family, false, rsa) })
}

// BindUnix binds an AF_UNIX socket to path: bind(2) with a sockaddr_un. The
// kernel creates the file (EADDRINUSE if it exists); a Linux path starting
// with '@' is abstract. An empty, NUL-holding or too long path is EINVAL.
func (s *Socket) BindUnix(path string) error {
	return s.bind(func(rsa *unix.RawSockaddrAny) (uint32, error) { return s.unixSockaddr(path, rsa) })
}

// unixSockaddr encodes path for BindUnix and ConnectUnix: EAFNOSUPPORT on
// a socket of another family.
func (s *Socket) unixSockaddr(path string, rsa *unix.RawSockaddrAny) (uint32, error) {
	if s.family != AF_UNIX {
		return 0, &addrError{strconv.Quote(path), "a path for an " + s.family.String() + " socket", unix.EAFNOSUPPORT}
	}
	return encodeUnix(path, rsa)
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

// Listen marks the socket listening: listen(2), backlog capped by somaxconn.
func (s *Socket) Listen(backlog int) error {
	return s.control("listen", func(fd int) error {
		return unix.Listen(fd, backlog)
	})
}

// Connect connects to addr: connect(2), waiting for a stream connection to
// be made or fail (SO_ERROR, e.g. ECONNREFUSED). Nonblocking, it returns
// EINPROGRESS (EALREADY while one is under way), as in C. Port 0 is EINVAL
// except on raw and ICMP sockets, which have no ports.
func (s *Socket) Connect(addr netip.AddrPort) error {
	return s.connect(func(rsa *unix.RawSockaddrAny) (uint32, error) { return encodeAddr(addr, s.family, s.needPort(), rsa) })
}

// needPort reports whether a destination needs a port: not for SOCK_RAW
// nor for ICMP datagram ("ping") sockets.
func (s *Socket) needPort() bool {
	return s.typ != SOCK_RAW && s.proto != IPPROTO_ICMP && s.proto != IPPROTO_ICMPV6
}

// ConnectUnix connects an AF_UNIX socket to path: connect(2), as
// [Socket.Connect]. A full Linux backlog gives EAGAIN, not a wait, as in net.
func (s *Socket) ConnectUnix(path string) error {
	return s.connect(func(rsa *unix.RawSockaddrAny) (uint32, error) { return s.unixSockaddr(path, rsa) })
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

// LocalAddr returns the bound address: getsockname(2); zero if not IP.
func (s *Socket) LocalAddr() (netip.AddrPort, error) {
	return s.sockname("getsockname", ctlSockname)
}

// RemoteAddr returns the peer's address: getpeername(2); ENOTCONN when not
// connected, the zero AddrPort for a non-IP family.
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
