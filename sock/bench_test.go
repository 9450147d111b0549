//go:build linux || freebsd

package sock_test

import (
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// The benchmarks (Linux and FreeBSD: they use SOCK_CLOEXEC and accept4
// for the raw side) compare this package with the raw system calls and with
// the standard library. Run them with
//
//	go test -run '^$' -bench . -count 5 -benchmem ./sock

// pingPong measures one round trip of one byte: send, then wait for the
// echo that a second goroutine sends back.
func pingPong(b *testing.B, send, recv func([]byte) (int, error), echoRecv, echoSend func([]byte) (int, error), closeAll func()) {
	b.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1)
		for {
			if n, err := echoRecv(buf); err != nil || n == 0 {
				return
			}
			if _, err := echoSend(buf); err != nil {
				return
			}
		}
	}()
	msg, buf := []byte{'x'}, make([]byte, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := send(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := recv(buf); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	closeAll()
	<-done
}

func sockSend(s *sock.Socket) func([]byte) (int, error) {
	return func(p []byte) (int, error) { return s.Send(p, 0) }
}

func sockRecv(s *sock.Socket) func([]byte) (int, error) {
	return func(p []byte) (int, error) { return s.Recv(p, 0) }
}

func rawWrite(fd int) func([]byte) (int, error) {
	return func(p []byte) (int, error) { return unix.Write(fd, p) }
}

func rawRead(fd int) func([]byte) (int, error) {
	return func(p []byte) (int, error) { return unix.Read(fd, p) }
}

// blockingTCP returns the two ends of a loopback TCP connection made with
// plain blocking x/sys calls: no poller.
func blockingTCP(b *testing.B) (client, server int) {
	ln, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close(ln)
	if err := unix.Bind(ln, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		b.Fatal(err)
	}
	if err := unix.Listen(ln, 1); err != nil {
		b.Fatal(err)
	}
	sa, _ := unix.Getsockname(ln)
	client, err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	if err := unix.Connect(client, sa); err != nil {
		b.Fatal(err)
	}
	server, _, err = unix.Accept4(ln, unix.SOCK_CLOEXEC)
	if err != nil {
		b.Fatal(err)
	}
	for _, fd := range []int{client, server} {
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	}
	return client, server
}

func BenchmarkPingPong(b *testing.B) {
	b.Run("socketpair/sock", func(b *testing.B) {
		x, y, err := sock.Pair(sock.AF_UNIX, sock.SOCK_STREAM, 0)
		if err != nil {
			b.Fatal(err)
		}
		pingPong(b, sockSend(x), sockRecv(x), sockRecv(y), sockSend(y), func() { x.Close(); y.Close() })
	})
	b.Run("socketpair/raw-blocking", func(b *testing.B) {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			b.Fatal(err)
		}
		pingPong(b, rawWrite(fds[0]), rawRead(fds[0]), rawRead(fds[1]), rawWrite(fds[1]), func() {
			unix.Shutdown(fds[0], unix.SHUT_RDWR)
			unix.Close(fds[0])
		})
		unix.Close(fds[1])
	})
	b.Run("socketpair/net", func(b *testing.B) {
		conns := netSocketpair(b)
		pingPong(b, conns[0].Write, conns[0].Read, conns[1].Read, conns[1].Write, func() { conns[0].Close(); conns[1].Close() })
	})
	b.Run("tcp4/sock", func(b *testing.B) {
		c, s := skTCP(b, sock.AF_INET, netip.MustParseAddr("127.0.0.1"))
		c.SetNoDelay(true)
		s.SetNoDelay(true)
		pingPong(b, sockSend(c), sockRecv(c), sockRecv(s), sockSend(s), func() { c.Close(); s.Close() })
	})
	b.Run("tcp4/raw-blocking", func(b *testing.B) {
		c, s := blockingTCP(b)
		pingPong(b, rawWrite(c), rawRead(c), rawRead(s), rawWrite(s), func() {
			unix.Shutdown(c, unix.SHUT_RDWR)
			unix.Close(c)
		})
		unix.Close(s)
	})
	b.Run("tcp4/net", func(b *testing.B) {
		nl, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer nl.Close()
		c, err := net.Dial("tcp4", nl.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		s, err := nl.Accept()
		if err != nil {
			b.Fatal(err)
		}
		pingPong(b, c.Write, c.Read, s.Read, s.Write, func() { c.Close(); s.Close() })
	})
}

// joinPoller makes the sockets join the runtime poller, as a first wait
// would: a far deadline, then none.
func joinPoller(b *testing.B, ss ...*sock.Socket) {
	b.Helper()
	for _, s := range ss {
		if err := s.SetDeadline(time.Now().Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
		if err := s.SetDeadline(time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
}

// netSocketpair returns the two ends of a socketpair as net.Conns, closed
// at the end of the benchmark.
func netSocketpair(b *testing.B) [2]net.Conn {
	b.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	var conns [2]net.Conn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		conns[i], err = net.FileConn(f)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Cleanup(func() { conns[0].Close(); conns[1].Close() })
	return conns
}

// rawSocketpair returns a nonblocking socketpair made with x/sys, closed at
// the end of the benchmark: no poller.
func rawSocketpair(b *testing.B) [2]int {
	b.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	return fds
}

// dataReady times send then recv of one byte, in one goroutine.
func dataReady(b *testing.B, send, recv func([]byte) (int, error)) {
	b.Helper()
	msg, buf := []byte{'x'}, make([]byte, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := send(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := recv(buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDataReady: send then receive in one goroutine, the data always
// ready, against the raw calls on the same kind of descriptor and net.Conn.
// The -joined cases run once the sockets have joined the runtime poller (a
// deadline makes them join, as a first wait does): the kernel then runs the
// poller's wake-up callback on every send and receive, which the raw calls
// on the same descriptors pay too.
func BenchmarkDataReady(b *testing.B) {
	b.Run("sock/Send+Recv", func(b *testing.B) {
		x, y := skPair(b, sock.SOCK_STREAM)
		dataReady(b, sockSend(x), sockRecv(y))
	})
	b.Run("sock/Write+Read", func(b *testing.B) {
		x, y := skPair(b, sock.SOCK_STREAM)
		dataReady(b, x.Write, y.Read)
	})
	b.Run("sock-joined/Send+Recv", func(b *testing.B) {
		x, y := skPair(b, sock.SOCK_STREAM)
		joinPoller(b, x, y)
		dataReady(b, sockSend(x), sockRecv(y))
	})
	b.Run("raw-joined/write+read", func(b *testing.B) {
		x, y := skPair(b, sock.SOCK_STREAM)
		joinPoller(b, x, y)
		dataReady(b, rawWrite(x.Fd()), rawRead(y.Fd()))
	})
	b.Run("net/Write+Read", func(b *testing.B) {
		conns := netSocketpair(b)
		dataReady(b, conns[0].Write, conns[1].Read)
	})
	b.Run("raw/sendto+recvfrom", func(b *testing.B) {
		fds := rawSocketpair(b)
		dataReady(b, func(p []byte) (int, error) {
			return len(p), unix.Sendto(fds[0], p, unix.MSG_NOSIGNAL, nil)
		}, func(p []byte) (int, error) {
			n, _, err := unix.Recvfrom(fds[1], p, 0)
			return n, err
		})
	})
	b.Run("raw/write+read", func(b *testing.B) {
		fds := rawSocketpair(b)
		dataReady(b, rawWrite(fds[0]), rawRead(fds[1]))
	})
}

// BenchmarkUDP: one datagram over loopback, SendTo then RecvFrom.
func BenchmarkUDP(b *testing.B) {
	lo := netip.MustParseAddr("127.0.0.1")
	msg, buf := make([]byte, 64), make([]byte, 1500)
	b.Run("sock/SendTo+RecvFrom", func(b *testing.B) {
		srv := skNew(b, sock.AF_INET, sock.SOCK_DGRAM, 0)
		saddr := skBind(b, srv, lo)
		cli := skNew(b, sock.AF_INET, sock.SOCK_DGRAM, 0)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, err := cli.SendTo(msg, 0, sock.InetAddr(saddr)); err != nil {
				b.Fatal(err)
			}
			if _, _, err := srv.RecvFrom(buf, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("net/WriteToUDPAddrPort+ReadFromUDPAddrPort", func(b *testing.B) {
		srv, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			b.Fatal(err)
		}
		defer srv.Close()
		cli, err := net.ListenUDP("udp4", nil)
		if err != nil {
			b.Fatal(err)
		}
		defer cli.Close()
		saddr := srv.LocalAddr().(*net.UDPAddr).AddrPort()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, err := cli.WriteToUDPAddrPort(msg, saddr); err != nil {
				b.Fatal(err)
			}
			if _, _, err := srv.ReadFromUDPAddrPort(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw/Sendto+Recvfrom", func(b *testing.B) {
		srv := skNew(b, sock.AF_INET, sock.SOCK_DGRAM, 0)
		saddr := skBind(b, srv, lo)
		cli := skNew(b, sock.AF_INET, sock.SOCK_DGRAM, 0)
		to := &unix.SockaddrInet4{Port: int(saddr.Port()), Addr: saddr.Addr().As4()}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if err := unix.Sendto(cli.Fd(), msg, 0, to); err != nil {
				b.Fatal(err)
			}
			if _, _, err := unix.Recvfrom(srv.Fd(), buf, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkTuple(b *testing.B) {
	c, _ := skTCP(b, sock.AF_INET, netip.MustParseAddr("127.0.0.1"))
	b.Run("sock", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, err := c.Tuple(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		fd := c.Fd()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PROTOCOL); err != nil {
				b.Fatal(err)
			}
			if _, err := unix.Getsockname(fd); err != nil {
				b.Fatal(err)
			}
			if _, err := unix.Getpeername(fd); err != nil {
				b.Fatal(err)
			}
		}
	})
}
