//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package poll

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// wakeFDs returns a select or poll Poller's self-pipe, both ends
// close-on-exec and nonblocking. Darwin has no pipe2, so the flags are set
// under syscall.ForkLock, as the standard library does, so that no child
// started meanwhile inherits the pipe.
func wakeFDs() (r, w int, err error) {
	var p [2]int
	syscall.ForkLock.RLock()
	err = unix.Pipe(p[:])
	if err == nil {
		unix.CloseOnExec(p[0])
		unix.CloseOnExec(p[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, -1, wrap("pipe", err)
	}
	for _, fd := range p {
		if err := unix.SetNonblock(fd, true); err != nil {
			unix.Close(p[0])
			unix.Close(p[1])
			return -1, -1, wrap("fcntl", err)
		}
	}
	return p[0], p[1], nil
}
