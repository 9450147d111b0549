package main

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/posixkit/posixkit/examples/internal/extest"
)

func TestCommandLine(t *testing.T) {
	extest.CheckHelpAndUsage(t, []string{"-x"}, []string{"extra"}, []string{"-idle", "0"}, []string{"-idle", "-5s"}, []string{"-addr", "127.0.0.1:70000"})
}

// TestGoldenC checks the server's lines against tcp_serve_toupper's
// printf format strings for one client, then a stop.
func TestGoldenC(t *testing.T) {
	srv := extest.StartServer(t, run, "-addr", "127.0.0.1:0")
	c, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "hello\n")
	b := make([]byte, 6)
	if _, err := io.ReadFull(c, b); err != nil || string(b) != "HELLO\n" {
		t.Fatalf("reply %q, %v", b, err)
	}
	c.Close()
	if !srv.Stdout.WaitFor("closed)\n", 10*time.Second) {
		t.Fatalf("no line for the client closing:\n%s", srv.Stdout)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	v := extest.ScanC(t, srv.Stdout.String(),
		"Configuring local address...\n",
		"Creating socket...\n",
		"Binding socket to local address...\n",
		"Listening...\n",
		"Waiting for connections...\n",
		"New connection from %s\n",
		"Closing listening socket...\n",
		"Finished.\n",
	)
	if v[0] != "127.0.0.1" {
		t.Errorf("New connection from %s, want 127.0.0.1", v[0])
	}
	// -q leaves out the line per client, and only it.
	srv = extest.StartServer(t, run, "-addr", "127.0.0.1:0", "-q")
	if c, err = net.Dial("tcp", srv.Addr); err != nil {
		t.Fatal(err)
	}
	c.Close()
	time.Sleep(100 * time.Millisecond) // let the server see it: nothing to wait for
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	extest.MatchC(t, srv.Stdout.String(),
		"Configuring local address...\n", "Creating socket...\n", "Binding socket to local address...\n",
		"Listening...\n", "Waiting for connections...\n", "Closing listening socket...\n", "Finished.\n")
}
