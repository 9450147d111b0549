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

// TestStrace checks every send and recv line against the traced call: the
// same bytes and count, EOF as a recv returning 0, and the half-close.
func TestStrace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the expected strace lines are Linux's")
	}
	r, tr := testkit.Strace(t, "")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	io := regexp.MustCompile(`^(?:client|server): (send|recv) (".*") \((\d+) bytes\)`)
	checked := 0
	for line := range strings.Lines(r.Stdout) {
		m := io.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		call, data, n := map[string]string{"send": "sendto", "recv": "recvfrom"}[m[1]], m[2], m[3]
		found := false
		for _, c := range tr {
			if c.Name == call && strings.Contains(c.Args, ", "+data+", ") && c.Ret == n {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("printed %q; strace saw no %s of %s returning %s", line, call, data, n)
		}
		checked++
	}
	if checked != 4 {
		t.Errorf("checked %d send/recv lines, want 4:\n%s", checked, r.Stdout)
	}
	eofs := 0
	for _, c := range tr {
		if c.Name == "recvfrom" && c.Ret == "0" {
			eofs++
		}
	}
	if want := strings.Count(r.Stdout, "recv returned EOF"); eofs < want {
		t.Errorf("printed %d EOFs; strace saw %d recvfrom returning 0", want, eofs)
	}
	if _, ok := tr.Find("shutdown", "", "0"); !ok || !strings.Contains(r.Stdout, "shutdown(SHUT_WR)") {
		t.Errorf("strace saw no shutdown returning 0")
	} else if c, _ := tr.Find("shutdown", "", "0"); !strings.HasSuffix(c.Args, "SHUT_WR") {
		t.Errorf("shutdown traced as %q, want SHUT_WR", c.Line)
	}
}
