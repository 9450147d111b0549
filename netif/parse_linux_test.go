package netif_test

import (
	"encoding/binary"
	"errors"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/netif"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

var capture = flag.Bool("capture", false, "capture the kernel's dumps into testdata/ (host and a test namespace)")

var ne = binary.NativeEndian

// Builders for netlink messages, written from linux/netlink.h and
// linux/rtnetlink.h, independently of the parser.

const (
	testSeq = 7
	testPid = 4242
)

func nlmsg(typ, flags uint16, seq, pid uint32, body []byte) []byte {
	b := make([]byte, 16, 16+len(body)+3)
	ne.PutUint32(b[0:], uint32(16+len(body)))
	ne.PutUint16(b[4:], typ)
	ne.PutUint16(b[6:], flags)
	ne.PutUint32(b[8:], seq)
	ne.PutUint32(b[12:], pid)
	b = append(b, body...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func msg(typ uint16, body ...[]byte) []byte {
	return nlmsg(typ, unix.NLM_F_MULTI, testSeq, testPid, cat(body...))
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func attr(typ uint16, payload []byte) []byte {
	b := make([]byte, 4, 4+len(payload)+3)
	ne.PutUint16(b[0:], uint16(4+len(payload)))
	ne.PutUint16(b[2:], typ)
	b = append(b, payload...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func u32(v uint32) []byte { b := make([]byte, 4); ne.PutUint32(b, v); return b }

func ifinfo(index int32, flags uint32) []byte {
	b := make([]byte, 16)
	ne.PutUint16(b[2:], 1) // ARPHRD_ETHER
	ne.PutUint32(b[4:], uint32(index))
	ne.PutUint32(b[8:], flags)
	return b
}

func ifaddr(family, plen uint8, index uint32) []byte {
	b := []byte{family, plen, 0, 0, 0, 0, 0, 0}
	ne.PutUint32(b[4:], index)
	return b
}

func ip4(s string) []byte { a := netip.MustParseAddr(s).As4(); return a[:] }
func ip6(s string) []byte { a := netip.MustParseAddr(s).As16(); return a[:] }

var done = nlmsg(unix.NLMSG_DONE, unix.NLM_F_MULTI, testSeq, testPid, u32(0))

func eth0() []byte {
	return msg(unix.RTM_NEWLINK, ifinfo(2, unix.IFF_UP|unix.IFF_BROADCAST),
		attr(unix.IFLA_IFNAME, []byte("eth0\x00")),
		attr(unix.IFLA_MTU, u32(1500)),
		attr(unix.IFLA_ADDRESS, []byte{2, 0, 0, 0, 0, 1}),
		attr(unix.IFLA_BROADCAST, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}),
		attr(unix.IFLA_STATS64, make([]byte, 23*8)))
}

func errMsg(errno int32) []byte {
	body := u32(uint32(errno))
	return msg(unix.NLMSG_ERROR, body, make([]byte, 16))
}

func TestParseLinkMessages(t *testing.T) {
	good := cat(eth0(), done)
	tests := []struct {
		name     string
		b        []byte
		seq, pid uint32
		want     error // nil: no error
		links    int
		intr     bool
	}{
		{name: "good", b: good, links: 1},
		{name: "two datagrams", b: cat(eth0(), msg(unix.RTM_NEWLINK, ifinfo(3, 0), attr(unix.IFLA_IFNAME, []byte("v1\x00"))), done), links: 2},
		{name: "noop is skipped", b: cat(msg(unix.NLMSG_NOOP), good), links: 1},
		{name: "dump interrupted", b: cat(nlmsg(unix.RTM_NEWLINK, unix.NLM_F_MULTI|unix.NLM_F_DUMP_INTR, testSeq, testPid, eth0()[16:]), done), links: 1, intr: true},
		{name: "empty", b: nil, want: netif.ErrNoDone},
		{name: "no NLMSG_DONE", b: eth0(), want: netif.ErrNoDone},
		{name: "truncated header", b: good[:10], want: netif.ErrTruncated},
		{name: "15 bytes after the last message", b: cat(good, good[:15]), want: netif.ErrTruncated},
		{name: "nlmsg_len below header", b: func() []byte { b := cat(good); ne.PutUint32(b, 8); return b }(), want: netif.ErrTruncated},
		{name: "nlmsg_len past the end", b: func() []byte { b := cat(good); ne.PutUint32(b, uint32(len(b)+4)); return b }(), want: netif.ErrTruncated},
		{name: "truncated buffer", b: good[:len(good)-25], want: netif.ErrTruncated},
		{name: "padding past the end", b: func() []byte {
			m := msg(unix.NLMSG_NOOP, []byte{1, 2, 3, 4})
			ne.PutUint32(m, 17) // 17 bytes, padded to 20: more than the 17 there are
			return m[:17]
		}(), want: netif.ErrAlign},
		{name: "ifinfomsg truncated", b: cat(msg(unix.RTM_NEWLINK, make([]byte, 12)), done), want: netif.ErrTruncated},
		{name: "attribute shorter than its header", b: cat(msg(unix.RTM_NEWLINK, ifinfo(2, 0), []byte{2, 0, 3, 0}), done), want: netif.ErrAttrLen},
		{name: "attribute past the end", b: cat(msg(unix.RTM_NEWLINK, ifinfo(2, 0), []byte{40, 0, 3, 0, 'a', 0, 0, 0}), done), want: netif.ErrAttrLen},
		{name: "attribute header cut", b: cat(msg(unix.RTM_NEWLINK, ifinfo(2, 0), attr(unix.IFLA_IFNAME, []byte("a\x00")), []byte{8, 0, 0, 0}[:2]), done), want: netif.ErrAttrLen},
		{name: "attribute padding past the message", b: func() []byte {
			body := cat(ifinfo(2, 0), attr(unix.IFLA_IFNAME, []byte("eth0\x00")))
			body = body[:len(body)-3] // rta_len 9, and no padding after it
			m := nlmsg(unix.RTM_NEWLINK, 0, testSeq, testPid, body)
			ne.PutUint32(m, uint32(16+len(body))) // 41: padded to 44, which fits the buffer
			return cat(m, done)
		}(), want: netif.ErrAlign},
		{name: "no name", b: cat(msg(unix.RTM_NEWLINK, ifinfo(2, 0)), done), want: netif.ErrAttrValue},
		{name: "empty name", b: cat(msg(unix.RTM_NEWLINK, ifinfo(2, 0), attr(unix.IFLA_IFNAME, []byte{0})), done), want: netif.ErrAttrValue},
		{name: "name too long", b: cat(msg(unix.RTM_NEWLINK, ifinfo(2, 0), attr(unix.IFLA_IFNAME, []byte("0123456789abcdef\x00"))), done), want: netif.ErrAttrValue},
		{name: "MTU of 2 bytes", b: cat(msg(unix.RTM_NEWLINK, ifinfo(2, 0), attr(unix.IFLA_IFNAME, []byte("a\x00")), attr(unix.IFLA_MTU, []byte{1, 2})), done), want: netif.ErrAttrValue},
		{name: "hardware address of 33 bytes", b: cat(msg(unix.RTM_NEWLINK, ifinfo(2, 0), attr(unix.IFLA_IFNAME, []byte("a\x00")), attr(unix.IFLA_ADDRESS, make([]byte, 33))), done), want: netif.ErrAttrValue},
		{name: "short statistics", b: cat(msg(unix.RTM_NEWLINK, ifinfo(2, 0), attr(unix.IFLA_IFNAME, []byte("a\x00")), attr(unix.IFLA_STATS64, make([]byte, 64))), done), want: netif.ErrAttrValue},
		{name: "index 0", b: cat(msg(unix.RTM_NEWLINK, ifinfo(0, 0), attr(unix.IFLA_IFNAME, []byte("a\x00"))), done), want: netif.ErrAttrValue},
		{name: "index twice", b: cat(eth0(), eth0(), done), want: netif.ErrDupIndex},
		{name: "wrong sequence number", b: good, seq: testSeq + 1, want: netif.ErrSeq},
		{name: "wrong port id", b: good, pid: testPid + 1, want: netif.ErrPortID},
		{name: "unknown message type", b: cat(msg(99, make([]byte, 16)), done), want: netif.ErrMsgType},
		{name: "address message in a link dump", b: cat(msg(unix.RTM_NEWADDR, ifaddr(2, 8, 1)), done), want: netif.ErrMsgType},
		{name: "message after NLMSG_DONE", b: cat(done, eth0()), want: netif.ErrAfterDone},
		{name: "NLMSG_DONE without its value", b: cat(eth0(), msg(unix.NLMSG_DONE)), want: netif.ErrTruncated},
		{name: "NLMSG_DONE with an error", b: cat(eth0(), msg(unix.NLMSG_DONE, u32(uint32(0xffffffff-uint32(unix.ENOBUFS)+1)))), want: unix.ENOBUFS},
		{name: "NLMSG_ERROR", b: cat(errMsg(-int32(unix.EPERM))), want: unix.EPERM},
		{name: "NLMSG_ERROR truncated", b: msg(unix.NLMSG_ERROR, []byte{1, 2}), want: netif.ErrTruncated},
		{name: "acknowledgement in a dump", b: cat(errMsg(0), done), want: netif.ErrMsgType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			seq, pid := uint32(testSeq), uint32(testPid)
			if tt.seq != 0 {
				seq = tt.seq
			}
			if tt.pid != 0 {
				pid = tt.pid
			}
			n, intr, err := netif.ParseLinks(tt.b, seq, pid)
			if tt.want == nil {
				if err != nil || n != tt.links || intr != tt.intr {
					t.Fatalf("ParseLinks = %d links, intr %v, %v; want %d, %v, nil", n, intr, err, tt.links, tt.intr)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseLinks error = %v; want one wrapping %q", err, tt.want)
			}
			var errno unix.Errno
			if !errors.As(tt.want, &errno) && !errors.Is(err, netif.ErrMalformed) {
				t.Errorf("error %v does not wrap ErrMalformed", err)
			}
		})
	}
}

func TestParseAddrMessages(t *testing.T) {
	links := cat(eth0(), done)
	v4 := func(extra ...[]byte) []byte {
		return msg(unix.RTM_NEWADDR, cat(ifaddr(unix.AF_INET, 24, 2), attr(unix.IFA_ADDRESS, ip4("192.0.2.1")),
			attr(unix.IFA_LOCAL, ip4("192.0.2.1")), attr(unix.IFA_LABEL, []byte("eth0\x00")), cat(extra...)))
	}
	tests := []struct {
		name         string
		b            []byte
		want         error
		addrs        int
		inconsistent bool
		check        func(t *testing.T, e netif.IfAddr)
	}{
		{name: "IPv4 with broadcast", b: cat(v4(attr(unix.IFA_BROADCAST, ip4("192.0.2.255"))), done), addrs: 1,
			check: func(t *testing.T, e netif.IfAddr) {
				if e.Name != "eth0" || e.Family != sock.AF_INET || e.Prefix().String() != "192.0.2.1/24" ||
					e.Broadcast.String() != "192.0.2.255" || e.Dst.IsValid() || e.Netmask.String() != "255.255.255.0" {
					t.Errorf("entry %+v", e)
				}
			}},
		{name: "IPv4 peer", b: cat(msg(unix.RTM_NEWADDR, ifaddr(unix.AF_INET, 32, 2), attr(unix.IFA_ADDRESS, ip4("10.1.1.2")),
			attr(unix.IFA_LOCAL, ip4("10.1.1.1"))), done), addrs: 1,
			check: func(t *testing.T, e netif.IfAddr) {
				if e.Addr.String() != "10.1.1.1" || e.Dst.String() != "10.1.1.2" || e.Broadcast.IsValid() {
					t.Errorf("entry %+v", e)
				}
			}},
		{name: "label", b: cat(msg(unix.RTM_NEWADDR, ifaddr(unix.AF_INET, 8, 2), attr(unix.IFA_LOCAL, ip4("10.0.0.1")),
			attr(unix.IFA_LABEL, []byte("eth0:1\x00"))), done), addrs: 1,
			check: func(t *testing.T, e netif.IfAddr) {
				if e.Name != "eth0:1" || e.Index != 2 {
					t.Errorf("entry %+v", e)
				}
			}},
		{name: "IPv6 link-local", b: cat(msg(unix.RTM_NEWADDR, ifaddr(unix.AF_INET6, 64, 2), attr(unix.IFA_ADDRESS, ip6("fe80::1"))), done), addrs: 1,
			check: func(t *testing.T, e netif.IfAddr) {
				if e.Addr.String() != "fe80::1%eth0" || e.Prefix().String() != "fe80::1/64" || e.Family != sock.AF_INET6 {
					t.Errorf("entry %+v", e)
				}
			}},
		{name: "unknown index is left out", b: cat(msg(unix.RTM_NEWADDR, ifaddr(unix.AF_INET, 8, 9), attr(unix.IFA_LOCAL, ip4("10.0.0.1"))), v4(), done),
			addrs: 1, inconsistent: true},
		{name: "other family is skipped", b: cat(msg(unix.RTM_NEWADDR, ifaddr(45, 0, 2), attr(1, []byte{8})), v4(), done), addrs: 1},
		{name: "other family with a bad attribute", b: cat(msg(unix.RTM_NEWADDR, ifaddr(45, 0, 2), []byte{9, 0, 1, 0}), done), want: netif.ErrAttrLen},
		{name: "ifaddrmsg truncated", b: cat(msg(unix.RTM_NEWADDR, []byte{2, 24, 0, 0}), done), want: netif.ErrTruncated},
		{name: "IPv4 address of 16 bytes", b: cat(msg(unix.RTM_NEWADDR, ifaddr(unix.AF_INET, 24, 2), attr(unix.IFA_ADDRESS, ip6("::1"))), done), want: netif.ErrAttrValue},
		{name: "IPv6 address of 4 bytes", b: cat(msg(unix.RTM_NEWADDR, ifaddr(unix.AF_INET6, 64, 2), attr(unix.IFA_ADDRESS, ip4("10.0.0.1"))), done), want: netif.ErrAttrValue},
		{name: "prefix length 33", b: cat(msg(unix.RTM_NEWADDR, ifaddr(unix.AF_INET, 33, 2), attr(unix.IFA_LOCAL, ip4("10.0.0.1"))), done), want: netif.ErrAttrValue},
		{name: "no address", b: cat(msg(unix.RTM_NEWADDR, ifaddr(unix.AF_INET, 8, 2)), done), want: netif.ErrAttrValue},
		{name: "label too long", b: cat(v4(attr(unix.IFA_LABEL, []byte("0123456789abcdef"))), done), want: netif.ErrAttrValue},
		{name: "link message in an address dump", b: cat(eth0(), done), want: netif.ErrMsgType},
		{name: "attribute past the end", b: cat(msg(unix.RTM_NEWADDR, ifaddr(unix.AF_INET, 8, 2), []byte{200, 0, 1, 0}), done), want: netif.ErrAttrLen},
		{name: "NLMSG_ERROR", b: errMsg(-int32(unix.EINVAL)), want: unix.EINVAL},
		{name: "no NLMSG_DONE", b: v4(), want: netif.ErrNoDone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := netif.ParseDumps(links, testSeq, testPid, tt.b, testSeq, testPid)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("ParseDumps error = %v; want one wrapping %q", err, tt.want)
				}
				return
			}
			if err != nil || d.Addrs != tt.addrs || d.Inconsistent != tt.inconsistent || len(d.IfAddrs) != 1+tt.addrs {
				t.Fatalf("ParseDumps = %d addresses, inconsistent %v, %d entries, %v; want %d, %v", d.Addrs, d.Inconsistent, len(d.IfAddrs), err, tt.addrs, tt.inconsistent)
			}
			if tt.check != nil {
				tt.check(t, d.IfAddrs[1])
			}
		})
	}
}

// headerOf returns the sequence number and port id of a dump's first
// message, the values the dump was read with.
func headerOf(b []byte) (seq, pid uint32) {
	if len(b) < 16 {
		return 0, 0
	}
	return ne.Uint32(b[8:]), ne.Uint32(b[12:])
}

// countMessages walks a dump on its own and counts messages of type typ; ok
// is false when the lengths do not add up to the buffer.
func countMessages(b []byte, typ uint16) (n int, ok bool) {
	for len(b) > 0 {
		if len(b) < 16 {
			return n, false
		}
		l := int(ne.Uint32(b))
		if l < 16 || (l+3)&^3 > len(b) {
			return n, false
		}
		if ne.Uint16(b[4:]) == typ {
			n++
		}
		b = b[(l+3)&^3:]
	}
	return n, true
}

func readCaptures(t testing.TB) [][2][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/*.link")
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures in testdata/ (%v); make them with go test -run TestCapture -capture", err)
	}
	var out [][2][]byte
	for _, f := range files {
		l, err1 := os.ReadFile(f)
		a, err2 := os.ReadFile(strings.TrimSuffix(f, ".link") + ".addr")
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		out = append(out, [2][]byte{l, a})
	}
	return out
}

func parsePair(l, a []byte) (netif.Dump, error) {
	ls, lp := headerOf(l)
	as, ap := headerOf(a)
	return netif.ParseDumps(l, ls, lp, a, as, ap)
}

// checkDump asserts what must hold of any pair of dumps the parser accepts.
func checkDump(t *testing.T, l, a []byte, d netif.Dump) {
	t.Helper()
	nl, okl := countMessages(l, unix.RTM_NEWLINK)
	na, oka := countMessages(a, unix.RTM_NEWADDR)
	if !okl || !oka {
		t.Fatalf("parser accepted dumps whose lengths do not add up")
	}
	if d.Links != nl || d.Addrs > na || len(d.IfAddrs) != d.Links+d.Addrs {
		t.Fatalf("%d links of %d messages, %d addresses of %d messages, %d entries", d.Links, nl, d.Addrs, na, len(d.IfAddrs))
	}
	index := map[int]string{}
	for i, e := range d.IfAddrs {
		if i < d.Links {
			if e.Family != sock.AF_PACKET || e.Index <= 0 || e.Name == "" || len(e.Name) > 15 || len(e.HardwareAddr) > 32 {
				t.Fatalf("link entry %d: %+v", i, e)
			}
			index[e.Index] = e.Name
			continue
		}
		name, ok := index[e.Index]
		if !ok {
			t.Fatalf("entry %d: address %v of unknown index %d", i, e.Addr, e.Index)
		}
		if e.Family != sock.AF_INET && e.Family != sock.AF_INET6 || !e.Prefix().IsValid() || e.Stats != nil {
			t.Fatalf("entry %d: %+v", i, e)
		}
		if z := e.Addr.Zone(); z != "" && z != name {
			t.Fatalf("entry %d: zone %q on interface %q", i, z, name)
		}
	}
}

func TestCaptures(t *testing.T) {
	for _, c := range readCaptures(t) {
		d, err := parsePair(c[0], c[1])
		if err != nil {
			t.Fatal(err)
		}
		checkDump(t, c[0], c[1], d)
		if d.Links == 0 || d.Addrs == 0 || d.Intr || d.Inconsistent {
			t.Errorf("capture: %d links, %d addresses, intr %v, inconsistent %v", d.Links, d.Addrs, d.Intr, d.Inconsistent)
		}
	}
}

// FuzzParseDumps feeds pairs of link and address dumps, seeded with real
// captures, and checks the invariants of checkDump on every accepted pair.
func FuzzParseDumps(f *testing.F) {
	for _, c := range readCaptures(f) {
		f.Add(c[0], c[1])
	}
	f.Add(cat(eth0(), done), cat(errMsg(-1)))
	f.Fuzz(func(t *testing.T, l, a []byte) {
		d, err := parsePair(l, a)
		if err != nil {
			if d.IfAddrs != nil {
				t.Fatalf("error %v with %d entries", err, len(d.IfAddrs))
			}
			return
		}
		checkDump(t, l, a, d)
	})
}

// TestCapture writes the kernel's dumps into testdata/, on the host and in
// a namespace with the richNetns cases, when run with -capture.
func TestCapture(t *testing.T) {
	if !*capture {
		t.Skip("skipping: run with -capture to refresh testdata/")
	}
	save := func(name string) {
		var l, a []byte
		var err error
		l, _, a, _, _, err = netif.Capture()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("testdata/"+name+".link", l, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("testdata/"+name+".addr", a, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll("testdata", 0o755)
	save("host")
	ns := richNetns(t, 0)
	testkit.InNetns(t, ns, func() { save("netns") })
}

// bigAddrDump is an address dump of n IPv4 addresses on eth0 (index 2), in
// datagrams of about 32 KiB, as the kernel sends them.
func bigAddrDump(n int) []byte {
	var b []byte
	for i := range n {
		a := [4]byte{10, 100, byte(i / 250), byte(i%250 + 1)}
		b = append(b, msg(unix.RTM_NEWADDR, ifaddr(unix.AF_INET, 16, 2),
			attr(unix.IFA_ADDRESS, a[:]), attr(unix.IFA_LOCAL, a[:]),
			attr(unix.IFA_BROADCAST, ip4("10.100.255.255")), attr(unix.IFA_LABEL, []byte("eth0\x00")),
			attr(unix.IFA_FLAGS, u32(0x80)), attr(unix.IFA_CACHEINFO, make([]byte, 16)))...)
	}
	return append(b, done...)
}

// BenchmarkParse measures the parser alone (no kernel): a link dump of one
// link and an address dump of 1,000 addresses, into the getifaddrs list.
func BenchmarkParse(b *testing.B) {
	l, a := cat(eth0(), done), bigAddrDump(1000)
	b.ReportAllocs()
	b.SetBytes(int64(len(l) + len(a)))
	for b.Loop() {
		d, err := netif.ParseDumps(l, testSeq, testPid, a, testSeq, testPid)
		if err != nil || d.Addrs != 1000 {
			b.Fatal(d.Addrs, err)
		}
	}
}
