package main

import (
	"bufio"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
)

// hostsAddrs returns the addresses the system hosts file gives name, in
// file order, as nss_files reads it (first field the address, then names).
func hostsAddrs(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open("/etc/hosts")
	if err != nil {
		t.Skipf("no /etc/hosts: %v", err)
	}
	defer f.Close()
	var addrs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) > 1 && slices.Contains(fields[1:], name) && !slices.Contains(addrs, fields[0]) {
			addrs = append(addrs, fields[0])
		}
	}
	return addrs
}

// TestStrace runs lookup localhost under strace: the addresses it prints
// are the ones the hosts file it opened gives localhost, and with "files"
// first in nsswitch.conf and localhost in the file, no DNS query leaves
// the process (no datagram to port 53).
func TestStrace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the expected strace lines are Linux's")
	}
	want := hostsAddrs(t, "localhost")
	if len(want) == 0 {
		t.Skip("the system hosts file has no localhost line")
	}
	if b, err := os.ReadFile("/etc/nsswitch.conf"); err == nil && !strings.Contains(string(b), "hosts:") {
		t.Skip("nsswitch.conf has no hosts line")
	} else if err == nil && !filesFirst(string(b)) {
		t.Skip("nsswitch.conf does not look in files first")
	}
	r, tr := testkit.StraceCalls(t, "%network,openat", "", "localhost")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	// Opened O_NONBLOCK, so that a FIFO in its place cannot hang the open.
	if c, ok := tr.Find("openat", `AT_FDCWD, "/etc/hosts", O_RDONLY|`, ""); !ok {
		t.Errorf("strace saw no openat of /etc/hosts")
	} else if strings.HasPrefix(c.Ret, "-1") {
		t.Errorf("openat of /etc/hosts failed: %s", c.Line)
	}
	for _, c := range tr {
		if (c.Name == "sendto" || c.Name == "sendmmsg" || c.Name == "connect") && strings.Contains(c.Args, "sin_port=htons(53)") {
			t.Errorf("a DNS query left the process although the hosts file answers: %s", c.Line)
		}
	}
	var got []string
	for line := range strings.Lines(r.Stdout) {
		if a, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "\t"); ok && !strings.HasPrefix(a, "\t") {
			got = append(got, a)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("printed addresses differ from the hosts file's for localhost (-want +got):\n%s", diff)
	}
}

// filesFirst reports whether the hosts line of an nsswitch.conf
// names "files" before "dns".
func filesFirst(conf string) bool {
	for line := range strings.Lines(conf) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "hosts:"); ok {
			f := strings.Fields(rest)
			i, j := slices.Index(f, "files"), slices.Index(f, "dns")
			return i >= 0 && (j < 0 || i < j)
		}
	}
	return false
}
