package testkit

import (
	"errors"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// LowerFDLimit lowers the soft RLIMIT_NOFILE to headroom numbers above the
// highest descriptor open now, and returns the new limit and a restore
// function, also called at the end of the test (it may be called more than
// once). It skips the test where the limit cannot be lowered so (no
// /proc/self/fd, a limit already lower, setrlimit refused).
func LowerFDLimit(t testing.TB, headroom int) (limit int, restore func()) {
	t.Helper()
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	n := MaxFD(t) + headroom
	if uint64(n) > uint64(old.Cur) {
		t.Skipf("RLIMIT_NOFILE %d is too low for this test", old.Cur)
	}
	low := old
	setCur(&low.Cur, n)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &low); err != nil {
		t.Skipf("setrlimit: %v", err)
	}
	restored := false
	restore = func() {
		if !restored {
			restored = true
			unix.Setrlimit(unix.RLIMIT_NOFILE, &old)
		}
	}
	t.Cleanup(restore)
	return n, restore
}

// setCur sets an rlimit field, a uint64 or (FreeBSD) an int64.
func setCur[T int64 | uint64](p *T, v int) { *p = T(v) }

// FillFDs opens os.DevNull again and again, taking the lowest free
// descriptor numbers, until open fails with EMFILE or a number reaches
// below-1, and returns the descriptors for [CloseFDs].
func FillFDs(t testing.TB, below int) []int {
	t.Helper()
	var fds []int
	for {
		fd, err := unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			if errors.Is(err, unix.EMFILE) {
				return fds
			}
			CloseFDs(fds)
			t.Fatalf("open %s: %v", os.DevNull, err)
		}
		fds = append(fds, fd)
		if fd >= below-1 {
			return fds
		}
	}
}

// CloseFDs closes each descriptor.
func CloseFDs(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
