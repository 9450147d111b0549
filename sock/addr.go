package sock

import "golang.org/x/sys/unix"

// Bind assigns a local address: bind(2). Port 0 lets the kernel choose; an
// IPv4 address to an AF_INET6 socket binds the IPv4-mapped address. An
// AF_UNIX path is created by the kernel (EADDRINUSE if it exists).
func (s *Socket) Bind(addr Addr) error {
	const op = "bind"
	var rsa unix.RawSockaddrAny
	if err := s.check(op); err != nil {
		return err
	}
	salen, err := encodeSockaddr(&addr, s.family, false, &rsa)
	if err != nil {
		return opError(op, err)
	}
	return s.control(op, func(fd int) error {
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
// be made or fail (SO_ERROR, e.g. ECONNREFUSED); the error names addr.
// Nonblocking, it returns EINPROGRESS (EALREADY while one is under way), as
// in C. Port 0 is EINVAL except on raw and ICMP sockets, which have no
// ports; a full Linux AF_UNIX backlog is EAGAIN, as in net.
func (s *Socket) Connect(addr Addr) error {
	const op = "connect"
	if err := s.check(op); err != nil {
		return err
	}
	s.wmu.Lock()
	w := &s.tx
	salen, err := encodeSockaddr(&addr, s.family, s.needPort(), &w.rsa)
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
	if e != 0 {
		return opError(op, &addrError{addr.String(), e.Error(), e, nil})
	}
	return nil
}

// needPort reports whether a destination needs a port: not for SOCK_RAW
// nor for ICMP datagram ("ping") sockets.
func (s *Socket) needPort() bool {
	return s.typ != SOCK_RAW && s.proto != IPPROTO_ICMP && s.proto != IPPROTO_ICMPV6
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

// LocalAddr returns the bound address: getsockname(2), as the kernel has
// it (an unbound AF_UNIX socket is unnamed).
func (s *Socket) LocalAddr() (Addr, error) {
	return s.sockname("getsockname", ctlSockname)
}

// RemoteAddr returns the peer's address: getpeername(2); ENOTCONN when not
// connected.
func (s *Socket) RemoteAddr() (Addr, error) {
	return s.sockname("getpeername", ctlPeername)
}

func (s *Socket) sockname(op string, which int) (Addr, error) {
	if err := s.check(op); err != nil {
		return Addr{}, err
	}
	s.cmu.Lock()
	s.ctl.op = which
	err := s.runCtl()
	var a Addr
	if err == nil {
		a = decodeSockaddr(&s.ctl.rsa, s.ctl.salen)
	}
	s.cmu.Unlock()
	if err != nil {
		return Addr{}, opError(op, err)
	}
	return a, nil
}
