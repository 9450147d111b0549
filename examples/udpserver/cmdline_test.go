package main

import (
	"io"
	"net"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/posixkit/posixkit/internal/testkit"
)

func TestCommandLine(t *testing.T) {
	testkit.CheckHelpAndUsage(t, []string{"-nosuch"}, []string{"extra"}, []string{"-addr", "127.0.0.1:65536"})
}

// TestGoldenC checks the server's lines against udp_serve_toupper's printf
// format strings (it prints nothing per datagram), then a stop.
func TestGoldenC(t *testing.T) {
	srv := testkit.StartServer(t, run, "-addr", "127.0.0.1:0")
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	testkit.MatchC(t, srv.Stdout.String(),
		"Configuring local address...\n",
		"Creating socket...\n",
		"Binding socket to local address...\n",
		"Waiting for connections...\n",
		"Closing listening socket...\n",
		"Finished.\n")
}

// TestStrace checks, under strace, that the address printed is the one the
// socket was bound to, and that each datagram's reply is the upper-cased
// datagram sent back to its sender.
func TestStrace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the expected strace lines are Linux's")
	}
	r, tr := testkit.StraceServer(t, func(addr string, _ *testkit.Output) {
		c, err := net.Dial("udp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "hello udp\n")
		c.Read(make([]byte, 64))
	}, "-addr", "127.0.0.1:0")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	m := regexp.MustCompile(`\(Go: listening on 127\.0\.0\.1:(\d+)\)`).FindStringSubmatch(r.Stdout)
	if m == nil {
		t.Fatalf("no address line:\n%s", r.Stdout)
	}
	if _, ok := tr.Find("bind", "", "0"); !ok {
		t.Fatal("strace saw no bind")
	}
	found := false
	for _, c := range tr {
		if c.Name == "getsockname" && strings.Contains(c.Args, "htons("+m[1]+")") {
			found = true
		}
	}
	if !found {
		t.Errorf("printed port %s; no getsockname strace saw returned it", m[1])
	}
	reply := false
	for _, c := range tr {
		if c.Name == "sendto" && strings.Contains(c.Args, `"HELLO UDP\n", 10`) && c.Ret == "10" {
			reply = true
		}
	}
	if !reply {
		t.Error("strace saw no sendto of the upper-cased datagram")
	}
}
