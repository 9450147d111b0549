//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package poll

import (
	"time"

	"golang.org/x/sys/unix"
)

// selectMaxWait is the longest single wait: Darwin and the BSDs refuse a
// timeval of more than 10^8 seconds with EINVAL.
const selectMaxWait = 100_000_000 * time.Second

// selectSyscall is one select(2) through x/sys (libSystem on Darwin). A
// negative t waits forever. This portable path may allocate the timeval
// on some systems; the zero-allocation promise is checked on Linux.
func selectSyscall(nfd int, r, w, e *FDSet, t time.Duration) (int, unix.Errno) {
	var tv unix.Timeval
	var tvp *unix.Timeval
	if t >= 0 {
		tv = unix.NsecToTimeval(int64(t))
		tvp = &tv
	}
	n, err := unix.Select(nfd, fdsetRaw(r), fdsetRaw(w), fdsetRaw(e), tvp)
	if err != nil {
		return 0, errnoOf(err)
	}
	return n, 0
}

// fdsetRaw returns the x/sys set inside s, or nil for a nil s.
func fdsetRaw(s *FDSet) *unix.FdSet {
	if s == nil {
		return nil
	}
	return &s.s
}

// errnoOf returns the errno inside an x/sys error (EINVAL if another
// error), 0 for nil.
func errnoOf(err error) unix.Errno {
	if err == nil {
		return 0
	}
	if errno, ok := err.(unix.Errno); ok {
		return errno
	}
	return unix.EINVAL
}
