package main

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

// cFormats are tcp_client's printf format strings, in the order of a
// session where one line is sent, echoed and the server then closes.
var cFormats = []string{
	"Configuring remote address...\n",
	"Remote address is: ", "%s %s\n",
	"Creating socket...\n",
	"Connecting...\n",
	"Connected.\n",
	"To send data, enter text followed by enter.\n",
	"Sending: %s", "\n", // the line typed, its newline included
	"Sent %d bytes.\n",
	"Received (%d bytes): %.*s",
	"Connection closed by peer.\n",
	"Closing socket...\n",
	"Finished.\n",
}

func TestCommandLine(t *testing.T) {
	testkit.CheckHelpAndUsage(t, []string{"-x", "a", "1"}, []string{"127.0.0.1"}, []string{"127.0.0.1", "70000"}, []string{"127.0.0.1", "0"})
}

func TestGoldenC(t *testing.T) {
	host, port, stop := echoServer(t, nil)
	defer stop()
	r := testkit.Exec(t, "hello\n", host, port)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	v := testkit.ScanC(t, r.Stdout, cFormats...)
	if v[0] != host || v[1] != port {
		t.Errorf("Remote address is: %s %s; want %s %s", v[0], v[1], host, port)
	}
}

// TestStrace checks "Sent N bytes." against send's return value and
// "Received (N bytes): ..." against recv's, on the socket connected.
func TestStrace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the expected strace lines are Linux's")
	}
	host, port, stop := echoServer(t, nil)
	defer stop()
	r, tr := testkit.Strace(t, "hello\n", host, port)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	v := testkit.ScanC(t, r.Stdout, cFormats...)
	sent, n, received := v[2]+"\n", v[3], v[5]
	conn, ok := tr.Find("connect", "", "")
	if !ok || !strings.Contains(conn.Args, "htons("+port+")") {
		t.Fatalf("strace saw no connect to port %s: %v", port, conn.Line)
	}
	fd, _, _ := strings.Cut(conn.Args, ",")
	if !tr.Has("sendto", fmt.Sprintf("%s, %q, %d, MSG_NOSIGNAL, NULL, 0", fd, sent, len(sent)), n) {
		t.Errorf("printed Sent %s bytes of %q; strace saw no such send on fd %s", n, sent, fd)
	}
	if !tr.Has("recvfrom", fmt.Sprintf("%s, %q, 4096, 0, NULL, NULL", fd, received), fmt.Sprint(len(received))) {
		t.Errorf("printed Received (%d bytes): %q; strace saw no such recv on fd %s", len(received), received, fd)
	}
	if !tr.Has("recvfrom", fd+`, "", 4096, 0, NULL, NULL`, "0") {
		t.Errorf("printed Connection closed by peer.; strace saw no recv returning 0 on fd %s", fd)
	}
}
