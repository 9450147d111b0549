package diag_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock"
	"github.com/posixkit/posixkit/sock/diag"
	"golang.org/x/sys/unix"
)

// known is a socket the test made, with what the kernel must say about it:
// its addresses from getsockname and getpeername, its inode and its unix
// peer's from fstat, its state from what the test did to it.
type known struct {
	name          string // what the test made, for messages
	netid         string
	family        sock.Family
	state         diag.State
	local, remote netip.AddrPort
	path          string // unix: sun_path as bound
	inode, peer   uint32
	fd            int // -1 for a TIME_WAIT entry
	boundInactive bool
}

// key identifies a socket in List's answer: its inode, or for a TIME_WAIT
// entry (no inode) its addresses.
func key(netid string, inode uint32, local, remote netip.AddrPort) string {
	if inode != 0 {
		return fmt.Sprintf("%s inode %d", netid, inode)
	}
	return fmt.Sprintf("%s %v %v", netid, local, remote)
}

// fields is what the filter tests compare of a socket.
type fields struct {
	Key, Netid, State string
	Local, Remote     netip.AddrPort
	Path              string
	Peer              uint32
}

func (k known) fields() fields {
	return fields{key(k.netid, k.inode, k.local, k.remote), k.netid, k.state.String(), k.local, k.remote, k.path, k.peer}
}

func fieldsOf(s *diag.Socket) fields {
	return fields{key(s.Netid(), s.Inode, s.Local, s.Remote), s.Netid(), s.State.String(), s.Local, s.Remote, s.Path, s.Peer}
}

// zoo is a namespace with a socket or two of every kind List tells apart.
type zoo struct {
	ns    string
	socks []known
	// ports: the IPv4 listener's, the bound UDP socket's, and the
	// established IPv4 client's own.
	listenPort, udpPort, clientPort uint16
	raw                             bool // raw_diag is there: a raw ICMP socket was made
}

func (z *zoo) find(name string) known {
	for _, k := range z.socks {
		if k.name == name {
			return k
		}
	}
	panic("no socket " + name)
}

func inodeOf(t testing.TB, fd int) uint32 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	return uint32(st.Ino)
}

func addrPortOf(t testing.TB, sa unix.Sockaddr) netip.AddrPort {
	t.Helper()
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port))
	}
	t.Fatalf("address %#v", sa)
	return netip.AddrPort{}
}

// newZoo fills a new namespace; the sockets are closed when the test ends.
func newZoo(t *testing.T) *zoo {
	t.Helper()
	z := &zoo{ns: newNetns(t)}
	var fds []int
	t.Cleanup(func() { testkit.CloseFDs(fds) })
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	socket := func(family, typ, proto int) int {
		t.Helper()
		fd, err := unix.Socket(family, typ|unix.SOCK_CLOEXEC, proto)
		must("socket", err)
		fds = append(fds, fd)
		return fd
	}
	local := func(fd int) netip.AddrPort {
		sa, err := unix.Getsockname(fd)
		must("getsockname", err)
		return addrPortOf(t, sa)
	}
	remote := func(fd int) netip.AddrPort {
		sa, err := unix.Getpeername(fd)
		must("getpeername", err)
		return addrPortOf(t, sa)
	}
	any4 := netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
	any6 := netip.AddrPortFrom(netip.IPv6Unspecified(), 0)
	inet := func(name, netid string, fd int, state diag.State) known {
		k := known{name: name, netid: netid, state: state, fd: fd, inode: inodeOf(t, fd), local: local(fd)}
		k.family, k.remote = sock.AF_INET, any4
		if k.local.Addr().Is6() {
			k.family, k.remote = sock.AF_INET6, any6
		}
		if state == diag.TCP_ESTABLISHED {
			k.remote = remote(fd)
		}
		return k
	}
	testkit.InNetns(t, z.ns, func() {
		loop4 := &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
		loop6 := &unix.SockaddrInet6{Addr: [16]byte{15: 1}}

		l4 := socket(unix.AF_INET, unix.SOCK_STREAM, 0)
		must("bind", unix.Bind(l4, loop4))
		must("listen", unix.Listen(l4, 8))
		z.socks = append(z.socks, inet("IPv4 listener", "tcp", l4, diag.TCP_LISTEN))
		lsa, err := unix.Getsockname(l4)
		must("getsockname", err)
		z.listenPort = uint16(lsa.(*unix.SockaddrInet4).Port)

		l6 := socket(unix.AF_INET6, unix.SOCK_STREAM, 0)
		must("IPV6_V6ONLY", unix.SetsockoptInt(l6, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1))
		must("bind", unix.Bind(l6, loop6))
		must("listen", unix.Listen(l6, 8))
		z.socks = append(z.socks, inet("IPv6 listener", "tcp", l6, diag.TCP_LISTEN))
		lsa6, err := unix.Getsockname(l6)
		must("getsockname", err)

		connect := func(family int, to unix.Sockaddr, lfd int, name string) (int, int) {
			c := socket(family, unix.SOCK_STREAM, 0)
			must("connect", unix.Connect(c, to))
			s, _, err := unix.Accept4(lfd, unix.SOCK_CLOEXEC)
			must("accept4", err)
			fds = append(fds, s)
			z.socks = append(z.socks, inet(name+" client", "tcp", c, diag.TCP_ESTABLISHED), inet(name+" server", "tcp", s, diag.TCP_ESTABLISHED))
			return c, s
		}
		c4, _ := connect(unix.AF_INET, lsa, l4, "IPv4")
		z.clientPort = local(c4).Port()
		connect(unix.AF_INET6, lsa6, l6, "IPv6")

		// Closed client first: a TIME_WAIT entry, without inode or fd.
		tc := socket(unix.AF_INET, unix.SOCK_STREAM, 0)
		must("connect", unix.Connect(tc, lsa))
		ts, _, err := unix.Accept4(l4, unix.SOCK_CLOEXEC)
		must("accept4", err)
		tw := known{name: "TIME_WAIT entry", netid: "tcp", family: sock.AF_INET, state: diag.TCP_TIME_WAIT, local: local(tc), remote: remote(tc), fd: -1}
		fds = slices.DeleteFunc(fds, func(fd int) bool { return fd == tc })
		must("close", unix.Close(tc))
		must("close", unix.Close(ts))
		z.socks = append(z.socks, tw)

		// Bound, neither listening nor connected: the kernel lists it
		// only when asked for TCP_BOUND_INACTIVE, in state TCP_CLOSE.
		bi := socket(unix.AF_INET, unix.SOCK_STREAM, 0)
		must("bind", unix.Bind(bi, loop4))
		k := inet("bound TCP socket", "tcp", bi, diag.TCP_CLOSE)
		k.boundInactive = true
		z.socks = append(z.socks, k)

		u4 := socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
		must("bind", unix.Bind(u4, loop4))
		z.socks = append(z.socks, inet("bound UDP/IPv4", "udp", u4, diag.TCP_CLOSE))
		usa, err := unix.Getsockname(u4)
		must("getsockname", err)
		z.udpPort = uint16(usa.(*unix.SockaddrInet4).Port)
		u6 := socket(unix.AF_INET6, unix.SOCK_DGRAM, 0)
		must("bind", unix.Bind(u6, loop6))
		z.socks = append(z.socks, inet("bound UDP/IPv6", "udp", u6, diag.TCP_CLOSE))
		uc := socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
		must("connect", unix.Connect(uc, usa))
		z.socks = append(z.socks, inet("connected UDP/IPv4", "udp", uc, diag.TCP_ESTABLISHED))

		if fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_ICMP); err == nil {
			fds = append(fds, fd)
			_, err := diag.List(context.Background(), diag.Filter{Protocols: []sock.Protocol{diag.IPPROTO_RAW}})
			switch {
			case err == nil:
				z.raw = true
				k := inet("raw ICMP socket", "raw", fd, diag.TCP_CLOSE)
				k.local = netip.AddrPortFrom(k.local.Addr(), unix.IPPROTO_ICMP) // inet_diag gives a raw socket's protocol as its port
				z.socks = append(z.socks, k)
			case errors.Is(err, unix.ENOENT):
				t.Logf("no raw_diag in this kernel: raw sockets not tested (%v)", err)
			default:
				t.Fatalf("List raw: %v", err)
			}
		}

		pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		must("socketpair", err)
		fds = append(fds, pair[0], pair[1])
		i0, i1 := inodeOf(t, pair[0]), inodeOf(t, pair[1])
		z.socks = append(z.socks,
			known{name: "unix pair 0", netid: "u_str", family: sock.AF_UNIX, state: diag.TCP_ESTABLISHED, inode: i0, peer: i1, fd: pair[0]},
			known{name: "unix pair 1", netid: "u_str", family: sock.AF_UNIX, state: diag.TCP_ESTABLISHED, inode: i1, peer: i0, fd: pair[1]})
		dg := socket(unix.AF_UNIX, unix.SOCK_DGRAM, 0)
		must("bind", unix.Bind(dg, &unix.SockaddrUnix{Name: "@pkdiag/filter/dgram"}))
		z.socks = append(z.socks, known{name: "abstract datagram socket", netid: "u_dgr", family: sock.AF_UNIX, state: diag.TCP_CLOSE, path: "\x00pkdiag/filter/dgram", inode: inodeOf(t, dg), fd: dg})
		ul := socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
		must("bind", unix.Bind(ul, &unix.SockaddrUnix{Name: "@pkdiag/filter/listen"}))
		must("listen", unix.Listen(ul, 8))
		z.socks = append(z.socks, known{name: "unix listener", netid: "u_str", family: sock.AF_UNIX, state: diag.TCP_LISTEN, path: "\x00pkdiag/filter/listen", inode: inodeOf(t, ul), fd: ul})
	})
	return z
}

// TestFilter lists a namespace whose every socket the test made, with each
// field of Filter alone and in combinations, and checks that the kernel
// answered with exactly the sockets the filter selects, each with the
// addresses, state, name and peer the test knows from other system calls.
func TestFilter(t *testing.T) {
	z := newZoo(t)
	tcp := []sock.Protocol{sock.IPPROTO_TCP}
	is := func(netids ...string) func(k known) bool {
		return func(k known) bool { return slices.Contains(netids, k.netid) && !k.boundInactive }
	}
	isUnix := func(k known) bool { return k.family == sock.AF_UNIX }
	and := func(fs ...func(known) bool) func(known) bool {
		return func(k known) bool {
			for _, f := range fs {
				if !f(k) {
					return false
				}
			}
			return true
		}
	}
	or := func(a, b func(known) bool) func(known) bool { return func(k known) bool { return a(k) || b(k) } }
	family := func(f sock.Family) func(known) bool { return func(k known) bool { return k.family == f } }
	state := func(ss ...diag.State) func(known) bool {
		return func(k known) bool { return slices.Contains(ss, k.state) && !k.boundInactive }
	}
	tests := []struct {
		name string
		f    diag.Filter
		want func(known) bool
		raw  bool // needs raw_diag
	}{
		{"zero: TCP, UDP and unix in every state", diag.Filter{}, is("tcp", "udp", "u_str", "u_dgr"), false},
		{"Families AF_INET", diag.Filter{Families: []sock.Family{sock.AF_INET}}, and(is("tcp", "udp"), family(sock.AF_INET)), false},
		{"Families AF_INET6", diag.Filter{Families: []sock.Family{sock.AF_INET6}}, and(is("tcp", "udp"), family(sock.AF_INET6)), false},
		{"Families AF_UNIX", diag.Filter{Families: []sock.Family{sock.AF_UNIX}}, isUnix, false},
		{"Families AF_INET6 and AF_UNIX", diag.Filter{Families: []sock.Family{sock.AF_UNIX, sock.AF_INET6}}, or(isUnix, and(is("tcp", "udp"), family(sock.AF_INET6))), false},
		{"Protocols TCP: unix too", diag.Filter{Protocols: tcp}, is("tcp", "u_str", "u_dgr"), false},
		{"Protocols UDP, Families AF_INET6", diag.Filter{Protocols: []sock.Protocol{sock.IPPROTO_UDP}, Families: []sock.Family{sock.AF_INET6}}, and(is("udp"), family(sock.AF_INET6)), false},
		{"Protocols TCP, Families AF_INET", diag.Filter{Protocols: tcp, Families: []sock.Family{sock.AF_INET}}, and(is("tcp"), family(sock.AF_INET)), false},
		{"Protocols raw", diag.Filter{Protocols: []sock.Protocol{diag.IPPROTO_RAW}, Families: []sock.Family{sock.AF_INET, sock.AF_INET6}}, is("raw"), true},
		{"Protocols raw, States LISTEN: none", diag.Filter{Protocols: []sock.Protocol{diag.IPPROTO_RAW}, Families: []sock.Family{sock.AF_INET}, States: []diag.State{diag.TCP_LISTEN}}, is(), true},
		{"States LISTEN", diag.Filter{States: []diag.State{diag.TCP_LISTEN}}, state(diag.TCP_LISTEN), false},
		{"States ESTABLISHED", diag.Filter{States: []diag.State{diag.TCP_ESTABLISHED}}, state(diag.TCP_ESTABLISHED), false},
		{"States CLOSE: unconnected datagram sockets", diag.Filter{States: []diag.State{diag.TCP_CLOSE}}, and(is("udp", "u_dgr"), state(diag.TCP_CLOSE)), false},
		{"States TIME_WAIT", diag.Filter{States: []diag.State{diag.TCP_TIME_WAIT}}, state(diag.TCP_TIME_WAIT), false},
		{"States LISTEN and TIME_WAIT, TCP", diag.Filter{Protocols: tcp, Families: []sock.Family{sock.AF_INET, sock.AF_INET6}, States: []diag.State{diag.TCP_TIME_WAIT, diag.TCP_LISTEN}}, and(is("tcp"), state(diag.TCP_TIME_WAIT, diag.TCP_LISTEN)), false},
		{"States BOUND_INACTIVE", diag.Filter{Protocols: tcp, Families: []sock.Family{sock.AF_INET}, States: []diag.State{diag.TCP_BOUND_INACTIVE}}, func(k known) bool { return k.boundInactive }, false},
		{"LocalPort: listener and accepted", diag.Filter{LocalPort: z.listenPort}, func(k known) bool { return k.family != sock.AF_UNIX && k.local.Port() == z.listenPort }, false},
		{"RemotePort: client and TIME_WAIT", diag.Filter{RemotePort: z.listenPort}, func(k known) bool { return k.remote.Port() == z.listenPort }, false},
		{"LocalPort UDP", diag.Filter{LocalPort: z.udpPort, Protocols: []sock.Protocol{sock.IPPROTO_UDP}}, func(k known) bool { return k.netid == "udp" && k.local.Port() == z.udpPort }, false},
		{"RemotePort UDP", diag.Filter{RemotePort: z.udpPort}, func(k known) bool { return k.remote.Port() == z.udpPort }, false},
		{"LocalPort and RemotePort", diag.Filter{LocalPort: z.clientPort, RemotePort: z.listenPort}, func(k known) bool { return k.name == "IPv4 client" }, false},
		{"LocalPort, States LISTEN", diag.Filter{LocalPort: z.listenPort, States: []diag.State{diag.TCP_LISTEN}}, func(k known) bool { return k.name == "IPv4 listener" }, false},
		{"LocalPort, Families AF_UNIX: none", diag.Filter{LocalPort: z.listenPort, Families: []sock.Family{sock.AF_UNIX}}, is(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.raw && !z.raw {
				t.Skip("skipping: no raw socket (no raw_diag)")
			}
			var socks []diag.Socket
			var err error
			testkit.InNetns(t, z.ns, func() { socks, err = diag.List(context.Background(), tt.f) })
			if err != nil {
				t.Fatal(err)
			}
			var want, got []fields
			for _, k := range z.socks {
				if tt.want(k) {
					want = append(want, k.fields())
				}
			}
			for i := range socks {
				got = append(got, fieldsOf(&socks[i]))
			}
			order := func(a, b fields) int { return strings.Compare(a.Key, b.Key) }
			slices.SortFunc(want, order)
			slices.SortFunc(got, order)
			if diff := cmp.Diff(want, got, equateAddrPort); diff != "" {
				t.Errorf("List(%+v): unexpected sockets (-want +got):\n%s", tt.f, diff)
			}
		})
	}
}

// TestFilterInvalid: a family, protocol or state List cannot ask the
// kernel for is an error wrapping EINVAL, before any request.
func TestFilterInvalid(t *testing.T) {
	tests := []struct {
		name string
		f    diag.Filter
	}{
		{"family AF_PACKET", diag.Filter{Families: []sock.Family{sock.AF_PACKET}}},
		{"family AF_UNSPEC", diag.Filter{Families: []sock.Family{sock.AF_UNSPEC}}},
		{"family 99", diag.Filter{Families: []sock.Family{sock.AF_INET, 99}}},
		{"protocol ICMP", diag.Filter{Protocols: []sock.Protocol{sock.IPPROTO_ICMP}}},
		{"protocol -1", diag.Filter{Protocols: []sock.Protocol{-1}}},
		{"state 0", diag.Filter{States: []diag.State{0}}},
		{"state 32", diag.Filter{States: []diag.State{diag.TCP_LISTEN, 32}}},
		{"state 255", diag.Filter{States: []diag.State{255}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			socks, err := diag.List(context.Background(), tt.f)
			var se *os.SyscallError
			if !errors.Is(err, unix.EINVAL) || !errors.As(err, &se) || se.Syscall != "sock_diag" {
				t.Fatalf("List(%+v) = %v; want an *os.SyscallError sock_diag wrapping EINVAL", tt.f, err)
			}
			if socks != nil {
				t.Errorf("List(%+v) returned %d sockets with its error", tt.f, len(socks))
			}
			if n := strings.Count(err.Error(), "sock_diag"); n != 1 {
				t.Errorf("error %q names sock_diag %d times", err, n)
			}
		})
	}
}

// TestFilterTCPInfo: with TCPInfo, a TCP socket's tcp_info and congestion
// algorithm are those getsockopt gives its owner; without, there are none.
func TestFilterTCPInfo(t *testing.T) {
	z := newZoo(t)
	client, server := z.find("IPv4 client"), z.find("IPv4 server")
	testkit.Write(t, server.fd, "hello")
	buf := make([]byte, 16)
	if n, err := unix.Read(client.fd, buf); err != nil || n != 5 {
		t.Fatalf("read: %d, %v", n, err)
	}
	want, err := unix.GetsockoptTCPInfo(client.fd, unix.IPPROTO_TCP, unix.TCP_INFO)
	if err != nil {
		t.Fatal(err)
	}
	cong, err := unix.GetsockoptString(client.fd, unix.IPPROTO_TCP, unix.TCP_CONGESTION)
	if err != nil {
		t.Fatal(err)
	}
	for _, withInfo := range []bool{true, false} {
		t.Run(fmt.Sprint("TCPInfo=", withInfo), func(t *testing.T) {
			var socks []diag.Socket
			testkit.InNetns(t, z.ns, func() { socks, err = diag.List(context.Background(), diag.Filter{TCPInfo: withInfo}) })
			if err != nil {
				t.Fatal(err)
			}
			seen := false
			for i := range socks {
				s := &socks[i]
				hasInfo := s.Netid() == "tcp" && s.State != diag.TCP_TIME_WAIT && withInfo
				if (s.TCPInfo != nil) != hasInfo || (s.Congestion != "") != hasInfo {
					t.Errorf("%s %v %v: TCPInfo %v, Congestion %q; want them: %v", s.Netid(), s.State, s.Local, s.TCPInfo != nil, s.Congestion, hasInfo)
				}
				if s.Inode != client.inode || !withInfo {
					continue
				}
				seen = true
				got := s.TCPInfo
				// The fields that an idle connection keeps.
				type stable struct {
					State, Options                  uint8
					Snd_mss, Rcv_mss, Advmss, Pmtu  uint32
					Bytes_received                  uint64
					Data_segs_in, Snd_cwnd, Reorder uint32
				}
				w := stable{want.State, want.Options, want.Snd_mss, want.Rcv_mss, want.Advmss, want.Pmtu, want.Bytes_received, want.Data_segs_in, want.Snd_cwnd, want.Reordering}
				g := stable{got.State, got.Options, got.Snd_mss, got.Rcv_mss, got.Advmss, got.Pmtu, got.Bytes_received, got.Data_segs_in, got.Snd_cwnd, got.Reordering}
				if diff := cmp.Diff(w, g); diff != "" {
					t.Errorf("tcp_info differs from getsockopt(TCP_INFO) (-getsockopt +List):\n%s", diff)
				}
				if g.Bytes_received != 5 {
					t.Errorf("tcp_info bytes_received %d, want 5", g.Bytes_received)
				}
				if s.Congestion != cong {
					t.Errorf("Congestion %q, getsockopt(TCP_CONGESTION) %q", s.Congestion, cong)
				}
			}
			if withInfo && !seen {
				t.Errorf("the client socket (inode %d) is not in List's answer", client.inode)
			}
		})
	}
}

// TestDumpInterrupted: a dump the kernel marks interrupted is read again,
// and the sockets of the last reading are returned, none twice; after
// MaxAttempts readings List gives up with ErrDumpInterrupted and the
// sockets read.
func TestDumpInterrupted(t *testing.T) {
	z := newZoo(t)
	key := func(socks []diag.Socket) []string {
		var ks []string
		for i := range socks {
			ks = append(ks, fieldsOf(&socks[i]).Key)
		}
		slices.Sort(ks)
		return ks
	}
	testkit.InNetns(t, z.ns, func() {
		want, err := diag.List(context.Background(), diag.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		before := diag.DumpRetries()
		diag.InterruptNext(diag.MaxAttempts - 1) // the first dump, read MaxAttempts times
		got, err := diag.List(context.Background(), diag.Filter{})
		if err != nil {
			t.Fatalf("List after %d interrupted readings: %v", diag.MaxAttempts-1, err)
		}
		if n := diag.DumpRetries() - before; n != diag.MaxAttempts-1 {
			t.Errorf("%d dumps read again, want %d", n, diag.MaxAttempts-1)
		}
		if diff := cmp.Diff(key(want), key(got)); diff != "" {
			t.Errorf("sockets after retries (-want +got):\n%s", diff)
		}

		diag.InterruptNext(diag.MaxAttempts)
		defer diag.InterruptNext(0)
		got, err = diag.List(context.Background(), diag.Filter{})
		var se *os.SyscallError
		if !errors.Is(err, diag.ErrDumpInterrupted) || !errors.As(err, &se) {
			t.Fatalf("List after %d interrupted readings: %v; want ErrDumpInterrupted", diag.MaxAttempts, err)
		}
		if diff := cmp.Diff(key(want), key(got)); diff != "" {
			t.Errorf("sockets returned with ErrDumpInterrupted (-want +got):\n%s", diff)
		}
	})
}
