package main

import (
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

func TestCommandLine(t *testing.T) {
	testkit.CheckHelpAndUsage(t, []string{"-nosuch"}, []string{"extra"})
}

// TestStrace checks the two browsers' local ports against what the kernel
// returned: each is in a getsockname result strace saw, and the server's
// port is the one both connect(2) calls went to.
func TestStrace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the expected strace lines are Linux's")
	}
	r, tr := testkit.Strace(t, "")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	m := regexp.MustCompile(`(?m)^local port\s+(\d+)\s+(\d+)`).FindStringSubmatch(r.Stdout)
	srv := regexp.MustCompile(`(?m)^remote port\s+(\d+)\s+(\d+)`).FindStringSubmatch(r.Stdout)
	if m == nil || srv == nil {
		t.Fatalf("no port rows in:\n%s", r.Stdout)
	}
	for _, port := range m[1:] {
		found := false
		for _, c := range tr {
			if c.Name == "getsockname" && strings.Contains(c.Args, "htons("+port+")") && c.Ret == "0" {
				found = true
			}
		}
		if !found {
			t.Errorf("printed local port %s; no getsockname strace saw returned it", port)
		}
	}
	connects := 0
	for _, c := range tr {
		if c.Name == "connect" && strings.Contains(c.Args, "htons("+srv[1]+")") {
			connects++
		}
	}
	if connects < 2 {
		t.Errorf("printed remote port %s; strace saw %d connects to it, want 2", srv[1], connects)
	}
}
