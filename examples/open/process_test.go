package main

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

// The C program's printf format strings, from the notes.
const (
	cFD    = "fd = %d\n"
	cErrno = "Error Number % d\n"
)

func TestCommandLine(t *testing.T) {
	testkit.CheckHelpAndUsage(t, []string{"-x"}, []string{"a", "b"})
}

func TestGoldenC(t *testing.T) {
	r := testkit.Exec(t, "")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	testkit.MatchC(t, r.Stdout, cFD)
	missing := filepath.Join(t.TempDir(), "no-such-dir", "foo.txt")
	r = testkit.Exec(t, "", missing)
	if r.Code != 1 {
		t.Fatalf("open of %s: exit %d, want 1", missing, r.Code)
	}
	testkit.MatchC(t, r.Stdout, cFD, cErrno)
}

// TestStrace checks the descriptor printed, and the errno printed after a
// failure, against what openat(2) returned.
func TestStrace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the expected strace lines are Linux's")
	}
	r, tr := testkit.StraceCalls(t, "%network,fcntl,read,write,openat,close", "")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	fd := testkit.ScanC(t, r.Stdout, cFD)[0]
	if !tr.Has("openat", `AT_FDCWD, "foo.txt", O_RDONLY|O_CREAT|O_CLOEXEC, 0644`, fd) {
		t.Errorf("printed fd = %s; strace saw no openat of foo.txt returning it", fd)
	}

	missing := filepath.Join(t.TempDir(), "no-such-dir", "foo.txt")
	r, tr = testkit.StraceCalls(t, "%network,fcntl,read,write,openat,close", "", missing)
	v := testkit.ScanC(t, r.Stdout, cFD, cErrno)
	if v[0] != "-1" || v[1] != "2" {
		t.Errorf("printed fd = %s, Error Number %s; want -1 and 2 (ENOENT)", v[0], v[1])
	}
	if !tr.Has("openat", `AT_FDCWD, "`+missing+`", O_RDONLY|O_CREAT|O_CLOEXEC, 0644`, "-1 ENOENT") {
		t.Errorf("strace saw no openat of %s failing with ENOENT", missing)
	}
}
