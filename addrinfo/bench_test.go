package addrinfo_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/addrinfo"
	"github.com/posixkit/posixkit/addrinfo/internal/cgai"
	"github.com/posixkit/posixkit/sock"
)

// BenchmarkLookup compares Lookup with the C library (cgo helper) and
// net.Resolver on the same inputs. The C library reads /etc/hosts only, so
// "hosts10k/libc" runs when ADDRINFO_BENCH_HOSTS names a 10,000-line file
// (as this benchmark writes it) that is bind-mounted over /etc/hosts, and
// "hosts10k/net" is not run (Go's resolver reads /etc/hosts only too).
func BenchmarkLookup(b *testing.B) {
	dir := b.TempDir()
	var sb strings.Builder
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&sb, "10.%d.%d.%d host%d.bench alias%d\n", i>>16&255, i>>8&255, i&255, i, i)
	}
	hosts := filepath.Join(dir, "hosts")
	if p := os.Getenv("ADDRINFO_BENCH_HOSTS"); p != "" {
		hosts = p // the same file bind-mounted over /etc/hosts: see hosts10k/libc
	} else if err := os.WriteFile(hosts, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	big := &addrinfo.Resolver{HostsFile: hosts, NoDNS: true}
	sys := &addrinfo.Resolver{NoDNS: true}
	goRes := &net.Resolver{PreferGo: true}
	ctx := context.Background()
	hints := &addrinfo.Hints{Family: sock.AF_INET, SockType: sock.SOCK_STREAM}
	cases := []struct {
		name          string
		r             *addrinfo.Resolver
		host, service string
	}{
		{"numeric", sys, "192.0.2.1", "80"},
		{"localhost", sys, "localhost", "80"},
		{"hosts10k", big, "host9999.bench", "80"},
		{"service", sys, "192.0.2.1", "http"},
	}
	for _, c := range cases {
		b.Run(c.name+"/posixkit", func(b *testing.B) {
			b.ReportAllocs()
			c.r.Lookup(ctx, c.host, c.service, hints) // parse the files once
			for b.Loop() {
				if _, err := c.r.Lookup(ctx, c.host, c.service, hints); err != nil {
					b.Fatal(err)
				}
			}
		})
		if c.r == sys || c.name == "hosts10k" {
			b.Run(c.name+"/libc", func(b *testing.B) {
				if !cgai.Available {
					b.Skip("cgo is off")
				}
				if c.r != sys && os.Getenv("ADDRINFO_BENCH_HOSTS") == "" {
					b.Skip("the C library reads /etc/hosts only: run under unshare -m with the file of ADDRINFO_BENCH_HOSTS bind-mounted over /etc/hosts")
				}
				b.ReportAllocs()
				h, s := c.host, c.service
				for b.Loop() {
					if _, code := cgai.GetAddrInfo(&h, &s, 0, int(sock.AF_INET), int(sock.SOCK_STREAM), 0); code != 0 {
						b.Fatal(code)
					}
				}
			})
			b.Run(c.name+"/net", func(b *testing.B) {
				if c.r != sys {
					b.Skip("Go's resolver reads /etc/hosts only, and would ask DNS for this name")
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := goRes.LookupNetIP(ctx, "ip4", c.host); err != nil {
						b.Fatal(err)
					}
					if _, err := goRes.LookupPort(ctx, "tcp", c.service); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkNameInfo compares NameInfo (numeric, and reverse through the
// hosts file) with getnameinfo and net.Resolver.LookupAddr.
func BenchmarkNameInfo(b *testing.B) {
	sys := &addrinfo.Resolver{NoDNS: true}
	goRes := &net.Resolver{PreferGo: true}
	ctx := context.Background()
	ap := netip.MustParseAddrPort("127.0.0.1:80")
	for _, c := range []struct {
		name  string
		flags addrinfo.NIFlags
	}{{"numeric", addrinfo.NI_NUMERICHOST | addrinfo.NI_NUMERICSERV}, {"reverse", 0}} {
		b.Run(c.name+"/posixkit", func(b *testing.B) {
			b.ReportAllocs()
			sys.NameInfo(ctx, ap, c.flags) // parse the files once
			for b.Loop() {
				if _, _, err := sys.NameInfo(ctx, ap, c.flags); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/libc", func(b *testing.B) {
			if !cgai.Available {
				b.Skip("cgo is off")
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, code := cgai.GetNameInfo(ap.Addr(), 80, 0, int(c.flags), 1025, 32); code != 0 {
					b.Fatal(code)
				}
			}
		})
		b.Run(c.name+"/net", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if c.flags == 0 {
					if _, err := goRes.LookupAddr(ctx, "127.0.0.1"); err != nil {
						b.Fatal(err)
					}
				} else {
					_ = ap.Addr().String()
				}
			}
		})
	}
}

// BenchmarkLookupVsLibc compares, in the same run, Lookup and the C
// library's getaddrinfo on the same files: a DNS look-up answered by the
// test's responder on loopback, and a look-up of the last name of a
// 10,000-line hosts file. The C library runs in a child process under its
// own mount namespace (the test's files bind-mounted over /etc), which
// times its own loop of b.N calls: its ns/op is that loop's.
func BenchmarkLookupVsLibc(b *testing.B) {
	if !cgai.Available {
		b.Skip("cgo is off")
	}
	srv := newZone()
	ns := srv.startLoopback53(b)
	var hosts strings.Builder
	hosts.WriteString(oneFamilyHosts)
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&hosts, "10.%d.%d.%d host%d.bench alias%d\n", i>>16&255, i>>8&255, i&255, i, i)
	}
	dir := b.TempDir()
	files := map[string]string{}
	for k, v := range map[string]string{"hosts": hosts.String(), "services": testServices,
		"resolv": "nameserver " + ns.String() + "\noptions timeout:1 attempts:1\n", "nsswitch": "hosts: files dns\n", "gai": ""} {
		files[k] = filepath.Join(dir, k)
		if err := os.WriteFile(files[k], []byte(v), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	r := &addrinfo.Resolver{HostsFile: files["hosts"], ServicesFile: files["services"], ResolvConf: files["resolv"], NSSwitchConf: files["nsswitch"]}
	for _, c := range []struct{ name, host string }{{"dns", "a.test"}, {"hosts10k", "host9999.bench"}} {
		gc := gaiCase{Host: sp(c.host), Service: sp("80"), Family: int(sock.AF_INET), SockType: int(sock.SOCK_STREAM)}
		b.Run(c.name+"/posixkit", func(b *testing.B) {
			hints := &addrinfo.Hints{Family: sock.AF_INET, SockType: sock.SOCK_STREAM}
			if _, err := r.Lookup(context.Background(), c.host, "80", hints); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Lookup(context.Background(), c.host, "80", hints); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/libc", func(b *testing.B) {
			out, err := oracleRun(files, oracleIn{Bench: &gc, BenchN: b.N})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(out.BenchNanos)/float64(b.N), "ns/op")
		})
	}
}
