package testkit

import (
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// FDs lists the process's open descriptors from /proc/self/fd, each with
// its link target ("socket:[123]", "pipe:[45]", "anon_inode:[eventpoll]",
// a path), without the descriptor used to read the directory. It fails
// where there is no /proc/self/fd (not Linux).
func FDs() (map[int]string, error) {
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	self := int(d.Fd()) // a directory: Fd does not change its mode
	m := make(map[int]string, len(names))
	for _, n := range names {
		fd, err := strconv.Atoi(n)
		if err != nil || fd == self {
			continue
		}
		target, _ := os.Readlink("/proc/self/fd/" + n)
		m[fd] = target
	}
	return m, nil
}

// MustFDs is FDs, skipping the test where there is no /proc/self/fd.
func MustFDs(t testing.TB) map[int]string {
	t.Helper()
	fds, err := FDs()
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return fds
}

// CountFDs returns the number of descriptors the process has open,
// skipping the test where there is no /proc/self/fd.
func CountFDs(t testing.TB) int {
	t.Helper()
	return len(MustFDs(t))
}

// MaxFD returns the highest descriptor number the process has open,
// skipping the test where there is no /proc/self/fd.
func MaxFD(t testing.TB) int {
	t.Helper()
	top := 0
	for fd := range MustFDs(t) {
		top = max(top, fd)
	}
	return top
}

// FDTarget returns the /proc/self/fd link target of fd, skipping the test
// where there is no /proc/self/fd and failing it where fd is not open.
func FDTarget(t testing.TB, fd int) string {
	t.Helper()
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	target, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil {
		t.Fatal(err)
	}
	return target
}

// NextFD returns the number the kernel gives the next descriptor: the lowest
// free one. A test that does not run in parallel can predict from it the
// descriptor a call under test gets, and check afterwards that it was
// closed (NextFD returns the same number again).
func NextFD(t testing.TB) int {
	t.Helper()
	fd, err := unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	return fd
}

// Resources is what the process holds at one moment: its open descriptors
// and the number of its goroutines.
type Resources struct {
	FDs        map[int]string // as FDs returns them; nil without /proc/self/fd
	Goroutines int
}

// Count returns what the process holds now.
func Count() Resources {
	fds, _ := FDs()
	return Resources{FDs: fds, Goroutines: runtime.NumGoroutine()}
}

// Leftover waits up to 5 s for the process to hold no more descriptors and
// goroutines than it did at before (taken before what), and describes what
// it holds beyond: the new descriptors with their targets and every
// goroutine's stack. It returns "" when nothing is left over. With gc, a
// garbage collection runs between looks, so that objects a finalizer
// closes do not count.
func Leftover(before Resources, what string, gc bool) string {
	var now Resources
	for deadline := time.Now().Add(5 * time.Second); ; {
		now = Count()
		fdsLeft := before.FDs != nil && len(now.FDs) > len(before.FDs)
		if (!fdsLeft && now.Goroutines <= before.Goroutines) || time.Now().After(deadline) {
			break
		}
		if gc {
			runtime.GC()
		}
		time.Sleep(10 * time.Millisecond) // polling a count, not synchronising
	}
	var b strings.Builder
	if before.FDs != nil && len(now.FDs) > len(before.FDs) {
		fmt.Fprintf(&b, "%d descriptors open before %s, %d after:\n", len(before.FDs), what, len(now.FDs))
		for _, fd := range slices.Sorted(maps.Keys(now.FDs)) {
			if _, ok := before.FDs[fd]; !ok {
				fmt.Fprintf(&b, "  fd %d -> %s\n", fd, now.FDs[fd])
			}
		}
	}
	if now.Goroutines > before.Goroutines {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		fmt.Fprintf(&b, "%d goroutines before %s, %d after:\n%s\n", before.Goroutines, what, now.Goroutines, buf)
	}
	return b.String()
}

// CheckReleased fails the test unless, within a bounded wait for
// goroutines to exit (garbage collections included), the process holds no
// more descriptors or goroutines than it did at before.
func CheckReleased(t testing.TB, before Resources) {
	t.Helper()
	if left := Leftover(before, "the test", true); left != "" {
		t.Error(left)
	}
}
