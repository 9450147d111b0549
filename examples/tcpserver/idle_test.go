package main

import (
	"io"
	"testing"
	"time"

	"github.com/posixkit/posixkit/internal/testkit"
)

// TestIdleClientDropped: a client that neither sends nor takes replies for
// -idle is dropped with a log line, so idle connections cannot hold every
// descriptor select can watch; a client that keeps talking is not.
func TestIdleClientDropped(t *testing.T) {
	before := testkit.Count()
	const idle = 500 * time.Millisecond
	srv := testkit.StartServer(t, run, "-addr", "127.0.0.1:0", "-idle", idle.String())

	quiet := dial(t, srv.Addr)
	defer quiet.Close()
	busy := dial(t, srv.Addr)
	defer busy.Close()

	// busy talks every 50 ms for three idle periods; quiet says nothing.
	start := time.Now()
	for time.Since(start) < 3*idle {
		if got, err := exchange(busy, "ping\n"); err != nil || got != "PING\n" {
			t.Fatalf("busy client: %q, %v", got, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !srv.Stderr.WaitFor("idle for "+idle.String()+"; dropped", 5*time.Second) {
		t.Fatalf("no log line for the idle client; stderr: %q", srv.Stderr)
	}
	quiet.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := quiet.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("read on the idle client's connection = %d, %v; want EOF (dropped)", n, err)
	}
	if got, err := exchange(busy, "still\n"); err != nil || got != "STILL\n" {
		t.Errorf("busy client after the drop: %q, %v", got, err)
	}
	busy.Close()
	quiet.Close()
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	testkit.CheckReleased(t, before)
}
