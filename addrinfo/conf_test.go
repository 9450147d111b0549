package addrinfo_test

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/addrinfo"
)

func TestParseResolvConf(t *testing.T) {
	ns := func(s ...string) []netip.AddrPort {
		var out []netip.AddrPort
		for _, a := range s {
			out = append(out, netip.AddrPortFrom(netip.MustParseAddr(a), 53))
		}
		return out
	}
	tests := []struct {
		name string
		conf string
		env  map[string]string
		host string
		want addrinfo.ResolvConf
	}{
		{"empty", "", nil, "vm", addrinfo.ResolvConf{Servers: ns("127.0.0.1"), Ndots: 1, Timeout: 5, Attempts: 2}},
		{"domain from host name", "", nil, "vm.example.org", addrinfo.ResolvConf{Servers: ns("127.0.0.1"), Search: []string{"example.org"}, Ndots: 1, Timeout: 5, Attempts: 2}},
		{"servers, first three", "nameserver 10.0.0.1\nnameserver 127.1\nnameserver fd00::1 trailing\nnameserver 10.0.0.4\nnameserver bogus\n",
			nil, "vm", addrinfo.ResolvConf{Servers: ns("10.0.0.1", "127.0.0.1", "fd00::1"), Ndots: 1, Timeout: 5, Attempts: 2}},
		{"keyword needs a blank", "nameserver\t10.0.0.1\nnameserver10.0.0.2\n# nameserver 10.0.0.3\n; nameserver 10.0.0.4\n",
			nil, "vm", addrinfo.ResolvConf{Servers: ns("10.0.0.1"), Ndots: 1, Timeout: 5, Attempts: 2}},
		{"last of search and domain wins", "search a.test b.test\ndomain c.test extra\n", nil, "vm",
			addrinfo.ResolvConf{Servers: ns("127.0.0.1"), Search: []string{"c.test"}, Ndots: 1, Timeout: 5, Attempts: 2}},
		{"options capped", "options ndots:20 timeout:99 attempts:9 rotate single-request-reopen edns0 use-vc no-aaaa trust-ad\n", nil, "vm",
			addrinfo.ResolvConf{Servers: ns("127.0.0.1"), Ndots: 15, Timeout: 30, Attempts: 5, Rotate: true, Reopen: true, EDNS0: true, UseVC: true, NoAAAA: true, AD: true}},
		{"options by prefix", "options rotatex single-request ndots:2x\n", nil, "vm",
			addrinfo.ResolvConf{Servers: ns("127.0.0.1"), Ndots: 2, Timeout: 5, Attempts: 2, Rotate: true, Single: true}},
		{"environment", "search a.test\noptions ndots:2\n", map[string]string{"LOCALDOMAIN": "x.test y.test", "RES_OPTIONS": "ndots:4 attempts:1"}, "vm",
			addrinfo.ResolvConf{Servers: ns("127.0.0.1"), Search: []string{"x.test", "y.test"}, Ndots: 4, Timeout: 5, Attempts: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := addrinfo.ParseResolvConf([]byte(tt.conf), tt.env, tt.host)
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
				t.Errorf("unexpected configuration (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseNSSwitch(t *testing.T) {
	tests := []struct {
		name, conf string
		want       []string
	}{
		{"missing", "", []string{"files:cccr", "dns:cccr"}},
		{"plain", "passwd: files\nhosts:   files dns\n", []string{"files:cccr", "dns:cccr"}},
		{"actions", "hosts: dns [NOTFOUND=return] files\n", []string{"dns:ccrr", "files:cccr"}},
		{"negated", "hosts: dns [!UNAVAIL=return] files\n", []string{"dns:rcrr", "files:cccr"}},
		{"unknown services left out", "hosts: files mymachines resolve [!UNAVAIL=return] myhostname dns\n", []string{"files:cccr", "dns:cccr"}},
		{"bad action: the default", "hosts: files [NOTFOUND=maybe] dns\n", []string{"files:cccr", "dns:cccr"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, addrinfo.ParseNSSwitch([]byte(tt.conf))); diff != "" {
				t.Errorf("unexpected services (-want +got):\n%s", diff)
			}
		})
	}
}
