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
	"sync"
	"testing"
	"time"

	"github.com/posixkit/posixkit/internal/testkit"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) {
	testkit.RunMainIfAsked(main)
	testkit.Main(m)
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
				// Hidden types: TCPConn's ReadFrom would splice through a
				// pipe that the runtime keeps in a pool after the test.
				io.Copy(struct{ io.Writer }{c}, struct{ io.Reader }{c})
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
			before := testkit.Count()
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
			stderr := testkit.NewOutput()
			if err := run(context.Background(), []string{host, port}, stdin, &stdout, stderr); err != nil {
				t.Fatalf("run: %v; stderr:\n%s", err, stderr)
			}
			sent, got := parseSession(t, stdout.String())
			if sent != tt.input || got != tt.input {
				t.Errorf("sent %d bytes and received %d, want the %d bytes of the input both ways", len(sent), len(got), len(tt.input))
				if len(tt.input) < 100 {
					t.Errorf("unexpected output:\n%s", stdout.String())
				}
			}
			for _, want := range []string{"(Go: the 5-tuple: tcp 127.0.0.1:", "shutdown(SHUT_WR)", "Connection closed by peer.\nClosing socket...\nFinished.\n"} {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("output lacks %q:\n%.2000s", want, stdout.String())
				}
			}
			stop()
			if stdin, ok := stdin.(*os.File); ok {
				stdin.Close()
			}
			testkit.CheckReleased(t, before)
		})
	}
}

// The server closes first, while standard input is still open: the client
// prints what the server said and returns.
func TestServerClosesFirst(t *testing.T) {
	before := testkit.Count()
	host, port, stop := echoServer(t, func(c net.Conn) { io.WriteString(c, "bye\n") })
	pr, pw := io.Pipe()
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{host, port}, pr, &stdout, io.Discard); err != nil {
		t.Fatalf("run: %v", err)
	}
	if _, got := parseSession(t, stdout.String()); got != "bye\n" {
		t.Errorf("received %q, want \"bye\\n\"", got)
	}
	pw.Close() // ends the goroutine that copies stdin
	stop()
	testkit.CheckReleased(t, before)
}

// Cancelling the context ends a client waiting on a silent server.
func TestCancel(t *testing.T) {
	before := testkit.Count()
	quit := make(chan struct{})
	host, port, stop := echoServer(t, func(c net.Conn) { <-quit })
	pr, pw := io.Pipe()
	testkit.CheckCancel(t, run, []string{host, port}, pr, "To send data")
	pw.Close()
	close(quit)
	stop()
	testkit.CheckReleased(t, before)
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
		{"port 0", []string{"127.0.0.1", "0"}, isUsage},
		{"port 65536", []string{"127.0.0.1", "65536"}, isUsage},
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

// parseSession reads the C program's session lines back: what the client
// sent (the "Sending: " texts, checked against the "Sent N bytes." counts)
// and what it received (the "Received (N bytes): " texts, N bytes each).
func parseSession(t *testing.T, out string) (sent, received string) {
	t.Helper()
	var s, r strings.Builder
	taken, counted := 0, 0
	for rest := out; rest != ""; {
		var n int
		switch {
		case strings.HasPrefix(rest, "Sending: "):
			rest = rest[len("Sending: "):]
			i := strings.Index(rest, "\n")
			if j := strings.Index(rest, "Sent "); j >= 0 && (i < 0 || j < i) {
				i = j - 1 // a last line without a newline: "Sent" follows it
			}
			s.WriteString(rest[:i+1])
			taken += i + 1
			rest = rest[i+1:]
			continue
		case strings.HasPrefix(rest, "Received ("):
			if _, err := fmt.Sscanf(rest, "Received (%d bytes): ", &n); err != nil {
				t.Fatalf("bad line at %.40q: %v", rest, err)
			}
			rest = rest[strings.Index(rest, "): ")+3:]
			r.WriteString(rest[:n])
			rest = rest[n:]
			continue
		case strings.HasPrefix(rest, "Sent "):
			if _, err := fmt.Sscanf(rest, "Sent %d bytes.\n", &n); err != nil {
				t.Fatalf("bad line at %.40q: %v", rest, err)
			}
			counted += n
		}
		_, rest, _ = strings.Cut(rest, "\n")
	}
	if taken != counted {
		t.Errorf("\"Sending: \" lines hold %d bytes, \"Sent N bytes.\" lines count %d", taken, counted)
	}
	return s.String(), r.String()
}
