package fileio_test

// Reliability tests (SECURITY.md): descriptor hygiene over many cycles and
// signal storms during blocking reads. Linux: they read /proc/self and use
// tgkill.

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/posixkit/posixkit/fileio"
	"github.com/posixkit/posixkit/internal/testkit"
	"golang.org/x/sys/unix"
)

// 10,000 Open/Read/Close cycles of a regular file, and of a FIFO-like
// pipe adopted with NewFile, leave the descriptor count where it started,
// and each second Close reports fs.ErrClosed.
func TestOpenCloseCycles(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte("posixkit"), 0o600); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	before := testkit.CountFDs(t)
	for i := range n {
		f, err := fileio.Open(path, fileio.O_RDONLY, 0)
		if err != nil {
			t.Fatalf("cycle %d: Open: %v", i, err)
		}
		if m, err := f.Read(buf); m != 8 || err != nil {
			t.Fatalf("cycle %d: Read = %d, %v", i, m, err)
		}
		if err := f.Close(); err != nil {
			t.Fatalf("cycle %d: Close: %v", i, err)
		}
		if err := f.Close(); !errors.Is(err, fs.ErrClosed) {
			t.Fatalf("cycle %d: second Close = %v, want fs.ErrClosed", i, err)
		}
	}
	if after := testkit.CountFDs(t); after != before {
		t.Fatalf("%d descriptors open before %d Open/Close cycles, %d after", before, n, after)
	}
	before = testkit.CountFDs(t)
	for i := range n / 10 {
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
			t.Fatalf("cycle %d: pipe2: %v", i, err)
		}
		r, w := fileio.NewFile(p[0], "r"), fileio.NewFile(p[1], "w")
		if _, err := w.Write([]byte("x")); err != nil {
			t.Fatalf("cycle %d: Write: %v", i, err)
		}
		w.Close()
		if b, err := io.ReadAll(r); err != nil || string(b) != "x" {
			t.Fatalf("cycle %d: ReadAll = %q, %v", i, b, err)
		}
		r.Close()
	}
	if after := testkit.CountFDs(t); after != before {
		t.Fatalf("%d descriptors open before %d pipe cycles, %d after", before, n/10, after)
	}
}

// A storm of SIGURG and SIGUSR1 at every thread during a blocking Read of
// a pipe: the Read does not end early, and a stream written during a
// storm arrives whole and in order.
func TestSignalStormPipeRead(t *testing.T) {
	const dur = 300 * time.Millisecond
	t.Run("waiting Read", func(t *testing.T) {
		r, w := pipe(t)
		type result struct {
			n   int
			err error
		}
		done := make(chan result, 1)
		buf := make([]byte, 16)
		go func() {
			n, err := r.Read(buf)
			done <- result{n, err}
		}()
		stop := testkit.StormProcess(t)
		time.Sleep(dur)
		sent := stop()
		select {
		case res := <-done:
			t.Fatalf("Read returned during the storm (%d signals): %d, %v", sent, res.n, res.err)
		default:
		}
		if _, err := w.Write([]byte("data")); err != nil {
			t.Fatal(err)
		}
		if res := <-done; res.err != nil || string(buf[:res.n]) != "data" {
			t.Fatalf("Read after the storm = %q, %v; want \"data\"", buf[:res.n], res.err)
		}
		t.Logf("%d signals sent", sent)
	})
	t.Run("stream", func(t *testing.T) {
		// Both ends are Files, so both wait in the poller.
		r, w := pipe(t)
		pattern := func(pos int) byte { return byte(pos % 253) }
		werr := make(chan error, 1)
		stop := testkit.StormProcess(t)
		go func() {
			chunk := make([]byte, 50000)
			pos := 0
			for start := time.Now(); time.Since(start) < dur; {
				for i := range chunk {
					chunk[i] = pattern(pos + i)
				}
				if n, err := w.Write(chunk); err != nil || n != len(chunk) {
					werr <- err
					return
				}
				pos += len(chunk)
			}
			werr <- w.Close()
		}()
		buf := make([]byte, 4097)
		pos := 0
		for {
			n, err := r.Read(buf)
			for i, b := range buf[:n] {
				if b != pattern(pos+i) {
					stop()
					t.Fatalf("byte %d = %d, want %d", pos+i, b, pattern(pos+i))
				}
			}
			pos += n
			if err == io.EOF {
				break
			}
			if err != nil {
				stop()
				t.Fatalf("Read after %d bytes: %v", pos, err)
			}
		}
		sent := stop()
		if err := <-werr; err != nil {
			t.Fatalf("writer: %v", err)
		}
		if pos == 0 {
			t.Fatal("read nothing")
		}
		t.Logf("%d bytes intact through %d signals", pos, sent)
	})
}
