//go:build darwin

// Darwin has no MSG_NOSIGNAL: every socket gets SO_NOSIGPIPE instead.

package sock

import "golang.org/x/sys/unix"

// msgNoSignal is 0: the socket option does its job.
const msgNoSignal = 0

// soLinger is SO_LINGER_SEC: Darwin's SO_LINGER counts clock ticks, its
// SO_LINGER_SEC seconds, as SO_LINGER does elsewhere.
const soLinger = unix.SO_LINGER_SEC

// prepareSocket sets SO_NOSIGPIPE on a new or accepted socket.
func prepareSocket(fd int) error {
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_NOSIGPIPE, 1)
}
