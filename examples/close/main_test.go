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

	"github.com/posixkit/posixkit/examples/internal/extest"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

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
			fd := extest.NextFD(t)
			var stdout bytes.Buffer
			if err := run(context.Background(), args, nil, &stdout, &bytes.Buffer{}); err != nil {
				t.Fatalf("run: %v", err)
			}
			want := fmt.Sprintf("opened the fd = %d\nclosed the fd.\n", fd)
			if diff := cmp.Diff(want, stdout.String()); diff != "" {
				t.Errorf("unexpected output (-want +got):\n%s", diff)
			}
			// close(2) really happened: the number is free again.
			if got := extest.NextFD(t); got != fd {
				t.Errorf("fd %d still open after run (next free is %d)", fd, got)
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "foo.txt")
	tests := []struct {
		name    string
		args    []string
		wantErr error
		wantMsg string
	}{
		{"missing file", []string{missing}, fs.ErrNotExist, "open " + missing + ": no such file or directory"},
		{"too many arguments", []string{"a", "b"}, nil, "usage: close [path] (default foo.txt), got 2 arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
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
			if stdout.Len() != 0 {
				t.Errorf("unexpected output %q", stdout.String())
			}
		})
	}
}
