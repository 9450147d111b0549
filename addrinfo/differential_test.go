package addrinfo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/addrinfo"
	"github.com/posixkit/posixkit/addrinfo/internal/cgai"
	"github.com/posixkit/posixkit/sock"
)

// testHosts is the hosts file both sides read in the differential test.
func testHosts() string {
	var b strings.Builder
	b.WriteString(`# test hosts file
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
10.1.2.3	canon.test alias1 ALIAS2	# comment
10.1.2.4	dual.test
fd00::4	dual.test dual6
10.1.2.5	dual.test
fd00::5	v6host.test
::ffff:10.1.2.6	mapped.test
bad.address	broken.test
127.1	aton-in-hosts.test
172.16.0.9	scope.test
192.0.2.200	scope.test
fe80::1%lo	zoned.test
    10.1.2.7	   indented.test
`)
	b.WriteString("10.9.9.9 " + strings.Repeat("x", 70000) + " longline.test\n")
	b.WriteString("10.1.2.8\tafter-long.test\n")
	b.WriteString("10.1.2.9 " + strings.Repeat("n", 253) + "\n")
	return b.String()
}

const testServices = `# test services
tcpmux		1/tcp
echo		7/tcp
echo		7/udp
ssh		22/tcp
http		80/tcp		www www-http
http		80/udp
exec		512/tcp
biff		512/udp		comsat
wrap		99999/tcp
sctponly	3868/sctp
dccponly	5004/dccp
multi		6000/tcp
multi		6001/udp
multi		6002/sctp
bad		x/tcp
hexsvc		0x50/tcp
octsvc		010/tcp
decsvc		81/tcp
badoct		08/tcp
hexnone		0x/tcp
hexbig		0x1FFFF/tcp
`

func sp(s string) *string { return &s }

type diffEnv struct {
	r     *addrinfo.Resolver
	dns   *dnsServer
	dir   string
	files map[string]string
}

// setupDiff starts the DNS responder on 127.0.0.1:53 and writes the files.
// It skips the test when that is not possible.
func setupDiff(t *testing.T) *diffEnv {
	t.Helper()
	if !cgai.Available {
		t.Skip("cgo is off: no C library to compare with")
	}
	dir := t.TempDir()
	srv := newZone()
	ns := srv.startLoopback53(t)
	files := map[string]string{
		"hosts":    filepath.Join(dir, "hosts"),
		"services": filepath.Join(dir, "services"),
		"resolv":   filepath.Join(dir, "resolv.conf"),
		"nsswitch": filepath.Join(dir, "nsswitch.conf"),
		"gai":      filepath.Join(dir, "gai.conf"),
	}
	for k, v := range map[string]string{
		"hosts":    testHosts(),
		"services": testServices,
		"resolv":   "nameserver " + ns.String() + "\noptions timeout:1 attempts:1\n",
		"nsswitch": "hosts: files dns\n",
		"gai":      "",
	} {
		if err := os.WriteFile(files[k], []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &diffEnv{
		r: &addrinfo.Resolver{HostsFile: files["hosts"], ServicesFile: files["services"], ResolvConf: files["resolv"],
			NSSwitchConf: files["nsswitch"], GaiConf: files["gai"]},
		dns:   srv,
		dir:   dir,
		files: files,
	}
}

// runOracle asks the C library, in a child under its own mount namespace.
func (e *diffEnv) runOracle(t *testing.T, in oracleIn) oracleOut {
	return runOracleFiles(t, e.files, in)
}

// runOracleFiles asks the C library with the given files bind-mounted
// over the system's (none: the system's own files).
func runOracleFiles(t *testing.T, files map[string]string, in oracleIn) oracleOut {
	t.Helper()
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare(1) not found")
	}
	out, err := oracleRun(files, in)
	if err != nil {
		if strings.Contains(err.Error(), "Operation not permitted") || strings.Contains(err.Error(), "permission denied") {
			t.Skipf("no private mount namespace here (needs root): %v", err)
		}
		t.Fatal(err)
	}
	return out
}

// oracleRun runs this test binary as the oracle in a child under its own
// mount namespace.
func oracleRun(files map[string]string, in oracleIn) (oracleOut, error) {
	body, _ := json.Marshal(in)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "-m", "--propagation", "private", os.Args[0])
	cmd.Env = append(os.Environ(), "ADDRINFO_ORACLE=1",
		"ADDRINFO_HOSTS="+files["hosts"], "ADDRINFO_SERVICES="+files["services"], "ADDRINFO_RESOLV="+files["resolv"],
		"ADDRINFO_NSSWITCH="+files["nsswitch"], "ADDRINFO_GAI="+files["gai"])
	cmd.Stdin = bytes.NewReader(body)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return oracleOut{}, fmt.Errorf("oracle: %v\n%s", err, stderr.String())
	}
	var out oracleOut
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return oracleOut{}, fmt.Errorf("oracle output: %v\n%s", err, stdout.String())
	}
	return out, nil
}

func gaiCases() []gaiCase {
	const (
		stream = int(sock.SOCK_STREAM)
		dgram  = int(sock.SOCK_DGRAM)
		raw    = int(sock.SOCK_RAW)
		seqp   = int(sock.SOCK_SEQPACKET)
		inet   = int(sock.AF_INET)
		inet6  = int(sock.AF_INET6)
	)
	var cs []gaiCase
	hosts := []*string{nil, sp("localhost"), sp("LocalHost"), sp("ip6-localhost"),
		sp("127.1"), sp("0x7f.1"), sp("0177.0.0.1"), sp("2130706433"), sp("127.0.0.01"), sp("1.0xffffff"),
		sp("1.2.3.4 junk"), sp("256.1.1.1"), sp("08.1.1.1"), sp("1.2.3.4."),
		sp("::1"), sp("::ffff:127.0.0.1"), sp("fe80::1%lo"), sp("fe80::1%999"), sp("fe80::1%nosuch"),
		sp("ff02::1%lo"), sp("::1%lo"), sp("::1%5"), sp("fe80::1%"), sp("1::2::3"),
		sp("canon.test"), sp("alias1"), sp("alias2"), sp("dual.test"), sp("dual6"), sp("v6host.test"),
		sp("mapped.test"), sp("broken.test"), sp("aton-in-hosts.test"), sp("scope.test"), sp("zoned.test"),
		sp("indented.test"), sp("longline.test"), sp("after-long.test"),
		sp("a.test"), sp("multi.test"), sp("both.test"), sp("v6only.test"), sp("cname.test"),
		sp("nodata.test"), sp("nxdomain.test"), sp("servfail.test"), sp("refused.test"), sp("tcp.test"),
		sp(strings.Repeat("n", 253)), sp(strings.Repeat("n", 252) + "."), sp(strings.Repeat("a", 254)), sp(strings.Repeat("a", 300)),
		sp("*"),
	}
	hints := [][4]int{
		{0, 0, 0, 0},
		{0, inet, stream, 0},
		{0, inet6, stream, 0},
		{int(addrinfo.AI_CANONNAME), 0, stream, 0},
		{int(addrinfo.AI_CANONNAME), inet, stream, 0},
		{int(addrinfo.AI_CANONNAME), inet6, stream, 0},
		{int(addrinfo.AI_V4MAPPED), inet6, stream, 0},
		{int(addrinfo.AI_V4MAPPED | addrinfo.AI_ALL), inet6, stream, 0},
		{int(addrinfo.AI_NUMERICHOST), 0, stream, 0},
		{int(addrinfo.AI_ADDRCONFIG), 0, stream, 0},
		{int(addrinfo.AI_PASSIVE), 0, dgram, 0},
	}
	for _, h := range hosts {
		for _, hi := range hints {
			if h == nil && hi[0]&int(addrinfo.AI_CANONNAME) != 0 {
				continue
			}
			svc := (*string)(nil)
			if h == nil || *h == "*" {
				svc = sp("80")
			}
			cs = append(cs, gaiCase{h, svc, hi[0], hi[1], hi[2], hi[3], false})
		}
	}
	services := []*string{nil, sp("80"), sp("http"), sp("www"), sp("exec"), sp("biff"), sp("comsat"), sp("65536"), sp(" 80"),
		sp("+80"), sp("-1"), sp("4294967296"), sp("4294967295"), sp("0x50"), sp("nosuchsvc"), sp("wrap"), sp("sctponly"),
		sp("dccponly"), sp("multi"), sp("bad"), sp("*"), sp("80 "), sp(" "),
		sp("hexsvc"), sp("octsvc"), sp("decsvc"), sp("badoct"), sp("hexnone"), sp("hexbig")}
	types := [][2]int{{0, 0}, {stream, 0}, {dgram, 0}, {raw, 0}, {seqp, 0}, {0, 17}, {stream, 17}, {0, 132},
		{9, 0}, {0, 99}, {raw, 99}, {6, 0}, {dgram, 136}}
	for _, s := range services {
		for _, ty := range types {
			cs = append(cs, gaiCase{sp("localhost"), s, 0, inet, ty[0], ty[1], false})
		}
		cs = append(cs, gaiCase{nil, s, int(addrinfo.AI_NUMERICSERV), 0, stream, 0, false})
		cs = append(cs, gaiCase{nil, s, int(addrinfo.AI_PASSIVE), 0, 0, 0, false})
	}
	for _, f := range []int{0x8000, 0x40, 0x80, 0x100, 0x200, 0x800, 0x1000, -1, int(addrinfo.AI_CANONNAME)} {
		cs = append(cs, gaiCase{nil, sp("80"), f, 0, 0, 0, false})
		cs = append(cs, gaiCase{sp("localhost"), sp("80"), f, 0, 0, 0, false})
	}
	for _, fam := range []int{1, 3, 7, 17, 99, -1} {
		cs = append(cs, gaiCase{sp("localhost"), sp("80"), 0, fam, 0, 0, false})
		cs = append(cs, gaiCase{sp("localhost"), sp("nosuchsvc"), int(addrinfo.AI_NUMERICSERV), fam, 0, 0, false})
		cs = append(cs, gaiCase{sp("localhost"), sp("80"), 0, fam, 9, 0, false})
	}
	for _, fam := range []int{0, inet, inet6} {
		for _, f := range []int{0, int(addrinfo.AI_PASSIVE), int(addrinfo.AI_ADDRCONFIG), int(addrinfo.AI_V4MAPPED)} {
			cs = append(cs, gaiCase{nil, sp("8080"), f, fam, 0, 0, false})
		}
	}
	cs = append(cs, gaiCase{nil, nil, 0, 0, 0, 0, false}, gaiCase{sp("*"), sp("*"), 0, 0, 0, 0, false})
	// NULL hints: glibc's AI_DEFAULT (AI_V4MAPPED|AI_ADDRCONFIG).
	for _, h := range []*string{nil, sp("localhost"), sp("127.1"), sp("::1"), sp("dual.test"), sp("multi.test"), sp("nxdomain.test")} {
		for _, s := range []*string{nil, sp("80"), sp("http"), sp("exec")} {
			if h == nil && s == nil {
				continue
			}
			cs = append(cs, gaiCase{Host: h, Service: s, NilHints: true})
		}
	}
	return cs
}

func gniCases() []gniCase {
	var cs []gniCase
	addrs := []struct {
		a     string
		scope uint32
	}{
		{"127.0.0.1", 0}, {"127.0.0.2", 0}, {"10.1.2.3", 0}, {"10.1.2.4", 0}, {"10.1.2.6", 0}, {"192.0.2.10", 0},
		{"192.0.2.99", 0}, {"192.0.2.77", 0}, {"0.0.0.0", 0}, {"::1", 0}, {"fd00::4", 0}, {"fd00::11", 0},
		{"fd00::99", 0}, {"fe80::1", 1}, {"fe80::1", 999}, {"fd00::99", 7}, {"ff02::1", 1}, {"::ffff:127.0.0.1", 0},
		{"::ffff:10.1.2.6", 0}, {"::", 0},
	}
	flags := []int{0, int(addrinfo.NI_NUMERICHOST), int(addrinfo.NI_NAMEREQD), int(addrinfo.NI_NUMERICHOST | addrinfo.NI_NUMERICSERV)}
	for _, a := range addrs {
		for _, f := range flags {
			cs = append(cs, gniCase{a.a, 80, a.scope, f})
		}
	}
	for _, p := range []uint16{0, 7, 22, 80, 512, 3868, 5004, 34463, 65535} {
		for _, f := range []int{0, int(addrinfo.NI_DGRAM), int(addrinfo.NI_NUMERICSERV), int(addrinfo.NI_NOFQDN)} {
			cs = append(cs, gniCase{"127.0.0.1", p, 0, f})
		}
	}
	for _, f := range []int{32, 64, 128, 0x1000, -1} {
		cs = append(cs, gniCase{"127.0.0.1", 80, 0, f})
	}
	return cs
}

func goInfos(infos []addrinfo.Info) []cgai.AddrInfo {
	var out []cgai.AddrInfo
	for _, i := range infos {
		out = append(out, cgai.AddrInfo{Flags: int(i.Flags), Family: int(i.Family), SockType: int(i.SockType),
			Protocol: int(i.Protocol), Addr: i.Addr, CanonName: i.CanonName})
	}
	return out
}

func caseName(c gaiCase) string {
	s := func(p *string) string {
		if p == nil {
			return "NULL"
		}
		if len(*p) > 24 {
			return fmt.Sprintf("%.12q..(%d)", *p, len(*p))
		}
		return strconv.Quote(*p)
	}
	if c.NilHints {
		return fmt.Sprintf("%s,%s,NULL-hints", s(c.Host), s(c.Service))
	}
	return fmt.Sprintf("%s,%s,fl=%#x,fam=%d,st=%d,pr=%d", s(c.Host), s(c.Service), c.Flags, c.Family, c.SockType, c.Protocol)
}

func codeOf(err error) int {
	if err == nil {
		return 0
	}
	var e *addrinfo.Error
	if errors.As(err, &e) {
		return int(e.Code)
	}
	return 1
}

// TestDifferentialLookup compares Lookup with the C library's getaddrinfo,
// case by case: the same list in the same order, or the same EAI code.
func TestDifferentialLookup(t *testing.T) {
	e := setupDiff(t)
	cases := gaiCases()
	if len(cases) < 150 {
		t.Fatalf("only %d cases", len(cases))
	}
	want := e.runOracle(t, oracleIn{GAI: cases})
	compareGAI(t, e.r, cases, want.GAI, false)
	t.Logf("%d getaddrinfo cases", len(cases))
}

// compareGAI runs each case through r and compares it with the C
// library's answer; in parallel when the cases are slow (timeouts).
func compareGAI(t *testing.T, r *addrinfo.Resolver, cases []gaiCase, want []gaiOut, parallel bool) {
	t.Helper()
	for i, c := range cases {
		t.Run(caseName(c), func(t *testing.T) {
			if parallel {
				t.Parallel()
			}
			host, svc := "", ""
			if c.Host != nil {
				host = *c.Host
			}
			if c.Service != nil {
				svc = *c.Service
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			hints := &addrinfo.Hints{Flags: addrinfo.Flags(c.Flags),
				Family: sock.Family(c.Family), SockType: sock.Type(c.SockType), Protocol: sock.Protocol(c.Protocol)}
			if c.NilHints {
				hints = nil
			}
			got, err := r.Lookup(ctx, host, svc, hints)
			if code := codeOf(err); code != want[i].Code {
				t.Fatalf("code: C %d (%s) %v, Go %d (%v) %v", want[i].Code, cgai.GaiStrerror(want[i].Code), want[i].Infos, code, err, goInfos(got))
			}
			if diff := cmp.Diff(want[i].Infos, goInfos(got), cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
				t.Errorf("unexpected result (-C +Go):\n%s", diff)
			}
		})
	}
}

// TestDifferentialNameInfo compares NameInfo with getnameinfo.
func TestDifferentialNameInfo(t *testing.T) {
	e := setupDiff(t)
	cases := gniCases()
	want := e.runOracle(t, oracleIn{GNI: cases})
	for i, c := range cases {
		t.Run(fmt.Sprintf("%s%%%d:%d,fl=%#x", c.Addr, c.Scope, c.Port, c.Flags), func(t *testing.T) {
			a := netip.MustParseAddr(c.Addr)
			if c.Scope != 0 {
				a = a.WithZone(strconv.FormatUint(uint64(c.Scope), 10))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			host, serv, err := e.r.NameInfo(ctx, netip.AddrPortFrom(a, c.Port), addrinfo.NIFlags(c.Flags))
			w := want.GNI[i]
			if code := codeOf(err); code != w.Code {
				t.Fatalf("code: C %d (%s), Go %d (%v)", w.Code, cgai.GaiStrerror(w.Code), code, err)
			}
			if diff := cmp.Diff(gniOut{w.Host, w.Serv, w.Code}, gniOut{host, serv, codeOf(err)}); diff != "" {
				t.Errorf("unexpected result (-C +Go):\n%s", diff)
			}
		})
	}
	t.Logf("%d getnameinfo cases", len(cases))
}
