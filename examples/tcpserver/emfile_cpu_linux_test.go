package main

import (
	"math"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posixkit/posixkit/internal/testkit"
	"golang.org/x/sys/unix"
)

// In a subprocess whose descriptors are all taken (a low RLIMIT_NOFILE,
// filled up before the server starts, so that it has its listener but no
// reserve descriptor), a client waits in the backlog: accept fails with
// EMFILE again and again. The server must back off, not spin: its CPU time
// over one second of this, read from /proc/PID/stat, stays under 250 ms (a
// spinning loop uses the whole second). Once the child frees its
// descriptors, the waiting client is served.
func TestEMFILEBackoffCPU(t *testing.T) {
	if os.Getenv(childEnv) == "emfile" {
		emfileChild(t)
		return
	}
	srv := startChild(t, "TestEMFILEBackoffCPU", "emfile")
	c, err := net.DialTimeout("tcp", srv.Addr, 5*time.Second) // completes in the backlog
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	if !srv.Stderr.WaitFor("too many open files", 10*time.Second) {
		t.Fatalf("the server logged no EMFILE refusal; stderr:\n%s", srv.Stderr)
	}
	pid := srv.cmd.Process.Pid
	const window = time.Second
	cpu0 := cpuTime(t, pid)
	time.Sleep(window) // the measurement window, not synchronisation
	used := cpuTime(t, pid) - cpu0
	t.Logf("server CPU time over %v of EMFILE: %v", window, used)
	if used > 250*time.Millisecond {
		t.Errorf("the server used %v of CPU in %v while accept failed with EMFILE: it spins", used, window)
	}
	if _, err := srv.stdin.Write([]byte("free\n")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 6)
	if _, err := readFull(c, got); err != nil || string(got) != "HELLO\n" {
		t.Fatalf("the waiting client, once descriptors are free, got %q, %v; want \"HELLO\\n\"", got, err)
	}
}

func readFull(c net.Conn, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := c.Read(p[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// cpuTime returns the user plus system CPU time of process pid, from
// fields 14 and 15 of /proc/PID/stat (clock ticks: 100 per second on
// Linux's user ABI).
func cpuTime(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Skipf("no /proc/PID/stat: %v", err)
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("cannot parse /proc/%d/stat: %q", pid, s)
	}
	return time.Duration(utime+stime) * (time.Second / 100)
}

// emfileChild takes every descriptor but one under a lowered
// RLIMIT_NOFILE, runs the server (which takes the last one for its
// listener), and frees the descriptors when the parent writes "free".
func emfileChild(t *testing.T) {
	_, restore := testkit.LowerFDLimit(t, 32)
	fds := testkit.FillFDs(t, math.MaxInt)
	unix.Close(fds[len(fds)-1]) // one for the listener
	fds = fds[:len(fds)-1]
	free := func() {
		testkit.CloseFDs(fds)
		fds = nil
		restore()
	}
	defer free()
	childServe(t, func(line string) {
		if line == "free" {
			free()
		}
	})
}
