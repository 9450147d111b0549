package fileio_test

import (
	"testing"

	"github.com/posixkit/posixkit/fileio"
	"golang.org/x/sys/unix"
)

// BenchmarkVector: Writev of two buffers to /dev/null and Readv of two
// from /dev/zero, fileio against the raw x/sys calls (os.File has no
// vectored calls).
func BenchmarkVector(b *testing.B) {
	out := [][]byte{make([]byte, 16), make([]byte, 48)}
	in := [][]byte{make([]byte, 16), make([]byte, 48)}
	b.Run("fileio/Writev+Readv", func(b *testing.B) {
		w, err := fileio.Open("/dev/null", fileio.O_WRONLY, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer w.Close()
		r, err := fileio.Open("/dev/zero", fileio.O_RDONLY, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := w.Writev(out); err != nil {
				b.Fatal(err)
			}
			if _, err := r.Readv(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unix/Writev+Readv", func(b *testing.B) {
		w, err := unix.Open("/dev/null", unix.O_WRONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer unix.Close(w)
		r, err := unix.Open("/dev/zero", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer unix.Close(r)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := unix.Writev(w, out); err != nil {
				b.Fatal(err)
			}
			if _, err := unix.Readv(r, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
