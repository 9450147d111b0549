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
	old := unix.Umask(0o022)
	defer unix.Umask(old)
	tests := []struct {
		name   string
		before *string // foo.txt's content before the run; nil: missing
	}{
		{"foo.txt missing: created", nil},
		{"foo.txt longer: truncated", ptr("a much longer old content that O_TRUNC must remove\n")},
		{"foo.txt empty", ptr("")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			if tt.before != nil {
				if err := os.WriteFile("foo.txt", []byte(*tt.before), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			fd := testkit.NextFD(t)
			var stdout bytes.Buffer
			if err := run(context.Background(), nil, nil, &stdout, &bytes.Buffer{}); err != nil {
				t.Fatalf("run: %v", err)
			}
			want := fmt.Sprintf("called write(% d, \"hello geeks\\n\", 12). It returned 12\n", fd)
			if diff := cmp.Diff(want, testkit.WithoutGoNotes(stdout.String())); diff != "" {
				t.Errorf("unexpected output (-want +got):\n%s", diff)
			}
			if got := testkit.NextFD(t); got != fd {
				t.Errorf("fd %d still open after run (next free is %d)", fd, got)
			}
			b, err := os.ReadFile("foo.txt")
			if err != nil || string(b) != "hello geeks\n" {
				t.Errorf("foo.txt holds %q, %v; want \"hello geeks\\n\"", b, err)
			}
			st, err := os.Stat("foo.txt")
			if err != nil {
				t.Fatal(err)
			}
			if tt.before == nil && st.Mode().Perm() != 0o644 {
				t.Errorf("created with mode %v, want 0644", st.Mode().Perm())
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no-such-dir", "foo.txt")
	testkit.CheckRunErrors(t, run, []testkit.RunErrorCase{
		{Name: "missing directory", Args: []string{missing}, WantErr: fs.ErrNotExist, WantMsg: "open " + missing + ": no such file or directory"},
		{Name: "a directory", Args: []string{dir}, WantErr: unix.EISDIR, WantMsg: "open " + dir + ": is a directory"},
		{Name: "too many arguments", Args: []string{"a", "b"}, WantErr: nil, WantMsg: `unexpected argument "b" (usage: write [PATH]  (PATH defaults to foo.txt))`},
	})
}
