package main

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/examples/internal/cli"
	"github.com/posixkit/posixkit/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.RunMainIfAsked(main)
	testkit.Main(m)
}

func TestCommandLine(t *testing.T) {
	testkit.CheckHelpAndUsage(t, []string{"-nosuch"}, []string{"extra"}, []string{"-sport", "0"},
		[]string{"-dport", "http"}, []string{"-sport", "65536"})
}

// TestExec runs the program as a process in the machine's own namespace:
// it exits 0 and prints ss's header, then rows of its columns; like ss,
// without Netid when it reads one table only.
func TestExec(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("skipping: the socket table is read on Linux only")
	}
	for _, tt := range []struct {
		args   []string
		header string
	}{
		{nil, "Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port Process"},
		{[]string{"-x", "-p"}, "Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port Process"},
		{[]string{"-t", "-l", "-4"}, "State Recv-Q Send-Q Local Address:Port Peer Address:Port Process"},
	} {
		r := testkit.Exec(t, "", tt.args...)
		if r.Code != 0 {
			t.Fatalf("%q: exit %d: %s", tt.args, r.Code, r.Stderr)
		}
		lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
		if got := strings.Join(strings.Fields(lines[0]), " "); got != tt.header {
			t.Errorf("%q: header %q, want ss's %q", tt.args, got, tt.header)
		}
		min := len(strings.Fields(tt.header)) - 5 // the header's "Local Address:Port" and "Peer Address:Port" are 4 words, a row's 2
		for _, l := range lines[1:] {
			if len(strings.Fields(l)) < min {
				t.Errorf("%q: row %q has fewer than %d columns", tt.args, l, min)
			}
		}
	}
}

func TestUsage(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"-dport", "-1"}, strings.NewReader(""), &out, &out)
	if !cli.IsUsage(err) || out.Len() != 0 {
		t.Errorf("run(-dport -1) = %v, output %q; want a usage error and no output", err, out.String())
	}
}
