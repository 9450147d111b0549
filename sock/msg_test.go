package sock_test

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// cloexec reports FD_CLOEXEC on fd: fcntl(F_GETFD).
func cloexec(t testing.TB, fd int) bool {
	t.Helper()
	v, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil {
		t.Fatalf("F_GETFD of %d: %v", fd, err)
	}
	return v&unix.FD_CLOEXEC != 0
}

// rightsOf parses oob and returns the descriptors of its SCM_RIGHTS messages.
func rightsOf(t testing.TB, oob []byte) []int {
	t.Helper()
	msgs, err := sock.ParseControl(oob, nil)
	if err != nil {
		t.Fatal(err)
	}
	var fds []int
	for _, m := range msgs {
		fds, _ = m.Rights(fds)
	}
	return fds
}

func TestSendMsgRecvMsgRights(t *testing.T) {
	for _, typ := range []sock.Type{sock.SOCK_STREAM, sock.SOCK_DGRAM, sock.SOCK_SEQPACKET} {
		t.Run(typ.String(), func(t *testing.T) {
			a, b := skPair(t, typ)
			r, w := testkit.Pipe(t)
			oob := sock.AppendRights(nil, r, w)
			n, err := a.SendMsg([][]byte{[]byte("two "), nil, []byte("fds")}, oob, sock.Addr{}, 0)
			if err != nil || n != 7 {
				t.Fatalf("SendMsg = %d, %v", n, err)
			}
			p1, p2 := make([]byte, 3), make([]byte, 10)
			roob := make([]byte, sock.CmsgSpace(4*4))
			n, oobn, flags, _, err := b.RecvMsg([][]byte{p1, p2}, roob, 0)
			if err != nil || n != 7 || string(p1)+string(p2[:n-3]) != "two fds" || flags != 0 {
				t.Fatalf("RecvMsg = %d %q%q, flags %v, %v", n, p1, p2, flags, err)
			}
			fds := rightsOf(t, roob[:oobn])
			if len(fds) != 2 {
				t.Fatalf("received %v, want 2 fds", fds)
			}
			for _, fd := range fds {
				t.Cleanup(func() { unix.Close(fd) })
				if !cloexec(t, fd) {
					t.Errorf("received fd %d is not close-on-exec", fd)
				}
			}
			// The received write end writes into the original pipe.
			if _, err := unix.Write(fds[1], []byte("via")); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 8)
			if k, err := unix.Read(r, buf); err != nil || string(buf[:k]) != "via" {
				t.Fatalf("read %q, %v", buf[:k], err)
			}
		})
	}
}

// TestRightsNeverLeak passes descriptors 10,000 times into control buffers
// that are too small, oversized, or not given, and into data buffers too
// small for the datagram: the process's descriptor count stays where it
// was, and every descriptor received is close-on-exec.
func TestRightsNeverLeak(t *testing.T) {
	a, b := skPair(t, sock.SOCK_DGRAM)
	r, w := testkit.Pipe(t)
	oob := sock.AppendRights(nil, r, w, r)
	small := make([]byte, sock.CmsgSpace(4)) // room for one of three
	big := make([]byte, 4096)
	p := make([]byte, 16)
	iters := 10000
	if testing.Short() {
		iters = 1000
	}
	before := testkit.CountFDs(t)
	for i := range iters {
		if _, err := a.SendMsg([][]byte{[]byte("data")}, oob, sock.Addr{}, 0); err != nil {
			t.Fatal(err)
		}
		switch i % 5 {
		case 0: // truncated control buffer
			_, oobn, flags, _, err := b.RecvMsg([][]byte{p}, small, 0)
			if !errors.Is(err, sock.ErrControlTruncated) || flags&sock.MSG_CTRUNC == 0 {
				t.Fatalf("RecvMsg with a small oob = flags %v, %v; want MSG_CTRUNC", flags, err)
			}
			for _, fd := range rightsOf(t, small[:oobn]) {
				if fd != -1 {
					t.Fatalf("truncated receive left fd %d open", fd)
				}
			}
		case 1: // oversized control buffer
			_, oobn, _, _, err := b.RecvMsg([][]byte{p}, big, 0)
			if err != nil {
				t.Fatal(err)
			}
			fds := rightsOf(t, big[:oobn])
			if len(fds) != 3 {
				t.Fatalf("received %v", fds)
			}
			for _, fd := range fds {
				if !cloexec(t, fd) {
					t.Fatalf("fd %d not close-on-exec", fd)
				}
				unix.Close(fd)
			}
		case 2: // no control buffer: the kernel drops the descriptors
			if _, _, _, _, err := b.RecvMsg([][]byte{p}, nil, 0); err != nil {
				t.Fatal(err)
			}
		case 3: // a plain Recv ignores them too
			if _, err := b.Recv(p, 0); err != nil {
				t.Fatal(err)
			}
		case 4: // data truncated: an error, so the descriptors are closed
			_, oobn, _, _, err := b.RecvMsg([][]byte{p[:2]}, big, 0)
			if !errors.Is(err, sock.ErrTruncated) {
				t.Fatalf("RecvMsg into 2 bytes: %v, want ErrTruncated", err)
			}
			for _, fd := range rightsOf(t, big[:oobn]) {
				if fd != -1 {
					t.Fatalf("truncated datagram left fd %d open", fd)
				}
			}
		}
	}
	if after := testkit.CountFDs(t); after != before {
		t.Errorf("%d descriptors before %d passes, %d after", before, iters, after)
	}
}

func TestRecvMsgCredentials(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("SCM_CREDENTIALS is Linux's")
	}
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
	if runtime.GOOS != "linux" {
		t.Skip("IP_PKTINFO and SO_TIMESTAMPNS as Linux has them")
	}
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
				if err := srv.SetsockoptInt(o[0], o[1], 1); err != nil {
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

// TestMsgZeroAllocs: SendMsg and RecvMsg with reused buffers, a reused
// oob and a reused address allocate nothing.
func TestMsgZeroAllocs(t *testing.T) {
	if runtime.GOOS == "darwin" {
		t.Skip("Darwin uses the allocating x/sys calls")
	}
	srv := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
	lo := netip.MustParseAddr("127.0.0.1")
	if runtime.GOOS == "linux" {
		if err := srv.SetsockoptInt(unix.IPPROTO_IP, sock.IP_RECVTTL, 1); err != nil {
			t.Fatal(err)
		}
	}
	to := sock.InetAddr(skBind(t, srv, lo))
	cli := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
	skBind(t, cli, lo)
	hdr, body := []byte("hd"), []byte("body")
	send := [][]byte{hdr, body}
	p1, p2 := make([]byte, 2), make([]byte, 16)
	recv := [][]byte{p1, p2}
	soob := sock.AppendInt(make([]byte, 0, 64), unix.IPPROTO_IP, unix.IP_TTL, 9)
	roob := make([]byte, 128)
	msgs := make([]sock.Cmsg, 0, 4)
	if a := testing.AllocsPerRun(200, func() {
		if _, err := cli.SendMsg(send, soob, to, 0); err != nil {
			t.Fatal(err)
		}
		_, oobn, _, _, err := srv.RecvMsg(recv, roob, 0)
		if err != nil {
			t.Fatal(err)
		}
		if msgs, err = sock.ParseControl(roob[:oobn], msgs[:0]); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("SendMsg+RecvMsg: %v allocs per run, want 0", a)
	}
	if runtime.GOOS == "linux" {
		if v, ok := msgs[0].Int(); len(msgs) != 1 || !ok || v != 9 {
			t.Errorf("control messages %v, want IP_TTL 9", msgs)
		}
	}
	a, b := skPair(t, sock.SOCK_DGRAM)
	r, _ := testkit.Pipe(t)
	rights := sock.AppendRights(make([]byte, 0, 64), r)
	fds := make([]int, 0, 4)
	if n := testing.AllocsPerRun(200, func() {
		if _, err := a.SendMsg(send, rights, sock.Addr{}, 0); err != nil {
			t.Fatal(err)
		}
		_, oobn, _, _, err := b.RecvMsg(recv, roob, 0)
		if err != nil {
			t.Fatal(err)
		}
		msgs, _ = sock.ParseControl(roob[:oobn], msgs[:0])
		fds, _ = msgs[0].Rights(fds[:0])
		unix.Close(fds[0])
	}); n != 0 {
		t.Errorf("SCM_RIGHTS SendMsg+RecvMsg: %v allocs per run, want 0", n)
	}
}

func TestNewFromFd(t *testing.T) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sock.NewFromFd(fd)
	if err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	defer s.Close()
	if s.Family() != sock.AF_INET || s.Type() != sock.SOCK_DGRAM || s.Protocol() != sock.IPPROTO_UDP || s.Fd() != fd {
		t.Errorf("adopted socket: %v %v %v fd %d", s.Family(), s.Type(), s.Protocol(), s.Fd())
	}
	if !cloexec(t, fd) {
		t.Error("adopted fd is not close-on-exec")
	}
	r, _ := testkit.Pipe(t)
	_, err = sock.NewFromFd(r)
	skErrIs(t, "NewFromFd(pipe)", err, unix.ENOTSOCK)
	_, err = sock.NewFromFd(-1)
	skErrIs(t, "NewFromFd(-1)", err, unix.EINVAL)
}
