package diag_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock"
	"github.com/posixkit/posixkit/sock/diag"
	"golang.org/x/sys/unix"
)

// row is one line of `ss -tunaxH` or `ss -tunaxH -e`, its fields parsed,
// or the same fields of a diag.Socket.
type row struct {
	Netid, State  string
	RecvQ, SendQ  uint64
	Local, Remote netip.AddrPort // IPv4/IPv6
	Iface         string         // IPv4/IPv6: the local address's %interface
	Name          string         // unix
	Inode, Peer   uint64         // unix: the two "port" columns

	// With -e.
	UID, Ino uint64
	Cookie   string // sk:, in hexadecimal
	Timer    string // timer name and retransmissions ("keepalive,0"); the time left is left out
	V6Only   string // "0" or "1" when printed
	Shutdown string // "<->", "-->", "<--" or "---" when printed
	Cgroup   bool
	VFS      string // unix: "ino:N dev:MAJ/MIN" when printed
	Peers    string // unix listeners: "peers:" and the pending inodes
}

func (r row) key(details bool) string {
	if details && r.Cookie != "" {
		return r.Netid + " sk:" + r.Cookie
	}
	if strings.HasPrefix(r.Netid, "u_") {
		return r.Netid + " " + strconv.FormatUint(r.Inode, 10)
	}
	return fmt.Sprintf("%s %v %s %v", r.Netid, r.Local, r.Iface, r.Remote)
}

// runSS runs ss -tunaxH (-e with details) in namespace ns ("" for the
// test's own) and parses its lines.
func runSS(t testing.TB, ns string, details bool) []row {
	t.Helper()
	args := []string{"-tunaxH"}
	if details {
		args = append(args, "-e")
	}
	cmd := exec.Command("ss", args...)
	if ns != "" {
		cmd = exec.Command("ip", append([]string{"netns", "exec", ns, "ss"}, args...)...)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %v", cmd.Args, err)
	}
	var rows []row
	for line := range strings.Lines(string(out)) {
		r, err := parseSSLine(line)
		if err != nil {
			t.Fatalf("ss line %q: %v", line, err)
		}
		rows = append(rows, r)
	}
	return rows
}

func parseSSLine(line string) (row, error) {
	f := strings.Fields(line)
	var r row
	if len(f) < 6 {
		return r, fmt.Errorf("%d fields", len(f))
	}
	r.Netid, r.State = f[0], f[1]
	var err error
	if r.RecvQ, err = strconv.ParseUint(f[2], 10, 32); err != nil {
		return r, err
	}
	if r.SendQ, err = strconv.ParseUint(f[3], 10, 32); err != nil {
		return r, err
	}
	var rest []string
	if strings.HasPrefix(r.Netid, "u_") {
		if len(f) < 8 {
			return r, fmt.Errorf("unix line of %d fields", len(f))
		}
		r.Name = f[4]
		if r.Inode, err = strconv.ParseUint(f[5], 10, 32); err != nil {
			return r, err
		}
		if f[6] != "*" {
			return r, fmt.Errorf("peer name %q", f[6])
		}
		if r.Peer, err = strconv.ParseUint(f[7], 10, 32); err != nil {
			return r, err
		}
		rest = f[8:]
	} else {
		if r.Local, r.Iface, err = parseSSAddr(f[4]); err != nil {
			return r, err
		}
		if r.Remote, _, err = parseSSAddr(f[5]); err != nil {
			return r, err
		}
		rest = f[6:]
	}
	for i := 0; i < len(rest); i++ {
		tok := rest[i]
		k, v, _ := strings.Cut(tok, ":")
		switch {
		case k == "timer":
			parts := strings.Split(strings.Trim(v, "()"), ",")
			if len(parts) != 3 {
				return r, fmt.Errorf("timer %q", v)
			}
			r.Timer = parts[0] + "," + parts[2]
		case k == "uid":
			if r.UID, err = strconv.ParseUint(v, 10, 32); err != nil {
				return r, err
			}
		case k == "ino" && strings.HasPrefix(r.Netid, "u_"):
			r.VFS = tok
		case k == "dev":
			r.VFS += " " + tok
		case k == "ino":
			if r.Ino, err = strconv.ParseUint(v, 10, 32); err != nil {
				return r, err
			}
		case k == "sk":
			r.Cookie = v
		case k == "cgroup":
			r.Cgroup = true
		case k == "v6only":
			r.V6Only = v
		case k == "peers":
			r.Peers = "peers:"
			for i+1 < len(rest) && rest[i+1] != "" && rest[i+1][0] >= '0' && rest[i+1][0] <= '9' {
				i++
				r.Peers += " " + rest[i]
			}
		case len(tok) == 3 && tok[1] == '-':
			r.Shutdown = tok
		default:
			return r, fmt.Errorf("unknown field %q", tok)
		}
	}
	return r, nil
}

// parseSSAddr parses ss's "ADDR:PORT", "[ADDR6]:PORT", "ADDR%IF:PORT", with
// "*" for port 0 and for the IPv6 wildcard address.
func parseSSAddr(s string) (netip.AddrPort, string, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return netip.AddrPort{}, "", fmt.Errorf("address %q", s)
	}
	a, p := s[:i], s[i+1:]
	var port uint64
	if p != "*" {
		var err error
		if port, err = strconv.ParseUint(p, 10, 16); err != nil {
			return netip.AddrPort{}, "", err
		}
	}
	var iface string
	if j := strings.LastIndexByte(a, '%'); j >= 0 {
		a, iface = a[:j], a[j+1:]
	}
	var addr netip.Addr
	if a == "*" {
		addr = netip.IPv6Unspecified()
	} else {
		var err error
		if addr, err = netip.ParseAddr(strings.Trim(a, "[]")); err != nil {
			return netip.AddrPort{}, "", err
		}
	}
	return netip.AddrPortFrom(addr, uint16(port)), iface, nil
}

var equateAddrPort = cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })

// rowOf gives a socket's fields in ss's terms.
func rowOf(s *diag.Socket, details bool) row {
	r := row{Netid: s.Netid(), State: s.State.String(), RecvQ: uint64(s.RecvQ), SendQ: uint64(s.SendQ)}
	if s.Family == sock.AF_UNIX {
		r.Name, r.Inode, r.Peer = s.Name(), uint64(s.Inode), uint64(s.Peer)
	} else {
		r.Local, r.Remote = s.Local, s.Remote
		if s.Interface != 0 {
			ifc, err := net.InterfaceByIndex(s.Interface)
			if err == nil {
				r.Iface = ifc.Name
			} else {
				r.Iface = strconv.Itoa(s.Interface)
			}
		}
	}
	if !details {
		return r
	}
	// ss shows the shutdown mask, V6ONLY and a listener's pending list
	// when the kernel sent them: the shutdown attribute for every full
	// socket (not TIME_WAIT and SYN-RECV entries), V6ONLY for the full
	// IPv6 ones in LISTEN and CLOSE, the pending list for unix listeners.
	if s.HasShutdown {
		r.Shutdown = string([]byte{"<-"[s.Shutdown&diag.ShutdownRead], '-', ">-"[(s.Shutdown&diag.ShutdownWrite)>>1]})
	}
	if s.Family == sock.AF_UNIX {
		if s.VFSInode != 0 {
			dev := uint64(unix.Major(s.VFSDevice)<<20 | unix.Minor(s.VFSDevice)) // the kernel's dev_t, which ss decodes as glibc's
			r.VFS = fmt.Sprintf("ino:%d dev:%d/%d", s.VFSInode, unix.Major(dev), unix.Minor(dev))
		}
		if s.State == diag.TCP_LISTEN {
			r.Peers = "peers:"
			for _, p := range s.Pending {
				r.Peers += " " + strconv.FormatUint(uint64(p), 10)
			}
		}
		return r
	}
	r.UID, r.Ino = uint64(s.UID), uint64(s.Inode)
	r.Cookie = strconv.FormatUint(s.Cookie, 16)
	if s.Timer != diag.TimerOff {
		r.Timer = s.Timer.String() + "," + strconv.Itoa(s.Retransmits)
	}
	if s.Family == sock.AF_INET6 && s.HasShutdown && (s.State == diag.TCP_LISTEN || s.State == diag.TCP_CLOSE) {
		r.V6Only = "0"
		if s.V6Only {
			r.V6Only = "1"
		}
	}
	r.Cgroup = s.CgroupID != 0
	return r
}

func rowsOf(socks []diag.Socket, details bool) []row {
	rows := make([]row, len(socks))
	for i := range socks {
		rows[i] = rowOf(&socks[i], details)
	}
	return rows
}

// sortRows orders rows by key, for a diff that lines them up.
func sortRows(rows []row, details bool) {
	slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.key(details), b.key(details)) })
}

// TestDifferentialNetns fills a namespace with 10,000 sockets of every
// kind and checks that List finds the very set of sockets ss lists, with
// the same fields, with and without ss's -e details.
func TestDifferentialNetns(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping in -short mode: fills a namespace with 10,000 sockets")
	}
	if _, err := exec.LookPath("ss"); err != nil {
		t.Skip("skipping: iproute2's ss is not installed")
	}
	ns := newNetns(t)
	fillNetns(t, ns, tenThousand)
	for _, details := range []bool{false, true} {
		t.Run(fmt.Sprintf("details=%v", details), func(t *testing.T) {
			want := runSS(t, ns, details)
			var got []diag.Socket
			var err error
			testkit.InNetns(t, ns, func() { got, err = diag.List(context.Background(), diag.Filter{}) })
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tenThousand.total() {
				t.Errorf("List found %d sockets, the namespace holds %d (ss lists %d)", len(got), tenThousand.total(), len(want))
			}
			counts := map[string]int{}
			for _, s := range got {
				counts[s.Netid()+" "+s.State.String()]++
			}
			t.Logf("%d sockets: %v", len(got), counts)
			rows := rowsOf(got, details)
			sortRows(rows, details)
			sortRows(want, details)
			if diff := cmp.Diff(want, rows, equateAddrPort); diff != "" {
				t.Errorf("List and ss differ (-ss +List):\n%s", diff)
			}
		})
	}
}

// TestDifferentialHost compares List with ss on the machine's own
// namespace, where other programs open and close sockets meanwhile: every
// socket that two runs of ss, one before and one after List, both list with
// the same fields must be in List's answer with those fields. The queue
// lengths and timers are left out: on a busy machine they move between
// the runs and back (a ping-pong's Recv-Q is 0, 64, 0), so that equal
// values before and after say nothing of the value in between. The
// namespace test checks them exactly.
func TestDifferentialHost(t *testing.T) {
	if _, err := exec.LookPath("ss"); err != nil {
		t.Skip("skipping: iproute2's ss is not installed")
	}
	for _, details := range []bool{false, true} {
		t.Run(fmt.Sprintf("details=%v", details), func(t *testing.T) {
			moving := func(rs []row) []row {
				for i := range rs {
					rs[i].RecvQ, rs[i].SendQ, rs[i].Timer = 0, 0, ""
				}
				return rs
			}
			before := moving(runSS(t, "", details))
			got, err := diag.List(context.Background(), diag.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			after := moving(runSS(t, "", details))
			stable := map[string]row{}
			for _, r := range before {
				stable[r.key(details)] = r
			}
			kept := map[string]row{}
			for _, r := range after {
				if b, ok := stable[r.key(details)]; ok && cmp.Equal(b, r, equateAddrPort) {
					kept[r.key(details)] = r
				}
			}
			ours := map[string]row{}
			for _, r := range moving(rowsOf(got, details)) {
				ours[r.key(details)] = r
			}
			for k, want := range kept {
				r, ok := ours[k]
				if !ok {
					t.Errorf("List misses %s, which ss listed before and after", k)
					continue
				}
				if diff := cmp.Diff(want, r, equateAddrPort); diff != "" {
					t.Errorf("%s: List and ss differ (-ss +List):\n%s", k, diff)
				}
			}
			t.Logf("%d sockets listed by ss before, %d after, %d unchanged; List: %d", len(before), len(after), len(kept), len(got))
			if len(kept) == 0 && len(before) > 0 {
				t.Errorf("no socket stayed unchanged between the two runs of ss")
			}
		})
	}
}
