package sock

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

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

// runCtl runs the control operation set up in s.ctl; s.cmu is held. It
// returns the operation's error, or the closed error.
func (s *Socket) runCtl() error {
	if err := s.fd.RawControl(s.ctlFn); err != nil {
		if s.fd.Closed() {
			return net.ErrClosed
		}
		return err
	}
	return s.ctl.err
}

// getsockoptInt runs the control operation ctl (getsockopt of level and
// name, or the protocol) without a closure: GetsockoptInt and Tuple.
func (s *Socket) getsockoptInt(ctl, level, name int) (int, error) {
	const op = "getsockopt"
	if err := s.check(op); err != nil {
		return 0, err
	}
	s.cmu.Lock()
	s.ctl.op, s.ctl.level, s.ctl.name = ctl, level, name
	err := s.runCtl()
	v := s.ctl.val
	s.cmu.Unlock()
	return v, opError(op, err)
}

// SyscallConn returns a syscall.RawConn serialised with the socket's calls.
func (s *Socket) SyscallConn() (syscall.RawConn, error) {
	if err := s.check("SyscallConn"); err != nil {
		return nil, err
	}
	return rawConn{s}, nil
}

type rawConn struct{ s *Socket }

func (c rawConn) Control(f func(fd uintptr)) error {
	return opError("RawConn.Control", c.s.fd.Control(func(fd int) error {
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
	return opError("RawConn.Read", c.s.fd.Read(f))
}

func (c rawConn) Write(f func(fd uintptr) bool) error {
	c.s.wmu.Lock()
	defer c.s.wmu.Unlock()
	return opError("RawConn.Write", c.s.fd.Write(f))
}
