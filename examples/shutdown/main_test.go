package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.RunMainIfAsked(main)
	testkit.Main(m)
}

// indexOf returns the line number of the first line containing substr.
func indexOf(t *testing.T, lines []string, substr string) int {
	t.Helper()
	for i, l := range lines {
		if strings.Contains(l, substr) {
			return i
		}
	}
	t.Fatalf("no line contains %q in:\n%s", substr, strings.Join(lines, "\n"))
	return -1
}

// The built-in flow: every step in order, the reply after the half-close.
func TestInProcess(t *testing.T) {
	before := testkit.Count()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"-request", "ping"}, strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatalf("run: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	steps := []string{
		"server: socket, bind, listen: listening on 127.0.0.1:",
		"client: socket, connect: tcp 127.0.0.1:",
		"server: accept",
		`client: send "ping" (4 bytes)`,
		"client: shutdown(SHUT_WR)",
		`server: recv "ping" (4 bytes)`,
		"server: recv returned EOF",
		`server: send "received 4 bytes: ping"`,
		`client: recv "received 4 bytes: ping"`,
		"client: recv returned EOF",
		"client: close",
	}
	last := -1
	for _, step := range steps {
		i := indexOf(t, lines, step)
		if i <= last {
			t.Errorf("step %q is on line %d, not after line %d:\n%s", step, i, last, stdout.String())
		}
		last = i
	}
	testkit.CheckReleased(t, before)
}

// Against an independent server (the standard library's) that reads to
// EOF before it replies: the reply can only come after the half-close,
// and the client still reads it.
func TestAgainstStdlibServer(t *testing.T) {
	before := testkit.Count()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan string, 1)
	go func() {
		defer close(got)
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		req, err := io.ReadAll(c) // returns only at EOF: after the half-close
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		got <- string(req)
		fmt.Fprintf(c, "saw EOF after %d bytes", len(req))
	}()

	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"-connect", l.Addr().String(), "-request", "hello"}, strings.NewReader(""), &stdout, io.Discard); err != nil {
		t.Fatalf("run: %v", err)
	}
	if diff := cmp.Diff("hello", <-got); diff != "" {
		t.Errorf("the server read (-want +got):\n%s", diff)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	sd := indexOf(t, lines, "client: shutdown(SHUT_WR)")
	reply := indexOf(t, lines, `client: recv "saw EOF after 5 bytes"`)
	if reply < sd {
		t.Errorf("reply on line %d before the half-close on line %d", reply, sd)
	}
	l.Close()
	testkit.CheckReleased(t, before)
}

// A cancelled context ends a client waiting for a reply that never comes.
func TestCancel(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	ctx, cancel := context.WithCancel(context.Background())
	out := testkit.NewOutput()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-connect", l.Addr().String()}, strings.NewReader(""), out, io.Discard)
	}()
	if !out.WaitFor("shutdown(SHUT_WR)", 10*time.Second) {
		t.Fatalf("the client did not get to the half-close; output:\n%s", out)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("run after cancel = %v, want a deadline error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after its context was cancelled")
	}
	if c := <-accepted; c != nil {
		c.Close()
	}
}

func TestArgs(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want func(error) bool
	}{
		{"help", []string{"-h"}, func(err error) bool { return errors.Is(err, flag.ErrHelp) }},
		{"bad address", []string{"-connect", "localhost:80"}, isUsage},
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
