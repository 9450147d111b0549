package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/examples/internal/extest"
	"github.com/posixkit/posixkit/internal/leakcheck"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) {
	extest.RunMainIfAsked(main)
	leakcheck.Main(m)
}

// echoServer is the independent peer: a standard-library server that
// sends back what it receives and closes once the client has finished.
// handle replaces the echo when not nil.
func echoServer(t *testing.T, handle func(net.Conn)) (host, port string, stop func()) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(20 * time.Second))
				if handle != nil {
					handle(c)
					return
				}
				io.Copy(c, c)
			})
		}
	})
	host, port, _ = net.SplitHostPort(l.Addr().String())
	return host, port, func() { l.Close(); wg.Wait() }
}

func TestEcho(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 1<<16) + "\n" // 1 MiB: more than the socket buffers hold
	tests := []struct {
		name  string
		input string
		file  bool // stdin is an *os.File (a pipe) rather than an io.Reader
	}{
		{"lines through a reader", "one\ntwo\nthree\n", false},
		{"lines through a pipe file", "one\ntwo\nthree\n", true},
		{"no final newline", "partial", false},
		{"empty input", "", true},
		{"1 MiB through a reader", big, false},
		{"1 MiB through a pipe file", big, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := extest.Count()
			host, port, stop := echoServer(t, nil)
			var stdin io.Reader = strings.NewReader(tt.input)
			var pw *os.File
			if tt.file {
				pr, w, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				defer pr.Close()
				pw = w
				stdin = pr
				go func() { io.WriteString(pw, tt.input); pw.Close() }()
			}
			var stdout bytes.Buffer
			stderr := extest.NewOutput()
			if err := run(context.Background(), []string{host, port}, stdin, &stdout, stderr); err != nil {
				t.Fatalf("run: %v; stderr:\n%s", err, stderr)
			}
			if stdout.String() != tt.input {
				t.Errorf("output of %d bytes differs from the input of %d bytes", stdout.Len(), len(tt.input))
				if len(tt.input) < 100 {
					t.Errorf("unexpected output (-want +got):\n%s", cmp.Diff(tt.input, stdout.String()))
				}
			}
			for _, want := range []string{"connected: tcp 127.0.0.1:", "shutdown(SHUT_WR)", "connection closed by the server"} {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr %q lacks %q", stderr, want)
				}
			}
			stop()
			if stdin, ok := stdin.(*os.File); ok {
				stdin.Close()
			}
			extest.CheckReleased(t, before)
		})
	}
}

// The server closes first, while standard input is still open: the client
// prints what the server said and returns.
func TestServerClosesFirst(t *testing.T) {
	before := extest.Count()
	host, port, stop := echoServer(t, func(c net.Conn) { io.WriteString(c, "bye\n") })
	pr, pw := io.Pipe()
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{host, port}, pr, &stdout, io.Discard); err != nil {
		t.Fatalf("run: %v", err)
	}
	if diff := cmp.Diff("bye\n", stdout.String()); diff != "" {
		t.Errorf("unexpected output (-want +got):\n%s", diff)
	}
	pw.Close() // ends the goroutine that copies stdin
	stop()
	extest.CheckReleased(t, before)
}

// Cancelling the context ends a client waiting on a silent server.
func TestCancel(t *testing.T) {
	before := extest.Count()
	quit := make(chan struct{})
	host, port, stop := echoServer(t, func(c net.Conn) { <-quit })
	pr, pw := io.Pipe()
	extest.CheckCancel(t, run, []string{host, port}, pr, "connected")
	pw.Close()
	close(quit)
	stop()
	extest.CheckReleased(t, before)
}

func TestConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close() // nothing listens there now
	err = run(context.Background(), []string{host, port}, strings.NewReader(""), io.Discard, io.Discard)
	if !errors.Is(err, unix.ECONNREFUSED) {
		t.Errorf("run = %v, want ECONNREFUSED", err)
	}
}

func TestArgs(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want func(error) bool
	}{
		{"help", []string{"-h"}, func(err error) bool { return errors.Is(err, flag.ErrHelp) }},
		{"no arguments", nil, isUsage},
		{"one argument", []string{"127.0.0.1"}, isUsage},
		{"three arguments", []string{"a", "b", "c"}, isUsage},
		{"unknown flag", []string{"-x", "a", "b"}, isUsage},
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
