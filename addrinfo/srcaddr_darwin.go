package addrinfo

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// udpSocket: Darwin has no SOCK_CLOEXEC; the fork lock keeps the socket
// from leaking into a child started between socket and fcntl.
func udpSocket(af int) (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err := unix.Socket(af, unix.SOCK_DGRAM, 0)
	if err != nil {
		return -1, err
	}
	unix.CloseOnExec(fd)
	return fd, nil
}
