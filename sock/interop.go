package sock

import (
	"net"
	"os"
	"syscall"

	"github.com/posixkit/posixkit/internal/fdcore"
	"golang.org/x/sys/unix"
)

// NetConn returns a net.Conn on a duplicate descriptor (F_DUPFD_CLOEXEC,
// net.FileConn); each closes independently. The socket must be connected.
func (s *Socket) NetConn() (net.Conn, error) { return netFile(s, "NetConn", net.FileConn) }

// NetListener is [Socket.NetConn] for a listening stream socket.
func (s *Socket) NetListener() (net.Listener, error) {
	return netFile(s, "NetListener", net.FileListener)
}

// NetPacketConn is [Socket.NetConn] for a datagram socket.
func (s *Socket) NetPacketConn() (net.PacketConn, error) {
	return netFile(s, "NetPacketConn", net.FilePacketConn)
}

// netFile hands a duplicate of the descriptor to one of net's File
// constructors, named op in its error, and closes the duplicate's *os.File
// (net keeps its own).
func netFile[T any](s *Socket, op string, conv func(*os.File) (T, error)) (T, error) {
	var zero T
	f, err := s.dupFile()
	if err != nil {
		return zero, err
	}
	defer f.Close()
	c, err := conv(f)
	if err != nil {
		return zero, opError(op, err)
	}
	return c, nil
}

// dupFile returns an *os.File on a duplicate of the descriptor:
// fcntl(F_DUPFD_CLOEXEC).
func (s *Socket) dupFile() (*os.File, error) {
	var nfd int
	err := s.control("fcntl", func(fd int) error {
		var err error
		nfd, err = fdcore.Fcntl(fd, unix.F_DUPFD_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(nfd), "socket"), nil
}

// FromConn returns a Socket on a duplicate (F_DUPFD_CLOEXEC) of the descriptor
// of c, a net conn, listener or Socket, which the caller still closes. Family,
// type and protocol are the kernel's; O_NONBLOCK is shared with c.
func FromConn(c syscall.Conn) (*Socket, error) {
	const op = "FromConn"
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
