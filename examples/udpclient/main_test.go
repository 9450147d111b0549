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

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.RunMainIfAsked(main)
	testkit.Main(m)
}

// echoServer is the independent peer: a standard-library UDP server that
// sends every datagram back to its sender, or reply(datagram) when reply
// is not nil.
func echoServer(t *testing.T, reply func([]byte) []byte) (addr string, stop func()) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		buf := make([]byte, 70000)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			out := buf[:n]
			if reply != nil {
				out = reply(out)
			}
			pc.WriteTo(out, from)
		}
	})
	return pc.LocalAddr().String(), func() { pc.Close(); wg.Wait() }
}

func TestEcho(t *testing.T) {
	long := strings.Repeat("z", 65506) + "\n" // the largest IPv4 UDP payload
	tests := []struct {
		name  string
		input string
		file  bool
		want  []string // datagrams received, in order
	}{
		{"lines through a reader", "hello\nworld\n", false, []string{"hello\n", "world\n"}},
		{"lines through a pipe file", "hello\nworld\n", true, []string{"hello\n", "world\n"}},
		{"no final newline", "a\nb", false, []string{"a\n", "b"}},
		{"empty line is a one-byte datagram", "\n", false, []string{"\n"}},
		{"65507 bytes", long, false, []string{long}},
	}
	for _, mode := range []string{"sendto", "connect"} {
		for _, tt := range tests {
			t.Run(mode+"/"+tt.name, func(t *testing.T) {
				before := testkit.Count()
				addr, stop := echoServer(t, nil)
				host, port, _ := net.SplitHostPort(addr)
				var stdin io.Reader = strings.NewReader(tt.input)
				if tt.file {
					pr, pw, err := os.Pipe()
					if err != nil {
						t.Fatal(err)
					}
					defer pr.Close()
					go func() { io.WriteString(pw, tt.input); pw.Close() }()
					stdin = pr
				}
				args := []string{"-wait", "5s", host, port}
				if mode == "connect" {
					args = append([]string{"-connect"}, args...)
				}
				var stdout, stderr bytes.Buffer
				if err := run(context.Background(), args, stdin, &stdout, &stderr); err != nil {
					t.Fatalf("run: %v; stderr:\n%s", err, stderr.String())
				}
				out := stdout.String()
				if diff := cmp.Diff(tt.want, received(t, out)); diff != "" {
					t.Errorf("unexpected datagrams received (-want +got):\n%.2000s", diff)
				}
				if want := strings.Count(out, "Received ("); mode == "sendto" && strings.Count(out, "(Go: from "+addr+")\n") != want {
					t.Errorf("not every datagram's sender is %s:\n%.2000s", addr, out)
				}
				for _, d := range tt.want {
					if !strings.Contains(out, fmt.Sprintf("Sending: %sSent %d bytes.\n", d, len(d))) {
						t.Errorf("no Sending and Sent lines for %.40q", d)
					}
				}
				if stderr.Len() != 0 {
					t.Errorf("unexpected stderr %q", stderr.String())
				}
				stop()
				if f, ok := stdin.(*os.File); ok {
					f.Close()
				}
				testkit.CheckReleased(t, before)
			})
		}
	}
}

// received returns the texts of the "Received (N bytes): ..." lines, N
// bytes each.
func received(t *testing.T, out string) []string {
	t.Helper()
	var got []string
	for {
		_, rest, ok := strings.Cut(out, "Received (")
		if !ok {
			return got
		}
		var n int
		if _, err := fmt.Sscanf(rest, "%d bytes): ", &n); err != nil {
			t.Fatalf("bad line at %.40q: %v", rest, err)
		}
		rest = rest[strings.Index(rest, "): ")+3:]
		got = append(got, rest[:n])
		out = rest[n:]
	}
}

// A reply longer than the buffer is reported as truncated; a line longer
// than any datagram is reported as not sent.
func TestTruncationAndTooLong(t *testing.T) {
	addr, stop := echoServer(t, func(p []byte) []byte { return bytes.Repeat(p, 3) })
	defer stop()
	host, port, _ := net.SplitHostPort(addr)
	input := strings.Repeat("a", 1000) + "\n" + strings.Repeat("b", 70000) + "\n"
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"-bufsize", "1024", "-wait", "5s", host, port}, strings.NewReader(input), &stdout, &stderr); err != nil {
		t.Fatalf("run: %v", err)
	}
	a := strings.Repeat("a", 1000) + "\n"
	if diff := cmp.Diff([]string{(a + a)[:1024]}, received(t, stdout.String())); diff != "" {
		t.Errorf("unexpected datagrams received (-want +got):\n%s", diff)
	}
	for _, want := range []string{
		"datagram from " + addr + " truncated to the 1024-byte buffer",
		"datagram of 70001 bytes not sent: sendto: message too long",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr %q lacks %q", stderr.String(), want)
		}
	}
}

// With no reply at all, the client gives up after -wait and says how many
// datagrams went unanswered.
func TestNoReply(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(pc.LocalAddr().String())
	pc.Close() // nothing listens there now
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"-wait", "200ms", host, port}, strings.NewReader("anyone?\n"), &stdout, &stderr); err != nil {
		t.Fatalf("run: %v", err)
	}
	if strings.Contains(stdout.String(), "Received") {
		t.Errorf("stdout %q, want no datagram received", stdout.String())
	}
	if !strings.Contains(stderr.String(), "1 of 1 datagrams got no reply") {
		t.Errorf("stderr %q does not report the missing reply", stderr.String())
	}
}

func TestCancel(t *testing.T) {
	before := testkit.Count()
	addr, stop := echoServer(t, nil)
	host, port, _ := net.SplitHostPort(addr)
	pr, pw := io.Pipe()
	testkit.CheckCancel(t, run, []string{host, port}, pr, "To send data")
	pw.Close()
	stop()
	testkit.CheckReleased(t, before)
}

func TestArgs(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want func(error) bool
	}{
		{"help", []string{"-h"}, func(err error) bool { return errors.Is(err, flag.ErrHelp) }},
		{"no arguments", nil, isUsage},
		{"bad bufsize", []string{"-bufsize", "-1", "a", "b"}, isUsage},
		{"negative wait", []string{"-wait", "-1s", "a", "b"}, isUsage},
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
