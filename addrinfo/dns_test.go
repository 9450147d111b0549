package addrinfo_test

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/addrinfo"
	"github.com/posixkit/posixkit/addrinfo/internal/cgai"
	"github.com/posixkit/posixkit/sock"
)

// dnsResolver starts the test's responder on a loopback address of its
// own and returns a Resolver whose resolv.conf names it.
func dnsResolver(t *testing.T) *addrinfo.Resolver {
	r, _ := dnsResolverServer(t, "options timeout:1 attempts:1\n")
	return r
}

func dnsResolverServer(t *testing.T, resolvExtra string) (*addrinfo.Resolver, *dnsServer) {
	t.Helper()
	srv := newZone()
	a := srv.startLoopback53(t)
	dir := t.TempDir()
	hosts := filepath.Join(dir, "hosts")
	if err := os.WriteFile(hosts, []byte("127.0.0.1 localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	nss := filepath.Join(dir, "nsswitch.conf")
	if err := os.WriteFile(nss, []byte("hosts: files dns\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return &addrinfo.Resolver{HostsFile: hosts, NSSwitchConf: nss, ResolvConf: writeResolvConf(t, resolvExtra, a)}, srv
}

// TestDNS checks the DNS outcomes against the test's own responder.
func TestDNS(t *testing.T) {
	r := dnsResolver(t)
	stream := &addrinfo.Hints{SockType: sock.SOCK_STREAM}
	tests := []struct {
		name  string
		host  string
		hints addrinfo.Hints
		want  []string
		canon string
		code  addrinfo.Code
	}{
		{"A", "a.test", addrinfo.Hints{Family: sock.AF_INET, SockType: sock.SOCK_STREAM}, []string{"192.0.2.10:0"}, "", 0},
		{"AAAA", "v6only.test", addrinfo.Hints{Family: sock.AF_INET6, SockType: sock.SOCK_STREAM}, []string{"[fd00::20]:0"}, "", 0},
		{"CNAME chain", "cname.test", addrinfo.Hints{Flags: addrinfo.AI_CANONNAME, Family: sock.AF_INET, SockType: sock.SOCK_STREAM}, []string{"192.0.2.30:0"}, "real.test", 0},
		{"NXDOMAIN", "nxdomain.test", *stream, nil, "", addrinfo.EAI_NONAME},
		{"NODATA", "nodata.test", *stream, nil, "", addrinfo.EAI_NODATA},
		{"SERVFAIL", "servfail.test", *stream, nil, "", addrinfo.EAI_AGAIN},
		{"REFUSED", "refused.test", *stream, nil, "", addrinfo.EAI_AGAIN},
		{"truncated over UDP, full over TCP", "tcp.test", addrinfo.Hints{Flags: addrinfo.AI_CANONNAME, Family: sock.AF_INET, SockType: sock.SOCK_STREAM}, []string{"192.0.2.40:0"}, "tcp-real.test", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			infos, err := r.Lookup(ctx, tt.host, "", &tt.hints)
			if tt.code != 0 {
				if !errors.Is(err, tt.code) {
					t.Fatalf("Lookup(%q) error = %v, want %v", tt.host, err, tt.code.Name())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, i := range infos {
				got = append(got, i.Addr.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("unexpected addresses (-want +got):\n%s", diff)
			}
			if infos[0].CanonName != tt.canon {
				t.Errorf("CanonName = %q, want %q", infos[0].CanonName, tt.canon)
			}
		})
	}
	t.Run("PTR", func(t *testing.T) {
		host, serv, err := r.NameInfo(context.Background(), netip.MustParseAddrPort("192.0.2.10:80"), addrinfo.NI_NUMERICSERV)
		if err != nil || host != "a.test" || serv != "80" {
			t.Fatalf("NameInfo = %q, %q, %v; want a.test, 80", host, serv, err)
		}
		_, _, err = r.NameInfo(context.Background(), netip.MustParseAddrPort("192.0.2.77:80"), addrinfo.NI_NAMEREQD)
		if !errors.Is(err, addrinfo.EAI_NONAME) {
			t.Fatalf("NameInfo(no PTR, NI_NAMEREQD) error = %v, want EAI_NONAME", err)
		}
	})
	t.Run("garbage reply", func(t *testing.T) {
		// A reply shorter than a header: glibc gives up on the server at
		// once (attempts:1, one server: the look-up fails), not at the
		// timeout.
		start := time.Now()
		_, err := r.Lookup(context.Background(), "garbage.test", "", stream)
		if !errors.Is(err, addrinfo.EAI_AGAIN) {
			t.Fatalf("error = %v, want EAI_AGAIN", err)
		}
		if took := time.Since(start); took > 500*time.Millisecond {
			t.Errorf("took %v: waited for the timeout", took)
		}
	})
	t.Run("silence within the deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		done := make(chan error, 1)
		go func() {
			_, err := r.Lookup(ctx, "silent.test", "", stream)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, addrinfo.EAI_AGAIN) {
				t.Fatalf("error = %v, want EAI_AGAIN", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Lookup did not honour the context's deadline")
		}
	})
}

// TestNamesFailWithoutQuery checks that empty, NUL-carrying and too long
// names fail at once, untruncated.
func TestNamesFailWithoutQuery(t *testing.T) {
	r := dnsResolver(t)
	for _, name := range []string{"localhost\x00.evil", "\x00", strings.Repeat("a", 255), strings.Repeat("a.", 150)} {
		_, err := r.Lookup(context.Background(), name, "80", nil)
		if !errors.Is(err, addrinfo.EAI_NONAME) {
			t.Errorf("Lookup(%.20q) error = %v, want EAI_NONAME", name, err)
		}
	}
	if _, err := r.Lookup(context.Background(), "", "", nil); !errors.Is(err, addrinfo.EAI_NONAME) {
		t.Errorf("Lookup(\"\", \"\") error = %v, want EAI_NONAME", err)
	}
}

// TestCodeText checks the EAI texts against gai_strerror.
func TestCodeText(t *testing.T) {
	if !cgai.Available {
		t.Skip("cgo is off")
	}
	for c := addrinfo.Code(-12); c <= 0; c++ {
		if got, want := c.Error(), cgai.GaiStrerror(int(c)); c != 0 && got != want {
			t.Errorf("%s.Error() = %q, gai_strerror says %q", c.Name(), got, want)
		}
	}
}

func FuzzParseNumericHost(f *testing.F) {
	for _, s := range strings.Split(strings.TrimSpace(readTestdata(f, "numeric.txt")), "\n") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := addrinfo.ParseInetAton(s, false)
		if cgai.Available && !strings.Contains(s, "\x00") {
			ca, cok := cgai.InetAton(s)
			if ok != cok || ok && a != ca {
				t.Fatalf("inet_aton(%q): C %v %v, Go %v %v", s, ca, cok, a, ok)
			}
			b, ok6 := addrinfo.ParseInetPton6(s)
			cb, cok6 := cgai.InetPton6(s)
			if ok6 != cok6 || ok6 && b != cb {
				t.Fatalf("inet_pton6(%q): C %v %v, Go %v %v", s, cb, cok6, b, ok6)
			}
			return
		}
		if ok {
			// Round trip: the dotted quad of the result parses to itself.
			if b, ok := addrinfo.ParseInetAton(a.String(), true); !ok || b != a {
				t.Fatalf("%q -> %v does not round-trip", s, a)
			}
		}
	})
}

func FuzzParseHosts(f *testing.F) {
	f.Add([]byte(readTestdata(f, "hosts")))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, lookup := addrinfo.ParseHosts(b)
		if lines := bytes.Count(b, []byte("\n")) + 1; len(entries) > lines {
			t.Fatalf("%d entries from %d lines", len(entries), lines)
		}
		for _, e := range entries {
			if !e.Addr.IsValid() || e.Addr.Zone() != "" || len(e.Names) == 0 {
				t.Fatalf("bad entry %+v", e)
			}
			for _, n := range e.Names {
				if strings.ContainsAny(n, " \t\n\v\f\r#\x00") {
					t.Fatalf("name %q keeps a separator", n)
				}
				// Every name finds at least this entry's address, and the
				// canonical name is the official name of a matching line.
				addrs, canon := lookup(n)
				found := false
				for _, a := range addrs {
					found = found || a == e.Addr
				}
				if !found || canon == "" && n != "" && e.Names[0] != "" {
					t.Fatalf("lookup(%q) = %v, %q; entry %+v", n, addrs, canon, e)
				}
			}
		}
	})
}

func FuzzParseServices(f *testing.F) {
	f.Add([]byte(readTestdata(f, "services")))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, byName, byPort := addrinfo.ParseServices(b)
		if lines := bytes.Count(b, []byte("\n")) + 1; len(entries) > lines {
			t.Fatalf("%d entries from %d lines", len(entries), lines)
		}
		firstPort := map[[2]string]uint16{}
		for _, e := range entries {
			for _, n := range append([]string{e.Name}, e.Aliases...) {
				k := [2]string{n, e.Proto}
				if _, ok := firstPort[k]; !ok {
					firstPort[k] = e.Port
				}
				// getservbyname answers with the first line that has the name.
				if p, ok := byName(n, e.Proto); !ok || p != firstPort[k] {
					t.Fatalf("byName(%q, %q) = %d, %v; want %d", n, e.Proto, p, ok, firstPort[k])
				}
			}
			if _, ok := byPort(e.Port, e.Proto); !ok {
				t.Fatalf("byPort(%d, %q) finds nothing; entry %+v", e.Port, e.Proto, e)
			}
		}
	})
}

func readTestdata(f *testing.F, name string) string {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	return string(b)
}

// TestForgedReplies checks that a forged reply before the real one (a
// wrong ID, the right ID with another question, the right everything from
// another port) changes neither the answer nor the CanonName, per kind
// and per path (AF_UNSPEC's parallel queries, AF_INET's gethostbyname3).
func TestForgedReplies(t *testing.T) {
	srv := newZone()
	addMatrix(srv, false)
	ns := srv.startLoopback53(t)
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte("127.0.0.1 localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &addrinfo.Resolver{HostsFile: hosts, ResolvConf: writeResolvConf(t, "options timeout:2 attempts:1\n", ns)}
	for _, kind := range []string{"id", "question", "source"} {
		for _, fam := range []sock.Family{sock.AF_UNSPEC, sock.AF_INET, sock.AF_INET6} {
			name := "forge-" + kind + ".test"
			t.Run(name+"/"+fam.String(), func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				infos, err := r.Lookup(ctx, name, "", &addrinfo.Hints{Flags: addrinfo.AI_CANONNAME, Family: fam, SockType: sock.SOCK_STREAM})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, i := range infos {
					got = append(got, i.Addr.Addr().String())
				}
				want := map[sock.Family][]string{sock.AF_UNSPEC: {"192.0.2.61", "fd00::61"}, sock.AF_INET: {"192.0.2.61"}, sock.AF_INET6: {"fd00::61"}}[fam]
				if fam == sock.AF_UNSPEC {
					slices.Sort(got)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("unexpected addresses (-want +got):\n%s", diff)
				}
				if infos[0].CanonName != name {
					t.Errorf("CanonName = %q, want %q", infos[0].CanonName, name)
				}
			})
		}
	}
	// A CNAME to a name with a NUL byte is not a host name: glibc keeps
	// the address its owner has, never the name.
	infos, err := r.Lookup(context.Background(), "nulcname.test", "", &addrinfo.Hints{Flags: addrinfo.AI_CANONNAME, SockType: sock.SOCK_STREAM})
	if err != nil {
		t.Fatal(err)
	}
	if infos[0].CanonName != "nulcname.test" {
		t.Errorf("CanonName = %q, want nulcname.test", infos[0].CanonName)
	}
}

// FuzzDNSReply feeds replies to a real query through the resolver's
// matching and parsing, seeded with replies captured from the test
// responder and this machine's name server.
func FuzzDNSReply(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "replies", "*.bin"))
	if len(files) == 0 {
		f.Fatal("no captured replies in testdata/replies")
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		name, qtype, _, ok := questionEnd(b)
		if !ok {
			f.Fatalf("%s: no question", p)
		}
		for _, sel := range []uint8{0, 1, 2, 3} {
			_ = qtype
			f.Add(name, sel, b)
		}
	}
	f.Fuzz(func(t *testing.T, name string, sel uint8, reply []byte) {
		qtype := []string{"A", "AAAA", "A+AAAA", "PTR"}[sel%4]
		match, status, addrs, canon := addrinfo.ParseReply(name, qtype, reply)
		if match {
			// A match needs the query's question in the reply.
			qn, _, _, ok := questionEnd(reply)
			if !ok || !strings.EqualFold(strings.TrimSuffix(qn, "."), strings.TrimSuffix(name, ".")) {
				t.Fatalf("reply with question %q matched a query for %q", qn, name)
			}
		}
		if status != 1 && (len(addrs) > 0 || canon != "" && qtype != "A+AAAA") {
			t.Fatalf("status %d with addresses %v, name %q", status, addrs, canon)
		}
		for _, a := range addrs {
			if !bytes.Contains(reply, a.AsSlice()) {
				t.Fatalf("address %v is not in the reply", a)
			}
		}
		if qtype != "PTR" && canon != "" && !hostChars(canon) {
			t.Fatalf("canonical name %q is not a host name", canon)
		}
	})
}

// hostChars reports a name of letters, digits, '-', '_' and dots.
func hostChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '.' || c == '-' || c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// TestRotate checks that with rotate the look-ups start at each of the
// servers in turn, and without it always at the first.
func TestRotate(t *testing.T) {
	for _, rotate := range []bool{false, true} {
		var srvs []*dnsServer
		var addrs []netip.Addr
		for range 3 {
			s := newZone()
			addrs = append(addrs, s.startLoopback53(t))
			srvs = append(srvs, s)
		}
		opts := "options timeout:1 attempts:1\n"
		if rotate {
			opts = "options timeout:1 attempts:1 rotate\n"
		}
		r := &addrinfo.Resolver{ResolvConf: writeResolvConf(t, opts, addrs...), NSSwitchConf: writeNSS(t, "hosts: dns\n")}
		for range 9 {
			if _, err := r.Lookup(context.Background(), "a.test", "", &addrinfo.Hints{Family: sock.AF_INET, SockType: sock.SOCK_STREAM}); err != nil {
				t.Fatal(err)
			}
		}
		var got []int
		for _, s := range srvs {
			got = append(got, len(s.queryLog()))
		}
		want := []int{9, 0, 0}
		if rotate {
			want = []int{3, 3, 3}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("rotate=%v: unexpected queries per server (-want +got):\n%s", rotate, diff)
		}
	}
}

func writeNSS(t *testing.T, conf string) string {
	p := filepath.Join(t.TempDir(), "nsswitch.conf")
	if err := os.WriteFile(p, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
