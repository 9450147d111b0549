package sock_test

import (
	"net"
	"net/netip"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

func TestRecvMsgCredentials(t *testing.T) {
	a, b := skPair(t, sock.SOCK_DGRAM)
	if err := b.SetsockoptInt(sock.SOL_SOCKET, sock.SO_PASSCRED, 1); err != nil {
		t.Fatal(err)
	}
	me := sock.Ucred{Pid: os.Getpid(), Uid: os.Getuid(), Gid: os.Getgid()}
	for _, oob := range [][]byte{nil, sock.AppendCredentials(nil, me)} {
		if _, err := a.SendMsg([][]byte{[]byte("x")}, oob, sock.Addr{}, 0); err != nil {
			t.Fatal(err)
		}
		roob := make([]byte, 256)
		_, oobn, _, _, err := b.RecvMsg([][]byte{make([]byte, 4)}, roob, 0)
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := sock.ParseControl(roob[:oobn], nil)
		if err != nil || len(msgs) != 1 {
			t.Fatalf("ParseControl = %v, %v", msgs, err)
		}
		got, ok := msgs[0].Credentials()
		if !ok || got != me {
			t.Errorf("Credentials = %+v, %v; want %+v", got, ok, me)
		}
	}
	// SO_PEERCRED says the same of the peer.
	if got, err := a.PeerCred(); err != nil || got != me {
		t.Errorf("PeerCred = %+v, %v; want %+v", got, err, me)
	}
}

// TestRecvMsgIPControl: a UDP socket bound to the wildcard learns each
// datagram's destination address, arrival interface, TTL or hop limit and
// traffic class, and a timestamp; it answers from the destination address
// with IP_PKTINFO.
func TestRecvMsgIPControl(t *testing.T) {
	loif, err := net.InterfaceByName("lo")
	if err != nil {
		t.Skip(err)
	}
	lo := loif.Index
	for _, f := range skFamilies {
		t.Run(f.name, func(t *testing.T) {
			srv := skNew(t, f.family, sock.SOCK_DGRAM, 0)
			any := netip.IPv4Unspecified()
			opts := [][2]int{{unix.IPPROTO_IP, unix.IP_PKTINFO}, {unix.IPPROTO_IP, sock.IP_RECVTTL}, {unix.IPPROTO_IP, sock.IP_RECVTOS}}
			if f.family == sock.AF_INET6 {
				any = netip.IPv6Unspecified()
				opts = [][2]int{{unix.IPPROTO_IPV6, sock.IPV6_RECVPKTINFO}, {unix.IPPROTO_IPV6, sock.IPV6_RECVHOPLIMIT}, {unix.IPPROTO_IPV6, sock.IPV6_RECVTCLASS}}
			}
			opts = append(opts, [2]int{unix.SOL_SOCKET, sock.SO_TIMESTAMPNS})
			for _, o := range opts {
				if err := srv.SetsockoptInt(sock.Protocol(o[0]), o[1], 1); err != nil {
					t.Fatal(err)
				}
			}
			if err := srv.Bind(sock.InetAddr(netip.AddrPortFrom(any, 0))); err != nil {
				t.Fatal(err)
			}
			la, _ := srv.LocalAddr()
			cli := skNew(t, f.family, sock.SOCK_DGRAM, 0)
			caddr := skBind(t, cli, f.lo)
			to := sock.InetAddr(netip.AddrPortFrom(f.lo, la.AddrPort().Port()))
			tclass := sock.IP_TOS
			level := unix.IPPROTO_IP
			if f.family == sock.AF_INET6 {
				tclass, level = sock.IPV6_TCLASS, unix.IPPROTO_IPV6
			}
			sent := time.Now()
			if _, err := cli.SendMsg([][]byte{[]byte("ping")}, sock.AppendInt(nil, level, tclass, 0x28), to, 0); err != nil {
				t.Fatal(err)
			}
			oob := make([]byte, 512)
			p := make([]byte, 16)
			n, oobn, _, from, err := srv.RecvMsg([][]byte{p}, oob, 0)
			if err != nil || string(p[:n]) != "ping" || from.AddrPort() != caddr {
				t.Fatalf("RecvMsg = %q from %v, %v", p[:n], from, err)
			}
			msgs, err := sock.ParseControl(oob[:oobn], nil)
			if err != nil {
				t.Fatal(err)
			}
			type seen struct {
				Pkt       sock.PktInfo
				TTL, TOS  int
				Timestamp bool
			}
			var got seen
			for _, m := range msgs {
				if pi, ok := m.PktInfo(); ok {
					got.Pkt = pi
				} else if v, ok := m.Int(); ok {
					if m.Type == unix.IP_TTL || m.Type == unix.IPV6_HOPLIMIT {
						got.TTL = v
					} else {
						got.TOS = v
					}
				} else if ts, ok := m.Timestamp(); ok {
					got.Timestamp = !ts.Before(sent.Add(-time.Second)) && ts.Before(time.Now().Add(time.Second))
				}
			}
			want := seen{Pkt: sock.PktInfo{Ifindex: lo, Addr: f.lo}, TTL: 64, TOS: 0x28, Timestamp: true}
			if f.family == sock.AF_INET6 {
				want.TTL = got.TTL // the hop limit is the route's; any value >0
			}
			if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" || got.TTL <= 0 {
				t.Errorf("unexpected control messages (-want +got):\n%s", diff)
			}
			// Answer from the address the datagram was sent to.
			reply := sock.AppendPktInfo(nil, sock.PktInfo{Addr: got.Pkt.Addr})
			if _, err := srv.SendMsg([][]byte{[]byte("pong")}, reply, from, 0); err != nil {
				t.Fatal(err)
			}
			n, rfrom, err := cli.RecvFrom(p, 0)
			if err != nil || string(p[:n]) != "pong" || rfrom.AddrPort().Addr() != f.lo {
				t.Fatalf("reply %q from %v, %v", p[:n], rfrom, err)
			}
		})
	}
}

// TestCaptureControl writes the control data of real receptions to
// testdata/cmsg, the seeds of FuzzParseControl, when
// POSIXKIT_CAPTURE_CMSG=1.
func TestCaptureControl(t *testing.T) {
	if os.Getenv("POSIXKIT_CAPTURE_CMSG") != "1" {
		t.Skip("set POSIXKIT_CAPTURE_CMSG=1 to rewrite testdata/cmsg")
	}
	write := func(name string, oob []byte) {
		if err := os.MkdirAll("testdata/cmsg", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("testdata/cmsg/"+name+"."+runtime.GOARCH+".bin", oob, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a, b := skPair(t, sock.SOCK_DGRAM)
	if err := b.SetsockoptInt(sock.SOL_SOCKET, sock.SO_PASSCRED, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SendMsg([][]byte{[]byte("x")}, sock.AppendRights(nil, 0, 1), sock.Addr{}, 0); err != nil {
		t.Fatal(err)
	}
	oob := make([]byte, 256)
	_, oobn, _, _, err := b.RecvMsg([][]byte{make([]byte, 4)}, oob, 0)
	if err != nil {
		t.Fatal(err)
	}
	write("rights-creds", oob[:oobn])
	for _, m := range must(sock.ParseControl(oob[:oobn], nil)) {
		if fds, ok := m.Rights(nil); ok {
			for _, fd := range fds {
				unix.Close(fd)
			}
		}
	}
	srv := skNew(t, sock.AF_INET6, sock.SOCK_DGRAM, 0)
	for _, o := range [][2]int{{unix.IPPROTO_IPV6, sock.IPV6_RECVPKTINFO}, {unix.IPPROTO_IPV6, sock.IPV6_RECVHOPLIMIT},
		{unix.IPPROTO_IPV6, sock.IPV6_RECVTCLASS}, {unix.SOL_SOCKET, sock.SO_TIMESTAMPNS}, {unix.IPPROTO_IP, sock.IP_PKTINFO}, {unix.IPPROTO_IP, sock.IP_RECVTTL}} {
		if err := srv.SetsockoptInt(sock.Protocol(o[0]), o[1], 1); err != nil {
			t.Fatal(err)
		}
	}
	to := sock.InetAddr(skBind(t, srv, netip.MustParseAddr("::1")))
	cli := skNew(t, sock.AF_INET6, sock.SOCK_DGRAM, 0)
	if _, err := cli.SendTo([]byte("x"), 0, to); err != nil {
		t.Fatal(err)
	}
	_, oobn, _, _, err = srv.RecvMsg([][]byte{make([]byte, 4)}, oob, 0)
	if err != nil {
		t.Fatal(err)
	}
	write("udp6", oob[:oobn])
}
