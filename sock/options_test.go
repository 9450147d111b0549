package sock_test

import (
	"errors"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/fileio"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// TestBoolOptionsRoundTrip sets each typed boolean option to the opposite
// of its initial value, reads it back, and sets it back.
func TestBoolOptionsRoundTrip(t *testing.T) {
	tcp4 := skNew(t, sock.AF_INET, sock.SOCK_STREAM, 0)
	tcp6 := skNew(t, sock.AF_INET6, sock.SOCK_STREAM, 0)
	udp4 := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
	tests := []struct {
		name   string
		s      *sock.Socket
		set    func(*sock.Socket, bool) error
		get    func(*sock.Socket) (bool, error)
		level  sock.Protocol
		option int
	}{
		{"ReuseAddr", tcp4, (*sock.Socket).SetReuseAddr, (*sock.Socket).ReuseAddr, unix.SOL_SOCKET, unix.SO_REUSEADDR},
		{"ReusePort", tcp4, (*sock.Socket).SetReusePort, (*sock.Socket).ReusePort, unix.SOL_SOCKET, unix.SO_REUSEPORT},
		{"NoDelay", tcp4, (*sock.Socket).SetNoDelay, (*sock.Socket).NoDelay, unix.IPPROTO_TCP, unix.TCP_NODELAY},
		{"KeepAlive", tcp4, (*sock.Socket).SetKeepAlive, (*sock.Socket).KeepAlive, unix.SOL_SOCKET, unix.SO_KEEPALIVE},
		{"V6Only", tcp6, (*sock.Socket).SetV6Only, (*sock.Socket).V6Only, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY},
		{"Broadcast", udp4, (*sock.Socket).SetBroadcast, (*sock.Socket).Broadcast, unix.SOL_SOCKET, unix.SO_BROADCAST},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			initial, err := tt.get(tt.s)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []bool{!initial, initial} {
				if err := tt.set(tt.s, want); err != nil {
					t.Fatalf("set %v: %v", want, err)
				}
				got, err := tt.get(tt.s)
				if err != nil || got != want {
					t.Fatalf("after set %v: get = %v, %v", want, got, err)
				}
				// The generic getter sees the same kernel value.
				v, err := tt.s.GetsockoptInt(tt.level, tt.option)
				if err != nil || (v != 0) != want {
					t.Fatalf("GetsockoptInt = %d, %v; want %v", v, err, want)
				}
			}
		})
	}
}

func TestValueOptionsRoundTrip(t *testing.T) {
	s := skNew(t, sock.AF_INET, sock.SOCK_STREAM, 0)
	durations := []struct {
		name string
		set  func(time.Duration) error
		get  func() (time.Duration, error)
		init time.Duration
		want time.Duration
	}{
		{"Linger", s.SetLinger, s.Linger, -1, 3 * time.Second},
		{"Linger 0 (reset on close)", s.SetLinger, s.Linger, 3 * time.Second, 0},
		{"Linger off", s.SetLinger, s.Linger, 0, -1},
		{"RecvTimeout", s.SetRecvTimeout, s.RecvTimeout, 0, 1500 * time.Millisecond},
		{"SendTimeout", s.SetSendTimeout, s.SendTimeout, 0, 2 * time.Second},
	}
	for _, tt := range durations {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.get()
			if err != nil || got != tt.init {
				t.Fatalf("initial = %v, %v; want %v", got, err, tt.init)
			}
			if err := tt.set(tt.want); err != nil {
				t.Fatal(err)
			}
			if got, err = tt.get(); err != nil || got != tt.want {
				t.Fatalf("after set %v: %v, %v", tt.want, got, err)
			}
		})
	}
	buffers := []struct {
		name string
		set  func(int) error
		get  func() (int, error)
	}{
		{"RecvBuffer", s.SetRecvBuffer, s.RecvBuffer},
		{"SendBuffer", s.SetSendBuffer, s.SendBuffer},
	}
	for _, tt := range buffers {
		t.Run(tt.name, func(t *testing.T) {
			const ask = 12 << 10
			initial, err := tt.get()
			if err != nil {
				t.Fatal(err)
			}
			want := ask
			if runtime.GOOS == "linux" {
				want = 2 * ask // Linux doubles the value for its bookkeeping
			}
			if initial == want {
				t.Fatalf("initial value is already %d", want)
			}
			if err := tt.set(ask); err != nil {
				t.Fatal(err)
			}
			if got, err := tt.get(); err != nil || got != want {
				t.Fatalf("after set %d: %d, %v; want %d", ask, got, err, want)
			}
		})
	}
	t.Run("bad values", func(t *testing.T) {
		skErrIs(t, "SetRecvTimeout(-1)", s.SetRecvTimeout(-time.Second), unix.EINVAL)
		skErrIs(t, "SetLinger(huge)", s.SetLinger(1<<62), unix.EINVAL)
		if err := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0).SetNoDelay(true); !errors.Is(err, unix.ENOPROTOOPT) && !errors.Is(err, unix.EOPNOTSUPP) && !errors.Is(err, unix.EINVAL) {
			t.Errorf("TCP_NODELAY on UDP: %v, want ENOPROTOOPT", err)
		}
	})
}

func TestOptionsSnapshot(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	ln, _ := skListen(t, sock.AF_INET, lo)
	if err := ln.SetReuseAddr(true); err != nil {
		t.Fatal(err)
	}
	if err := ln.SetNonblock(true); err != nil {
		t.Fatal(err)
	}
	o, err := ln.Options()
	if err != nil {
		t.Fatal(err)
	}
	f := false
	want := sock.Options{
		Type: sock.SOCK_STREAM, Protocol: sock.IPPROTO_TCP, ReuseAddr: true,
		RecvBuffer: o.RecvBuffer, SendBuffer: o.SendBuffer, Linger: -1,
		NoDelay: &f, AcceptConn: true, Nonblock: true, CloseOnExec: true,
		Flags: fileio.O_RDWR | fileio.O_NONBLOCK,
	}
	if diff := cmp.Diff(want, o); diff != "" {
		t.Errorf("listener Options (-want +got):\n%s", diff)
	}
	s := o.String()
	for _, line := range []string{"SO_TYPE        SOCK_STREAM", "SO_REUSEADDR   1", "SO_ACCEPTCONN  1", "TCP_NODELAY    0", "SO_LINGER      off", "F_GETFL        O_RDWR|O_NONBLOCK", "posixkit mode  nonblocking"} {
		if !slices.Contains(strings.Split(s, "\n"), line) {
			t.Errorf("Options().String() lacks the line %q:\n%s", line, s)
		}
	}
	if strings.Contains(s, "IPV6_V6ONLY") {
		t.Errorf("IPV6_V6ONLY shown for an AF_INET socket:\n%s", s)
	}

	// Flags is the kernel's F_GETFL, whatever mode posixkit keeps.
	for _, nb := range []bool{false, true} {
		if err := ln.SetNonblock(nb); err != nil {
			t.Fatal(err)
		}
		o, err := ln.Options()
		if err != nil {
			t.Fatal(err)
		}
		kernel, err := unix.FcntlInt(uintptr(ln.Fd()), unix.F_GETFL, 0)
		if err != nil {
			t.Fatal(err)
		}
		if o.Flags != fileio.Flag(kernel) || o.Nonblock != nb {
			t.Errorf("after SetNonblock(%v): Options Flags = %v, Nonblock = %v; want the kernel's %v and %v", nb, o.Flags, o.Nonblock, fileio.Flag(kernel), nb)
		}
	}

	u := skNew(t, sock.AF_INET6, sock.SOCK_DGRAM, 0)
	o, err = u.Options()
	if err != nil {
		t.Fatal(err)
	}
	if o.NoDelay != nil || o.V6Only == nil || o.Protocol != sock.IPPROTO_UDP || o.Type != sock.SOCK_DGRAM || o.AcceptConn {
		t.Errorf("UDPv6 Options = %+v", o)
	}

	// SO_ERROR carries a failed nonblocking connect's error, once.
	b := skNew(t, sock.AF_INET, sock.SOCK_STREAM, 0)
	addr := skBind(t, b, lo)
	c := skNew(t, sock.AF_INET, sock.SOCK_STREAM, 0)
	c.SetNonblock(true)
	if err := c.Connect(sock.InetAddr(addr)); err == nil {
		t.Fatal("nonblocking Connect to a closed port succeeded")
	} else if !errors.Is(err, unix.EINPROGRESS) && !errors.Is(err, unix.ECONNREFUSED) {
		t.Fatalf("nonblocking Connect: %v", err)
	}
	// Wait for the outcome without reading SO_ERROR: poll for writability.
	pfd := []unix.PollFd{{Fd: int32(c.Fd()), Events: unix.POLLOUT}}
	if _, err := unix.Poll(pfd, 10000); err != nil {
		t.Fatal(err)
	}
	if o, err = c.Options(); err != nil {
		t.Fatal(err)
	}
	if o.Error != unix.ECONNREFUSED && o.Error != nil {
		t.Errorf("Options().Error = %v, want ECONNREFUSED", o.Error)
	}
}
