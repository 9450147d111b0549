package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

// cFormats are the C program's printf format strings, from the notes.
var cFormats = []string{"opened the fd = % d\n", "closed the fd.\n"}

func TestCommandLine(t *testing.T) {
	testkit.CheckHelpAndUsage(t, []string{"-x"}, []string{"a", "b"})
}

func fooTxt(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "foo.txt")
	if err := os.WriteFile(path, []byte("hello geeks\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestGoldenC(t *testing.T) {
	r := testkit.Exec(t, "", fooTxt(t))
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	testkit.MatchC(t, r.Stdout, cFormats...)
}

// TestStrace checks that the descriptor printed is the one open(2)
// returned and that close(2) of it returned 0.
func TestStrace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the expected strace lines are Linux's")
	}
	path := fooTxt(t)
	r, tr := testkit.StraceCalls(t, "%network,fcntl,read,write,openat,close", "", path)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	fd := testkit.ScanC(t, r.Stdout, cFormats...)[0]
	if !tr.Has("openat", fmt.Sprintf("AT_FDCWD, %q, O_RDONLY|O_CLOEXEC", path), fd) {
		t.Errorf("printed fd %s; strace saw no openat of %s returning it", fd, path)
	}
	if !tr.Has("close", fd, "0") {
		t.Errorf("printed \"closed the fd.\"; strace saw no close(%s) = 0", fd)
	}
}
