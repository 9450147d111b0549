package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.RunMainIfAsked(main)
	testkit.Main(m)
}

// TestEcho runs the flow in a temporary directory: each client is
// answered at its own path, with its own message upper-cased.
func TestEcho(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-dir", dir, "-clients", "3"}, nil, &out, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	srv := filepath.Join(dir, "server.sock")
	for i := 1; i <= 3; i++ {
		path := filepath.Join(dir, fmt.Sprintf("client-%d.sock", i))
		msg := fmt.Sprintf("hello from client %d", i)
		for _, want := range []string{
			fmt.Sprintf("server: recvfrom = %d bytes from %s: %q\n", len(msg), path, msg),
			fmt.Sprintf("server: sendto %s: %q\n", path, strings.ToUpper(msg)),
			fmt.Sprintf("client %d: recvfrom = %d bytes from %s: %q\n", i, len(msg), srv, strings.ToUpper(msg)),
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("output lacks %q:\n%s", want, out.String())
			}
		}
	}
}

func TestUsage(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-clients", "0"}, nil, &out, &out); err == nil {
		t.Error("-clients 0 accepted")
	}
}
