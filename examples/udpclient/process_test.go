package main

import (
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

// cFormats are udp_client's printf format strings for a session of one
// line and its echo; connected adds the lines of its connect.
func cFormats(connected bool) []string {
	f := []string{
		"Configuring remote address...\n",
		"Remote address is: ", "%s %s\n",
		"Creating socket...\n",
	}
	if connected {
		f = append(f, "Connecting...\n", "Connected.\n")
	}
	return append(f,
		"To send data, enter text followed by enter.\n",
		"Sending: %s", "\n",
		"Sent %d bytes.\n",
		"Received (%d bytes): %.*s",
		"Closing socket...\n",
		"Finished.\n",
	)
}

func TestCommandLine(t *testing.T) {
	testkit.CheckHelpAndUsage(t, []string{"-x", "a", "1"}, []string{"127.0.0.1"}, []string{"127.0.0.1", "65536"}, []string{"-bufsize", "0", "127.0.0.1", "1"})
}

func TestGoldenC(t *testing.T) {
	for _, connected := range []bool{false, true} {
		t.Run(fmt.Sprint("connect=", connected), func(t *testing.T) {
			addr, stop := echoServer(t, nil)
			defer stop()
			host, port, _ := net.SplitHostPort(addr)
			r := testkit.Exec(t, "hello udp\n", fmt.Sprint("-connect=", connected), host, port)
			if r.Code != 0 {
				t.Fatalf("exit %d: %s", r.Code, r.Stderr)
			}
			v := testkit.ScanC(t, r.Stdout, cFormats(connected)...)
			if v[0] != host || v[1] != port || v[3] != "10" || v[4] != "10" || v[5] != "hello udp\n" {
				t.Errorf("values %q; want %s %s, 10 bytes sent and received", v, host, port)
			}
		})
	}
}

// TestStrace checks each printed count against the call strace saw:
// sendto with the address and recvfrom by default, connect then send and
// recv (no address) with -connect.
func TestStrace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the expected strace lines are Linux's")
	}
	for _, connected := range []bool{false, true} {
		t.Run(fmt.Sprint("connect=", connected), func(t *testing.T) {
			addr, stop := echoServer(t, nil)
			defer stop()
			host, port, _ := net.SplitHostPort(addr)
			r, tr := testkit.Strace(t, "hello udp\n", fmt.Sprint("-connect=", connected), host, port)
			if r.Code != 0 {
				t.Fatalf("exit %d: %s", r.Code, r.Stderr)
			}
			v := testkit.ScanC(t, r.Stdout, cFormats(connected)...)
			sock, ok := tr.Find("socket", "AF_INET, SOCK_DGRAM", "")
			if !ok {
				t.Fatal("strace saw no UDP socket")
			}
			fd := strings.Fields(sock.Ret)[0]
			peer := fmt.Sprintf(`{sa_family=AF_INET, sin_port=htons(%s), sin_addr=inet_addr("%s")}, 16`, port, host)
			sent := fmt.Sprintf("%s, %q, 10, MSG_NOSIGNAL", fd, v[2]+"\n")
			// Recv and RecvFrom call recvmsg(2), whose flags say MSG_TRUNC.
			recv := fmt.Sprintf("msg_iov=[{iov_base=%q, iov_len=65536}]", v[5])
			if connected {
				if !tr.Has("connect", fd+", "+peer, "0") {
					t.Errorf("printed Connected.; strace saw no connect(%s, %s) = 0", fd, peer)
				}
				sent += ", NULL, 0"
				recv = fd + ", {msg_name=NULL, msg_namelen=0, " + recv
			} else {
				if c, ok := tr.Find("connect", fd+",", ""); ok {
					t.Errorf("sendto flow connected: %s", c.Line)
				}
				sent += ", " + peer
				recv = fd + ", {msg_name=" + strings.TrimSuffix(peer, ", 16") + ", msg_namelen=112 => 16, " + recv
			}
			if !tr.Has("sendto", sent, v[3]) {
				t.Errorf("printed Sent %s bytes.; strace saw no sendto(%s) = %s", v[3], sent, v[3])
			}
			if c, ok := tr.Find("recvmsg", recv, v[4]); !ok || c.Ret != v[4] {
				t.Errorf("printed Received (%s bytes); strace saw no recvmsg(%s...) = %s", v[4], recv, v[4])
			}
			if t.Failed() {
				for _, c := range tr {
					if c.Name == "sendto" || strings.HasPrefix(c.Name, "recv") || c.Name == "connect" {
						t.Log(c.Line)
					}
				}
			}
		})
	}
}
