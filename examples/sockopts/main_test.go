package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// section returns the "NAME value" pairs of an indented block that follows
// the line starting with title.
func section(t *testing.T, out, title string) map[string]string {
	t.Helper()
	_, rest, ok := strings.Cut(out, "\n"+title)
	if !ok {
		t.Fatalf("no %q section in:\n%s", title, out)
	}
	m := map[string]string{}
	for i, line := range strings.Split(rest, "\n") {
		if i == 0 {
			continue // the rest of the title line
		}
		if !strings.HasPrefix(line, "  ") {
			break
		}
		name, value, _ := strings.Cut(strings.TrimSpace(line), " ")
		m[name] = strings.TrimSpace(value)
	}
	return m
}

func TestOptionsChange(t *testing.T) {
	before := testkit.Count()
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"-rcvbuf", "20000"}, strings.NewReader(""), &stdout, io.Discard); err != nil {
		t.Fatalf("run: %v", err)
	}
	out := stdout.String()
	was, now := section(t, out, "before"), section(t, out, "after:")
	wantRcvbuf := "20000"
	if runtime.GOOS == "linux" {
		wantRcvbuf = "40000" // Linux doubles what it is given
	}
	want := map[string][2]string{
		"SO_REUSEADDR": {"0", "1"},
		"TCP_NODELAY":  {"0", "1"},
		"O_NONBLOCK":   {"0", "1"},
		"F_GETFL":      {"O_RDWR", "O_RDWR|O_NONBLOCK"},
		"SO_RCVBUF":    {was["SO_RCVBUF"], wantRcvbuf},
	}
	got := map[string][2]string{}
	for name := range now {
		if was[name] != now[name] {
			got[name] = [2]string{was[name], now[name]}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unexpected changes (-want +got):\n%s\n%s", diff, out)
	}
	// The summary lists the same changes.
	_, summary, _ := strings.Cut(out, "\nchanged:\n")
	for name, v := range want {
		line := fmt.Sprintf("%-14s %s -> %s", name, v[0], v[1])
		if !strings.Contains(summary, line) {
			t.Errorf("summary lacks %q:\n%s", line, summary)
		}
	}
	for _, call := range []string{"SO_REUSEADDR, 1) = 0", "TCP_NODELAY, 1) = 0", "SO_RCVBUF, 20000) = 0", "F_SETFL, O_RDWR|O_NONBLOCK) = 0"} {
		if !strings.Contains(out, call) {
			t.Errorf("output lacks the call %q", call)
		}
	}
	testkit.CheckReleased(t, before)
}

func TestArgs(t *testing.T) {
	testkit.CheckArgs(t, run, []testkit.ArgsCase{
		{Name: "help", Args: []string{"-h"}, Want: testkit.IsHelp},
		{Name: "zero rcvbuf", Args: []string{"-rcvbuf", "0"}, Want: isUsage},
		{Name: "not a number", Args: []string{"-rcvbuf", "big"}, Want: isUsage},
		{Name: "extra argument", Args: []string{"x"}, Want: isUsage},
	})
}

func isUsage(err error) bool { return errors.As(err, new(usageError)) }
