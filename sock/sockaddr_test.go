package sock_test

import (
	"net"
	"net/netip"
	"testing"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

func TestSockaddrRoundTrip(t *testing.T) {
	lo, err := net.InterfaceByIndex(1)
	loName := "1"
	if err == nil {
		loName = lo.Name
	}
	tests := []struct {
		name     string
		in       string
		family   sock.Family
		needPort bool
		want     string
		wantLen  uint32
		wantErr  error
	}{
		{"v4", "127.0.0.1:80", sock.AF_INET, true, "127.0.0.1:80", unix.SizeofSockaddrInet4, nil},
		{"v4 high port", "10.1.2.3:65535", sock.AF_INET, true, "10.1.2.3:65535", unix.SizeofSockaddrInet4, nil},
		{"v4 to AF_INET6 is mapped", "127.0.0.1:80", sock.AF_INET6, true, "[::ffff:127.0.0.1]:80", unix.SizeofSockaddrInet6, nil},
		{"mapped to AF_INET is unmapped", "[::ffff:10.1.2.3]:53", sock.AF_INET, true, "10.1.2.3:53", unix.SizeofSockaddrInet4, nil},
		{"v6", "[2001:db8::1]:443", sock.AF_INET6, true, "[2001:db8::1]:443", unix.SizeofSockaddrInet6, nil},
		{"v6 port 0 for bind", "[::]:0", sock.AF_INET6, false, "[::]:0", unix.SizeofSockaddrInet6, nil},
		{"named zone", "[fe80::1%" + loName + "]:1", sock.AF_INET6, true, "[fe80::1%" + loName + "]:1", unix.SizeofSockaddrInet6, nil},
		{"numeric zone becomes the name", "[fe80::1%1]:1", sock.AF_INET6, true, "[fe80::1%" + loName + "]:1", unix.SizeofSockaddrInet6, nil},
		{"unknown scope id stays numeric", "[fe80::1%999999]:1", sock.AF_INET6, true, "[fe80::1%999999]:1", unix.SizeofSockaddrInet6, nil},
		{"unknown zone name", "[fe80::1%nosuchif0]:1", sock.AF_INET6, true, "", 0, unix.EINVAL},
		{"port 0 where a port is needed", "127.0.0.1:0", sock.AF_INET, true, "", 0, unix.EINVAL},
		{"v6 to AF_INET", "[::1]:80", sock.AF_INET, true, "", 0, unix.EAFNOSUPPORT},
		{"IP to AF_UNIX", "127.0.0.1:80", sock.AF_UNIX, true, "", 0, unix.EAFNOSUPPORT},
		{"invalid", "", sock.AF_INET, false, "", 0, unix.EINVAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in netip.AddrPort
			if tt.in != "" {
				in = netip.MustParseAddrPort(tt.in)
			}
			got, n, err := sock.SockaddrRoundTrip(in, tt.family, tt.needPort)
			if tt.wantErr != nil {
				skErrIs(t, tt.in, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want || n != tt.wantLen {
				t.Errorf("round trip of %s = %v (len %d), want %s (len %d)", tt.in, got, n, tt.want, tt.wantLen)
			}
		})
	}
}

// FuzzSockaddrRoundTrip: any zone-less address encodes and decodes back to
// itself (IPv4 to AF_INET6 as the mapped form, mapped to AF_INET unmapped),
// or fails with EAFNOSUPPORT for IPv6 to AF_INET; never a panic.
func FuzzSockaddrRoundTrip(f *testing.F) {
	f.Add([]byte{127, 0, 0, 1}, uint16(80), true)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, uint16(443), false)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1}, uint16(53), true)
	f.Add([]byte{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, uint16(0), false)
	f.Fuzz(func(t *testing.T, b []byte, port uint16, inet4 bool) {
		ip, ok := netip.AddrFromSlice(b)
		if !ok {
			return
		}
		ap := netip.AddrPortFrom(ip, port)
		family := sock.AF_INET6
		if inet4 {
			family = sock.AF_INET
		}
		got, _, err := sock.SockaddrRoundTrip(ap, family, false)
		want := ap
		switch {
		case family == sock.AF_INET && ip.Is4In6():
			want = netip.AddrPortFrom(ip.Unmap(), port)
		case family == sock.AF_INET && ip.Is6():
			skErrIs(t, ap.String(), err, unix.EAFNOSUPPORT)
			return
		case family == sock.AF_INET6 && ip.Is4():
			want = netip.AddrPortFrom(netip.AddrFrom16(ip.As16()), port)
		}
		if err != nil {
			t.Fatalf("%v to %v: %v", ap, family, err)
		}
		if got != want {
			t.Fatalf("%v to %v came back as %v, want %v", ap, family, got, want)
		}
		// With needPort, port 0 alone is refused.
		if _, _, err := sock.SockaddrRoundTrip(ap, family, true); (err != nil) != (port == 0) {
			t.Fatalf("%v with needPort: %v", ap, err)
		}
	})
}
