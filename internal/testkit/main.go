package testkit

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// Main is the TestMain of every posixkit package: it runs m and exits with
// its status, or with 1 when the tests passed but left descriptors or
// goroutines behind (see [Leftover]). Two things that stay for the life of
// the process once started are started before the first count, so that
// they are not taken for leaks: the runtime poller (its epoll and eventfd
// descriptors) and os/signal's relay goroutine (signal storms, the fuzzing
// engine). The count is taken without forcing a garbage collection, so a
// File, Socket or os.File that a test forgot to close is reported, not
// quietly closed by its finalizer. A fuzzing run is not checked: its
// workers keep goroutines and pipes.
func Main(m *testing.M) {
	if r, w, err := os.Pipe(); err == nil {
		r.Close()
		w.Close()
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR2)
	signal.Stop(c)

	before := Count()
	code := m.Run()
	if code != 0 || fuzzing() {
		os.Exit(code)
	}
	if left := Leftover(before, "the tests", false); left != "" {
		fmt.Fprintf(os.Stderr, "leakcheck: %s", left)
		os.Exit(1)
	}
	os.Exit(0)
}

// fuzzing reports whether the test binary runs with -test.fuzz.
func fuzzing() bool {
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}
