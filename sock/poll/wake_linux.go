package poll

import "golang.org/x/sys/unix"

// wakeFDs returns a select or poll Poller's wake-up descriptor: one
// eventfd(2), close-on-exec and nonblocking, both the read and the write
// end.
func wakeFDs() (r, w int, err error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return -1, -1, wrap("eventfd", err)
	}
	return fd, fd, nil
}
