package fileio_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/posixkit/posixkit/fileio"
	"github.com/posixkit/posixkit/internal/testkit"
	"golang.org/x/sys/unix"
)

// TestMain fails the package's run if its tests leave descriptors or
// goroutines behind.
func TestMain(m *testing.M) { testkit.Main(m) }

// pipe returns both ends of a new pipe(2), closed at the end of the test.
func pipe(t testing.TB) (r, w *fileio.File) {
	t.Helper()
	var p [2]int
	if err := testkit.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatalf("pipe2: %v", err)
	}
	r = fileio.NewFile(p[0], "pipe-r")
	w = fileio.NewFile(p[1], "pipe-w")
	if r == nil || w == nil {
		t.Fatalf("NewFile of a pipe returned nil")
	}
	t.Cleanup(func() {
		r.Close()
		w.Close()
	})
	return r, w
}

// tempFile creates a file holding content in a new temporary directory and
// returns its path.
func tempFile(t testing.TB, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// open opens path and closes the File at the end of the test.
func open(t testing.TB, path string, flag fileio.Flag, perm os.FileMode) *fileio.File {
	t.Helper()
	f, err := fileio.Open(path, flag, perm)
	if err != nil {
		t.Fatalf("Open(%q, %v): %v", path, flag, err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
