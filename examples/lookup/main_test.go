package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRun resolves localhost and a numeric address and checks the printed
// addresses against the standard library's resolver.
func TestRun(t *testing.T) {
	for _, host := range []string{"localhost", "127.0.0.1", "::1"} {
		t.Run(host, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(context.Background(), []string{host}, nil, &out, &out); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if lines[0] != "Resolving hostname '"+host+"'" {
				t.Fatalf("first line %q", lines[0])
			}
			var got []string
			for _, l := range lines[1:] {
				got = append(got, strings.TrimSpace(l))
			}
			addrs, err := (&net.Resolver{PreferGo: true}).LookupHost(context.Background(), host)
			if err != nil {
				t.Fatal(err)
			}
			// The same set of addresses (the order is glibc's, not Go's).
			set := func(l []string) map[string]bool {
				m := map[string]bool{}
				for _, a := range l {
					m[a] = true
				}
				return m
			}
			if diff := cmp.Diff(set(addrs), set(got)); diff != "" {
				t.Errorf("unexpected addresses (-net +lookup):\n%s", diff)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	if err := run(context.Background(), []string{"a", "b"}, nil, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Fatal("two arguments: no error")
	}
}
