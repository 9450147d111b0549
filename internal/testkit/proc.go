package testkit

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Threads returns the process's OS thread count, from the Threads: line of
// /proc/self/status; it skips the test where there is no such file.
func Threads(t testing.TB) int {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status (%v): cannot count threads", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "Threads:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no Threads: line in /proc/self/status")
	return 0
}

// WaitParked waits until at least n goroutines whose stacks mention fn (any
// goroutine where fn is "") are parked in the runtime poller ("[IO wait" in
// their header), so that a test acts on calls that really wait. It fails
// the test after 10 s.
func WaitParked(t testing.TB, fn string, n int) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(10 * time.Second); ; {
		stacks := allStacks(&buf)
		got := 0
		for _, g := range bytes.Split(stacks, []byte("\n\n")) {
			if bytes.Contains(g, []byte("[IO wait")) && bytes.Contains(g, []byte(fn)) {
				got++
			}
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines of %q parked in the poller after 10 s, want %d", got, fn, n)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

// allStacks returns the stacks of all goroutines, growing *buf until they
// fit.
func allStacks(buf *[]byte) []byte {
	for {
		n := runtime.Stack(*buf, true)
		if n < len(*buf) {
			return (*buf)[:n]
		}
		*buf = make([]byte, 2*len(*buf))
	}
}
