package poll

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// pollRDHUP is the peer's half-close, which epoll reports (poll(2) only
// when asked).
const pollRDHUP = unix.POLLRDHUP

// pollSyscall is one poll(2) over fds, made as ppoll(2) with no signal
// mask and the timespec on the stack (unix.Poll allocates it). A negative
// t waits forever.
func pollSyscall(fds []unix.PollFd, t time.Duration) unix.Errno {
	var ts unix.Timespec
	var tsp unsafe.Pointer
	if t >= 0 {
		ts = unix.NsecToTimespec(int64(min(t, selectMaxWait)))
		tsp = unsafe.Pointer(&ts)
	}
	_, _, errno := unix.Syscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&fds[0])), uintptr(len(fds)),
		uintptr(tsp), 0, 0, 0)
	return errno
}
