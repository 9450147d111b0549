package sock_test

import (
	"net"
	"net/netip"
	"testing"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// boolInt adapts a boolean option's setter and getter to ints.
func boolInt(set func(*sock.Socket, bool) error, get func(*sock.Socket) (bool, error)) (func(*sock.Socket, int) error, func(*sock.Socket) (int, error)) {
	return func(s *sock.Socket, v int) error { return set(s, v != 0) },
		func(s *sock.Socket) (int, error) { b, err := get(s); return b2i(b), err }
}

// TestIPOptionsRoundTrip sets each IP-level option of an AF_INET and an
// AF_INET6 socket to a value other than its initial one, and reads it
// back with the typed getter and with getsockopt of the option C names.
func TestIPOptionsRoundTrip(t *testing.T) {
	loopSet, loopGet := boolInt((*sock.Socket).SetMulticastLoop, (*sock.Socket).MulticastLoop)
	hlSet, hlGet := boolInt((*sock.Socket).SetRecvHopLimit, (*sock.Socket).RecvHopLimit)
	allSet, allGet := boolInt((*sock.Socket).SetMulticastAll, (*sock.Socket).MulticastAll)
	for _, tt := range []struct {
		name   string
		family sock.Family
		set    func(*sock.Socket, int) error
		get    func(*sock.Socket) (int, error)
		level  int
		opt    int
		values []int
	}{
		{"IP_TTL", sock.AF_INET, (*sock.Socket).SetTTL, (*sock.Socket).TTL, unix.IPPROTO_IP, unix.IP_TTL, []int{1, 7, 255}},
		{"IPV6_UNICAST_HOPS", sock.AF_INET6, (*sock.Socket).SetTTL, (*sock.Socket).TTL, unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS, []int{1, 9, 255}},
		{"IP_TOS", sock.AF_INET, (*sock.Socket).SetTOS, (*sock.Socket).TOS, unix.IPPROTO_IP, unix.IP_TOS, []int{0x10, 0xb8, 0}},
		{"IPV6_TCLASS", sock.AF_INET6, (*sock.Socket).SetTOS, (*sock.Socket).TOS, unix.IPPROTO_IPV6, unix.IPV6_TCLASS, []int{0x28, 0xb8, 0}},
		{"IP_MULTICAST_TTL", sock.AF_INET, (*sock.Socket).SetMulticastTTL, (*sock.Socket).MulticastTTL, unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, []int{0, 32, 255}},
		{"IPV6_MULTICAST_HOPS", sock.AF_INET6, (*sock.Socket).SetMulticastTTL, (*sock.Socket).MulticastTTL, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, []int{0, 32, 255}},
		{"IP_MULTICAST_LOOP", sock.AF_INET, loopSet, loopGet, unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, []int{0, 1}},
		{"IPV6_MULTICAST_LOOP", sock.AF_INET6, loopSet, loopGet, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_LOOP, []int{0, 1}},
		{"IP_RECVTTL", sock.AF_INET, hlSet, hlGet, unix.IPPROTO_IP, unix.IP_RECVTTL, []int{1, 0}},
		{"IPV6_RECVHOPLIMIT", sock.AF_INET6, hlSet, hlGet, unix.IPPROTO_IPV6, unix.IPV6_RECVHOPLIMIT, []int{1, 0}},
		{"IP_MULTICAST_ALL", sock.AF_INET, allSet, allGet, unix.IPPROTO_IP, unix.IP_MULTICAST_ALL, []int{0, 1}},
		{"IPV6_MULTICAST_ALL", sock.AF_INET6, allSet, allGet, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_ALL, []int{0, 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := skNew(t, tt.family, sock.SOCK_DGRAM, 0)
			initial, err := tt.get(s)
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			if initial == tt.values[0] {
				t.Fatalf("initial value %d is the first one set: the test could not see a change", initial)
			}
			for _, v := range tt.values {
				if err := tt.set(s, v); err != nil {
					t.Fatalf("set %d: %v", v, err)
				}
				got, err := tt.get(s)
				if err != nil || got != v {
					t.Fatalf("after set %d: get = %d, %v", v, got, err)
				}
				raw, err := s.GetsockoptInt(sock.Protocol(tt.level), tt.opt)
				if err != nil || raw != v {
					t.Fatalf("after set %d: getsockopt(%s) = %d, %v", v, tt.name, raw, err)
				}
			}
		})
	}
}

// TestIPOptionsInvalid: values out of range and sockets of a family with
// no such option fail before any system call, with the errno C would see.
func TestIPOptionsInvalid(t *testing.T) {
	udp := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
	ux, _ := skPair(t, sock.SOCK_DGRAM)
	for _, tt := range []struct {
		name string
		err  error
		want unix.Errno
	}{
		{"SetTTL(0)", udp.SetTTL(0), unix.EINVAL},
		{"SetTTL(256)", udp.SetTTL(256), unix.EINVAL},
		{"SetTOS(-1)", udp.SetTOS(-1), unix.EINVAL},
		{"SetMulticastTTL(300)", udp.SetMulticastTTL(300), unix.EINVAL},
		{"SetMulticastInterface(-1)", udp.SetMulticastInterface(-1), unix.EINVAL},
		{"AF_UNIX SetTTL", ux.SetTTL(5), unix.EAFNOSUPPORT},
		{"AF_UNIX JoinGroup", ux.JoinGroup(0, netip.MustParseAddr("239.1.1.1")), unix.EAFNOSUPPORT},
		{"JoinGroup unicast", udp.JoinGroup(0, netip.MustParseAddr("10.0.0.1")), unix.EINVAL},
		{"JoinGroup zero", udp.JoinGroup(0, netip.Addr{}), unix.EINVAL},
		{"JoinGroup IPv6 on AF_INET", udp.JoinGroup(0, netip.MustParseAddr("ff02::1")), unix.EAFNOSUPPORT},
		{"JoinSourceGroup IPv6 source", udp.JoinSourceGroup(0, netip.MustParseAddr("232.1.1.1"), netip.MustParseAddr("::1")), unix.EINVAL},
		{"SetBindToDevice NUL", udp.SetBindToDevice("lo\x00x"), unix.EINVAL},
		{"SetBindToDevice too long", udp.SetBindToDevice("0123456789abcdef"), unix.EINVAL},
	} {
		t.Run(tt.name, func(t *testing.T) {
			skErrIs(t, tt.name, tt.err, tt.want)
		})
	}
	_, _, err := ux.MulticastInterface()
	skErrIs(t, "AF_UNIX MulticastInterface", err, unix.EAFNOSUPPORT)
}

func loopbackIndex(t *testing.T) int {
	t.Helper()
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, ifi := range ifs {
		if ifi.Flags&net.FlagLoopback != 0 {
			return ifi.Index
		}
	}
	t.Skip("no loopback interface")
	return 0
}

// TestMulticastInterface: IPV6_MULTICAST_IF reads back the index set; Linux
// reads IP_MULTICAST_IF back as an address only, 0.0.0.0 when set by index.
func TestMulticastInterface(t *testing.T) {
	lo := loopbackIndex(t)
	s6 := skNew(t, sock.AF_INET6, sock.SOCK_DGRAM, 0)
	if i, _, err := s6.MulticastInterface(); err != nil || i != 0 {
		t.Fatalf("initial IPV6_MULTICAST_IF = %d, %v; want 0", i, err)
	}
	if err := s6.SetMulticastInterface(lo); err != nil {
		t.Fatal(err)
	}
	if i, a, err := s6.MulticastInterface(); err != nil || i != lo || a.IsValid() {
		t.Fatalf("IPV6_MULTICAST_IF = %d, %v, %v; want %d", i, a, err, lo)
	}
	s4 := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
	if err := s4.SetMulticastInterface(lo); err != nil {
		t.Fatal(err)
	}
	i, a, err := s4.MulticastInterface()
	if err != nil || i != 0 || a != netip.IPv4Unspecified() {
		t.Fatalf("IP_MULTICAST_IF = %d, %v, %v; want 0, 0.0.0.0", i, a, err)
	}
	// Set as C does with an in_addr, the address comes back.
	if err := s4.SetsockoptInt(unix.IPPROTO_IP, unix.IP_MULTICAST_IF, 0x0100007f); err != nil {
		t.Fatal(err)
	}
	if _, a, err := s4.MulticastInterface(); err != nil || a != netip.MustParseAddr("127.0.0.1") {
		t.Fatalf("IP_MULTICAST_IF after in_addr 127.0.0.1 = %v, %v", a, err)
	}
}

// TestMembership joins and leaves groups on loopback: the kernel's own
// answers (EADDRINUSE for a second join, EADDRNOTAVAIL for a second leave)
// show that the first calls took effect.
func TestMembership(t *testing.T) {
	lo := loopbackIndex(t)
	for _, tt := range []struct {
		name   string
		family sock.Family
		group  string
	}{
		{"IPv4", sock.AF_INET, "239.1.2.3"},
		{"IPv6", sock.AF_INET6, "ff15::1234"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := skNew(t, tt.family, sock.SOCK_DGRAM, 0)
			g := netip.MustParseAddr(tt.group)
			if err := s.JoinGroup(lo, g); err != nil {
				t.Fatalf("JoinGroup: %v", err)
			}
			skErrIs(t, "second JoinGroup", s.JoinGroup(lo, g), unix.EADDRINUSE)
			if err := s.LeaveGroup(lo, g); err != nil {
				t.Fatalf("LeaveGroup: %v", err)
			}
			skErrIs(t, "second LeaveGroup", s.LeaveGroup(lo, g), unix.EADDRNOTAVAIL)
		})
	}
	t.Run("IPv6 source", func(t *testing.T) {
		s := skNew(t, sock.AF_INET6, sock.SOCK_DGRAM, 0)
		g, src := netip.MustParseAddr("ff3e::1234"), netip.MustParseAddr("::1")
		if err := s.JoinSourceGroup(lo, g, src); err != nil {
			t.Fatalf("JoinSourceGroup: %v", err)
		}
		skErrIs(t, "second JoinSourceGroup", s.JoinSourceGroup(lo, g, src), unix.EADDRNOTAVAIL)
		if err := s.LeaveSourceGroup(lo, g, src); err != nil {
			t.Fatalf("LeaveSourceGroup: %v", err)
		}
		skErrIs(t, "second LeaveSourceGroup", s.LeaveSourceGroup(lo, g, src), unix.EINVAL)
		skErrIs(t, "IPv4 source", s.JoinSourceGroup(lo, g, netip.MustParseAddr("127.0.0.1")), unix.EINVAL)
	})
	t.Run("source", func(t *testing.T) {
		s := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
		g, src := netip.MustParseAddr("232.1.2.3"), netip.MustParseAddr("127.0.0.1")
		if err := s.JoinSourceGroup(lo, g, src); err != nil {
			t.Fatalf("JoinSourceGroup: %v", err)
		}
		skErrIs(t, "second JoinSourceGroup", s.JoinSourceGroup(lo, g, src), unix.EADDRNOTAVAIL)
		if err := s.LeaveSourceGroup(lo, g, src); err != nil {
			t.Fatalf("LeaveSourceGroup: %v", err)
		}
		// Its last source gone, the membership is gone too.
		skErrIs(t, "second LeaveSourceGroup", s.LeaveSourceGroup(lo, g, src), unix.EINVAL)
	})
}
