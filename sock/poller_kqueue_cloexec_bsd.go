//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package sock

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// kqueueCloexec is kqueue(2) with FD_CLOEXEC set under syscall.ForkLock,
// so that no child started meanwhile inherits it.
func kqueueCloexec() (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err := unix.Kqueue()
	if err != nil {
		return -1, err
	}
	unix.CloseOnExec(fd)
	return fd, nil
}
