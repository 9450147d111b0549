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

// setIovecs points r's iovecs at bufs, growing the array once for more
// buffers; clearIovecs drops the pointers after the call.
func setIovecs(iovs *[]unix.Iovec, bufs [][]byte) []unix.Iovec {
	if cap(*iovs) < len(bufs) {
		*iovs = make([]unix.Iovec, len(bufs))
	}
	v := (*iovs)[:len(bufs)]
	for i, b := range bufs {
		v[i].Base = unsafe.SliceData(b)
		v[i].SetLen(len(b))
	}
	return v
}

func clearIovecs(v []unix.Iovec) {
	for i := range v {
		v[i].Base = nil
	}
}

// recvmsgv makes one recvmsg(2) with MSG_CMSG_CLOEXEC into r.bufs and
// r.oob, the sender's address in r.rsa, and sets r.n, r.oobn, r.salen and
// r.mflags.
func (r *rxState) recvmsgv(fd uintptr) unix.Errno {
	v := setIovecs(&r.iovs, r.bufs)
	r.msg = unix.Msghdr{Name: (*byte)(unsafe.Pointer(&r.rsa)), Namelen: unix.SizeofSockaddrAny}
	if len(v) > 0 {
		r.msg.Iov = &v[0]
		r.msg.SetIovlen(len(v))
	}
	if len(r.oob) > 0 {
		r.msg.Control = &r.oob[0]
		r.msg.SetControllen(len(r.oob))
	}
	n, _, e := unix.Syscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&r.msg)), uintptr(r.flags|unix.MSG_CMSG_CLOEXEC))
	clearIovecs(v)
	if e != 0 {
		r.n, r.oobn, r.salen, r.mflags = 0, 0, 0, 0
		return e
	}
	r.n, r.oobn, r.salen, r.mflags = int(n), int(r.msg.Controllen), r.msg.Namelen, int(r.msg.Flags)
	return 0
}

// sendmsg makes one sendmsg(2) with MSG_NOSIGNAL of w.bufs and w.oob to
// w.rsa (none if w.salen is 0), and sets w.n.
func (w *txState) sendmsg(fd uintptr) unix.Errno {
	v := setIovecs(&w.iovs, w.bufs)
	w.msg = unix.Msghdr{}
	if w.salen != 0 {
		w.msg.Name, w.msg.Namelen = (*byte)(unsafe.Pointer(&w.rsa)), w.salen
	}
	if len(v) > 0 {
		w.msg.Iov = &v[0]
		w.msg.SetIovlen(len(v))
	}
	if len(w.oob) > 0 {
		w.msg.Control = &w.oob[0]
		w.msg.SetControllen(len(w.oob))
	}
	n, _, e := unix.Syscall(unix.SYS_SENDMSG, fd, uintptr(unsafe.Pointer(&w.msg)), uintptr(w.flags|msgNoSignal))
	clearIovecs(v)
	if e != 0 {
		w.n = 0
		return e
	}
	w.n = int(n)
	return 0
}

// setRightsCloexec: MSG_CMSG_CLOEXEC did it.
func setRightsCloexec([]byte) {}

// sysDomain reads an adopted socket's family and protocol: SO_DOMAIN and
// SO_PROTOCOL.
func sysDomain(fd int, _ Type) (Family, Protocol, error) {
	d, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN)
	if err != nil {
		return 0, 0, err
	}
	p, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PROTOCOL)
	return Family(d), Protocol(p), err
}

const msgCmsgCloexec = unix.MSG_CMSG_CLOEXEC

// Creation flags of a type argument, as in C (Linux, FreeBSD): posixkit
// adds SOCK_CLOEXEC itself; SOCK_NONBLOCK starts in [Socket.SetNonblock]'s
// nonblocking mode.
const (
	SOCK_NONBLOCK Type = unix.SOCK_NONBLOCK
	SOCK_CLOEXEC  Type = unix.SOCK_CLOEXEC
)
