package poll

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// Select waits until a descriptor in r is ready to read, one in w to
// write, or one in e has an exceptional condition: select(2). As in C, nfd
// is one more than the highest descriptor looked at, nil sets are allowed,
// and the sets come back holding only the n ready ones. timeout < 0 waits
// for ever, 0 polls; EINTR resumes with the time left. It blocks its OS
// thread and does not allocate. Errors wrap [unix.EINVAL] (nfd outside [0,
// FD_SETSIZE], no system call made) or the errno, such as [unix.EBADF].
func Select(nfd int, r, w, e *FDSet, timeout time.Duration) (n int, err error) {
	if nfd < 0 || nfd > FD_SETSIZE {
		return 0, wrap("select", fmt.Errorf("nfd %d outside [0, %d]: %w", nfd, FD_SETSIZE, unix.EINVAL))
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	n, errno := selectUntil(nfd, r, w, e, timeout, deadline)
	if errno != 0 {
		return 0, wrap("select", errno)
	}
	return n, nil
}

// selectUntil calls select(2) until it returns something other than
// EINTR. A positive timeout waits until deadline, a negative one forever,
// and 0 polls. nfd must already be checked.
func selectUntil(nfd int, r, w, e *FDSet, timeout time.Duration, deadline time.Time) (int, unix.Errno) {
	for {
		t := timeout
		if t > 0 {
			t = time.Until(deadline)
			if t < 0 {
				t = 0
			}
		}
		if t > selectMaxWait {
			t = selectMaxWait
		}
		n, errno := selectSyscall(nfd, r, w, e, t)
		if errno != unix.EINTR {
			return n, errno
		}
		// POSIX: a failed select leaves the sets untouched, so the
		// caller's sets are still the request. Retry with the time left.
	}
}
