package poll

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Select waits until a descriptor in r is ready for reading, one in w for
// writing, or one in e has an exceptional condition (TCP urgent data):
// select(2). nfd is one more than the highest descriptor to look at, as in
// C: a descriptor at or above nfd is ignored even if it is in a set (and,
// with a negative timeout, Select may then wait forever). Any set may be
// nil.
//
// On return the sets are the result, as in C: each holds only the
// descriptors that are ready, and n is their total count over the three
// sets; on a timeout n is 0 and the sets are empty. On an error the sets
// are left as they were.
//
// A negative timeout waits until a descriptor is ready; 0 polls and
// returns at once. A wait interrupted by a signal (EINTR) is resumed with
// the time that remains until the deadline Select computed on entry, so
// signals neither end it early nor stretch it. The wait is cut to about 68
// years on Linux and about 3 years (10^8 s) elsewhere, the longest the
// kernels accept.
//
// nfd outside [0, FD_SETSIZE] returns an error wrapping [unix.EINVAL]
// before any system call: the kernel would read and clear memory past the
// sets. Kernel errors are *[os.SyscallError] values wrapping the errno,
// such as "select: bad file descriptor" (EBADF) when a set holds a
// descriptor that is not open.
//
// Select blocks its OS thread while it waits (the Go runtime starts another
// one for the other goroutines). It does not allocate.
func Select(nfd int, r, w, e *FDSet, timeout time.Duration) (n int, err error) {
	if nfd < 0 || nfd > FD_SETSIZE {
		return 0, &os.SyscallError{Syscall: "select", Err: fmt.Errorf("nfd %d outside [0, %d]: %w", nfd, FD_SETSIZE, unix.EINVAL)}
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	n, errno := selectUntil(nfd, r, w, e, timeout, deadline)
	if errno != 0 {
		return 0, os.NewSyscallError("select", errno)
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
