package main

import (
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.RunMainIfAsked(main)
	testkit.Main(m)
}

var (
	replyLine = regexp.MustCompile(`^(\d+) bytes from (\S+): icmp_seq=(\d+)(?: ttl=(\d+))? time=(\d+\.\d{3}) ms$`)
	statsLine = regexp.MustCompile(`^rtt min/avg/max/mdev = (\d+\.\d{3})/(\d+\.\d{3})/(\d+\.\d{3})/(\d+\.\d{3}) ms$`)
)

// groupInRange reads net.ipv4.ping_group_range in the calling thread's
// namespace and reports whether this process's group may open an ICMP
// datagram socket (false where there is no such setting).
func groupInRange(t *testing.T) bool {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ping_group_range")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		t.Fatalf("ping_group_range %q", b)
	}
	lo, _ := strconv.Atoi(f[0])
	hi, _ := strconv.Atoi(f[1])
	gid := os.Getgid()
	return lo <= gid && gid <= hi
}

// TestPingProcess runs the program as a process on the host's own
// loopback, with whatever ping_group_range the host has.
func TestPingProcess(t *testing.T) {
	r := testkit.Exec(t, "", "-c", "2", "-i", "10ms", "127.0.0.1")
	if r.Code != 0 {
		if !groupInRange(t) && strings.Contains(r.Stderr, "operation not permitted") {
			t.Skipf("skipping: no ICMP datagram socket for this group and no CAP_NET_RAW: %s", r.Stderr)
		}
		t.Fatalf("exit %d: %s%s", r.Code, r.Stdout, r.Stderr)
	}
	n := 0
	for l := range strings.Lines(r.Stdout) {
		if m := replyLine.FindStringSubmatch(strings.TrimSuffix(l, "\n")); m != nil {
			n++
			if m[3] != strconv.Itoa(n) {
				t.Errorf("reply %d has icmp_seq=%s", n, m[3])
			}
		}
	}
	if n != 2 {
		t.Errorf("%d replies, want 2:\n%s", n, r.Stdout)
	}
}

func TestCommandLine(t *testing.T) {
	testkit.CheckHelpAndUsage(t, nil, []string{"-c", "0", "127.0.0.1"}, []string{"-s", "4", "127.0.0.1"},
		[]string{"-W", "0", "127.0.0.1"}, []string{"127.0.0.1", "extra"})
}

// TestStrace checks the program's account of its socket against the
// system calls: the ICMP datagram socket refused (EACCES) exactly when it
// says so, and each echo request a sendto(2) to port 0 of 127.0.0.1.
func TestStrace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the expected strace lines are Linux's")
	}
	r, tr := testkit.StraceCalls(t, "socket,sendto", "", "-c", "2", "-i", "10ms", "127.0.0.1")
	if r.Code != 0 {
		t.Skipf("the program could not ping here (exit %d): %s", r.Code, r.Stderr)
	}
	dgram, dgramOK := tr.Find("socket", "AF_INET, SOCK_DGRAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_ICMP", "")
	if !dgramOK {
		t.Fatalf("no ICMP datagram socket(2) traced")
	}
	refused := strings.Contains(r.Stdout, "refused")
	if refused != strings.Contains(dgram.Ret, "EACCES") {
		t.Errorf("the program says refused=%v; strace saw %s", refused, dgram.Line)
	}
	if _, ok := tr.Find("socket", "AF_INET, SOCK_RAW|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_ICMP", ""); ok != refused {
		t.Errorf("raw socket traced: %v, want %v", ok, refused)
	}
	n := 0
	for _, c := range tr {
		if c.Name == "sendto" && strings.Contains(c.Args, `sin_port=htons(0), sin_addr=inet_addr("127.0.0.1")`) && c.Ret == "64" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d sendto(2) of 64 bytes to 127.0.0.1 port 0 traced, want 2:\n%v", n, tr)
	}
}
