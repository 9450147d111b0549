//go:build darwin || freebsd || netbsd || openbsd || dragonfly

// The systems whose sockaddrs start with a length byte (sin_len), then the
// family byte, and which have no abstract AF_UNIX namespace.

package sock

import "golang.org/x/sys/unix"

func setHeader4(sa *unix.RawSockaddrInet4) {
	sa.Len = unix.SizeofSockaddrInet4
	sa.Family = unix.AF_INET
}

func setHeader6(sa *unix.RawSockaddrInet6) {
	sa.Len = unix.SizeofSockaddrInet6
	sa.Family = unix.AF_INET6
}

func rawFamily(rsa *unix.RawSockaddrAny) uint16 { return uint16(rsa.Addr.Family) }

func setHeaderUnix(sa *unix.RawSockaddrUnix, n uint32) {
	sa.Len = uint8(n)
	sa.Family = unix.AF_UNIX
}

// abstractUnix: no abstract AF_UNIX namespace here; '@' is a plain byte.
const abstractUnix = false
