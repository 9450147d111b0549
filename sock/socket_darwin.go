package sock

import "golang.org/x/sys/unix"

// prepareSocket sets SO_NOSIGPIPE: Darwin's stand-in for MSG_NOSIGNAL.
func prepareSocket(fd int) error {
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_NOSIGPIPE, 1)
}
