package sock

import (
	"net"
	"os"
	"syscall"

	"github.com/posixkit/posixkit/internal/fdcore"
	"golang.org/x/sys/unix"
)

// NetConn returns a net.Conn on a duplicate of the socket's descriptor
// (fcntl F_DUPFD_CLOEXEC, then net.FileConn). The two are independent
// handles on one connection: closing one leaves the other open. The socket
// must be a connected TCP, UDP or Unix socket.
func (s *Socket) NetConn() (net.Conn, error) {
	f, err := s.dupFile("netconn")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil, opError("netconn", err)
	}
	return c, nil
}

// NetListener returns a net.Listener on a duplicate of the descriptor, as
// [Socket.NetConn] does; the socket must be a listening stream socket.
func (s *Socket) NetListener() (net.Listener, error) {
	f, err := s.dupFile("netlistener")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	l, err := net.FileListener(f)
	if err != nil {
		return nil, opError("netlistener", err)
	}
	return l, nil
}

// NetPacketConn returns a net.PacketConn on a duplicate of the descriptor,
// as [Socket.NetConn] does; the socket must be a datagram socket.
func (s *Socket) NetPacketConn() (net.PacketConn, error) {
	f, err := s.dupFile("netpacketconn")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := net.FilePacketConn(f)
	if err != nil {
		return nil, opError("netpacketconn", err)
	}
	return c, nil
}

func (s *Socket) dupFile(op string) (*os.File, error) {
	var nfd int
	err := s.control(op, func(fd int) error {
		var err error
		nfd, err = fdcore.Fcntl(fd, unix.F_DUPFD_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(nfd), "socket"), nil
}

// FromConn returns a Socket on a duplicate of c's descriptor (fcntl
// F_DUPFD_CLOEXEC through c's RawConn): c may be a *net.TCPConn,
// *net.UDPConn, *net.UnixConn, a listener, or a Socket. The caller keeps c
// and closes both. This is how a connection made with net is inspected
// ([Socket.Tuple], [Socket.Options]) and tuned with this package.
//
// The family comes from getsockname(2), the type from SO_TYPE and the
// protocol from SO_PROTOCOL (derived on Darwin). The duplicate shares the
// open file description, so its O_NONBLOCK flag too: it is set, as net
// already has it for its connections.
func FromConn(c syscall.Conn) (*Socket, error) {
	const op = "fromconn"
	if c == nil {
		return nil, opError(op, unix.EINVAL)
	}
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, opError(op, err)
	}
	nfd := -1
	var derr error
	if err := rc.Control(func(fd uintptr) {
		nfd, derr = fdcore.Fcntl(int(fd), unix.F_DUPFD_CLOEXEC, 0)
	}); err != nil {
		return nil, opError(op, err)
	}
	if derr != nil {
		return nil, opError("fcntl", derr)
	}
	var rsa unix.RawSockaddrAny
	salen := uint32(unix.SizeofSockaddrAny)
	if e := sysGetsockname(nfd, &rsa, &salen); e != 0 {
		unix.Close(nfd)
		return nil, opError("getsockname", e)
	}
	family := Family(rawFamily(&rsa))
	typ, err := unix.GetsockoptInt(nfd, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil {
		unix.Close(nfd)
		return nil, opError("getsockopt", err)
	}
	proto, err := sysProtocol(nfd, Type(typ), 0)
	if err != nil {
		unix.Close(nfd)
		return nil, opError("getsockopt", err)
	}
	s, err := newSocket(nfd, family, Type(typ), proto)
	if err != nil {
		unix.Close(nfd)
		return nil, opError(op, err)
	}
	return s, nil
}
