package sock_test

import (
	"net/netip"
	"testing"

	"github.com/posixkit/posixkit/sock"
)

func TestTupleString(t *testing.T) {
	tests := []struct {
		name string
		t    sock.Tuple
		want string
	}{
		{"tcp4", sock.Tuple{sock.IPPROTO_TCP, netip.MustParseAddrPort("127.0.0.1:50312"), netip.MustParseAddrPort("127.0.0.1:8080")},
			"tcp 127.0.0.1:50312 -> 127.0.0.1:8080"},
		{"tcp6", sock.Tuple{sock.IPPROTO_TCP, netip.MustParseAddrPort("[::1]:50312"), netip.MustParseAddrPort("[2001:db8::1]:443")},
			"tcp [::1]:50312 -> [2001:db8::1]:443"},
		{"zone", sock.Tuple{sock.IPPROTO_UDP, netip.MustParseAddrPort("[fe80::1%eth0]:5353"), netip.AddrPort{}},
			"udp [fe80::1%eth0]:5353 -> *"},
		{"unconnected udp", sock.Tuple{sock.IPPROTO_UDP, netip.MustParseAddrPort("0.0.0.0:5353"), netip.AddrPort{}},
			"udp 0.0.0.0:5353 -> *"},
		{"mapped", sock.Tuple{sock.IPPROTO_TCP, netip.MustParseAddrPort("[::ffff:127.0.0.1]:80"), netip.MustParseAddrPort("[::ffff:127.0.0.1]:4000")},
			"tcp [::ffff:127.0.0.1]:80 -> [::ffff:127.0.0.1]:4000"},
		{"icmp", sock.Tuple{sock.IPPROTO_ICMP, netip.MustParseAddrPort("10.0.0.1:0"), netip.AddrPort{}},
			"icmp 10.0.0.1:0 -> *"},
		{"unix", sock.Tuple{}, "proto 0 * -> *"},
		{"sctp", sock.Tuple{Protocol: 132}, "proto 132 * -> *"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.t.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}
