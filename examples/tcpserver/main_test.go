package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) {
	testkit.RunMainIfAsked(main)
	testkit.Main(m)
}

// dial connects to the server under test with the standard library, the
// independent peer, and bounds the whole exchange in time.
func dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return c.(*net.TCPConn)
}

// exchange sends msg and reads back exactly len(msg) bytes.
func exchange(c net.Conn, msg string) (string, error) {
	if _, err := io.WriteString(c, msg); err != nil {
		return "", err
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		return string(got), err
	}
	return string(got), nil
}

func TestManyClients(t *testing.T) {
	before := testkit.Count()
	srv := testkit.StartServer(t, run, "-addr", "127.0.0.1:0")

	// 20 clients connect and say nothing: they must not stall anyone.
	var idle []*net.TCPConn
	for range 20 {
		idle = append(idle, dial(t, srv.Addr))
	}

	// One client vanishes mid-stream: it is answered once, sends half a
	// word, and resets the connection (SO_LINGER 0, then close).
	reset := dial(t, srv.Addr)
	if got, err := exchange(reset, "hel"); err != nil || got != "HEL" {
		t.Fatalf("first exchange of the resetting client: %q, %v", got, err)
	}
	if _, err := reset.Write([]byte("lo")); err != nil {
		t.Fatal(err)
	}
	resetAddr := reset.LocalAddr().String()
	reset.SetLinger(0)
	reset.Close()

	// 200 clients at once, each must get exactly its own line back.
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			c, err := net.DialTimeout("tcp", srv.Addr, 5*time.Second)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			msg := fmt.Sprintf("hello from client %d\n", i)
			got, err := exchange(c, msg)
			if err != nil {
				errs <- fmt.Errorf("client %d: %v", i, err)
				return
			}
			if want := strings.ToUpper(msg); got != want {
				errs <- fmt.Errorf("client %d got %q, want %q", i, got, want)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// The idle clients are still connected and served.
	for i, c := range idle {
		msg := fmt.Sprintf("idle %d\n", i)
		got, err := exchange(c, msg)
		if err != nil {
			t.Errorf("idle client %d: %v", i, err)
		} else if diff := cmp.Diff(strings.ToUpper(msg), got); diff != "" {
			t.Errorf("idle client %d: unexpected reply (-want +got):\n%s", i, diff)
		}
		c.Close()
	}

	// The reset client was dropped with a log line naming it.
	if !srv.Stderr.WaitFor(resetAddr+": ", 5*time.Second) {
		t.Errorf("no log line for the client %s that reset; stderr:\n%s", resetAddr, srv.Stderr)
	} else if line := lineWith(srv.Stderr.String(), resetAddr); !strings.Contains(line, "reset") || !strings.Contains(line, "dropped") {
		t.Errorf("log line for the reset client is %q, want it to say reset and dropped", line)
	}

	if err := srv.Stop(); err != nil {
		t.Errorf("run returned %v after its context was cancelled, want nil", err)
	}
	t.Logf("server's log:\n%s", srv.Stderr)
	testkit.CheckReleased(t, before)
}

func lineWith(s, substr string) string {
	for line := range strings.Lines(s) {
		if strings.Contains(line, substr) {
			return strings.TrimSpace(line)
		}
	}
	return ""
}

// A client that sends without ever reading is dropped once its replies
// pile up past the cap, and the server keeps serving others meanwhile.
func TestSlowReaderDropped(t *testing.T) {
	before := testkit.Count()
	srv := testkit.StartServer(t, run, "-addr", "127.0.0.1:0")
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		// A small receive window so that the replies back up quickly.
		return rc.Control(func(fd uintptr) { unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, 4096) })
	}}
	c, err := d.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	chunk := bytes.Repeat([]byte("flood "), 10000)
	var writeErr error
	for sent := 0; sent < 256<<20 && writeErr == nil; sent += len(chunk) {
		_, writeErr = c.Write(chunk)
	}
	if writeErr == nil {
		t.Fatalf("the server took 256 MiB from a client that never reads")
	}
	if !srv.Stderr.WaitFor("does not read its replies", 5*time.Second) {
		t.Errorf("no log line for the dropped client; stderr:\n%s", srv.Stderr)
	}
	other := dial(t, srv.Addr)
	if got, err := exchange(other, "still here\n"); err != nil || got != "STILL HERE\n" {
		t.Errorf("another client after the drop got %q, %v", got, err)
	}
	other.Close()
	c.Close()
	if err := srv.Stop(); err != nil {
		t.Errorf("run returned %v, want nil", err)
	}
	testkit.CheckReleased(t, before)
}

// A half-closed client still gets every reply, then the server closes.
func TestHalfClose(t *testing.T) {
	srv := testkit.StartServer(t, run, "-addr", "127.0.0.1:0")
	c := dial(t, srv.Addr)
	defer c.Close()
	if _, err := io.WriteString(c, "request then shutdown"); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("REQUEST THEN SHUTDOWN", string(got)); diff != "" {
		t.Errorf("unexpected reply (-want +got):\n%s", diff)
	}
}

func TestArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr func(error) bool
		stdout  string
	}{
		{"help", []string{"-h"}, func(err error) bool { return errors.Is(err, flag.ErrHelp) }, "usage: tcpserver [-addr HOST:PORT] [-idle DURATION] [-q]\n"},
		{"unknown flag", []string{"-x"}, isUsage, ""},
		{"extra argument", []string{"extra"}, isUsage, ""},
		{"no port", []string{"-addr", "127.0.0.1"}, isUsage, ""},
		{"port 65536", []string{"-addr", "127.0.0.1:65536"}, isUsage, ""},
		{"idle 0", []string{"-idle", "0"}, isUsage, ""},
		{"idle negative", []string{"-idle", "-5s"}, isUsage, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, strings.NewReader(""), &stdout, &stderr)
			if !tt.wantErr(err) {
				t.Errorf("run(%q) = %v", tt.args, err)
			}
			if !strings.HasPrefix(stdout.String(), tt.stdout) {
				t.Errorf("stdout %q, want it to start with %q", stdout.String(), tt.stdout)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is more than one line", err)
			}
		})
	}
}

func isUsage(err error) bool { return errors.As(err, new(usageError)) }

func TestListenError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// Bind to a port that is in use: the error names bind and EADDRINUSE.
	err = run(context.Background(), []string{"-addr", l.Addr().String()}, strings.NewReader(""), io.Discard, io.Discard)
	if !errors.Is(err, unix.EADDRINUSE) {
		t.Errorf("run on a busy port = %v, want EADDRINUSE", err)
	}
}
