//go:build darwin || netbsd || openbsd || dragonfly

// The portable path, for Darwin (and, built but untested, NetBSD, OpenBSD
// and DragonFly). Darwin has no SOCK_CLOEXEC, SOCK_NONBLOCK nor accept4,
// and its system calls go through libc: descriptors get FD_CLOEXEC and
// O_NONBLOCK under syscall.ForkLock right after they are made, and the data
// calls use golang.org/x/sys/unix, which allocates a unix.Sockaddr per call
// that carries an address (SendTo, RecvFrom, Accept): the 0-allocation
// promise holds on Linux and FreeBSD.

package sock

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// No creation flags are recognised in a type argument here.
const (
	sockFlagMask = 0
	sockNonblock = 0
)

func sysSocket(family, typ, proto int) (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err := unix.Socket(family, typ, proto)
	if err != nil {
		return -1, err
	}
	if err := setCloexecNonblock(fd); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func sysSocketpair(family, typ, proto int) ([2]int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fds, err := unix.Socketpair(family, typ, proto)
	if err != nil {
		return fds, err
	}
	for _, fd := range fds {
		if err := setCloexecNonblock(fd); err != nil {
			unix.Close(fds[0])
			unix.Close(fds[1])
			return [2]int{-1, -1}, err
		}
	}
	return fds, nil
}

func setCloexecNonblock(fd int) error {
	unix.CloseOnExec(fd)
	return unix.SetNonblock(fd, true)
}

// sysProtocol derives the protocol: Darwin has no SO_PROTOCOL. A protocol
// given at creation is kept; otherwise an IP stream socket is TCP and an IP
// datagram socket UDP.
func sysProtocol(fd int, typ Type, proto Protocol) (Protocol, error) {
	if proto != 0 {
		return proto, nil
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return 0, err
	}
	switch sa.(type) {
	case *unix.SockaddrInet4, *unix.SockaddrInet6:
		switch typ {
		case SOCK_STREAM:
			return IPPROTO_TCP, nil
		case SOCK_DGRAM:
			return IPPROTO_UDP, nil
		}
	}
	return proto, nil
}

func sysAccept(fd uintptr, rsa *unix.RawSockaddrAny, salen *uint32) (int, unix.Errno) {
	syscall.ForkLock.RLock()
	nfd, sa, err := unix.Accept(int(fd))
	if err == nil {
		if err = setCloexecNonblock(nfd); err != nil {
			unix.Close(nfd)
		}
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, errnoOf(err)
	}
	*salen = sockaddrToRaw(sa, rsa)
	return nfd, 0
}

func sysSendto(fd uintptr, p []byte, flags int, rsa *unix.RawSockaddrAny, salen uint32) (int, unix.Errno) {
	var to unix.Sockaddr
	if salen != 0 {
		to = rawToSockaddr(rsa)
	}
	n, err := unix.SendmsgN(int(fd), p, nil, to, flags)
	if err != nil {
		return 0, errnoOf(err)
	}
	return n, 0
}

func sysRecv(fd uintptr, p []byte, flags int) (int, unix.Errno) {
	var n int
	var err error
	if flags == 0 {
		n, err = unix.Read(int(fd), p)
	} else {
		n, _, err = unix.Recvfrom(int(fd), p, flags)
	}
	if err != nil {
		return 0, errnoOf(err)
	}
	return n, 0
}

func (r *rxState) recvmsg(fd uintptr) unix.Errno {
	n, _, mflags, from, err := unix.Recvmsg(int(fd), r.buf, nil, r.flags)
	if err != nil {
		r.n, r.salen, r.mflags = 0, 0, 0
		return errnoOf(err)
	}
	r.n, r.mflags, r.salen = n, mflags, 0
	if r.wantName && from != nil {
		r.salen = sockaddrToRaw(from, &r.rsa)
	}
	return 0
}

func sysConnect(fd int, rsa *unix.RawSockaddrAny, _ uint32) unix.Errno {
	if err := unix.Connect(fd, rawToSockaddr(rsa)); err != nil {
		return errnoOf(err)
	}
	return 0
}

func sysBind(fd int, rsa *unix.RawSockaddrAny, _ uint32) unix.Errno {
	if err := unix.Bind(fd, rawToSockaddr(rsa)); err != nil {
		return errnoOf(err)
	}
	return 0
}

func sysGetsockname(fd int, rsa *unix.RawSockaddrAny, salen *uint32) unix.Errno {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return errnoOf(err)
	}
	*salen = sockaddrToRaw(sa, rsa)
	return 0
}

func sysGetpeername(fd int, rsa *unix.RawSockaddrAny, salen *uint32) unix.Errno {
	sa, err := unix.Getpeername(fd)
	if err != nil {
		return errnoOf(err)
	}
	*salen = sockaddrToRaw(sa, rsa)
	return 0
}

// sockaddrToRaw writes an IP sockaddr into rsa and returns its length; any
// other family leaves only the family set.
func sockaddrToRaw(sa unix.Sockaddr, rsa *unix.RawSockaddrAny) uint32 {
	*rsa = unix.RawSockaddrAny{}
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		r := (*unix.RawSockaddrInet4)(unsafePointer(rsa))
		setHeader4(r)
		r.Port = htons(uint16(sa.Port))
		r.Addr = sa.Addr
		return unix.SizeofSockaddrInet4
	case *unix.SockaddrInet6:
		r := (*unix.RawSockaddrInet6)(unsafePointer(rsa))
		setHeader6(r)
		r.Port = htons(uint16(sa.Port))
		r.Addr = sa.Addr
		r.Scope_id = sa.ZoneId
		return unix.SizeofSockaddrInet6
	case *unix.SockaddrUnix:
		r := (*unix.RawSockaddrUnix)(unsafePointer(rsa))
		n := min(len(sa.Name), len(r.Path)-1)
		for i := range n {
			r.Path[i] = int8(sa.Name[i])
		}
		salen := uint32(unsafe.Offsetof(r.Path))
		if n > 0 {
			salen += uint32(n) + 1
		}
		setHeaderUnix(r, salen)
		return salen
	}
	return 0
}

// rawToSockaddr converts a sockaddr made by encodeSockaddr.
func rawToSockaddr(rsa *unix.RawSockaddrAny) unix.Sockaddr {
	switch rsa.Addr.Family {
	case unix.AF_INET:
		r := (*unix.RawSockaddrInet4)(unsafePointer(rsa))
		return &unix.SockaddrInet4{Port: int(ntohs(r.Port)), Addr: r.Addr}
	case unix.AF_INET6:
		r := (*unix.RawSockaddrInet6)(unsafePointer(rsa))
		return &unix.SockaddrInet6{Port: int(ntohs(r.Port)), ZoneId: r.Scope_id, Addr: r.Addr}
	case unix.AF_UNIX:
		r := (*unix.RawSockaddrUnix)(unsafePointer(rsa))
		var b []byte
		for _, c := range r.Path {
			if c == 0 {
				break
			}
			b = append(b, byte(c))
		}
		return &unix.SockaddrUnix{Name: string(b)}
	}
	return nil
}

func unsafePointer(rsa *unix.RawSockaddrAny) unsafe.Pointer { return unsafe.Pointer(rsa) }

func (r *rxState) recvmsgv(fd uintptr) unix.Errno {
	n, oobn, mflags, from, err := unix.RecvmsgBuffers(int(fd), r.bufs, r.oob, r.flags)
	if err != nil {
		r.n, r.oobn, r.salen, r.mflags = 0, 0, 0, 0
		return errnoOf(err)
	}
	r.n, r.oobn, r.mflags, r.salen = n, oobn, mflags, 0
	if from != nil {
		r.salen = sockaddrToRaw(from, &r.rsa)
	}
	return 0
}

func (w *txState) sendmsg(fd uintptr) unix.Errno {
	var to unix.Sockaddr
	if w.salen != 0 {
		to = rawToSockaddr(&w.rsa)
	}
	n, err := unix.SendmsgBuffers(int(fd), w.bufs, w.oob, to, w.flags|msgNoSignal)
	if err != nil {
		w.n = 0
		return errnoOf(err)
	}
	w.n = n
	return 0
}

// setRightsCloexec sets FD_CLOEXEC on received descriptors: there is no
// MSG_CMSG_CLOEXEC here, so a fork in between may inherit them.
func setRightsCloexec(b []byte) {
	forEachRight(b, func(fd int) int {
		unix.CloseOnExec(fd)
		return fd
	})
}

// sysDomain reads an adopted socket's family from getsockname(2) (there is
// no SO_DOMAIN here) and derives its protocol as sysProtocol does.
func sysDomain(fd int, typ Type) (Family, Protocol, error) {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return 0, 0, err
	}
	var f Family
	switch sa.(type) {
	case *unix.SockaddrInet4:
		f = AF_INET
	case *unix.SockaddrInet6:
		f = AF_INET6
	case *unix.SockaddrUnix:
		f = AF_UNIX
	}
	p, err := sysProtocol(fd, typ, 0)
	return f, p, err
}

const msgCmsgCloexec = 0
