package main

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

// cFormat is the C program's printf format string, from the notes.
const cFormat = "called write(% d, \"hello geeks\\n\", %d)." + " It returned %d\n"

func TestCommandLine(t *testing.T) {
	testkit.CheckHelpAndUsage(t, []string{"-x"}, []string{"a", "b"})
}

func TestGoldenC(t *testing.T) {
	r := testkit.Exec(t, "")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	testkit.MatchC(t, r.Stdout, cFormat)
}

// TestStrace checks the printed call against the traced one: the same
// descriptor, buffer, count and return value.
func TestStrace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the expected strace lines are Linux's")
	}
	r, tr := testkit.StraceCalls(t, "%network,fcntl,read,write,openat,close", "")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	v := testkit.ScanC(t, r.Stdout, cFormat)
	fd, count, ret := v[0], v[1], v[2]
	if !tr.Has("openat", `AT_FDCWD, "foo.txt", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644`, fd) {
		t.Errorf("printed fd %s; strace saw no openat of foo.txt returning it", fd)
	}
	if !tr.Has("write", fmt.Sprintf(`%s, "hello geeks\n", %s`, fd, count), ret) {
		t.Errorf("printed write(%s, ..., %s) = %s; strace saw no such call", fd, count, ret)
	}
}
