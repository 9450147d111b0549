package sock_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"testing"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

func TestSocketReadvWritev(t *testing.T) {
	c, s := skTCP(t, sock.AF_INET, netip.MustParseAddr("127.0.0.1"))
	var bufs [][]byte
	var want []byte
	for i := range 3000 { // more than IOV_MAX
		b := []byte(fmt.Sprintf("%d,", i))
		bufs = append(bufs, b)
		want = append(want, b...)
	}
	done := make(chan error, 1)
	go func() {
		n, err := c.Writev(bufs)
		if err == nil && n != len(want) {
			err = fmt.Errorf("Writev = %d, want %d", n, len(want))
		}
		done <- err
	}()
	got := make([]byte, 0, len(want))
	a, b := make([]byte, 10), make([]byte, 1000)
	for len(got) < len(want) {
		n, err := s.Readv([][]byte{a, b})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, append(a, b...)[:n]...)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Readv got %d bytes that differ from the %d written", len(got), len(want))
	}
	c.Shutdown(sock.SHUT_WR)
	if n, err := s.Readv([][]byte{a}); n != 0 || err == nil || err.Error() != "EOF" {
		t.Errorf("Readv at the end = %d, %v; want 0, io.EOF", n, err)
	}
	if runtime.GOOS == "darwin" {
		return
	}
	out := [][]byte{[]byte("head"), []byte("body")}
	in := [][]byte{a, b}
	if n := testing.AllocsPerRun(200, func() {
		if _, err := s.Writev(out); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Readv(in); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Writev+Readv: %v allocs per run, want 0", n)
	}
}

func TestMmsg(t *testing.T) {
	for _, f := range skFamilies {
		t.Run(f.name, func(t *testing.T) {
			srv := skNew(t, f.family, sock.SOCK_DGRAM, 0)
			saddr := sock.InetAddr(skBind(t, srv, f.lo))
			cli := skNew(t, f.family, sock.SOCK_DGRAM, 0)
			caddr := sock.InetAddr(skBind(t, cli, f.lo))
			const batch = 32
			out := make([]sock.Mmsg, batch)
			in := make([]sock.Mmsg, batch)
			heads := make([]string, batch)
			for i := range out {
				heads[i] = fmt.Sprintf("m%02d:", i)
				out[i] = sock.Mmsg{Buffers: [][]byte{[]byte(heads[i]), []byte("payload")}, Addr: saddr}
				in[i] = sock.Mmsg{Buffers: [][]byte{make([]byte, 4), make([]byte, 64)}}
			}
			roundTrip := func() {
				n, err := cli.SendMmsg(out, 0)
				if err != nil || n != batch {
					t.Fatalf("SendMmsg = %d, %v", n, err)
				}
				for i := range out {
					if out[i].N != 11 {
						t.Fatalf("message %d: N = %d, want 11", i, out[i].N)
					}
				}
				for got := 0; got < batch; {
					n, err := srv.RecvMmsg(in[got:], 0)
					if err != nil {
						t.Fatal(err)
					}
					for i := got; i < got+n; i++ {
						m := in[i]
						if m.N != 11 || m.Addr != caddr || string(m.Buffers[0]) != heads[i] || string(m.Buffers[1][:7]) != "payload" {
							t.Fatalf("message %d: %d bytes %q%q from %v", i, m.N, m.Buffers[0], m.Buffers[1][:m.N-4], m.Addr)
						}
					}
					got += n
				}
			}
			roundTrip()
			if runtime.GOOS == "linux" {
				if a := testing.AllocsPerRun(50, roundTrip); a != 0 {
					t.Errorf("SendMmsg+RecvMmsg of %d: %v allocs per run, want 0", batch, a)
				}
			}
			// A bad address in the batch sends nothing.
			bad := append([]sock.Mmsg{out[0]}, sock.Mmsg{Buffers: out[1].Buffers, Addr: sock.UnixAddr("/x")})
			if n, err := cli.SendMmsg(bad, 0); n != 0 || !errors.Is(err, unix.EAFNOSUPPORT) {
				t.Errorf("SendMmsg with an AF_UNIX address = %d, %v; want 0, EAFNOSUPPORT", n, err)
			}
			srv.SetNonblock(true)
			if n, err := srv.RecvMmsg(in, 0); n != 0 || !errors.Is(err, unix.EAGAIN) {
				t.Errorf("RecvMmsg after the bad batch = %d, %v; want 0, EAGAIN", n, err)
			}
		})
	}
}
