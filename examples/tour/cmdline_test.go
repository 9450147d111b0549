package main

import (
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

func TestCommandLine(t *testing.T) {
	testkit.CheckHelpAndUsage(t, []string{"-nosuch"}, []string{"extra"})
}

// TestExitsZero runs the tour as a program: it exits 0 and has a header for
// every section of the notes, 1 to 11, in order.
func TestExitsZero(t *testing.T) {
	r := testkit.Exec(t, "")
	if r.Code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", r.Code, r.Stderr)
	}
	last := -1
	for i := 1; i <= 11; i++ {
		at := strings.Index(r.Stdout, fmt.Sprintf("== %d. ", i))
		if at < last {
			t.Errorf("section %d missing or out of order", i)
		}
		last = at
	}
	if !strings.Contains(r.Stdout, "Done: every section ran.") {
		t.Errorf("no final line:\n%s", r.Stdout)
	}
}

// TestStrace checks the TCP and UDP flows' send and recv lines against the
// calls strace saw: the same bytes, the same return value.
func TestStrace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the expected strace lines are Linux's")
	}
	r, tr := testkit.Strace(t, "")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	line := regexp.MustCompile(`(?m)^(?:client|server): (send|sendto|recv|recvfrom)\((?:"([^"]*)"[^)]*)?\) = (\d+)(?:: "([^"]*)")?`)
	checked := 0
	for _, m := range line.FindAllStringSubmatch(r.Stdout, -1) {
		data, n := m[2]+m[4], m[3]
		want := []string{"sendto"}
		if strings.HasPrefix(m[1], "recv") {
			want = []string{"recvfrom", "recvmsg"}
		}
		found := false
		for _, c := range tr {
			if slices.Contains(want, c.Name) && strings.Contains(c.Args, fmt.Sprintf("%q", data)) && c.Ret == n {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("printed %q; strace saw no %v of %q returning %s", m[0], want, data, n)
		}
		checked++
	}
	if checked < 6 {
		t.Errorf("checked %d send/recv lines, want at least 6:\n%s", checked, r.Stdout)
	}
}
