package poll

import (
	"os"

	"golang.org/x/sys/unix"
)

// pollerWakeFDs returns the Poller's wake-up descriptor: one eventfd(2),
// close-on-exec and nonblocking, both the read and the write end.
func pollerWakeFDs() (r, w int, err error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return -1, -1, os.NewSyscallError("eventfd", err)
	}
	return fd, fd, nil
}
