//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package poll

import (
	"time"

	"golang.org/x/sys/unix"
)

// pollRDHUP: no such event outside Linux.
const pollRDHUP = 0

// pollSyscall is one poll(2) over fds through x/sys (libSystem on
// Darwin), with the timeout rounded up to whole milliseconds. A negative
// t waits forever.
func pollSyscall(fds []unix.PollFd, t time.Duration) unix.Errno {
	ms := -1
	if t >= 0 {
		ms = int(min((t+time.Millisecond-1)/time.Millisecond, 1<<31-1))
	}
	_, err := unix.Poll(fds, ms)
	return errnoOf(err)
}
