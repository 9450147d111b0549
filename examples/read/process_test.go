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
var cFormats = []string{
	"called read(% d, c, 10). returned that" + " %d bytes were read.\n",
	"Those bytes are as follows: % s\n",
}

func TestCommandLine(t *testing.T) {
	testkit.CheckHelpAndUsage(t, []string{"-x"}, []string{"a", "b"})
}

// fooTxt writes "hello geeks\n" (what the write example leaves) to a
// temporary file and returns its path.
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

// TestStrace checks the printed call against the traced one: the same
// descriptor, bytes and return value.
func TestStrace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the expected strace lines are Linux's")
	}
	path := fooTxt(t)
	r, tr := testkit.StraceCalls(t, "%network,fcntl,read,write,openat,close", "", path)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	v := testkit.ScanC(t, r.Stdout, cFormats...)
	fd, n, bytes := v[0], v[1], v[2]
	if !tr.Has("openat", fmt.Sprintf("AT_FDCWD, %q, O_RDONLY|O_CLOEXEC", path), fd) {
		t.Errorf("printed fd %s; strace saw no openat of %s returning it", fd, path)
	}
	if !tr.Has("read", fmt.Sprintf("%s, %q, 10", fd, bytes), n) {
		t.Errorf("printed read(%s, c, 10) = %s giving %q; strace saw no such call", fd, n, bytes)
	}
}
