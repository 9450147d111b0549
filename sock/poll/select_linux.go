package poll

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// selectMaxWait is the longest single wait: the seconds of a timespec fit
// in 32 bits on every Linux architecture.
const selectMaxWait = (1<<31 - 1) * time.Second

// selectSyscall is one select(2), made as pselect6(2) with no signal mask
// on every Linux architecture (arm64 and the newer ones have no select
// system call). A negative t waits forever. The timespec lives on the
// stack: unlike unix.Select, this path allocates nothing. The kernel writes
// the time left into it; selectUntil ignores that and recomputes from its
// deadline.
func selectSyscall(nfd int, r, w, e *FDSet, t time.Duration) (int, unix.Errno) {
	var ts unix.Timespec
	var tsp unsafe.Pointer
	if t >= 0 {
		ts = unix.NsecToTimespec(int64(t))
		tsp = unsafe.Pointer(&ts)
	}
	n, _, errno := unix.Syscall6(unix.SYS_PSELECT6, uintptr(nfd),
		uintptr(unsafe.Pointer(r)), uintptr(unsafe.Pointer(w)), uintptr(unsafe.Pointer(e)),
		uintptr(tsp), 0)
	return int(n), errno
}
