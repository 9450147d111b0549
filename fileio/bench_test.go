package fileio_test

import (
	"io"
	"os"
	"testing"

	"github.com/posixkit/posixkit/fileio"
	"github.com/posixkit/posixkit/internal/testkit"
	"golang.org/x/sys/unix"
)

// Each benchmark compares fileio with the raw x/sys call and with os.File in
// the same run:
//
//	go test -run '^$' -bench . -count 5 -benchmem ./fileio

func BenchmarkRead(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"1B", 1}, {"64KiB", 64 << 10}} {
		buf := make([]byte, size.n)
		b.Run(size.name+"/fileio", func(b *testing.B) {
			f, err := fileio.Open("/dev/zero", fileio.O_RDONLY, 0)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			b.SetBytes(int64(size.n))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.Read(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(size.name+"/unix", func(b *testing.B) {
			fd, err := unix.Open("/dev/zero", unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				b.Fatal(err)
			}
			defer unix.Close(fd)
			b.SetBytes(int64(size.n))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := unix.Read(fd, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(size.name+"/os", func(b *testing.B) {
			f, err := os.Open("/dev/zero")
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			b.SetBytes(int64(size.n))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.Read(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkWrite(b *testing.B) {
	buf := []byte{'x'}
	b.Run("1B/fileio", func(b *testing.B) {
		f, err := fileio.Open("/dev/null", fileio.O_WRONLY, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.Write(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("1B/unix", func(b *testing.B) {
		fd, err := unix.Open("/dev/null", unix.O_WRONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer unix.Close(fd)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := unix.Write(fd, buf); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("1B/os", func(b *testing.B) {
		f, err := os.OpenFile("/dev/null", os.O_WRONLY, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.Write(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPingPong sends one byte back and forth between two goroutines
// over a pair of pipes: one round trip per iteration.
func BenchmarkPingPong(b *testing.B) {
	b.Run("fileio", func(b *testing.B) {
		ar, aw := benchPipe(b)
		br, bw := benchPipe(b)
		pingPong(b, fileio.NewFile(ar, "ar"), fileio.NewFile(aw, "aw"), fileio.NewFile(br, "br"), fileio.NewFile(bw, "bw"))
	})
	b.Run("unix-blocking", func(b *testing.B) {
		ar, aw := benchPipe(b)
		br, bw := benchPipe(b)
		pingPong(b, rawFD(ar), rawFD(aw), rawFD(br), rawFD(bw))
	})
	b.Run("os", func(b *testing.B) {
		ar, aw, err := os.Pipe()
		if err != nil {
			b.Fatal(err)
		}
		br, bw, err := os.Pipe()
		if err != nil {
			b.Fatal(err)
		}
		pingPong(b, ar, aw, br, bw)
	})
}

// rawFD is a blocking descriptor used with plain unix.Read and unix.Write.
type rawFD int

func (fd rawFD) Read(p []byte) (int, error) {
	n, err := unix.Read(int(fd), p)
	if n == 0 && err == nil {
		return 0, io.EOF
	}
	return n, err
}

func (fd rawFD) Write(p []byte) (int, error) { return unix.Write(int(fd), p) }
func (fd rawFD) Close() error                { return unix.Close(int(fd)) }

// benchPipe returns a blocking pipe's two descriptors.
func benchPipe(b *testing.B) (r, w int) {
	var p [2]int
	if err := testkit.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		b.Fatal(err)
	}
	return p[0], p[1]
}

// pingPong runs b.N round trips: this goroutine writes a byte to aw, an
// echo goroutine reads it from ar and writes it back to bw, this goroutine
// reads it from br. All four ends are closed at the end.
func pingPong(b *testing.B, ar io.ReadCloser, aw io.WriteCloser, br io.ReadCloser, bw io.WriteCloser) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1)
		for {
			if _, err := ar.Read(buf); err != nil {
				return // io.EOF once aw is closed
			}
			if _, err := bw.Write(buf); err != nil {
				return
			}
		}
	}()
	buf := []byte{'p'}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := aw.Write(buf); err != nil {
			b.Fatal(err)
		}
		if _, err := br.Read(buf); err != nil {
			b.Fatal(err)
		}
	}
	aw.Close()
	<-done
	ar.Close()
	br.Close()
	bw.Close()
}
