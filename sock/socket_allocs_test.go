package sock_test

import (
	"runtime"
	"testing"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// TestZeroAllocs proves the hot paths allocate nothing (Linux and FreeBSD;
// Darwin's x/sys path allocates a unix.Sockaddr for addressed calls).
func TestZeroAllocs(t *testing.T) {
	if runtime.GOOS == "darwin" {
		t.Skip("Darwin uses the allocating x/sys calls")
	}
	for _, f := range skFamilies {
		t.Run(f.name, func(t *testing.T) {
			c, s := skTCP(t, f.family, f.lo)
			srv := skNew(t, f.family, sock.SOCK_DGRAM, 0)
			saddr := skBind(t, srv, f.lo)
			cli := skNew(t, f.family, sock.SOCK_DGRAM, 0)
			skBind(t, cli, f.lo)
			msg := []byte("x")
			buf := make([]byte, 16)
			tests := []struct {
				name string
				f    func()
			}{
				{"Send+Recv", func() {
					if _, err := c.Send(msg, 0); err != nil {
						t.Fatal(err)
					}
					if _, err := s.Recv(buf, 0); err != nil {
						t.Fatal(err)
					}
				}},
				{"Write+Read", func() {
					if _, err := s.Write(msg); err != nil {
						t.Fatal(err)
					}
					if _, err := c.Read(buf); err != nil {
						t.Fatal(err)
					}
				}},
				{"SendTo+RecvFrom", func() {
					if _, err := cli.SendTo(msg, 0, sock.InetAddr(saddr)); err != nil {
						t.Fatal(err)
					}
					if _, from, err := srv.RecvFrom(buf, 0); err != nil || !from.IsValid() {
						t.Fatal(from, err)
					}
				}},
				{"Tuple", func() {
					if _, err := c.Tuple(); err != nil {
						t.Fatal(err)
					}
				}},
				{"LocalAddr+RemoteAddr", func() {
					if _, err := c.LocalAddr(); err != nil {
						t.Fatal(err)
					}
					if _, err := c.RemoteAddr(); err != nil {
						t.Fatal(err)
					}
				}},
				{"GetsockoptInt", func() {
					if _, err := c.GetsockoptInt(unix.SOL_SOCKET, unix.SO_RCVBUF); err != nil {
						t.Fatal(err)
					}
				}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					if a := testing.AllocsPerRun(200, tt.f); a != 0 {
						t.Errorf("%s: %v allocs per run, want 0", tt.name, a)
					}
				})
			}
		})
	}
	t.Run("unix datagram Send+Recv", func(t *testing.T) {
		a, b := skPair(t, sock.SOCK_DGRAM)
		msg, buf := []byte("x"), make([]byte, 4)
		if n := testing.AllocsPerRun(200, func() {
			a.Send(msg, 0)
			b.Recv(buf, 0)
		}); n != 0 {
			t.Errorf("%v allocs per run, want 0", n)
		}
	})
}
