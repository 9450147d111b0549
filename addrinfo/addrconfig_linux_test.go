package addrinfo_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/addrinfo"
	"github.com/posixkit/posixkit/addrinfo/internal/cgai"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock"
)

// TestAddrConfigNamespaces runs TestAddrConfigChild inside a fresh network
// namespace three times: with only loopback, then with an IPv4 address,
// then with an IPv6 address as well.
func TestAddrConfigNamespaces(t *testing.T) {
	if os.Getenv("ADDRINFO_NETNS_STAGE") != "" {
		t.Skip("running as the child")
	}
	ns := testkit.NewNetns(t)
	testkit.IP(t, ns, "link", "set", "lo", "up")
	stages := []struct {
		name  string
		setup []string
	}{
		{"loopback only", nil},
		{"with IPv4", []string{"addr", "add", "10.7.0.1/24", "dev", "lo"}},
		{"with IPv6", []string{"addr", "add", "fd00:7::1/64", "dev", "lo", "nodad"}},
	}
	for i, st := range stages {
		if st.setup != nil {
			testkit.IP(t, ns, st.setup...)
		}
		t.Run(st.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, "ip", "netns", "exec", ns, os.Args[0], "-test.run", "^TestAddrConfigChild$", "-test.v")
			cmd.Env = append(os.Environ(), fmt.Sprintf("ADDRINFO_NETNS_STAGE=%d", i))
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "--- PASS: TestAddrConfigChild") {
				t.Fatalf("child: %v\n%s", err, out)
			}
		})
	}
}

// TestAddrConfigChild checks AI_ADDRCONFIG in the namespace the parent set
// up, against the C library when cgo is on, else against the expected
// answers of glibc's rules.
func TestAddrConfigChild(t *testing.T) {
	stage := os.Getenv("ADDRINFO_NETNS_STAGE")
	if stage == "" {
		t.Skip("run by TestAddrConfigNamespaces")
	}
	r := &addrinfo.Resolver{NoDNS: true}
	type want struct {
		addrs []string
		code  addrinfo.Code
	}
	// seen4/seen6 per stage: none, IPv4, both.
	seen4, seen6 := stage != "0", stage == "2"
	for _, c := range []struct {
		host string
		fam  sock.Family
	}{
		{"", sock.AF_UNSPEC}, {"", sock.AF_INET}, {"", sock.AF_INET6},
		{"127.0.0.1", sock.AF_UNSPEC}, {"127.0.0.1", sock.AF_INET}, {"::1", sock.AF_UNSPEC}, {"::1", sock.AF_INET6},
	} {
		t.Run(fmt.Sprintf("%q,%v", c.host, c.fam), func(t *testing.T) {
			hints := &addrinfo.Hints{Flags: addrinfo.AI_ADDRCONFIG, Family: c.fam, SockType: sock.SOCK_STREAM}
			infos, err := r.Lookup(context.Background(), c.host, "80", hints)
			var got want
			var e *addrinfo.Error
			if errors.As(err, &e) {
				got.code = e.Code
			} else if err != nil {
				t.Fatal(err)
			}
			for _, i := range infos {
				got.addrs = append(got.addrs, i.Addr.String())
			}
			var exp want
			if cgai.Available {
				var h *string
				if c.host != "" {
					h = &c.host
				}
				svc := "80"
				res, code := cgai.GetAddrInfo(h, &svc, int(addrinfo.AI_ADDRCONFIG), int(c.fam), int(sock.SOCK_STREAM), 0)
				exp.code = addrinfo.Code(code)
				for _, a := range res {
					exp.addrs = append(exp.addrs, a.Addr.String())
				}
			} else {
				fam := c.fam
				if fam == sock.AF_UNSPEC && seen4 != seen6 {
					fam = sock.AF_INET
				}
				switch {
				case c.fam == sock.AF_INET && !seen4, c.fam == sock.AF_INET6 && !seen6:
					exp.code = addrinfo.EAI_NONAME
				case c.host == "127.0.0.1":
					exp.addrs = []string{"127.0.0.1:80"}
				case c.host == "::1" && fam == sock.AF_INET:
					exp.code = addrinfo.EAI_ADDRFAMILY
				case c.host == "::1":
					exp.addrs = []string{"[::1]:80"}
				case fam == sock.AF_INET:
					exp.addrs = []string{"127.0.0.1:80"}
				case fam == sock.AF_INET6:
					exp.addrs = []string{"[::1]:80"}
				default:
					exp.addrs = []string{"[::1]:80", "127.0.0.1:80"}
				}
			}
			if diff := cmp.Diff(exp, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("stage %s: unexpected answer (-want +got):\n%s", stage, diff)
			}
		})
	}
}
