// Package leakcheck is the TestMain every posixkit package uses: it counts
// the process's open descriptors and goroutines before and after the
// package's tests and fails the run when either has grown.
package leakcheck

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"
)

// Main runs m and exits with its status, or with 1 when the tests passed but
// left descriptors or goroutines behind. Goroutines get a bounded grace
// period to finish (a Close may still be waking a poller wait). The count is
// taken without forcing a garbage collection, so a File, Socket or os.File
// that a test forgot to close is reported, not quietly closed by its
// finalizer.
func Main(m *testing.M) {
	// Start the runtime poller first: its epoll and eventfd descriptors
	// appear on first use and stay, and are not a leak of the tests.
	if r, w, err := os.Pipe(); err == nil {
		r.Close()
		w.Close()
	}
	fdsBefore, err := openFDs()
	if err != nil {
		// No /proc (not Linux): run the tests without the check.
		os.Exit(m.Run())
	}
	gBefore := runtime.NumGoroutine()
	code := m.Run()
	if code != 0 || fuzzing() {
		// A fuzzing run keeps its workers' goroutines and pipes: not ours.
		os.Exit(code)
	}
	var fdsAfter map[string]string
	var gAfter int
	for deadline := time.Now().Add(5 * time.Second); ; {
		fdsAfter, _ = openFDs()
		gAfter = runtime.NumGoroutine()
		if (len(fdsAfter) <= len(fdsBefore) && gAfter <= gBefore) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	leaked := false
	if len(fdsAfter) > len(fdsBefore) {
		leaked = true
		fmt.Fprintf(os.Stderr, "leakcheck: %d descriptors open before the tests, %d after:\n", len(fdsBefore), len(fdsAfter))
		for fd, target := range fdsAfter {
			if _, ok := fdsBefore[fd]; !ok {
				fmt.Fprintf(os.Stderr, "  fd %s -> %s\n", fd, target)
			}
		}
	}
	if gAfter > gBefore {
		leaked = true
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		fmt.Fprintf(os.Stderr, "leakcheck: %d goroutines before the tests, %d after:\n%s\n", gBefore, gAfter, buf)
	}
	if leaked {
		os.Exit(1)
	}
	os.Exit(0)
}

// fuzzing reports whether the test binary runs with -test.fuzz.
func fuzzing() bool {
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}

// openFDs lists /proc/self/fd, without the descriptor used to read it.
func openFDs() (map[string]string, error) {
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	self := fmt.Sprint(d.Fd())
	m := make(map[string]string, len(names))
	for _, n := range names {
		if n == self {
			continue
		}
		target, _ := os.Readlink("/proc/self/fd/" + n)
		m[n] = target
	}
	return m, nil
}
