package fileio_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/posixkit/posixkit/fileio"
	"github.com/posixkit/posixkit/internal/testkit"
	"golang.org/x/sys/unix"
)

func TestReadvWritev(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "v")
	f, err := fileio.Open(path, fileio.O_RDWR|fileio.O_CREAT, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// 3000 buffers: more than IOV_MAX, so Writev splits; some empty.
	var bufs [][]byte
	var want []byte
	for i := range 3000 {
		b := bytes.Repeat([]byte{byte('a' + i%26)}, i%5)
		bufs = append(bufs, b)
		want = append(want, b...)
	}
	n, err := f.Writev(bufs)
	if err != nil || n != len(want) {
		t.Fatalf("Writev = %d, %v; want %d", n, err, len(want))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	a, b := make([]byte, 7), make([]byte, len(want))
	n, err = f.Readv([][]byte{a, nil, b})
	if err != nil || n != len(want) || !bytes.Equal(append(a, b[:n-7]...), want) {
		t.Fatalf("Readv = %d, %v", n, err)
	}
	if n, err := f.Readv([][]byte{a}); n != 0 || err != io.EOF {
		t.Errorf("Readv at EOF = %d, %v; want 0, io.EOF", n, err)
	}
	if n, err := f.Readv(nil); n != 0 || err != nil {
		t.Errorf("Readv(nil) = %d, %v; want 0, nil", n, err)
	}
	f.Close()
	_, err = f.Writev([][]byte{a})
	var pe *fs.PathError
	if !errors.Is(err, fs.ErrClosed) || !errors.As(err, &pe) || pe.Op != "writev" || pe.Path != path {
		t.Errorf("Writev after Close = %v; want writev %s: fs.ErrClosed", err, path)
	}
}

// TestReadvWritevPipe: on a pipe, Writev of more than the pipe holds waits
// for the reader (parking), and Readv waits for data.
func TestReadvWritevPipe(t *testing.T) {
	rf, wf := filePipe(t)
	defer rf.Close()
	defer wf.Close()
	big := bytes.Repeat([]byte("x"), 1<<20)
	done := make(chan error, 1)
	go func() {
		_, err := wf.Writev([][]byte{big[:1000], big[1000:]})
		done <- err
	}()
	got := 0
	buf := make([]byte, 64<<10)
	for got < len(big) {
		n, err := rf.Readv([][]byte{buf[:100], buf[100:]})
		if err != nil {
			t.Fatal(err)
		}
		got += n
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestVectorZeroAllocs(t *testing.T) {
	if runtime.GOOS == "darwin" {
		t.Skip("Darwin's readv goes through x/sys")
	}
	rf, wf := filePipe(t)
	defer rf.Close()
	defer wf.Close()
	out := [][]byte{[]byte("head"), []byte("body")}
	in := [][]byte{make([]byte, 4), make([]byte, 16)}
	if a := testing.AllocsPerRun(200, func() {
		if _, err := wf.Writev(out); err != nil {
			t.Fatal(err)
		}
		if _, err := rf.Readv(in); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("Writev+Readv: %v allocs per run, want 0", a)
	}
}

// filePipe returns a pipe as two Files that own their descriptors.
func filePipe(t *testing.T) (*fileio.File, *fileio.File) {
	t.Helper()
	var p [2]int
	if err := testkit.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	return fileio.NewFile(p[0], "r"), fileio.NewFile(p[1], "w")
}
