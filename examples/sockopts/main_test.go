package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.RunMainIfAsked(main)
	testkit.Main(m)
}

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
		name, value, _ := strings.Cut(strings.TrimSpace(line), "  ")
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
		"SO_REUSEADDR":  {"0", "1"},
		"TCP_NODELAY":   {"0", "1"},
		"posixkit mode": {"blocking", "nonblocking"},
		"SO_RCVBUF":     {was["SO_RCVBUF"], wantRcvbuf},
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
	if was["F_GETFL"] != "O_RDWR|O_NONBLOCK" {
		t.Errorf("F_GETFL before = %q, want the kernel's O_RDWR|O_NONBLOCK", was["F_GETFL"])
	}
	for _, call := range []string{"SO_REUSEADDR, [1], 4) = 0", "TCP_NODELAY, [1], 4) = 0", "SO_RCVBUF, [20000], 4) = 0"} {
		if !strings.Contains(out, call) {
			t.Errorf("output lacks the call %q", call)
		}
	}
	testkit.CheckReleased(t, before)
}

func TestArgs(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want func(error) bool
	}{
		{"help", []string{"-h"}, func(err error) bool { return errors.Is(err, flag.ErrHelp) }},
		{"zero rcvbuf", []string{"-rcvbuf", "0"}, isUsage},
		{"rcvbuf over int32", []string{"-rcvbuf", "2147483648"}, isUsage},
		{"not a number", []string{"-rcvbuf", "big"}, isUsage},
		{"extra argument", []string{"x"}, isUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := run(context.Background(), tt.args, strings.NewReader(""), io.Discard, io.Discard); !tt.want(err) {
				t.Errorf("run(%q) = %v", tt.args, err)
			}
		})
	}
}

func isUsage(err error) bool { return errors.As(err, new(usageError)) }

func TestCommandLine(t *testing.T) {
	testkit.CheckHelpAndUsage(t, []string{"-rcvbuf", "0"}, []string{"-rcvbuf", "x"}, []string{"-nosuch"}, []string{"extra"})
}

// TestStrace checks every line printed as a system call, and every value
// printed from getsockopt and fcntl, against what strace saw.
func TestStrace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the expected strace lines are Linux's")
	}
	r, tr := testkit.Strace(t, "", "-rcvbuf", "20000")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	first, _, _ := strings.Cut(r.Stdout, "\n")
	m := regexp.MustCompile(`^socket\((.*)\) = (\d+)$`).FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("first line %q is not a socket call", first)
	}
	if !tr.Has("socket", m[1], m[2]) {
		t.Errorf("printed %q; strace saw no such call", first)
	}
	fd := m[2]
	for line := range strings.Lines(r.Stdout) {
		line = strings.TrimSpace(line)
		if c, ok := strings.CutPrefix(line, "setsockopt("); ok {
			args, ret, _ := strings.Cut(c, ") = ")
			args = strings.Replace(args, "IPPROTO_TCP", "SOL_TCP", 1) // strace's name for the level
			if !tr.Has("setsockopt", args, ret) {
				t.Errorf("printed %q; strace saw no setsockopt(%s) = %s", line, args, ret)
			}
		}
	}
	if c, ok := tr.Find("fcntl", fd+", F_SETFL", ""); ok {
		t.Errorf("SetNonblock made a system call: %s", c.Line)
	}
	// The values of the "after" table are the kernel's.
	after := section(t, r.Stdout, "after:")
	for _, opt := range []string{"SO_REUSEADDR", "SO_RCVBUF", "SO_SNDBUF", "SO_TYPE"} {
		want := fmt.Sprintf("%s, SOL_SOCKET, %s, [", fd, opt)
		found := false
		for _, c := range tr {
			if c.Name == "getsockopt" && strings.HasPrefix(c.Args, want) {
				found = true
				v, _, _ := strings.Cut(c.Args[len(want):], "]")
				if opt == "SO_TYPE" {
					v = map[string]string{"1": "SOCK_STREAM"}[v]
				}
				if v == after[opt] {
					found = true
					break
				}
				found = false
			}
		}
		if !found {
			t.Errorf("after: %s %q; strace saw no getsockopt returning it", opt, after[opt])
		}
	}
	c, ok := tr.Find("fcntl", fd+", F_GETFL", "")
	if !ok || !strings.Contains(c.Ret, "flags "+after["F_GETFL"]+")") {
		t.Errorf("after: F_GETFL %q; strace saw %q", after["F_GETFL"], c.Line)
	}
}
