package sock

import "golang.org/x/sys/unix"

// The errnos callers test for with errors.Is, as aliases of x/sys's, so
// that code using this package needs no x/sys import for them.
const (
	EAGAIN        = unix.EAGAIN
	EWOULDBLOCK   = unix.EWOULDBLOCK
	EINTR         = unix.EINTR
	EINVAL        = unix.EINVAL
	EINPROGRESS   = unix.EINPROGRESS
	EALREADY      = unix.EALREADY
	EISCONN       = unix.EISCONN
	ENOTCONN      = unix.ENOTCONN
	ECONNREFUSED  = unix.ECONNREFUSED
	ECONNRESET    = unix.ECONNRESET
	ECONNABORTED  = unix.ECONNABORTED
	EPIPE         = unix.EPIPE
	ETIMEDOUT     = unix.ETIMEDOUT
	EADDRINUSE    = unix.EADDRINUSE
	EADDRNOTAVAIL = unix.EADDRNOTAVAIL
	EAFNOSUPPORT  = unix.EAFNOSUPPORT
	ENETUNREACH   = unix.ENETUNREACH
	EHOSTUNREACH  = unix.EHOSTUNREACH
	EMSGSIZE      = unix.EMSGSIZE
	ENOTSOCK      = unix.ENOTSOCK
	ENOENT        = unix.ENOENT
	EACCES        = unix.EACCES
	EPERM         = unix.EPERM
)

// SOMAXCONN is the largest backlog [Socket.Listen] asks for by name; the
// kernel may cap it lower.
const SOMAXCONN = unix.SOMAXCONN
