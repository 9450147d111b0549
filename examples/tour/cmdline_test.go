package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/examples/internal/extest"
)

func TestCommandLine(t *testing.T) {
	extest.CheckHelpAndUsage(t, []string{"-nosuch"}, []string{"extra"})
}

// TestExitsZero runs the tour as a program: it exits 0 and has a header for
// every section of the notes, 1 to 11, in order.
func TestExitsZero(t *testing.T) {
	r := extest.Exec(t, "")
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
