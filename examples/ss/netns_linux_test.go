package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
	"golang.org/x/sys/unix"
)

// fill makes a socket or two of every kind ss -tunax lists, in namespace
// ns; they are closed when the test ends. It returns the IPv4 listener's
// port.
func fill(t *testing.T, ns string) (port int) {
	t.Helper()
	var fds []int
	t.Cleanup(func() { testkit.CloseFDs(fds) })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	socket := func(family, typ int) int {
		t.Helper()
		fd, err := unix.Socket(family, typ|unix.SOCK_CLOEXEC, 0)
		must(err)
		fds = append(fds, fd)
		return fd
	}
	var lfd int // the last listener made
	listen := func(family int, sa unix.Sockaddr, v6only bool) unix.Sockaddr {
		fd := socket(family, unix.SOCK_STREAM)
		if v6only {
			must(unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1))
		}
		must(unix.Bind(fd, sa))
		must(unix.Listen(fd, 8))
		lfd = fd
		got, err := unix.Getsockname(fd)
		must(err)
		return got
	}
	connect := func(family int, to unix.Sockaddr) int {
		fd := socket(family, unix.SOCK_STREAM)
		must(unix.Connect(fd, to))
		return fd
	}
	loop4 := [4]byte{127, 0, 0, 1}
	testkit.InNetns(t, ns, func() {
		l4 := listen(unix.AF_INET, &unix.SockaddrInet4{Addr: loop4}, false)
		l4fd := lfd
		port = l4.(*unix.SockaddrInet4).Port
		listen(unix.AF_INET, &unix.SockaddrInet4{}, false)
		dual := listen(unix.AF_INET6, &unix.SockaddrInet6{}, false).(*unix.SockaddrInet6)
		listen(unix.AF_INET6, &unix.SockaddrInet6{Addr: [16]byte{15: 1}}, true)
		c := connect(unix.AF_INET, l4)
		_, err := unix.Write(c, []byte("unread")) // a Recv-Q at the accepted end
		must(err)
		a, _, err := unix.Accept4(l4fd, unix.SOCK_CLOEXEC)
		must(err)
		fds = append(fds, a)
		// An IPv4 client of the dual-stack listener: IPv4-mapped on its side.
		connect(unix.AF_INET6, &unix.SockaddrInet6{Port: dual.Port, Addr: [16]byte{10: 0xff, 11: 0xff, 12: 127, 15: 1}})
		// Closed by the client, then the server: a TIME_WAIT entry.
		tw := connect(unix.AF_INET, l4)
		s, _, err := unix.Accept4(l4fd, unix.SOCK_CLOEXEC)
		must(err)
		fds = slices.DeleteFunc(fds, func(fd int) bool { return fd == tw })
		must(unix.Close(tw))
		must(unix.Close(s))
		connect(unix.AF_INET, l4) // left in the accept queue
		u := socket(unix.AF_INET, unix.SOCK_DGRAM)
		must(unix.BindToDevice(u, "lo")) // printed as 127.0.0.1%lo
		must(unix.Bind(u, &unix.SockaddrInet4{Addr: loop4}))
		usa, err := unix.Getsockname(u)
		must(err)
		uc := socket(unix.AF_INET, unix.SOCK_DGRAM)
		must(unix.Connect(uc, usa))
		u6 := socket(unix.AF_INET6, unix.SOCK_DGRAM)
		must(unix.Bind(u6, &unix.SockaddrInet6{}))
		pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		must(err)
		fds = append(fds, pair[0], pair[1])
		_, err = unix.Write(pair[0], []byte("queued"))
		must(err)
		d := socket(unix.AF_UNIX, unix.SOCK_DGRAM)
		must(unix.Bind(d, &unix.SockaddrUnix{Name: "@pkss/dgram"}))
		ul := socket(unix.AF_UNIX, unix.SOCK_STREAM)
		must(unix.Bind(ul, &unix.SockaddrUnix{Name: t.TempDir() + "/listener"}))
		must(unix.Listen(ul, 4))
		seq := socket(unix.AF_UNIX, unix.SOCK_SEQPACKET)
		must(unix.Bind(seq, &unix.SockaddrUnix{Name: "@pkss/seq"}))
		must(unix.Listen(seq, 4))
	})
	// Wait for the closing handshake to end, so that ss and the program
	// see the same states.
	for range 200 {
		out := testkit.IP(t, "", "netns", "exec", ns, "ss", "-tanH", "state", "fin-wait-1", "state", "fin-wait-2", "state", "last-ack", "state", "close-wait", "state", "closing")
		if len(out) == 0 {
			return port
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the closing handshake did not end within 2 s:\n%s", testkit.IP(t, "", "netns", "exec", ns, "ss", "-tanH"))
	return port
}

// rows splits ss's output into rows of fields, sorted.
func rows(out string) []string {
	var rs []string
	for l := range strings.Lines(out) {
		rs = append(rs, strings.Join(strings.Fields(l), " "))
	}
	slices.Sort(rs)
	return rs
}

// TestAgainstSS fills a namespace with sockets of every kind and compares
// the program's rows there, field by field, with those of iproute2's ss
// given the same options.
func TestAgainstSS(t *testing.T) {
	if _, err := exec.LookPath("ss"); err != nil {
		t.Skip("skipping: iproute2's ss is not installed")
	}
	ns := testkit.NewNetns(t)
	testkit.IP(t, ns, "link", "set", "lo", "up")
	port := fill(t, ns)
	p := fmt.Sprint(port)
	tests := []struct {
		args []string // this program's
		ss   []string // ss's
	}{
		{nil, []string{"-tuna"}},
		{[]string{"-t"}, []string{"-tna"}},
		{[]string{"-u", "-6"}, []string{"-una6"}},
		{[]string{"-x"}, []string{"-xa"}},
		{[]string{"-t", "-u", "-x"}, []string{"-tuxna"}},
		{[]string{"-l"}, []string{"-tuln"}},
		{[]string{"-l", "-x", "-t"}, []string{"-tlxn"}},
		{[]string{"-4"}, []string{"-tuna4"}},
		{[]string{"-6", "-t"}, []string{"-tna6"}},
		{[]string{"-p"}, []string{"-tunap"}},
		{[]string{"-x", "-p"}, []string{"-xap"}},
		{[]string{"-sport", p}, []string{"-tuna", "sport", "=", ":" + p}},
		{[]string{"-dport", p, "-t"}, []string{"-tna", "dport", "=", ":" + p}},
	}
	for _, tt := range tests {
		t.Run(cmp.Or(strings.Join(tt.args, " "), "no options"), func(t *testing.T) {
			var out, errOut bytes.Buffer
			var err error
			testkit.InNetns(t, ns, func() {
				err = run(context.Background(), append([]string{"-H"}, tt.args...), strings.NewReader(""), &out, &errOut)
			})
			if err != nil {
				t.Fatalf("run: %v (stderr %q)", err, errOut.String())
			}
			want := string(testkit.IP(t, "", append([]string{"netns", "exec", ns, "ss", "-H"}, tt.ss...)...))
			if diff := gocmp.Diff(rows(want), rows(out.String())); diff != "" {
				t.Errorf("rows differ from ss %s (-ss +example):\n%s", strings.Join(tt.ss, " "), diff)
			}
			if len(rows(want)) == 0 {
				t.Errorf("ss %s lists nothing: the test compares nothing", strings.Join(tt.ss, " "))
			}
		})
	}
}

// TestStrace checks that the rows are the kernel's answer: each address
// and port printed is in a sock_diag reply that strace decoded from the
// program's recvfrom calls. A listener of the test's own makes sure there
// is a row to check.
func TestStrace(t *testing.T) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 1); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	mine := fmt.Sprintf("127.0.0.1:%d", sa.(*unix.SockaddrInet4).Port)
	// IPv4 TCP alone: one SOCK_DIAG_BY_FAMILY dump, which strace decodes.
	r, tr := testkit.StraceCalls(t, "recvfrom", "", "-t", "-4", "-l", "-H")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	var replies strings.Builder
	for _, c := range tr {
		replies.WriteString(c.Args)
	}
	seen := false
	for line := range strings.Lines(r.Stdout) {
		f := strings.Fields(line)
		if len(f) < 5 {
			t.Fatalf("row %q: too few columns", line)
		}
		local := f[3]
		seen = seen || local == mine
		i := strings.LastIndexByte(local, ':')
		addr, port := local[:i], local[i+1:]
		addr, _, _ = strings.Cut(addr, "%")
		want := fmt.Sprintf(`idiag_sport=htons(%s), idiag_dport=htons(0), idiag_src=inet_addr("%s")`, port, addr)
		if !strings.Contains(replies.String(), want) {
			t.Errorf("printed %q; no sock_diag reply strace saw holds %s", strings.TrimSpace(line), want)
		}
	}
	if !seen {
		t.Errorf("the test's listener %s is not among the rows:\n%s", mine, r.Stdout)
	}
}
