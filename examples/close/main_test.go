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
)

func TestMain(m *testing.M) {
	testkit.RunMainIfAsked(main)
	testkit.Main(m)
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("foo.txt", []byte("hello geeks\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.txt")
	if err := os.WriteFile(other, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{nil, {other}} {
		t.Run(fmt.Sprint(args), func(t *testing.T) {
			fd := testkit.NextFD(t)
			var stdout bytes.Buffer
			if err := run(context.Background(), args, nil, &stdout, &bytes.Buffer{}); err != nil {
				t.Fatalf("run: %v", err)
			}
			want := fmt.Sprintf("opened the fd = % d\nclosed the fd.\n", fd)
			if diff := cmp.Diff(want, testkit.WithoutGoNotes(stdout.String())); diff != "" {
				t.Errorf("unexpected output (-want +got):\n%s", diff)
			}
			// close(2) really happened: the number is free again.
			if got := testkit.NextFD(t); got != fd {
				t.Errorf("fd %d still open after run (next free is %d)", fd, got)
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "foo.txt")
	testkit.CheckRunErrors(t, run, []testkit.RunErrorCase{
		{Name: "missing file", Args: []string{missing}, WantErr: fs.ErrNotExist, WantMsg: "open " + missing + ": no such file or directory"},
		{Name: "too many arguments", Args: []string{"a", "b"}, WantErr: nil, WantMsg: `unexpected argument "b" (usage: close [PATH]  (PATH defaults to foo.txt))`},
	})
}
