package main

import (
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/posixkit/posixkit/internal/testkit"
)

func TestCommandLine(t *testing.T) {
	testkit.CheckHelpAndUsage(t, []string{"-x"}, []string{"extra"}, []string{"-timeout", "0"}, []string{"-addr", "127.0.0.1:65536"})
}

// time_server's printf format strings for one client.
var cFormats = []string{
	"Configuring local address...\n",
	"Creating socket...\n",
	"Binding socket to local address...\n",
	"Listening...\n",
	"Waiting for connection...\n",
	"Client is connected... ", "%s\n",
	"Reading request...\n",
	"Received %d bytes.\n",
	"Sending response...\n",
}

// TestGoldenRaw is the textbook's tcp_client against -raw: it sends
// "hello" and waits, and gets the time at once, with the C program's lines
// (two sends) on the server's side.
func TestGoldenRaw(t *testing.T) {
	srv := testkit.StartServer(t, run, "-addr", "127.0.0.1:0", "-raw")
	c, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second)) // far less than -timeout
	io.WriteString(c, "hello\n")
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read: %v (got %q)", err, b)
	}
	if !strings.HasPrefix(string(b), "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nLocal time is: ") {
		t.Errorf("response %q", b)
	}
	srv.Stdout.WaitFor("Closing connection...\nWaiting for connection...\n", 5*time.Second)
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	f := append(append([]string{}, cFormats...),
		"Sent %d of %d bytes.\n", "Sent %d of %d bytes.\n",
		"Closing connection...\n", "Waiting for connection...\n",
		"Closing listening socket...\n", "Finished.\n")
	v := testkit.ScanC(t, srv.Stdout.String(), f...)
	if v[1] != "6" || v[2] != v[3] || v[4] != v[5] || v[2]+v[4] == "" {
		t.Errorf("values %q: want 6 bytes received and both sends whole", v)
	}
}

// TestGoldenHTTP: the default waits for the blank line, possibly over
// several recvs, and sends the whole response.
func TestGoldenHTTP(t *testing.T) {
	srv := testkit.StartServer(t, run, "-addr", "127.0.0.1:0")
	c, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET / HTTP/1.1\r\n")
	time.Sleep(50 * time.Millisecond) // two recvs, most likely; either is right
	io.WriteString(c, "\r\n")
	if _, err := io.ReadAll(c); err != nil {
		t.Fatal(err)
	}
	srv.Stdout.WaitFor("Closing connection...\nWaiting for connection...\n", 5*time.Second)
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	out := srv.Stdout.String()
	// One or more "Received" lines: fold them into one for the match.
	first := strings.Index(out, "Received ")
	last := strings.LastIndex(out, "Received ")
	out = out[:first] + out[last:]
	testkit.MatchC(t, out, append(append([]string{}, cFormats...),
		"Sent %d of %d bytes.\n", "Closing connection...\n", "Waiting for connection...\n",
		"Closing listening socket...\n", "Finished.\n")...)
}

// TestStrace runs -raw under strace with the textbook client's "hello":
// the printed counts are what recv and the two sends returned.
func TestStrace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the expected strace lines are Linux's")
	}
	r, tr := testkit.StraceServer(t, func(addr string, stdout *testkit.Output) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "hello\n")
		io.ReadAll(c)
		stdout.WaitFor("Closing connection...\nWaiting for connection...\n", 5*time.Second)
	}, "-addr", "127.0.0.1:0", "-raw")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	v := testkit.ScanC(t, r.Stdout, append(append([]string{}, cFormats...),
		"Sent %d of %d bytes.\n", "Sent %d of %d bytes.\n",
		"Closing connection...\n", "Waiting for connection...\n",
		"Closing listening socket...\n", "Finished.\n")...)
	fd := ""
	for _, c := range tr {
		if c.Name == "accept4" && !strings.HasPrefix(c.Ret, "-1") {
			fd = strings.Fields(c.Ret)[0]
			break
		}
	}
	if fd == "" {
		t.Fatal("strace saw no accept4 succeed")
	}
	if !tr.Has("recvfrom", fd+`, "hello\n", 1024, 0, NULL, NULL`, v[1]) {
		t.Errorf("printed Received %s bytes.; strace saw no recvfrom(%s, \"hello\\n\", 1024, ...) = %s", v[1], fd, v[1])
	}
	var sends []string
	for _, c := range tr {
		if c.Name == "sendto" && strings.HasPrefix(c.Args, fd+", ") {
			sends = append(sends, c.Ret)
		}
	}
	if want := []string{v[2], v[4]}; strings.Join(sends, " ") != strings.Join(want, " ") {
		t.Errorf("printed Sent %v; strace saw sends returning %v", want, sends)
	}
}
