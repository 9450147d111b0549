//go:build linux || freebsd

// The systems where socket(2) and socketpair(2) take SOCK_CLOEXEC and
// SOCK_NONBLOCK and accept4(2) exists: the flags are set atomically, and
// the hot paths make raw system calls with pointers into the per-socket
// state, so that no unix.Sockaddr is allocated.

package sock

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

func sysSocket(family, typ, proto int) (int, error) {
	return unix.Socket(family, typ|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, proto)
}

func sysSocketpair(family, typ, proto int) ([2]int, error) {
	return unix.Socketpair(family, typ|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, proto)
}

// sockFlagMask are the creation flags a type argument may carry.
const (
	sockFlagMask = unix.SOCK_CLOEXEC | unix.SOCK_NONBLOCK
	sockNonblock = unix.SOCK_NONBLOCK
)

// sysProtocol returns the socket's protocol: getsockopt(SO_PROTOCOL).
func sysProtocol(fd int, _ Type, _ Protocol) (Protocol, error) {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PROTOCOL)
	return Protocol(v), err
}

func sysAccept(fd uintptr, rsa *unix.RawSockaddrAny, salen *uint32) (int, unix.Errno) {
	nfd, _, e := unix.Syscall6(unix.SYS_ACCEPT4, fd, uintptr(unsafe.Pointer(rsa)), uintptr(unsafe.Pointer(salen)),
		unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(nfd), 0
}

func sysSendto(fd uintptr, p []byte, flags int, rsa *unix.RawSockaddrAny, salen uint32) (int, unix.Errno) {
	var sa unsafe.Pointer
	if salen != 0 {
		sa = unsafe.Pointer(rsa)
	}
	n, _, e := unix.Syscall6(unix.SYS_SENDTO, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)),
		uintptr(flags), uintptr(sa), uintptr(salen))
	if e != 0 {
		return 0, e
	}
	return int(n), 0
}

func sysRecv(fd uintptr, p []byte, flags int) (int, unix.Errno) {
	n, _, e := unix.Syscall6(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)),
		uintptr(flags), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), 0
}

// recvmsg makes one recvmsg(2) into r.buf, with the sender's address in
// r.rsa when r.wantName, and sets r.n, r.salen and r.mflags.
func (r *rxState) recvmsg(fd uintptr) unix.Errno {
	r.iov.Base = unsafe.SliceData(r.buf)
	r.iov.SetLen(len(r.buf))
	r.msg = unix.Msghdr{Iov: &r.iov}
	r.msg.SetIovlen(1)
	if r.wantName {
		r.msg.Name = (*byte)(unsafe.Pointer(&r.rsa))
		r.msg.Namelen = unix.SizeofSockaddrAny
	}
	n, _, e := unix.Syscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&r.msg)), uintptr(r.flags))
	r.iov.Base = nil
	if e != 0 {
		r.n, r.salen, r.mflags = 0, 0, 0
		return e
	}
	r.n, r.salen, r.mflags = int(n), r.msg.Namelen, int(r.msg.Flags)
	return 0
}

func sysConnect(fd int, rsa *unix.RawSockaddrAny, salen uint32) unix.Errno {
	_, _, e := unix.Syscall(unix.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(rsa)), uintptr(salen))
	return e
}

func sysBind(fd int, rsa *unix.RawSockaddrAny, salen uint32) unix.Errno {
	_, _, e := unix.Syscall(unix.SYS_BIND, uintptr(fd), uintptr(unsafe.Pointer(rsa)), uintptr(salen))
	return e
}

func sysGetsockname(fd int, rsa *unix.RawSockaddrAny, salen *uint32) unix.Errno {
	_, _, e := unix.RawSyscall(unix.SYS_GETSOCKNAME, uintptr(fd), uintptr(unsafe.Pointer(rsa)), uintptr(unsafe.Pointer(salen)))
	return e
}

func sysGetpeername(fd int, rsa *unix.RawSockaddrAny, salen *uint32) unix.Errno {
	_, _, e := unix.RawSyscall(unix.SYS_GETPEERNAME, uintptr(fd), uintptr(unsafe.Pointer(rsa)), uintptr(unsafe.Pointer(salen)))
	return e
}
