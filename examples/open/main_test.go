package main

import (
	"bytes"
	"context"
	"errors"
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
	dir := t.TempDir()
	t.Chdir(dir)
	existing := filepath.Join(dir, "existing.txt")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		file     string // the file that must exist afterwards
		content  string // and its content
		wantMode fs.FileMode
	}{
		{"default foo.txt is created", nil, filepath.Join(dir, "foo.txt"), "", 0o644},
		{"default foo.txt again, now existing", nil, filepath.Join(dir, "foo.txt"), "", 0o644},
		{"an existing file is left alone", []string{existing}, existing, "keep me", 0o600},
	}
	old := unix.Umask(0o022)
	defer unix.Umask(old)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fd := testkit.NextFD(t)
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), tt.args, nil, &stdout, &stderr); err != nil {
				t.Fatalf("run: %v", err)
			}
			want := fmt.Sprintf("fd = %d\n", fd)
			if diff := cmp.Diff(want, testkit.WithoutGoNotes(stdout.String())); diff != "" {
				t.Errorf("unexpected output (-want +got):\n%s", diff)
			}
			if stderr.Len() != 0 {
				t.Errorf("unexpected stderr %q", stderr.String())
			}
			if got := testkit.NextFD(t); got != fd {
				t.Errorf("fd %d still open after run (next free is %d)", fd, got)
			}
			st, err := os.Stat(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != tt.wantMode {
				t.Errorf("mode %v, want %v", st.Mode().Perm(), tt.wantMode)
			}
			b, _ := os.ReadFile(tt.file)
			if string(b) != tt.content {
				t.Errorf("content %q, want %q", b, tt.content)
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	locked := filepath.Join(dir, "locked")
	if err := os.Mkdir(locked, 0o500); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "no-such-dir", "foo.txt")
	tests := []struct {
		name     string
		args     []string
		rootSkip bool
		wantOut  string
		wantErr  error
		wantMsg  string
	}{
		{
			name:    "missing directory",
			args:    []string{missing},
			wantOut: "fd = -1\nError Number  2\n",
			wantErr: fs.ErrNotExist,
			wantMsg: "open " + missing + ": no such file or directory",
		},
		{
			name:     "directory without write permission",
			args:     []string{filepath.Join(locked, "foo.txt")},
			rootSkip: true,
			wantOut:  "fd = -1\nError Number  13\n",
			wantErr:  fs.ErrPermission,
			wantMsg:  "open " + filepath.Join(locked, "foo.txt") + ": permission denied",
		},
		{
			name:    "a NUL byte in the path",
			args:    []string{filepath.Join(dir, "foo\x00.txt")},
			wantOut: "fd = -1\nError Number  22\n",
			wantErr: unix.EINVAL,
			wantMsg: "open " + filepath.Join(dir, "foo\x00.txt") + ": invalid argument",
		},
		{
			name:    "too many arguments",
			args:    []string{"a", "b"},
			wantMsg: `unexpected argument "b" (usage: open [PATH]  (PATH defaults to foo.txt))`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.rootSkip && os.Geteuid() == 0 {
				t.Skip("running as root: permission bits do not stop root")
			}
			var stdout bytes.Buffer
			err := run(context.Background(), tt.args, nil, &stdout, &bytes.Buffer{})
			if err == nil {
				t.Fatalf("run succeeded, printing %q", stdout.String())
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want one wrapping %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.wantMsg, err.Error()); diff != "" {
				t.Errorf("unexpected error message (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantOut, stdout.String()); diff != "" {
				t.Errorf("unexpected output (-want +got):\n%s", diff)
			}
		})
	}
}
