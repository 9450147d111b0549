package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
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

// checkResponse checks that resp is the time server's answer.
func checkResponse(t *testing.T, resp *http.Response) {
	t.Helper()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	got := map[string]any{
		"status":         resp.StatusCode,
		"proto":          resp.Proto,
		"content-type":   resp.Header.Get("Content-Type"),
		"content-length": resp.ContentLength,
		"close":          resp.Close,
	}
	want := map[string]any{
		"status":         200,
		"proto":          "HTTP/1.1",
		"content-type":   "text/plain; charset=utf-8",
		"content-length": int64(len(body)),
		"close":          true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unexpected response (-want +got):\n%s", diff)
	}
	stamp, ok := strings.CutPrefix(strings.TrimSuffix(string(body), "\n"), "Local time is: ")
	if !ok {
		t.Fatalf("body %q does not start with \"Local time is: \"", body)
	}
	when, err := time.ParseInLocation(time.ANSIC, stamp, time.Local)
	if err != nil {
		t.Fatalf("time %q: %v", stamp, err)
	}
	if d := time.Since(when); d < -time.Minute || d > time.Minute {
		t.Errorf("the server's time %v is %v away from ours", when, d)
	}
}

func TestResponseParses(t *testing.T) {
	before := testkit.Count()
	srv := testkit.StartServer(t, run, "-addr", "127.0.0.1:0")

	// A raw request, the response read with net/http's parser.
	for i := range 3 {
		c, err := net.DialTimeout("tcp", srv.Addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		checkResponse(t, resp)
		c.Close()
	}

	// A real HTTP client.
	tr := &http.Transport{DisableKeepAlives: true}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	resp, err := client.Get("http://" + srv.Addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	checkResponse(t, resp)
	resp.Body.Close()
	tr.CloseIdleConnections()

	if err := srv.Stop(); err != nil {
		t.Errorf("run returned %v after its context was cancelled, want nil", err)
	}
	testkit.CheckReleased(t, before)
}

// A client that sends nothing is dropped after -timeout, with a log line,
// and the next client is served.
func TestSilentClient(t *testing.T) {
	srv := testkit.StartServer(t, run, "-addr", "127.0.0.1:0", "-timeout", "200ms")
	silent, err := net.DialTimeout("tcp", srv.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	c, err := net.DialTimeout("tcp", srv.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkResponse(t, resp)
	if !srv.Stderr.WaitFor("timeout", 5*time.Second) {
		t.Errorf("no log line for the silent client; stderr %q", srv.Stderr)
	}
}

// Cancelling the context while a client is being read stops the server.
func TestStopWhileReading(t *testing.T) {
	before := testkit.Count()
	srv := testkit.StartServer(t, run, "-addr", "127.0.0.1:0", "-timeout", "1h")
	c, err := net.DialTimeout("tcp", srv.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET / HTTP/1.1\r\n") // not the end of the request
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	// The server is reading; stop it.
	if err := srv.Stop(); err != nil {
		t.Errorf("run returned %v, want nil", err)
	}
	if n, err := c.Read(make([]byte, 1)); err == nil {
		t.Errorf("read %d bytes from a stopped server", n)
	}
	c.Close()
	testkit.CheckReleased(t, before)
}

func TestArgs(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want func(error) bool
	}{
		{"help", []string{"-h"}, func(err error) bool { return errors.Is(err, flag.ErrHelp) }},
		{"zero timeout", []string{"-timeout", "0s"}, isUsage},
		{"no port", []string{"-addr", "x"}, isUsage},
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
