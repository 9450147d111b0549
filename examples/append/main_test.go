package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.RunMainIfAsked(main)
	testkit.Main(m)
}

// TestRun checks the file the two appending writers and the O_RDWR
// descriptor leave: the writers' lines interleaved in the order written,
// none lost, and the first one overwritten in place.
func TestRun(t *testing.T) {
	before := testkit.Count()
	path := filepath.Join(t.TempDir(), "a.txt")
	if err := os.WriteFile(path, []byte("old content that O_TRUNC removes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{path}, nil, &stdout, &stdout); err != nil {
		t.Fatalf("run: %v", err)
	}
	want := "rdwr, overwrote!\nwriter B, line 1\nwriter A, line 2\nwriter B, line 2\n"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("file content (-want +got):\n%s", diff)
	}
	if !strings.Contains(stdout.String(), "read(") || !strings.Contains(stdout.String(), "bytes read:)\n"+want+"close(") {
		t.Errorf("output does not show the content read back:\n%s", stdout.String())
	}
	testkit.CheckReleased(t, before)
}

func TestCommandLine(t *testing.T) {
	testkit.CheckHelpAndUsage(t, []string{"-x"}, []string{"a", "b"})
}

var callLine = regexp.MustCompile(`^([a-z]+)\((.*)\) = (-?[0-9]+)`)

// TestStrace checks every line printed as a call against strace: open as
// openat with O_CLOEXEC, the others as printed (read shows the bytes).
func TestStrace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the expected strace lines are Linux's")
	}
	r, tr := testkit.StraceCalls(t, "openat,close,read,write,lseek", "")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	checked := 0
	for line := range strings.Lines(r.Stdout) {
		m := callLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name, args, ret := m[1], m[2], m[3]
		switch name {
		case "open":
			path, flags, _ := strings.Cut(args, ", ")
			name, args = "openat", "AT_FDCWD, "+path+", "
			if f, mode, ok := strings.Cut(flags, ", "); ok {
				args += f + "|O_CLOEXEC, " + mode
			} else {
				args += flags + "|O_CLOEXEC"
			}
		case "read":
			fd, _, _ := strings.Cut(args, ", ")
			c, ok := tr.Find("read", fd+", \"rdwr", ret)
			if !ok || c.Ret != ret {
				t.Errorf("printed %q; strace saw no read(%s, ...) = %s", line, fd, ret)
			}
			checked++
			continue
		}
		if !tr.Has(name, args, ret) {
			t.Errorf("printed %q; strace saw no %s(%s) = %s", line, name, args, ret)
		}
		checked++
	}
	if checked != 15 {
		t.Errorf("checked %d call lines, want 15:\n%s", checked, r.Stdout)
	}
}
