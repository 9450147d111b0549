package sock_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

func TestAddr(t *testing.T) {
	t.Parallel()
	type view struct {
		Valid    bool
		Family   sock.Family
		AddrPort string
		Path     string
		String   string
	}
	tests := []struct {
		name string
		a    sock.Addr
		want view
	}{
		{"zero", sock.Addr{}, view{false, sock.AF_UNSPEC, "invalid AddrPort", "", "*"}},
		{"invalid AddrPort", sock.InetAddr(netip.AddrPort{}), view{false, sock.AF_UNSPEC, "invalid AddrPort", "", "*"}},
		{"v4", sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:80")), view{true, sock.AF_INET, "127.0.0.1:80", "", "127.0.0.1:80"}},
		{"v6", sock.InetAddr(netip.MustParseAddrPort("[::1]:80")), view{true, sock.AF_INET6, "[::1]:80", "", "[::1]:80"}},
		{"mapped is AF_INET6", sock.InetAddr(netip.MustParseAddrPort("[::ffff:1.2.3.4]:5")), view{true, sock.AF_INET6, "[::ffff:1.2.3.4]:5", "", "[::ffff:1.2.3.4]:5"}},
		{"path", sock.UnixAddr("/run/x.sock"), view{true, sock.AF_UNIX, "invalid AddrPort", "/run/x.sock", "/run/x.sock"}},
		{"abstract", sock.UnixAddr("@name"), view{true, sock.AF_UNIX, "invalid AddrPort", "@name", "@name"}},
		{"unnamed", sock.UnixAddr(""), view{true, sock.AF_UNIX, "invalid AddrPort", "", "*"}},
		{"too long", sock.UnixAddr(strings.Repeat("x", 200)), view{true, sock.AF_UNIX, "invalid AddrPort", "", "<AF_UNIX path too long>"}},
		{"NUL", sock.UnixAddr("a\x00b"), view{true, sock.AF_UNIX, "invalid AddrPort", "", "<AF_UNIX path with a NUL byte>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := view{tt.a.IsValid(), tt.a.Family(), tt.a.AddrPort().String(), tt.a.Path(), tt.a.String()}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("unexpected view (-want +got):\n%s", diff)
			}
			if b := tt.a.AppendTo([]byte("x=")); string(b) != "x="+tt.want.String {
				t.Errorf("AppendTo = %q, want %q", b, "x="+tt.want.String)
			}
		})
	}
}

func TestAddrRoundTrip(t *testing.T) {
	t.Parallel()
	long := "/" + strings.Repeat("x", 107) // 108 bytes, no NUL: the longest Linux path
	tests := []struct {
		name    string
		a       sock.Addr
		family  sock.Family
		want    sock.Addr
		wantLen uint32
		wantErr error
	}{
		{"v4", sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:80")), sock.AF_INET, sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:80")), unix.SizeofSockaddrInet4, nil},
		{"v4 to AF_INET6", sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:80")), sock.AF_INET6, sock.InetAddr(netip.MustParseAddrPort("[::ffff:127.0.0.1]:80")), unix.SizeofSockaddrInet6, nil},
		{"path", sock.UnixAddr("/tmp/s"), sock.AF_UNIX, sock.UnixAddr("/tmp/s"), 2 + 6 + 1, nil},
		{"unnamed", sock.UnixAddr(""), sock.AF_UNIX, sock.UnixAddr(""), 2, nil},
		{"path to AF_INET", sock.UnixAddr("/tmp/s"), sock.AF_INET, sock.Addr{}, 0, unix.EAFNOSUPPORT},
		{"IP to AF_UNIX", sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:80")), sock.AF_UNIX, sock.Addr{}, 0, unix.EAFNOSUPPORT},
		{"zero", sock.Addr{}, sock.AF_INET, sock.Addr{}, 0, unix.EINVAL},
		{"NUL", sock.UnixAddr("a\x00b"), sock.AF_UNIX, sock.Addr{}, 0, unix.EINVAL},
		{"too long", sock.UnixAddr(long + "y"), sock.AF_UNIX, sock.Addr{}, 0, unix.EINVAL},
		{"far too long", sock.UnixAddr(long + strings.Repeat("y", 300)), sock.AF_UNIX, sock.Addr{}, 0, unix.EINVAL},
	}
	if runtime.GOOS == "linux" {
		tests = append(tests,
			struct {
				name    string
				a       sock.Addr
				family  sock.Family
				want    sock.Addr
				wantLen uint32
				wantErr error
			}{"abstract, no NUL", sock.UnixAddr("@abc"), sock.AF_UNIX, sock.UnixAddr("@abc"), 2 + 4, nil},
			struct {
				name    string
				a       sock.Addr
				family  sock.Family
				want    sock.Addr
				wantLen uint32
				wantErr error
			}{"longest path", sock.UnixAddr(long), sock.AF_UNIX, sock.UnixAddr(long), 2 + 108, nil})
		if err := skNew(t, sock.AF_UNIX, sock.SOCK_DGRAM, 0).Bind(sock.UnixAddr("@" + long[1:])); err != nil {
			t.Errorf("Bind to a 108-byte abstract name: %v", err)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := sock.AddrRoundTrip(tt.a, tt.family, true)
			if tt.wantErr != nil {
				skErrIs(t, tt.name, err, tt.wantErr)
				return
			}
			if err != nil || got != tt.want || n != tt.wantLen {
				t.Errorf("round trip of %v = %v (len %d), %v; want %v (len %d)", tt.a, got, n, err, tt.want, tt.wantLen)
			}
		})
	}
}

// TestDecodeSockaddr decodes sockaddrs as the kernel returns them.
func TestDecodeSockaddr(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux sockaddr layout")
	}
	un := func(path string) []byte { return append(binary.NativeEndian.AppendUint16(nil, unix.AF_UNIX), path...) }
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "*"},
		{"one byte", []byte{1}, "*"},
		{"unnamed", un(""), "*"},
		{"path with its NUL", un("/a/b\x00"), "/a/b"},
		{"path without a NUL", un("/a/b"), "/a/b"},
		{"abstract", un("\x00srv"), "@srv"},
		{"abstract with inner NULs, as ss shows them", un("\x00a\x00b"), "@a@b"},
		{"short AF_INET", binary.NativeEndian.AppendUint16(nil, unix.AF_INET), "*"},
		{"unknown family", binary.NativeEndian.AppendUint16(nil, 16), "<16>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sock.DecodeSockaddr(tt.b).String(); got != tt.want {
				t.Errorf("decode %q = %q, want %q", tt.b, got, tt.want)
			}
		})
	}
}

// FuzzDecodeSockaddr: any bytes decode without a panic, and what decodes
// as an IP or AF_UNIX address encodes back to a sockaddr that decodes the
// same.
func FuzzDecodeSockaddr(f *testing.F) {
	f.Add(binary.NativeEndian.AppendUint16(nil, unix.AF_UNIX))
	f.Add(append(binary.NativeEndian.AppendUint16(nil, unix.AF_UNIX), "/tmp/x\x00"...))
	f.Add(append(binary.NativeEndian.AppendUint16(nil, unix.AF_UNIX), "\x00abs"...))
	f.Add(append(binary.NativeEndian.AppendUint16(nil, unix.AF_INET), 0, 80, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0))
	f.Add(bytes.Repeat([]byte{0xff}, 130))
	f.Fuzz(func(t *testing.T, b []byte) {
		if runtime.GOOS != "linux" {
			t.Skip("Linux sockaddr layout")
		}
		a := sock.DecodeSockaddr(b)
		_ = a.String()
		switch a.Family() {
		case sock.AF_INET, sock.AF_INET6, sock.AF_UNIX:
		default:
			return
		}
		if strings.ContainsRune(a.Path()[min(1, len(a.Path())):], '@') {
			return // an abstract name with inner NULs shows them as '@'
		}
		got, _, err := sock.AddrRoundTrip(a, a.Family(), false)
		if err != nil {
			if a.Family() == sock.AF_INET6 && errors.Is(err, unix.EINVAL) {
				return // a scope id with no interface of that name
			}
			t.Fatalf("%v does not encode again: %v", a, err)
		}
		if got != a {
			t.Fatalf("decoded %v, then %v", a, got)
		}
	})
}

// TestUnixDatagramPaths: a server bound to a path answers each client at
// the path RecvFrom reports, through SendTo, with no allocation.
func TestUnixDatagramPaths(t *testing.T) {
	dir := t.TempDir()
	srv := skNew(t, sock.AF_UNIX, sock.SOCK_DGRAM, 0)
	if err := srv.Bind(sock.UnixAddr(dir + "/srv")); err != nil {
		t.Fatal(err)
	}
	clients := []string{dir + "/c1", dir + "/c2"}
	if runtime.GOOS == "linux" {
		clients = append(clients, "@posixkit-unixdgram-test", "") // "": autobind
	}
	buf := make([]byte, 64)
	for _, path := range clients {
		c := skNew(t, sock.AF_UNIX, sock.SOCK_DGRAM, 0)
		if err := c.Bind(sock.UnixAddr(path)); err != nil {
			t.Fatal(err)
		}
		me, err := c.LocalAddr()
		if err != nil {
			t.Fatal(err)
		}
		if path != "" && me.Path() != path {
			t.Errorf("LocalAddr = %q, want %q", me.Path(), path)
		}
		if _, err := c.SendTo([]byte("hi from "+me.String()), 0, sock.UnixAddr(dir+"/srv")); err != nil {
			t.Fatal(err)
		}
		n, from, err := srv.RecvFrom(buf, 0)
		if err != nil || from != me || string(buf[:n]) != "hi from "+me.String() {
			t.Fatalf("RecvFrom = %q from %v, %v; want %v", buf[:n], from, err, me)
		}
		if _, err := srv.SendTo([]byte("reply"), 0, from); err != nil {
			t.Fatal(err)
		}
		n, from, err = c.RecvFrom(buf, 0)
		if err != nil || from.Path() != dir+"/srv" || string(buf[:n]) != "reply" {
			t.Fatalf("client RecvFrom = %q from %v, %v", buf[:n], from, err)
		}
		if runtime.GOOS == "darwin" {
			continue
		}
		peer := sock.UnixAddr(dir + "/srv")
		if a := testing.AllocsPerRun(100, func() {
			if _, err := c.SendTo(buf[:1], 0, peer); err != nil {
				t.Fatal(err)
			}
			if _, from, err = srv.RecvFrom(buf, 0); err != nil || from != me {
				t.Fatal(from, err)
			}
		}); a != 0 {
			t.Errorf("unix-path SendTo+RecvFrom: %v allocs per run, want 0", a)
		}
	}
}
