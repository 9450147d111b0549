package sock_test

import (
	"net"
	"net/netip"
	"testing"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// BenchmarkMsg: one 64-byte UDP datagram with one control message
// (IP_TTL) out and back, through SendMsg/RecvMsg, the raw x/sys calls and
// net's WriteMsgUDPAddrPort/ReadMsgUDPAddrPort, in one run.
func BenchmarkMsg(b *testing.B) {
	lo := netip.MustParseAddr("127.0.0.1")
	msg, buf := make([]byte, 64), make([]byte, 1500)
	soob := sock.AppendInt(nil, unix.IPPROTO_IP, unix.IP_TTL, 9)
	roob := make([]byte, 128)
	b.Run("sock/SendMsg+RecvMsg", func(b *testing.B) {
		srv := skNew(b, sock.AF_INET, sock.SOCK_DGRAM, 0)
		srv.SetsockoptInt(unix.IPPROTO_IP, sock.IP_RECVTTL, 1)
		to := sock.InetAddr(skBind(b, srv, lo))
		cli := skNew(b, sock.AF_INET, sock.SOCK_DGRAM, 0)
		out, in := [][]byte{msg}, [][]byte{buf}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cli.SendMsg(out, soob, to, 0); err != nil {
				b.Fatal(err)
			}
			if _, _, _, _, err := srv.RecvMsg(in, roob, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw/SendmsgN+Recvmsg", func(b *testing.B) {
		srv := skNew(b, sock.AF_INET, sock.SOCK_DGRAM, 0)
		srv.SetsockoptInt(unix.IPPROTO_IP, sock.IP_RECVTTL, 1)
		saddr := skBind(b, srv, lo)
		cli := skNew(b, sock.AF_INET, sock.SOCK_DGRAM, 0)
		to := &unix.SockaddrInet4{Port: int(saddr.Port()), Addr: saddr.Addr().As4()}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := unix.SendmsgN(cli.Fd(), msg, soob, to, 0); err != nil {
				b.Fatal(err)
			}
			if _, _, _, _, err := unix.Recvmsg(srv.Fd(), buf, roob, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("net/WriteMsgUDPAddrPort+ReadMsgUDPAddrPort", func(b *testing.B) {
		srv, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			b.Fatal(err)
		}
		defer srv.Close()
		s, err := sock.FromConn(srv)
		if err != nil {
			b.Fatal(err)
		}
		s.SetsockoptInt(unix.IPPROTO_IP, sock.IP_RECVTTL, 1)
		s.Close()
		cli, err := net.ListenUDP("udp4", nil)
		if err != nil {
			b.Fatal(err)
		}
		defer cli.Close()
		saddr := srv.LocalAddr().(*net.UDPAddr).AddrPort()
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := cli.WriteMsgUDPAddrPort(msg, soob, saddr); err != nil {
				b.Fatal(err)
			}
			if _, _, _, _, err := srv.ReadMsgUDPAddrPort(buf, roob); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkUDPEcho: 64-byte datagrams to an echo server and back, in
// bursts of 32: posixkit with SendMmsg/RecvMmsg batches of 32 on both
// sides, against net.UDPConn one datagram a call. The dgrams/s metric
// counts datagrams echoed.
func BenchmarkUDPEcho(b *testing.B) {
	const batch = 32
	lo := netip.MustParseAddr("127.0.0.1")
	b.Run("sock/mmsg32", func(b *testing.B) {
		srv := skNew(b, sock.AF_INET, sock.SOCK_DGRAM, 0)
		saddr := sock.InetAddr(skBind(b, srv, lo))
		cli := skNew(b, sock.AF_INET, sock.SOCK_DGRAM, 0)
		skBind(b, cli, lo)
		mk := func(to sock.Addr) []sock.Mmsg {
			m := make([]sock.Mmsg, batch)
			for i := range m {
				m[i] = sock.Mmsg{Buffers: [][]byte{make([]byte, 64)}, Addr: to}
			}
			return m
		}
		out, back := mk(saddr), mk(sock.Addr{})
		srvIn, srvOut := mk(sock.Addr{}), mk(sock.Addr{})
		done := make(chan error, 1)
		stop := make(chan struct{})
		go func() {
			for {
				n, err := srv.RecvMmsg(srvIn, 0)
				if err != nil {
					select {
					case <-stop:
						done <- nil
					default:
						done <- err
					}
					return
				}
				for i := range n {
					srvOut[i].Buffers[0] = srvIn[i].Buffers[0][:srvIn[i].N]
					srvOut[i].Addr = srvIn[i].Addr
				}
				if _, err := srv.SendMmsg(srvOut[:n], 0); err != nil {
					done <- err
					return
				}
				for i := range n {
					srvOut[i].Buffers[0] = srvIn[i].Buffers[0][:cap(srvIn[i].Buffers[0])]
				}
			}
		}()
		b.ReportAllocs()
		dgrams := 0
		for b.Loop() {
			if n, err := cli.SendMmsg(out, 0); err != nil || n != batch {
				b.Fatal(n, err)
			}
			for got := 0; got < batch; {
				n, err := cli.RecvMmsg(back[got:], 0)
				if err != nil {
					b.Fatal(err)
				}
				got += n
			}
			dgrams += batch
		}
		b.ReportMetric(float64(dgrams)/b.Elapsed().Seconds(), "dgrams/s")
		close(stop)
		srv.Close()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	})
	b.Run("net/UDPConn", func(b *testing.B) {
		srv, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			b.Fatal(err)
		}
		cli, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			b.Fatal(err)
		}
		defer cli.Close()
		saddr := srv.LocalAddr().(*net.UDPAddr).AddrPort()
		done := make(chan struct{})
		go func() {
			defer close(done)
			buf := make([]byte, 64)
			for {
				n, from, err := srv.ReadFromUDPAddrPort(buf)
				if err != nil {
					return
				}
				if _, err := srv.WriteToUDPAddrPort(buf[:n], from); err != nil {
					return
				}
			}
		}()
		msg, buf := make([]byte, 64), make([]byte, 64)
		b.ReportAllocs()
		dgrams := 0
		for b.Loop() {
			for range batch {
				if _, err := cli.WriteToUDPAddrPort(msg, saddr); err != nil {
					b.Fatal(err)
				}
			}
			for range batch {
				if _, _, err := cli.ReadFromUDPAddrPort(buf); err != nil {
					b.Fatal(err)
				}
			}
			dgrams += batch
		}
		b.ReportMetric(float64(dgrams)/b.Elapsed().Seconds(), "dgrams/s")
		srv.Close()
		<-done
	})
}
