package sock_test

import (
	"net/netip"
	"testing"

	"github.com/posixkit/posixkit/sock"
)

func ip(s string) sock.Addr { return sock.InetAddr(netip.MustParseAddrPort(s)) }

func TestTupleString(t *testing.T) {
	tests := []struct {
		name string
		t    sock.Tuple
		want string
	}{
		{"tcp4", sock.Tuple{Protocol: sock.IPPROTO_TCP, Local: ip("127.0.0.1:50312"), Remote: ip("127.0.0.1:8080")},
			"tcp 127.0.0.1:50312 -> 127.0.0.1:8080"},
		{"tcp6", sock.Tuple{Protocol: sock.IPPROTO_TCP, Local: ip("[::1]:50312"), Remote: ip("[2001:db8::1]:443")},
			"tcp [::1]:50312 -> [2001:db8::1]:443"},
		{"zone", sock.Tuple{Protocol: sock.IPPROTO_UDP, Local: ip("[fe80::1%eth0]:5353"), Remote: sock.Addr{}},
			"udp [fe80::1%eth0]:5353 -> *"},
		{"unconnected udp", sock.Tuple{Protocol: sock.IPPROTO_UDP, Local: ip("0.0.0.0:5353"), Remote: sock.Addr{}},
			"udp 0.0.0.0:5353 -> *"},
		{"mapped", sock.Tuple{Protocol: sock.IPPROTO_TCP, Local: ip("[::ffff:127.0.0.1]:80"), Remote: ip("[::ffff:127.0.0.1]:4000")},
			"tcp [::ffff:127.0.0.1]:80 -> [::ffff:127.0.0.1]:4000"},
		{"icmp", sock.Tuple{Protocol: sock.IPPROTO_ICMP, Local: ip("10.0.0.1:0"), Remote: sock.Addr{}},
			"icmp 10.0.0.1:0 -> *"},
		{"zero", sock.Tuple{}, "proto 0 * -> *"},
		{"unix stream", sock.Tuple{Local: sock.UnixAddr("/run/x.sock"), Remote: sock.UnixAddr(""), Type: sock.SOCK_STREAM},
			"u_str /run/x.sock -> *"},
		{"unix datagram, abstract", sock.Tuple{Local: sock.UnixAddr("@srv"), Type: sock.SOCK_DGRAM},
			"u_dgr @srv -> *"},
		{"unix seqpacket", sock.Tuple{Local: sock.UnixAddr(""), Remote: sock.UnixAddr("/a"), Type: sock.SOCK_SEQPACKET},
			"u_seq * -> /a"},
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
