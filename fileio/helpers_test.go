package fileio_test

import (
	"bufio"
	"bytes"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/posixkit/posixkit/fileio"
	"github.com/posixkit/posixkit/internal/leakcheck"
	"golang.org/x/sys/unix"
)

// TestMain fails the package's run if its tests leave descriptors or
// goroutines behind. The os/signal delivery goroutine, which the fuzzing
// engine starts and which stays from then on, is started here first so that
// it is not counted as a leak.
func TestMain(m *testing.M) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR2)
	signal.Stop(c)
	leakcheck.Main(m)
}

// pipe returns both ends of a new pipe(2), closed at the end of the test.
func pipe(t testing.TB) (r, w *fileio.File) {
	t.Helper()
	var p [2]int
	if err := pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatalf("pipe2: %v", err)
	}
	r = fileio.NewFile(p[0], "pipe-r")
	w = fileio.NewFile(p[1], "pipe-w")
	if r == nil || w == nil {
		t.Fatalf("NewFile of a pipe returned nil")
	}
	t.Cleanup(func() {
		r.Close()
		w.Close()
	})
	return r, w
}

// tempFile creates a file holding content in a new temporary directory and
// returns its path.
func tempFile(t testing.TB, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// open opens path and closes the File at the end of the test.
func open(t testing.TB, path string, flag fileio.Flag, perm os.FileMode) *fileio.File {
	t.Helper()
	f, err := fileio.Open(path, flag, perm)
	if err != nil {
		t.Fatalf("Open(%q, %v): %v", path, flag, err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// threads returns the process's OS thread count from /proc/self/status.
func threads(t *testing.T) int {
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

// waitParked waits until n goroutines whose stacks mention fn are parked in
// the runtime poller ("[IO wait" in their header), failing after 10 s.
func waitParked(t *testing.T, fn string, n int) {
	t.Helper()
	buf := make([]byte, 8<<20)
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := 0
		stacks := buf[:runtime.Stack(buf, true)]
		for _, g := range bytes.Split(stacks, []byte("\n\n")) {
			if bytes.Contains(g, []byte("[IO wait")) && bytes.Contains(g, []byte(fn)) {
				got++
			}
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines of %s parked in the poller after 10 s, want %d", got, fn, n)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}
