package main

import (
	"os"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

// TestStrace checks the program's account of its socket against the
// system calls: socket(AF_PACKET, SOCK_RAW, 0), the filter, then bind(2)
// with a sockaddr_ll naming ETH_P_ALL and lo, in that order.
func TestStrace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: packet sockets need CAP_NET_RAW")
	}
	r, tr := testkit.StraceCalls(t, "socket,setsockopt,bind", "", "-i", "lo", "-type", "0x88b5", "-c", "1", "-wait", "100ms")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s%s", r.Code, r.Stdout, r.Stderr)
	}
	for _, want := range []string{"SO_ATTACH_FILTER: 4 instructions, EtherType 0x88b5 only\n", "listening on lo (index ", "nothing for 100ms: 0 frames\n"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.Stdout)
		}
	}
	sockCall, ok := tr.Find("socket", "AF_PACKET, SOCK_RAW|SOCK_CLOEXEC|SOCK_NONBLOCK, htons(0 ", "")
	if !ok {
		t.Fatalf("no socket(AF_PACKET, SOCK_RAW, 0) traced:\n%v", tr)
	}
	fd := sockCall.Ret
	order := []struct{ name, args string }{
		{"setsockopt", fd + ", SOL_SOCKET, SO_ATTACH_FILTER, {len=4, "},
		{"bind", fd + ", {sa_family=AF_PACKET, sll_protocol=htons(ETH_P_ALL), sll_ifindex=if_nametoindex(\"lo\")"},
	}
	i := 0
	for _, c := range tr {
		if i < len(order) && c.Name == order[i].name && strings.HasPrefix(c.Args, order[i].args) && c.Ret == "0" {
			i++
		}
	}
	if i != len(order) {
		t.Errorf("traced calls lack %s(%s...) = 0 in order:\n%v", order[i].name, order[i].args, tr)
	}
}
