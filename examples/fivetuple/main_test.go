package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.RunMainIfAsked(main)
	testkit.Main(m)
}

// tuple is a 5-tuple parsed back from the program's output.
type tuple struct {
	Proto         string
	Local, Remote netip.AddrPort
}

// parseTuple parses "tcp 127.0.0.1:50312 -> 127.0.0.1:8080".
func parseTuple(t *testing.T, s string) tuple {
	t.Helper()
	f := strings.Fields(s)
	if len(f) != 4 || f[2] != "->" {
		t.Fatalf("5-tuple %q is not \"PROTO LOCAL -> REMOTE\"", s)
	}
	l, err1 := netip.ParseAddrPort(f[1])
	r, err2 := netip.ParseAddrPort(f[3])
	if err1 != nil || err2 != nil {
		t.Fatalf("5-tuple %q: %v %v", s, err1, err2)
	}
	return tuple{f[0], l, r}
}

func TestTwoBrowsers(t *testing.T) {
	tests := []struct {
		name string
		host string
	}{
		{"IPv4", "127.0.0.1"},
		{"IPv6", "::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.host == "::1" {
				l, err := net.Listen("tcp6", "[::1]:0")
				if err != nil {
					t.Skipf("no IPv6 loopback: %v", err)
				}
				l.Close()
			}
			before := testkit.Count()
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), []string{"-host", tt.host}, strings.NewReader(""), &stdout, &stderr); err != nil {
				t.Fatalf("run: %v; stderr %s", err, stderr.String())
			}
			out := stdout.String()
			var browsers, server []tuple
			var serverAddr netip.AddrPort
			for line := range strings.Lines(out) {
				line = strings.TrimSpace(line)
				if rest, ok := strings.CutPrefix(line, "server listening on "); ok {
					serverAddr = netip.MustParseAddrPort(rest)
				}
				if _, rest, ok := strings.Cut(line, "socket: "); ok && strings.HasPrefix(line, "browser ") {
					browsers = append(browsers, parseTuple(t, rest))
				}
				if _, rest, ok := strings.Cut(line, ": "); ok && strings.HasPrefix(line, "server's socket ") {
					server = append(server, parseTuple(t, rest))
				}
			}
			if len(browsers) != 2 || len(server) != 2 {
				t.Fatalf("found %d browser and %d server tuples in:\n%s", len(browsers), len(server), out)
			}
			a, b := browsers[0], browsers[1]
			if a.Local.Port() == b.Local.Port() {
				t.Errorf("both browsers have local port %d", a.Local.Port())
			}
			// Equal except for the local port.
			b.Local = netip.AddrPortFrom(b.Local.Addr(), a.Local.Port())
			if diff := cmp.Diff(a, b, cmp.Comparer(func(x, y netip.AddrPort) bool { return x == y })); diff != "" {
				t.Errorf("tuples differ in more than the local port (-browser1 +browser2):\n%s", diff)
			}
			want := tuple{"tcp", netip.AddrPortFrom(netip.MustParseAddr(tt.host), a.Local.Port()), serverAddr}
			if diff := cmp.Diff(want, a, cmp.Comparer(func(x, y netip.AddrPort) bool { return x == y })); diff != "" {
				t.Errorf("unexpected tuple of browser 1 (-want +got):\n%s", diff)
			}
			// The server's accepted sockets are the mirror images.
			for i, s := range server {
				if s.Local != serverAddr || s.Proto != "tcp" {
					t.Errorf("server's socket %d is %+v, want local %s", i+1, s, serverAddr)
				}
			}
			// Exactly one row of the table is marked, the local port.
			var marked []string
			for line := range strings.Lines(out) {
				if strings.Contains(line, "<- differs") {
					marked = append(marked, strings.Fields(line)[0]+" "+strings.Fields(line)[1])
				}
			}
			if diff := cmp.Diff([]string{"local port"}, marked); diff != "" {
				t.Errorf("unexpected marked rows (-want +got):\n%s\n%s", diff, out)
			}
			testkit.CheckReleased(t, before)
		})
	}
}

func TestArgs(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want func(error) bool
	}{
		{"help", []string{"-h"}, func(err error) bool { return errors.Is(err, flag.ErrHelp) }},
		{"not loopback", []string{"-host", "192.0.2.1"}, isUsage},
		{"not an address", []string{"-host", "localhost"}, isUsage},
		{"extra argument", []string{"x"}, isUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(context.Background(), tt.args, strings.NewReader(""), &out, &out); !tt.want(err) {
				t.Errorf("run(%q) = %v", tt.args, err)
			}
		})
	}
}

func isUsage(err error) bool { return errors.As(err, new(usageError)) }
