package fileio_test

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"testing"

	"github.com/posixkit/posixkit/fileio"
	"golang.org/x/sys/unix"
)

// FuzzFileOps runs a sequence of Read, Write, ReadAt, WriteAt and Seek calls,
// decoded from the input, on a real file and on an in-memory model of a
// file (content and offset), and fails at the first call whose result
// differs: counts, bytes, offsets, EOF and EINVAL.
func FuzzFileOps(f *testing.F) {
	f.Add([]byte{0, 5, 'h', 'e', 'l', 'l', 'o', 4, 0, 0, 1, 3})
	f.Add([]byte{2, 3, 10, 'a', 'b', 'c', 3, 5, 0, 1, 10})
	f.Add([]byte{4, 0x80, 1, 1, 20, 4, 2, 7, 1, 4})
	f.Add([]byte{0, 200, 4, 1, 0, 1, 255, 3, 255, 255})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, prog []byte) {
		file, err := fileio.Open(filepath.Join(dir, "f"), fileio.O_RDWR|fileio.O_CREAT|fileio.O_TRUNC, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		defer file.Close()
		var model []byte
		var off int64
		next := func() int {
			if len(prog) == 0 {
				return 0
			}
			b := prog[0]
			prog = prog[1:]
			return int(b)
		}
		// grow makes the model as long as n, zero-filled like a file hole.
		grow := func(n int64) {
			if n > int64(len(model)) {
				model = append(model, make([]byte, n-int64(len(model)))...)
			}
		}
		for step := 0; len(prog) > 0 && step < 64; step++ {
			switch op := next() % 5; op {
			case 0, 2: // Write n bytes / WriteAt n bytes at at
				n := next()
				at := int64(next()) - 16 // negative offsets too
				p := make([]byte, n)
				for i := range p {
					p[i] = byte(next())
				}
				if op == 0 {
					got, err := file.Write(p)
					if got != n || err != nil {
						t.Fatalf("step %d: Write(%d bytes) = %d, %v", step, n, got, err)
					}
					if n > 0 { // an empty write does not extend the file
						grow(off + int64(n))
						copy(model[off:], p)
						off += int64(n)
					}
					continue
				}
				got, err := file.WriteAt(p, at)
				if at < 0 {
					if got != 0 || !errors.Is(err, unix.EINVAL) {
						t.Fatalf("step %d: WriteAt(%d) = %d, %v; want 0, EINVAL", step, at, got, err)
					}
					continue
				}
				if got != n || err != nil {
					t.Fatalf("step %d: WriteAt(%d bytes, %d) = %d, %v", step, n, at, got, err)
				}
				if n > 0 {
					grow(at + int64(n))
					copy(model[at:], p)
				}
			case 1, 3: // Read n bytes / ReadAt n bytes at at
				n := next()
				at := int64(next()) - 16
				p := make([]byte, n)
				if op == 1 {
					got, err := file.Read(p)
					want := 0
					if off < int64(len(model)) {
						want = min(n, len(model)-int(off))
					}
					var wantErr error
					if want == 0 && n > 0 {
						wantErr = io.EOF
					}
					if got != want || err != wantErr {
						t.Fatalf("step %d: Read(%d bytes) at %d of %d = %d, %v; want %d, %v", step, n, off, len(model), got, err, want, wantErr)
					}
					if got > 0 && !bytes.Equal(p[:got], model[off:off+int64(got)]) {
						t.Fatalf("step %d: Read got %q, want %q", step, p[:got], model[off:off+int64(got)])
					}
					off += int64(got)
					continue
				}
				got, err := file.ReadAt(p, at)
				if at < 0 {
					if got != 0 || !errors.Is(err, unix.EINVAL) {
						t.Fatalf("step %d: ReadAt(%d) = %d, %v; want 0, EINVAL", step, at, got, err)
					}
					continue
				}
				want := 0
				if at < int64(len(model)) {
					want = min(n, len(model)-int(at))
				}
				var wantErr error
				if want < n {
					wantErr = io.EOF
				}
				if got != want || err != wantErr {
					t.Fatalf("step %d: ReadAt(%d bytes, %d) of %d = %d, %v; want %d, %v", step, n, at, len(model), got, err, want, wantErr)
				}
				if got > 0 && !bytes.Equal(p[:got], model[at:at+int64(got)]) {
					t.Fatalf("step %d: ReadAt got %q, want %q", step, p[:got], model[at:at+int64(got)])
				}
			case 4: // Seek
				whence := next() % 3
				delta := int64(next()) - 128
				base := map[int]int64{io.SeekStart: 0, io.SeekCurrent: off, io.SeekEnd: int64(len(model))}[whence]
				got, err := file.Seek(delta, whence)
				if base+delta < 0 {
					if !errors.Is(err, unix.EINVAL) {
						t.Fatalf("step %d: Seek(%d, %d) to %d = %d, %v; want EINVAL", step, delta, whence, base+delta, got, err)
					}
					continue
				}
				if got != base+delta || err != nil {
					t.Fatalf("step %d: Seek(%d, %d) = %d, %v; want %d", step, delta, whence, got, err, base+delta)
				}
				off = got
			}
		}
		// The file holds what the model says.
		all := make([]byte, len(model)+1)
		n, err := file.ReadAt(all, 0)
		if n != len(model) || err != io.EOF || !bytes.Equal(all[:n], model) {
			t.Fatalf("final content %q, %v; want %q", all[:n], err, model)
		}
	})
}
