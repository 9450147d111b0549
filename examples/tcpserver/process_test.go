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
	testkit.CheckHelpAndUsage(t, []string{"-x"}, []string{"extra"}, []string{"-idle", "0"}, []string{"-idle", "-5s"}, []string{"-addr", "127.0.0.1:70000"})
}

// TestGoldenC checks the server's lines against tcp_serve_toupper's
// printf format strings for one client, then a stop.
func TestGoldenC(t *testing.T) {
	srv := testkit.StartServer(t, run, "-addr", "127.0.0.1:0")
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
	v := testkit.ScanC(t, srv.Stdout.String(),
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
	srv = testkit.StartServer(t, run, "-addr", "127.0.0.1:0", "-q")
	if c, err = net.Dial("tcp", srv.Addr); err != nil {
		t.Fatal(err)
	}
	c.Close()
	time.Sleep(100 * time.Millisecond) // let the server see it: nothing to wait for
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	testkit.MatchC(t, srv.Stdout.String(),
		"Configuring local address...\n", "Creating socket...\n", "Binding socket to local address...\n",
		"Listening...\n", "Waiting for connections...\n", "Closing listening socket...\n", "Finished.\n")
}

// TestStrace checks the lines per client under strace: the descriptor
// accept4 returned, each "recv = N bytes" against a recvfrom on it that
// returned N, and the close after a recvfrom returning 0.
func TestStrace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the expected strace lines are Linux's")
	}
	r, tr := testkit.StraceServer(t, func(addr string, stdout *testkit.Output) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		for _, m := range []string{"hello\n", "world!\n"} {
			io.WriteString(c, m)
			io.ReadFull(c, make([]byte, len(m)))
		}
		c.Close()
		stdout.WaitFor("end of stream: closed)\n", 5*time.Second)
	}, "-addr", "127.0.0.1:0")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	m := regexp.MustCompile(`\(Go: (\S+) is fd (\d+)\)`).FindStringSubmatch(r.Stdout)
	if m == nil {
		t.Fatalf("no descriptor line:\n%s", r.Stdout)
	}
	peer, fd := m[1], m[2]
	if c, ok := tr.Find("accept4", "", fd); !ok || !strings.HasPrefix(c.Ret, fd) {
		var got []string
		for _, c := range tr {
			if c.Name == "accept4" {
				got = append(got, c.Line)
			}
		}
		t.Errorf("printed fd %s; strace saw accept4 %q", fd, got)
	}
	var recvs []string
	for _, c := range tr {
		if c.Name == "recvfrom" && strings.HasPrefix(c.Args, fd+", ") && !strings.HasPrefix(c.Ret, "-1") {
			recvs = append(recvs, c.Ret)
		}
	}
	var printed []string
	for _, l := range regexp.MustCompile(`\(Go: `+regexp.QuoteMeta(peer)+`: recv = (\d+) bytes\)`).FindAllStringSubmatch(r.Stdout, -1) {
		printed = append(printed, l[1])
	}
	if strings.Contains(r.Stdout, "(Go: "+peer+": recv = 0, end of stream: closed)") {
		printed = append(printed, "0")
	}
	if strings.Join(printed, " ") != strings.Join(recvs, " ") {
		t.Errorf("printed recv results %v; strace saw recvfrom on fd %s return %v", printed, fd, recvs)
	}
}
