package sock_test

import (
	"io"
	"net"
	"net/netip"
	"syscall"
	"testing"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// TestFromConn inspects and tunes connections made with net.
func TestFromConn(t *testing.T) {
	nl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer nl.Close()
	nc, err := net.Dial("tcp", nl.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	peer, err := nl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()

	s, err := sock.FromConn(nc.(*net.TCPConn))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Family() != sock.AF_INET || s.Type() != sock.SOCK_STREAM || s.Protocol() != sock.IPPROTO_TCP {
		t.Errorf("FromConn: %v %v %v", s.Family(), s.Type(), s.Protocol())
	}
	if s.Fd() == rawFd(t, nc.(*net.TCPConn)) {
		t.Error("FromConn did not duplicate the descriptor")
	}
	tu, err := s.Tuple()
	if err != nil {
		t.Fatal(err)
	}
	want := sock.Tuple{
		Protocol: sock.IPPROTO_TCP,
		Local:    sock.InetAddr(nc.LocalAddr().(*net.TCPAddr).AddrPort()),
		Remote:   sock.InetAddr(nc.RemoteAddr().(*net.TCPAddr).AddrPort()),
		Type:     sock.SOCK_STREAM,
	}
	if tu != want {
		t.Errorf("Tuple of a net.Conn = %v, want %v", tu, want)
	}
	o, err := s.Options()
	if err != nil {
		t.Fatal(err)
	}
	if o.NoDelay == nil || !*o.NoDelay {
		t.Errorf("net sets TCP_NODELAY on its connections; Options says %v", o.NoDelay)
	}
	// Tuning through the Socket changes the connection net uses.
	if err := s.SetNoDelay(false); err != nil {
		t.Fatal(err)
	}
	if v := rawGetsockopt(t, nc.(*net.TCPConn), unix.IPPROTO_TCP, unix.TCP_NODELAY); v != 0 {
		t.Error("SetNoDelay(false) on the Socket did not reach net's socket")
	}
	// Closing the Socket leaves the net.Conn working.
	s.Close()
	if _, err := nc.Write([]byte("ok")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if _, err := io.ReadFull(peer, buf); err != nil || string(buf) != "ok" {
		t.Fatalf("read %q, %v", buf, err)
	}

	t.Run("UDPConn", func(t *testing.T) {
		uc, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
		if err != nil {
			t.Skip(err)
		}
		defer uc.Close()
		s, err := sock.FromConn(uc)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if s.Family() != sock.AF_INET6 || s.Type() != sock.SOCK_DGRAM || s.Protocol() != sock.IPPROTO_UDP {
			t.Errorf("FromConn(UDPConn): %v %v %v", s.Family(), s.Type(), s.Protocol())
		}
		if la, _ := s.LocalAddr(); la.AddrPort() != uc.LocalAddr().(*net.UDPAddr).AddrPort() {
			t.Errorf("LocalAddr %v, net says %v", la, uc.LocalAddr())
		}
	})
	t.Run("Socket", func(t *testing.T) {
		a, b := skPair(t, sock.SOCK_SEQPACKET)
		d, err := sock.FromConn(a)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if d.Family() != sock.AF_UNIX || d.Type() != sock.SOCK_SEQPACKET {
			t.Errorf("FromConn(Socket): %v %v", d.Family(), d.Type())
		}
		skSend(t, d, "dup")
		skRecv(t, b, "dup")
	})
}

func rawFd(t *testing.T, c syscall.Conn) int {
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fd int
	rc.Control(func(f uintptr) { fd = int(f) })
	return fd
}

func rawGetsockopt(t *testing.T, c syscall.Conn, level, name int) int {
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var gerr error
	rc.Control(func(fd uintptr) { v, gerr = unix.GetsockoptInt(int(fd), level, name) })
	if gerr != nil {
		t.Fatal(gerr)
	}
	return v
}

func TestNetInterop(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	t.Run("NetListener and NetConn", func(t *testing.T) {
		ln, addr := skListen(t, sock.AF_INET, lo)
		nl, err := ln.NetListener()
		if err != nil {
			t.Fatal(err)
		}
		defer nl.Close()
		c := skDial(t, sock.AF_INET, addr)
		nc, err := nl.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		cc, err := c.NetConn()
		if err != nil {
			t.Fatal(err)
		}
		defer cc.Close()
		if _, err := cc.Write([]byte("hi")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 2)
		if _, err := io.ReadFull(nc, buf); err != nil || string(buf) != "hi" {
			t.Fatalf("read %q, %v", buf, err)
		}
		// The net.Conn is a duplicate: closing it leaves the Socket open.
		cc.Close()
		skSend(t, c, "still")
		buf = make([]byte, 5)
		if _, err := io.ReadFull(nc, buf); err != nil || string(buf) != "still" {
			t.Fatalf("read %q, %v", buf, err)
		}
	})
	t.Run("NetPacketConn", func(t *testing.T) {
		u := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
		uaddr := skBind(t, u, lo)
		pc, err := u.NetPacketConn()
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		if got := pc.LocalAddr().(*net.UDPAddr).AddrPort(); got != uaddr {
			t.Errorf("PacketConn LocalAddr %v, want %v", got, uaddr)
		}
		other := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
		oaddr := skBind(t, other, lo)
		if _, err := pc.WriteTo([]byte("pkt"), net.UDPAddrFromAddrPort(oaddr)); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 8)
		n, from, err := other.RecvFrom(buf, 0)
		if err != nil || string(buf[:n]) != "pkt" || from.AddrPort() != uaddr {
			t.Fatalf("RecvFrom = %q from %v, %v", buf[:n], from, err)
		}
	})
	t.Run("wrong kind", func(t *testing.T) {
		u := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
		if l, err := u.NetListener(); err == nil {
			l.Close()
			t.Error("NetListener on a UDP socket succeeded")
		}
	})
}
