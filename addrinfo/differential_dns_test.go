package addrinfo_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posixkit/posixkit/addrinfo"
	"github.com/posixkit/posixkit/addrinfo/internal/cgai"
	"github.com/posixkit/posixkit/sock"
)

// The outcomes the responder gives one query type in the rcode matrix.
var outcomes = []string{"data", "nodata", "nx", "servfail", "refused", "formerr", "notimp", "silent"}

// addMatrix adds m-A-AAAA.test for every pair of outcomes (the silent
// ones only where listed: each costs a timeout), the forged names, the
// CNAME chains and the names with bytes res_hnok refuses.
func addMatrix(s *dnsServer, withSilence bool) []string {
	// Silence pairs only with these: each case costs a timeout or three.
	quick := map[string]bool{"data": true, "nodata": true, "nx": true, "servfail": true, "silent": true}
	var names []string
	for _, oa := range outcomes {
		for _, o6 := range outcomes {
			if (oa == "silent" || o6 == "silent") && (!withSilence || !quick[oa] || !quick[o6]) {
				continue
			}
			name := "m-" + oa + "-" + o6 + ".test."
			names = append(names, strings.TrimSuffix(name, "."))
			s.zone[name] = nil
			for _, x := range []struct {
				o    string
				typ  uint16
				addr string
			}{{oa, typeA, "192.0.2.100"}, {o6, typeAAAA, "fd00::100"}} {
				if s.rcodeT[name] == nil {
					s.rcodeT[name], s.silentT[name] = map[uint16]int{}, map[uint16]bool{}
				}
				switch x.o {
				case "data":
					s.zone[name] = append(s.zone[name], dnsRR{x.typ, netip.MustParseAddr(x.addr).AsSlice()})
				case "nx":
					s.rcodeT[name][x.typ] = 3
				case "servfail":
					s.rcodeT[name][x.typ] = 2
				case "refused":
					s.rcodeT[name][x.typ] = 5
				case "formerr":
					s.rcodeT[name][x.typ] = 1
				case "notimp":
					s.rcodeT[name][x.typ] = 4
				case "silent":
					s.silentT[name][x.typ] = true
				}
			}
		}
	}
	for _, kind := range []string{"id", "question", "source"} {
		name := "forge-" + kind + ".test."
		s.zone[name] = []dnsRR{{typeA, []byte{192, 0, 2, 61}}, {typeAAAA, netip.MustParseAddr("fd00::61").AsSlice()}}
		s.forge[name] = kind
		names = append(names, strings.TrimSuffix(name, "."))
	}
	for _, n := range []int{1, 8, 17} {
		prev := fmt.Sprintf("chain%d.test.", n)
		names = append(names, strings.TrimSuffix(prev, "."))
		for i := n; i > 0; i-- {
			next := fmt.Sprintf("chain%d-%d.test.", n, i)
			s.zone[prev] = []dnsRR{{typeCNAME, encodeName(next)}}
			prev = next
		}
		s.zone[prev] = []dnsRR{{typeA, []byte{192, 0, 2, byte(70 + n)}}, {typeAAAA, netip.MustParseAddr(fmt.Sprintf("fd00::%d", 70+n)).AsSlice()}}
	}
	// A CNAME to a name with a NUL byte, or a space, in a label.
	s.zone["nulcname.test."] = []dnsRR{{typeCNAME, encodeName("a\x00b.evil.")}}
	s.zone["a\x00b.evil."] = []dnsRR{{typeA, []byte{6, 6, 6, 6}}}
	s.zone["spacecname.test."] = []dnsRR{{typeCNAME, encodeName("a b.evil.")}}
	s.zone["a b.evil."] = []dnsRR{{typeA, []byte{6, 6, 6, 7}}}
	// In the hosts file for IPv4 only; in DNS for IPv6 only.
	s.zone["v4hosts-dns6.test."] = []dnsRR{{typeAAAA, netip.MustParseAddr("fd00::90").AsSlice()}}
	names = append(names, "nulcname.test", "spacecname.test", "v4hosts.test", "v4hosts-dns6.test", "v6hosts.test", "localhost")
	return names
}

// Hosts lines for the one-family cases: localhost and the others for one
// family only.
const oneFamilyHosts = `127.0.0.1 localhost
127.0.0.1 vm
10.1.2.20 v4hosts.test
10.1.2.21 v4hosts-dns6.test
fd00::22 v6hosts.test
`

// diffFiles writes the files of one differential run (contents by key:
// hosts, services, resolv, nsswitch, gai) and returns their paths and a
// Resolver that reads them.
func diffFiles(t *testing.T, contents map[string]string) (map[string]string, *addrinfo.Resolver) {
	t.Helper()
	dir := t.TempDir()
	names := map[string]string{"hosts": "hosts", "services": "services", "resolv": "resolv.conf", "nsswitch": "nsswitch.conf", "gai": "gai.conf"}
	defaults := map[string]string{"hosts": oneFamilyHosts, "services": testServices, "nsswitch": "hosts: files dns\n", "gai": ""}
	files := map[string]string{}
	for k, n := range names {
		v, ok := contents[k]
		if !ok {
			v = defaults[k]
		}
		files[k] = filepath.Join(dir, n)
		if err := os.WriteFile(files[k], []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := &addrinfo.Resolver{HostsFile: files["hosts"], ServicesFile: files["services"], ResolvConf: files["resolv"],
		NSSwitchConf: files["nsswitch"], GaiConf: files["gai"]}
	return files, r
}

// runOracleParallel asks the C library in n processes at once, each a
// share of the cases (the slow ones wait out timeouts).
func runOracleParallel(t *testing.T, files map[string]string, cases []gaiCase, n int) []gaiOut {
	t.Helper()
	outs := make([][]gaiOut, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed string
	for k := range n {
		var share []gaiCase
		for i := k; i < len(cases); i += n {
			share = append(share, cases[i])
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := oracleRun(files, oracleIn{GAI: share})
			if err != nil {
				mu.Lock()
				failed = err.Error()
				mu.Unlock()
				return
			}
			outs[k] = out.GAI
		}()
	}
	wg.Wait()
	if failed != "" {
		t.Fatal(failed)
	}
	want := make([]gaiOut, len(cases))
	for k := range n {
		for j, o := range outs[k] {
			want[k+j*n] = o
		}
	}
	return want
}

func needOracle(t *testing.T) {
	t.Helper()
	if !cgai.Available {
		t.Skip("cgo is off: no C library to compare with")
	}
	if testing.Short() {
		t.Skip("slow: timeouts of the C library's resolver")
	}
}

// hintSet is the hints every DNS name is asked with: AF_UNSPEC, each
// family, AI_CANONNAME (the gethostbyname3 path) and AI_V4MAPPED|AI_ALL.
var hintSet = [][3]int{
	{0, 0, int(sock.SOCK_STREAM)},
	{0, int(sock.AF_INET), int(sock.SOCK_STREAM)},
	{0, int(sock.AF_INET6), int(sock.SOCK_STREAM)},
	{int(addrinfo.AI_CANONNAME), 0, int(sock.SOCK_STREAM)},
	{int(addrinfo.AI_CANONNAME), int(sock.AF_INET), int(sock.SOCK_STREAM)},
	{int(addrinfo.AI_CANONNAME), int(sock.AF_INET6), int(sock.SOCK_STREAM)},
	{int(addrinfo.AI_V4MAPPED | addrinfo.AI_ALL), int(sock.AF_INET6), int(sock.SOCK_STREAM)},
	{int(addrinfo.AI_V4MAPPED), int(sock.AF_INET6), int(sock.SOCK_STREAM)},
}

func casesFor(names []string, hints [][3]int) []gaiCase {
	var cs []gaiCase
	for _, n := range names {
		for _, h := range hints {
			cs = append(cs, gaiCase{Host: sp(n), Service: sp("80"), Flags: h[0], Family: h[1], SockType: h[2]})
		}
	}
	return cs
}

// TestDifferentialDNS compares Lookup with getaddrinfo over the test's
// responder: every rcode (and silence) for A and AAAA independently, under
// every hint family; forged replies before the real one; CNAME chains of
// 1, 8 and 17 links; names with bytes res_hnok refuses; names in the
// hosts file for one family only; truncation (TC, then TCP).
func TestDifferentialDNS(t *testing.T) {
	needOracle(t)
	srv := newZone()
	names := addMatrix(srv, true)
	names = append(names, "tcp.test", "garbage.test")
	ns := srv.startLoopback53(t)
	files, r := diffFiles(t, map[string]string{"resolv": "nameserver " + ns.String() + "\noptions timeout:1 attempts:1\n"})
	var cases []gaiCase
	for _, n := range names {
		if strings.Contains(n, "silent") {
			cases = append(cases, casesFor([]string{n}, hintSet[:3])...)
		} else {
			cases = append(cases, casesFor([]string{n}, hintSet)...)
		}
	}
	want := runOracleParallel(t, files, cases, 8)
	compareGAI(t, r, cases, want, true)
	t.Logf("%d getaddrinfo cases", len(cases))
}

// TestDifferentialResolvConf compares Lookup with getaddrinfo under
// resolv.conf variants: search lists with ndots 1 and 3, rotate over
// three servers, single-request, single-request-reopen, edns0, use-vc,
// no-aaaa, and LOCALDOMAIN and RES_OPTIONS (set for both sides).
func TestDifferentialResolvConf(t *testing.T) {
	needOracle(t)
	var servers []netip.Addr
	for range 3 {
		srv := newZone()
		srv.zone["host.sub.test."] = []dnsRR{{typeA, []byte{192, 0, 2, 51}}}
		srv.zone["host.test."] = []dnsRR{{typeA, []byte{192, 0, 2, 52}}, {typeAAAA, netip.MustParseAddr("fd00::52").AsSlice()}}
		srv.zone["host.test.sub.test."] = []dnsRR{{typeA, []byte{192, 0, 2, 53}}}
		srv.zone["only.test."] = []dnsRR{{typeAAAA, netip.MustParseAddr("fd00::54").AsSlice()}}
		srv.zone["nd.sub.test."] = nil
		srv.rcode["sf.sub.test."] = 2
		srv.zone["sf.test."] = []dnsRR{{typeA, []byte{192, 0, 2, 55}}}
		servers = append(servers, srv.startLoopback53(t))
	}
	names := []string{"host", "host.test", "host.test.", "host.sub", "only", "only.test", "nd", "sf", "a.test", "multi.test",
		"cname.test", "tcp.test", "nodata.test", "nxdomain.test", "servfail.test", "refused.test"}
	ns := "nameserver " + servers[0].String() + "\n"
	all := ns + "nameserver " + servers[1].String() + "\nnameserver " + servers[2].String() + "\n"
	variants := []struct {
		name, resolv string
		env          []string
	}{
		{"ndots1", ns + "search sub.test test\noptions timeout:1 attempts:1 ndots:1\n", nil},
		{"ndots3", ns + "search sub.test test\noptions timeout:1 attempts:1 ndots:3\n", nil},
		{"domain", ns + "domain test\noptions timeout:1 attempts:1\n", nil},
		{"rotate", all + "options timeout:1 attempts:2 rotate\n", nil},
		{"single-request", ns + "options timeout:1 attempts:1 single-request\n", nil},
		{"single-request-reopen", ns + "options timeout:1 attempts:1 single-request-reopen\n", nil},
		{"edns0", ns + "options edns0 trust-ad timeout:1\n", nil},
		{"use-vc", ns + "options use-vc timeout:1\n", nil},
		{"no-aaaa", ns + "options no-aaaa timeout:1\n", nil},
		{"env", ns + "search nothing.test\noptions timeout:1\n", []string{"LOCALDOMAIN=sub.test test", "RES_OPTIONS=ndots:2 attempts:1"}},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			for _, kv := range v.env {
				k, val, _ := strings.Cut(kv, "=")
				t.Setenv(k, val)
			}
			files, r := diffFiles(t, map[string]string{"resolv": v.resolv})
			cases := casesFor(names, hintSet[:6])
			want := runOracleFiles(t, files, oracleIn{GAI: cases})
			compareGAI(t, r, cases, want.GAI, false)
		})
	}
}

// TestDifferentialSchedule times a look-up that no server answers: three
// servers, timeout:1 attempts:2, so glibc waits 1 s, then 2/3 s rounded
// down to 0 (taken as 1 s), then 4/3 s rounded down to 1 s, twice over.
// Lookup must give the same code in the same time, within 20%.
func TestDifferentialSchedule(t *testing.T) {
	needOracle(t)
	var servers []netip.Addr
	for range 3 {
		srv := newZone()
		servers = append(servers, srv.startLoopback53(t))
	}
	var resolv strings.Builder
	for _, a := range servers {
		fmt.Fprintf(&resolv, "nameserver %s\n", a)
	}
	resolv.WriteString("options timeout:1 attempts:2\n")
	files, r := diffFiles(t, map[string]string{"resolv": resolv.String()})
	cases := casesFor([]string{"silent.test"}, [][3]int{{0, int(sock.AF_INET), int(sock.SOCK_STREAM)}, {0, 0, int(sock.SOCK_STREAM)}})
	want := runOracleFiles(t, files, oracleIn{GAI: cases})
	for i, c := range cases {
		t.Run(caseName(c), func(t *testing.T) {
			start := time.Now()
			_, err := r.Lookup(context.Background(), *c.Host, "80", &addrinfo.Hints{Family: sock.Family(c.Family), SockType: sock.Type(c.SockType)})
			took := time.Since(start)
			if code := codeOf(err); code != want.GAI[i].Code {
				t.Fatalf("code: C %d (%s), Go %d (%v)", want.GAI[i].Code, cgai.GaiStrerror(want.GAI[i].Code), code, err)
			}
			ct := time.Duration(want.GAI[i].Nanos)
			t.Logf("C %v, Go %v", ct.Round(time.Millisecond), took.Round(time.Millisecond))
			if took < ct*8/10 || took > ct*12/10 {
				t.Errorf("Go took %v, C %v: not within 20%%", took, ct)
			}
		})
	}
}

// TestDifferentialSystem compares Lookup and getaddrinfo on this
// machine's own files and name server: the names of its hosts file (for
// IPv4 only on a machine like this one) asked for every family, and a
// name no server has.
func TestDifferentialSystem(t *testing.T) {
	needOracle(t)
	var names []string
	if b, err := os.ReadFile("/etc/hosts"); err == nil {
		entries, _ := addrinfo.ParseHosts(b)
		seen := map[string]bool{}
		for _, e := range entries {
			for _, n := range e.Names {
				if n != "" && !seen[n] && len(names) < 20 {
					seen[n] = true
					names = append(names, n)
				}
			}
		}
	}
	if h, err := os.Hostname(); err == nil {
		names = append(names, h)
	}
	names = append(names, "nosuchname.invalid", "localhost.")
	cases := casesFor(names, hintSet)
	// Probe the system's server once: with no answer in time the run
	// would take minutes on both sides.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	_, err := addrinfo.Lookup(ctx, "nosuchname.invalid", "80", &addrinfo.Hints{SockType: sock.SOCK_STREAM})
	cancel()
	if errors.Is(err, addrinfo.EAI_AGAIN) {
		t.Skipf("the system's name server does not answer in time: %v", err)
	}
	want := runOracleFiles(t, nil, oracleIn{GAI: cases})
	compareGAI(t, &addrinfo.Resolver{}, cases, want.GAI, false)
	t.Logf("%d getaddrinfo cases over the system's files", len(cases))
}

// TestDifferentialGaiConf compares the order of Lookup's answers with
// getaddrinfo's under gai.conf variants: precedence and label lines that
// replace glibc's tables, and scopev4 lines.
func TestDifferentialGaiConf(t *testing.T) {
	needOracle(t)
	srv := newZone()
	srv.zone["mix.test."] = []dnsRR{
		{typeA, []byte{198, 51, 100, 11}}, {typeA, []byte{192, 0, 2, 12}}, {typeA, []byte{10, 0, 0, 13}},
		{typeAAAA, netip.MustParseAddr("fd00::11").AsSlice()}, {typeAAAA, netip.MustParseAddr("2001:db8::12").AsSlice()},
		{typeAAAA, netip.MustParseAddr("2002:c000:20c::1").AsSlice()}, {typeAAAA, netip.MustParseAddr("::ffff:192.0.2.99").AsSlice()},
	}
	ns := srv.startLoopback53(t)
	hosts := oneFamilyHosts + "192.0.2.50 mixhosts.test\nfd00::50 mixhosts.test\n10.9.9.9 mixhosts.test\n2001:db8::50 mixhosts.test\n::1 mixhosts.test\n"
	variants := []struct{ name, gai string }{
		{"empty", ""},
		{"prefer-ipv4", "precedence ::ffff:0:0/96 100\n"},
		{"explicit-defaults", "label ::1/128 0\nlabel ::/0 1\nlabel 2002::/16 2\nlabel ::/96 3\nlabel ::ffff:0:0/96 4\n" +
			"precedence ::1/128 50\nprecedence ::/0 40\nprecedence 2002::/16 30\nprecedence ::/96 20\nprecedence ::ffff:0:0/96 10\n"},
		{"ula-last", "precedence fd00::/8 1\nprecedence 2001:db8::/32 60\n# a comment\nreload no\n"},
		{"labels", "label 2001:db8::/32 7\nlabel fd00::/8 7\n"},
		{"scopev4", "scopev4 ::ffff:192.0.2.0/120 5\nscopev4 198.51.100.0/24 2\nscopev4 ::ffff:10.0.0.0/104 14\n"},
		{"junk", "precedence nonsense 5\nlabel ::1/129 3\nscopev4 1.2.3.4/33 1\nprecedence ::/0 x\n"},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			files, r := diffFiles(t, map[string]string{"hosts": hosts, "gai": v.gai,
				"resolv": "nameserver " + ns.String() + "\noptions timeout:1 attempts:1\n"})
			cases := casesFor([]string{"mix.test", "mixhosts.test", "multi.test"}, [][3]int{
				{0, 0, int(sock.SOCK_STREAM)}, {int(addrinfo.AI_V4MAPPED | addrinfo.AI_ALL), int(sock.AF_INET6), int(sock.SOCK_STREAM)},
				{0, 0, 0}})
			want := runOracleFiles(t, files, oracleIn{GAI: cases})
			compareGAI(t, r, cases, want.GAI, false)
		})
	}
}
