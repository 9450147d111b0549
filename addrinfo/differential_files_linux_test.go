//go:build linux

package addrinfo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/addrinfo"
	"github.com/posixkit/posixkit/addrinfo/internal/cgai"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// The files of the files differential test, by key, with the names they
// have in /etc and the contents they have when not under test. Each one's
// contents change some answer, so that a side that failed to read it
// shows: hosts names hostsonly.test and both.test (which DNS has with
// other addresses), resolv.conf's search list turns "dnsonly" into
// dnsonly.test, nsswitch.conf asks DNS first (glibc's default without it
// asks the hosts file first), gai.conf puts IPv4 first.
var etcFiles = []struct{ key, name, contents string }{
	{"hosts", "hosts", "127.0.0.1 localhost\n::1 localhost\n10.1.2.3 hostsonly.test\nfd00::3 hostsonly.test\n10.1.2.13 both.test\n"},
	{"services", "services", testServices},
	{"resolv", "resolv.conf", "nameserver 127.0.0.1\nsearch test\noptions timeout:1 attempts:1\n"},
	{"nsswitch", "nsswitch.conf", "hosts: dns files\n"},
	{"gai", "gai.conf", "precedence ::ffff:0:0/96 100\n"},
}

// fileKinds are what the file under test is made into: a directory, a
// file of mode 000 (read by an unprivileged user), no file, an empty file,
// a symbolic link to /dev/null.
var fileKinds = []string{"dir", "unreadable", "missing", "empty", "devnull"}

// filesSpec is what the parent asks of a files oracle child.
type filesSpec struct {
	File, Kind string // "" and "": every file as etcFiles has it
	NSSwitch   string // when set, nsswitch.conf's contents
	UID        int
	GAI        []gaiCase
	GNI        []gniCase
}

// filesOut is one answer, of getaddrinfo or getnameinfo, with the errno
// behind EAI_SYSTEM.
type filesOut struct {
	Infos      []cgai.AddrInfo `json:",omitempty"`
	Host, Serv string          `json:",omitempty"`
	Code       int
	Errno      int `json:",omitempty"`
}

// filesAnswers are both sides' answers, getaddrinfo cases then
// getnameinfo cases.
type filesAnswers struct{ C, Go []filesOut }

func filesGAICases() []gaiCase {
	const (
		stream = int(sock.SOCK_STREAM)
		inet   = int(sock.AF_INET)
		inet6  = int(sock.AF_INET6)
		canon  = int(addrinfo.AI_CANONNAME)
	)
	var cs []gaiCase
	for _, h := range []string{"hostsonly.test", "dnsonly.test", "dnsonly", "both.test", "nxdomain.test", "nodata.test"} {
		for _, hi := range [][3]int{{0, 0, stream}, {0, inet, stream}, {0, inet6, stream}, {canon, inet, stream}, {canon, inet6, 0}} {
			cs = append(cs, gaiCase{Host: sp(h), Service: sp("80"), Flags: hi[0], Family: hi[1], SockType: hi[2]})
		}
	}
	for _, s := range []string{"http", "exec", "nosuchsvc"} {
		cs = append(cs, gaiCase{Service: sp(s), Flags: int(addrinfo.AI_PASSIVE)},
			gaiCase{Host: sp("localhost"), Service: sp(s), Family: inet, SockType: stream},
			gaiCase{Host: sp("dnsonly.test"), Service: sp(s)})
	}
	return cs
}

func filesGNICases() []gniCase {
	var cs []gniCase
	for _, a := range []string{"10.1.2.3", "fd00::3", "192.0.2.10", "192.0.2.77", "127.0.0.1"} {
		for _, f := range []int{0, int(addrinfo.NI_NAMEREQD), int(addrinfo.NI_NUMERICHOST)} {
			cs = append(cs, gniCase{Addr: a, Port: 80, Flags: f})
		}
	}
	cs = append(cs, gniCase{Addr: "127.0.0.1", Port: 512, Flags: int(addrinfo.NI_DGRAM)})
	return cs
}

// TestDifferentialFiles compares Lookup and NameInfo with the C library
// when one of hosts, services, resolv.conf, nsswitch.conf and gai.conf is
// a directory, unreadable, missing, empty or /dev/null. Both sides run in
// one child, under its own mount and network namespaces (a responder on
// 127.0.0.1:53, the files in a tmpfs over /etc), as user nobody (65534):
// root reads a file of mode 000.
func TestDifferentialFiles(t *testing.T) {
	needOracle(t)
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare(1) not found")
	}
	gai, gni := filesGAICases(), filesGNICases()
	type run struct{ file, kind, nsswitch string }
	runs := []run{{"", "", ""}}
	for _, f := range etcFiles {
		for _, k := range fileKinds {
			runs = append(runs, run{f.key, k, ""})
		}
	}
	// The hosts file first, its failure before DNS can answer; and alone.
	for _, k := range fileKinds {
		runs = append(runs, run{"hosts", k, "hosts: files dns\n"}, run{"hosts", k, "hosts: files\n"})
	}
	var mu sync.Mutex
	answers := map[run][]filesOut{} // the C library's, by run
	t.Run("runs", func(t *testing.T) {
		for _, r := range runs {
			name := r.file + "-" + r.kind
			if r.file == "" {
				name = "all-readable"
			}
			if r.nsswitch != "" {
				name += "-" + strings.Join(strings.Fields(r.nsswitch), "-")
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				got := runFilesOracle(t, filesSpec{File: r.file, Kind: r.kind, NSSwitch: r.nsswitch, UID: 65534, GAI: gai, GNI: gni})
				if len(got.C) != len(gai)+len(gni) || len(got.Go) != len(got.C) {
					t.Fatalf("the child answered %d and %d cases of %d", len(got.C), len(got.Go), len(gai)+len(gni))
				}
				mu.Lock()
				answers[r] = got.C
				mu.Unlock()
				compareFiles(t, name, gai, gni, got)
			})
		}
	})
	// Each file's contents must show in some answer (else its kinds test
	// nothing): the C library answers differently without it.
	for _, f := range etcFiles {
		all, missing := answers[run{"", "", ""}], answers[run{f.key, "missing", ""}]
		if all == nil || missing == nil {
			continue // failed or skipped above
		}
		if cmp.Equal(all, missing, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })) {
			t.Errorf("%s: the C library answers every case alike with and without the file", f.name)
		}
	}
}

// compareFiles compares the two sides' answers of one run.
func compareFiles(t *testing.T, run string, gai []gaiCase, gni []gniCase, got filesAnswers) {
	t.Helper()
	for i := range got.C {
		var what string
		if i < len(gai) {
			what = caseName(gai[i])
		} else {
			c := gni[i-len(gai)]
			what = fmt.Sprintf("NameInfo(%s:%d,fl=%#x)", c.Addr, c.Port, c.Flags)
		}
		c, g := got.C[i], got.Go[i]
		t.Logf("%s | %s: C %s, Go %s", run, what, codeText(c), codeText(g))
		if diff := cmp.Diff(c, g, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
			t.Errorf("%s: unexpected answer (-C +Go):\n%s", what, diff)
		}
	}
}

// codeText is an answer's EAI code by name, with its errno.
func codeText(o filesOut) string {
	if o.Code == 0 {
		return "0"
	}
	s := addrinfo.Code(o.Code).Name()
	if o.Errno != 0 {
		s += "(" + unix.ErrnoName(syscall.Errno(o.Errno)) + ")"
	}
	return s
}

// runFilesOracle runs this test binary as a files oracle child.
func runFilesOracle(t *testing.T, spec filesSpec) filesAnswers {
	t.Helper()
	body, _ := json.Marshal(spec)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "-m", "-n", "--propagation", "private", os.Args[0])
	cmd.Env = append(os.Environ(), "ADDRINFO_FILES_ORACLE=1")
	cmd.Stdin = bytes.NewReader(body)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if strings.Contains(strings.ToLower(stderr.String()), "operation not permitted") {
			t.Skipf("no private mount and network namespaces, or no change of user, here (needs root): %v: %s", err, stderr.String())
		}
		t.Fatalf("files oracle: %v\n%s", err, stderr.String())
	}
	var out filesAnswers
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("files oracle output: %v\n%s", err, stdout.String())
	}
	return out
}

// filesOracleMain is the child of runFilesOracle: it sets up its
// namespaces and files, becomes the user asked for, and answers every
// case with the C library and with package addrinfo.
func filesOracleMain() int {
	var spec filesSpec
	if err := json.NewDecoder(os.Stdin).Decode(&spec); err != nil {
		fmt.Fprintln(os.Stderr, "files oracle:", err)
		return 2
	}
	if err := filesOracleSetup(&spec); err != nil {
		fmt.Fprintln(os.Stderr, "files oracle:", err)
		return 2
	}
	var out filesAnswers
	for _, c := range spec.GAI {
		infos, code, errno := cgai.GetAddrInfoErrno(c.Host, c.Service, c.Flags, c.Family, c.SockType, c.Protocol)
		out.C = append(out.C, filesOut{Infos: infos, Code: code, Errno: int(errno)})
	}
	for _, c := range spec.GNI {
		h, s, code, errno := cgai.GetNameInfoErrno(netip.MustParseAddr(c.Addr), c.Port, c.Scope, c.Flags, 1025, 32)
		out.C = append(out.C, filesOut{Host: h, Serv: s, Code: code, Errno: int(errno)})
	}
	for _, c := range spec.GAI {
		host, svc := "", ""
		if c.Host != nil {
			host = *c.Host
		}
		if c.Service != nil {
			svc = *c.Service
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		infos, err := addrinfo.Lookup(ctx, host, svc, &addrinfo.Hints{Flags: addrinfo.Flags(c.Flags),
			Family: sock.Family(c.Family), SockType: sock.Type(c.SockType), Protocol: sock.Protocol(c.Protocol)})
		cancel()
		out.Go = append(out.Go, filesOut{Infos: goInfos(infos), Code: codeOf(err), Errno: errnoOf(err)})
	}
	for _, c := range spec.GNI {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		h, s, err := addrinfo.NameInfo(ctx, netip.AddrPortFrom(netip.MustParseAddr(c.Addr), c.Port), addrinfo.NIFlags(c.Flags))
		cancel()
		out.Go = append(out.Go, filesOut{Host: h, Serv: s, Code: codeOf(err), Errno: errnoOf(err)})
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		return 2
	}
	return 0
}

// errnoOf is the errno behind an EAI_SYSTEM error, else 0.
func errnoOf(err error) int {
	var errno syscall.Errno
	if codeOf(err) != int(addrinfo.EAI_SYSTEM) || !errors.As(err, &errno) {
		return 0
	}
	return int(errno)
}

// filesOracleSetup brings up lo and the responder on 127.0.0.1:53, puts
// a tmpfs over /etc whose entries link to the real ones but for the five
// files (written afresh, the one under test made into its kind), and
// becomes spec.UID.
func filesOracleSetup(spec *filesSpec) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	ifr, err := unix.NewIfreq("lo")
	if err == nil {
		err = unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr)
	}
	if err == nil {
		ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
		err = unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
	}
	unix.Close(fd)
	if err != nil {
		return fmt.Errorf("bring lo up: %w", err)
	}
	srv := newZone()
	srv.zone["dnsonly.test."] = []dnsRR{{typeA, []byte{192, 0, 2, 80}}, {typeAAAA, netip.MustParseAddr("fd00::80").AsSlice()}}
	if !srv.listen("127.0.0.1:53") {
		return errors.New("cannot listen on 127.0.0.1:53")
	}
	// The real /etc stays reachable under /tmp/etc, a tmpfs of this
	// namespace only.
	if err := unix.Mount("tmpfs", "/tmp", "tmpfs", 0, "mode=0755"); err != nil {
		return fmt.Errorf("mount tmpfs on /tmp: %w", err)
	}
	if err := os.Mkdir("/tmp/etc", 0o755); err != nil {
		return err
	}
	if err := unix.Mount("/etc", "/tmp/etc", "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind /etc: %w", err)
	}
	if err := unix.Mount("tmpfs", "/etc", "tmpfs", 0, "mode=0755"); err != nil {
		return fmt.Errorf("mount tmpfs on /etc: %w", err)
	}
	ours := map[string]bool{}
	for _, f := range etcFiles {
		ours[f.name] = true
	}
	ents, err := os.ReadDir("/tmp/etc")
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !ours[e.Name()] {
			if err := os.Symlink(filepath.Join("/tmp/etc", e.Name()), filepath.Join("/etc", e.Name())); err != nil {
				return err
			}
		}
	}
	for _, f := range etcFiles {
		p := filepath.Join("/etc", f.name)
		contents := f.contents
		if f.key == "nsswitch" && spec.NSSwitch != "" {
			contents = spec.NSSwitch
		}
		var err error
		switch {
		case f.key != spec.File:
			err = os.WriteFile(p, []byte(contents), 0o644)
		case spec.Kind == "dir":
			err = os.Mkdir(p, 0o755)
		case spec.Kind == "unreadable":
			err = os.WriteFile(p, []byte(contents), 0o644)
			if err == nil {
				err = os.Chmod(p, 0)
			}
		case spec.Kind == "missing":
		case spec.Kind == "empty":
			err = os.WriteFile(p, nil, 0o644)
		case spec.Kind == "devnull":
			err = os.Symlink("/dev/null", p)
		default:
			err = fmt.Errorf("unknown kind %q", spec.Kind)
		}
		if err != nil {
			return err
		}
	}
	if spec.UID != 0 {
		if err := syscall.Setgroups(nil); err != nil {
			return fmt.Errorf("setgroups: %w", err)
		}
		if err := syscall.Setresgid(spec.UID, spec.UID, spec.UID); err != nil {
			return fmt.Errorf("setresgid: %w", err)
		}
		if err := syscall.Setresuid(spec.UID, spec.UID, spec.UID); err != nil {
			return fmt.Errorf("setresuid: %w", err)
		}
	}
	if spec.Kind == "unreadable" {
		// The case means nothing if the file can be read after all.
		for _, f := range etcFiles {
			if f.key != spec.File {
				continue
			}
			if fd, err := unix.Open(filepath.Join("/etc", f.name), unix.O_RDONLY|unix.O_CLOEXEC, 0); err != unix.EACCES {
				unix.Close(fd)
				return fmt.Errorf("open of /etc/%s of mode 000 as uid %d: %v, want EACCES", f.name, os.Getuid(), err)
			}
		}
	}
	return nil
}
