package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) {
	testkit.RunMainIfAsked(main)
	testkit.Main(m)
}

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		content string
		n       int
		bytes   string
	}{
		{"what the write example wrote", "hello geeks\n", 10, "hello geek"},
		{"a short file", "abc", 3, "abc"},
		{"exactly ten", "0123456789", 10, "0123456789"},
		{"an empty file: read returns 0", "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			if err := os.WriteFile("foo.txt", []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			fd := testkit.NextFD(t)
			var stdout bytes.Buffer
			if err := run(context.Background(), nil, nil, &stdout, &bytes.Buffer{}); err != nil {
				t.Fatalf("run: %v", err)
			}
			want := fmt.Sprintf("called read(% d, c, 10). returned that %d bytes were read.\nThose bytes are as follows: %s\n", fd, tt.n, tt.bytes)
			if diff := cmp.Diff(want, testkit.WithoutGoNotes(stdout.String())); diff != "" {
				t.Errorf("unexpected output (-want +got):\n%s", diff)
			}
			if got := testkit.NextFD(t); got != fd {
				t.Errorf("fd %d still open after run (next free is %d)", fd, got)
			}
		})
	}
}

func TestRunPathArgument(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.txt")
	if err := os.WriteFile(path, []byte("from the argument"), 0o644); err != nil {
		t.Fatal(err)
	}
	fd := testkit.NextFD(t)
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{path}, nil, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatalf("run: %v", err)
	}
	want := fmt.Sprintf("called read(% d, c, 10). returned that 10 bytes were read.\nThose bytes are as follows: from the a\n", fd)
	if diff := cmp.Diff(want, testkit.WithoutGoNotes(stdout.String())); diff != "" {
		t.Errorf("unexpected output (-want +got):\n%s", diff)
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "foo.txt")
	testkit.CheckRunErrors(t, run, []testkit.RunErrorCase{
		{Name: "missing file", Args: []string{missing}, WantErr: fs.ErrNotExist, WantMsg: "open " + missing + ": no such file or directory"},
		{Name: "a directory", Args: []string{dir}, WantErr: unix.EISDIR, WantMsg: "read " + dir + ": is a directory"},
		{Name: "too many arguments", Args: []string{"a", "b"}, WantErr: nil, WantMsg: `unexpected argument "b" (usage: read [PATH]  (PATH defaults to foo.txt))`},
	})
}
