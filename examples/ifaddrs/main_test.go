package main

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/examples/internal/cli"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/netif"
	"github.com/posixkit/posixkit/sock"
)

func TestMain(m *testing.M) {
	testkit.RunMainIfAsked(main)
	testkit.Main(m)
}

type line struct{ Name, Family, Addr string }

func runLines(t *testing.T) []line {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"-packet"}, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("run: %v (stderr %q)", err, errOut.String())
	}
	var lines []line
	for _, s := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		f := strings.Split(s, "\t")
		if len(f) != 4 || f[2] != "" {
			t.Fatalf("line %q is not NAME\\tFAMILY\\t\\tADDRESS", s)
		}
		lines = append(lines, line{f[0], f[1], f[3]})
	}
	return lines
}

// TestAgainstIfAddrs checks every line, in order, against netif.IfAddrs.
func TestAgainstIfAddrs(t *testing.T) {
	got := runLines(t)
	ifas, err := netif.IfAddrs()
	if err != nil {
		t.Fatal(err)
	}
	var want []line
	for _, e := range ifas {
		switch {
		case e.Family == sock.AF_INET:
			want = append(want, line{e.Name, "IPv4", e.Addr.String()})
		case e.Family == sock.AF_INET6:
			want = append(want, line{e.Name, "IPv6", e.Addr.String()})
		case e.Family == sock.AF_PACKET && e.HardwareAddr != nil:
			want = append(want, line{e.Name, "packet", e.HardwareAddr.String()})
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("output differs from netif.IfAddrs (-want +got):\n%s", diff)
	}
}

// TestAgainstNet checks the lines against the standard library's tables,
// an independent source: the same addresses, interface by interface, and
// the same hardware addresses.
func TestAgainstNet(t *testing.T) {
	got := runLines(t)
	nifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	var want, have []line
	for _, ni := range nifs {
		if len(ni.HardwareAddr) > 0 {
			want = append(want, line{ni.Name, "packet", ni.HardwareAddr.String()})
		}
		addrs, err := ni.Addrs()
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range addrs {
			ip, _ := netip.AddrFromSlice(a.(*net.IPNet).IP)
			fam := "IPv6"
			if ip.Is4In6() || ip.Is4() {
				ip, fam = ip.Unmap(), "IPv4"
			}
			if ip.IsLinkLocalUnicast() && ip.Is6() {
				ip = ip.WithZone(ni.Name)
			}
			want = append(want, line{ni.Name, fam, ip.String()})
		}
	}
	for _, l := range got {
		if l.Family == "packet" && strings.Trim(l.Addr, "0:") == "" {
			continue // the standard library drops all-zero hardware addresses (loopback's)
		}
		l.Name, _, _ = strings.Cut(l.Name, ":") // an IPv4 label such as eth0:1 names eth0
		have = append(have, l)
	}
	order := func(a, b line) int { return strings.Compare(a.Name+a.Family+a.Addr, b.Name+b.Family+b.Addr) }
	slices.SortFunc(want, order)
	slices.SortFunc(have, order)
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("output differs from net.Interfaces (-net +ifaddrs):\n%s", diff)
	}
	if !slices.ContainsFunc(got, func(l line) bool { return l.Family == "IPv4" && l.Addr == "127.0.0.1" }) {
		t.Errorf("no loopback IPv4 line in %v", got)
	}
}

func TestUsage(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"extra"}, strings.NewReader(""), &out, &out)
	if !cli.IsUsage(err) || out.Len() != 0 {
		t.Errorf("run(extra) = %v, output %q; want a usage error and no output", err, out.String())
	}
}

func TestCommandLine(t *testing.T) {
	testkit.CheckHelpAndUsage(t, []string{"-x"}, []string{"extra"})
}

// TestGoldenC checks the lines against the C program's three printf calls
// a line, and that without -packet only its families show.
func TestGoldenC(t *testing.T) {
	r := testkit.Exec(t, "")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	n := strings.Count(r.Stdout, "\n")
	if n == 0 {
		t.Fatal("no line: no interface has an address")
	}
	var formats []string
	for range n {
		formats = append(formats, "%s\t", "%s\t", "\t%s\n")
	}
	v := testkit.ScanC(t, r.Stdout, formats...)
	for i := 1; i < len(v); i += 3 {
		if v[i] != "IPv4" && v[i] != "IPv6" {
			t.Errorf("family %q: the C program prints only IPv4 and IPv6", v[i])
		}
	}
}

// TestStrace checks that every address printed came from the kernel: it is
// in the netlink replies strace decoded (RTM_NEWADDR's IFA_ADDRESS).
func TestStrace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("netif reads netlink on Linux only")
	}
	r, tr := testkit.Strace(t, "")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	var replies strings.Builder
	for _, c := range tr {
		if c.Name == "recvmsg" || c.Name == "recvfrom" {
			replies.WriteString(c.Args)
		}
	}
	for line := range strings.Lines(r.Stdout) {
		f := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
		addr, _, _ := strings.Cut(f[len(f)-1], "%") // strace shows no zone
		want := `inet_addr("` + addr + `")`
		if f[1] == "IPv6" {
			want = `inet_pton(AF_INET6, "` + addr + `")`
		}
		if !strings.Contains(replies.String(), want) {
			t.Errorf("printed %q; no netlink reply strace saw holds %s", line, want)
		}
	}
}
