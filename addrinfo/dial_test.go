package addrinfo_test

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posixkit/posixkit/addrinfo"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// listenOn makes a TCP listener on ap (port 0: any) with the backlog.
func listenOn(t *testing.T, family sock.Family, ap netip.AddrPort, backlog int) (*sock.Socket, uint16, error) {
	t.Helper()
	ln, err := sock.New(family, sock.SOCK_STREAM, 0)
	if err != nil {
		return nil, 0, err
	}
	t.Cleanup(func() { ln.Close() })
	if family == sock.AF_INET6 {
		ln.SetV6Only(true)
	}
	if err := ln.Bind(sock.InetAddr(ap)); err != nil {
		return nil, 0, err
	}
	if err := ln.Listen(backlog); err != nil {
		return nil, 0, err
	}
	la, err := ln.LocalAddr()
	return ln, la.AddrPort().Port(), err
}

func hostsResolver(t *testing.T, lines string) *addrinfo.Resolver {
	t.Helper()
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	return &addrinfo.Resolver{HostsFile: hosts, NoDNS: true}
}

// TestDialHappyEyeballs: the first address (::1) has a full accept queue,
// so its connect hangs; 250 ms later the IPv4 attempt starts and wins.
func TestDialHappyEyeballs(t *testing.T) {
	_, port, err := listenOn(t, sock.AF_INET, netip.MustParseAddrPort("127.0.0.1:0"), 16)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = listenOn(t, sock.AF_INET6, netip.AddrPortFrom(netip.IPv6Loopback(), port), 0)
	if err != nil {
		t.Skipf("no [::1]:%d here: %v", port, err)
	}
	v6 := sock.InetAddr(netip.AddrPortFrom(netip.IPv6Loopback(), port))
	for range 4 { // fill the IPv6 listener's queue
		c, err := sock.New(sock.AF_INET6, sock.SOCK_STREAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetNonblock(true)
		c.Connect(v6)
	}
	time.Sleep(50 * time.Millisecond)
	r := hostsResolver(t, "::1 he.test\n127.0.0.1 he.test\n")
	start := time.Now()
	s, err := r.Dial(context.Background(), "he.test", strconv.Itoa(int(port)), &addrinfo.Hints{})
	el := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ra, _ := s.RemoteAddr()
	if ra.AddrPort().Addr() != netip.MustParseAddr("127.0.0.1") || el < 200*time.Millisecond || el > 900*time.Millisecond {
		t.Errorf("Dial connected to %v after %v; want 127.0.0.1 after about 250ms", ra, el)
	}
}

// TestDialErrors: with every address refused, the error names each.
func TestDialErrors(t *testing.T) {
	// A bound port that does not listen refuses, on both families.
	b, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Bind(sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:0"))); err != nil {
		t.Fatal(err)
	}
	la, _ := b.LocalAddr()
	port := strconv.Itoa(int(la.AddrPort().Port()))
	r := hostsResolver(t, "127.0.0.1 two.test\n127.0.0.2 two.test\n")
	_, err = r.Dial(context.Background(), "two.test", port, &addrinfo.Hints{Family: sock.AF_INET})
	if !errors.Is(err, unix.ECONNREFUSED) || !strings.Contains(err.Error(), "127.0.0.1:"+port) || !strings.Contains(err.Error(), "127.0.0.2:"+port) {
		t.Errorf("Dial to two refusing addresses = %v; want both named, ECONNREFUSED", err)
	}
	// A numeric address that listens connects at once.
	ln, p, err := listenOn(t, sock.AF_INET, netip.MustParseAddrPort("127.0.0.1:0"), 4)
	if err != nil {
		t.Fatal(err)
	}
	s, err := addrinfo.Dial(context.Background(), "127.0.0.1", strconv.Itoa(int(p)), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	c, _, err := ln.Accept()
	if err == nil {
		c.Close()
	}
	// A lookup failure is the lookup's error.
	if _, err := r.Dial(context.Background(), "nosuch.test", "80", nil); !errors.Is(err, addrinfo.EAI_NONAME) {
		t.Errorf("Dial of an unknown name = %v, want EAI_NONAME", err)
	}
}
