package sock_test

import (
	"testing"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// BenchmarkVector: Writev then Readv of two buffers over a socketpair,
// posixkit against the raw x/sys calls.
func BenchmarkVector(b *testing.B) {
	out := [][]byte{make([]byte, 16), make([]byte, 48)}
	in := [][]byte{make([]byte, 16), make([]byte, 100)}
	b.Run("sock/Writev+Readv", func(b *testing.B) {
		a, c := skPair(b, sock.SOCK_STREAM)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.Writev(out); err != nil {
				b.Fatal(err)
			}
			if _, err := c.Readv(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw/Writev+Readv", func(b *testing.B) {
		a, c := skPair(b, sock.SOCK_STREAM)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := unix.Writev(a.Fd(), out); err != nil {
				b.Fatal(err)
			}
			if _, err := unix.Readv(c.Fd(), in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
