package diag_test

import (
	"encoding/binary"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock"
	"github.com/posixkit/posixkit/sock/diag"
	"golang.org/x/sys/unix"
)

var capture = flag.Bool("capture", false, "write the kernel's dumps into testdata/")

// kinds are the dumps a capture holds, by file suffix.
var kinds = map[string]diag.Dump{
	"tcp4": {Family: sock.AF_INET, Protocol: sock.IPPROTO_TCP, TCPInfo: true},
	"tcp6": {Family: sock.AF_INET6, Protocol: sock.IPPROTO_TCP, TCPInfo: true},
	"tcp":  {Family: sock.AF_UNSPEC, Protocol: sock.IPPROTO_TCP, TCPInfo: true}, // both families: TCPDIAG_GETSOCK
	"udp4": {Family: sock.AF_INET, Protocol: sock.IPPROTO_UDP},
	"udp6": {Family: sock.AF_INET6, Protocol: sock.IPPROTO_UDP},
	"unix": {Family: sock.AF_UNIX},
}

var kindNames = []string{"tcp4", "tcp6", "tcp", "udp4", "udp6", "unix"}

// familyOK says whether a socket of family got belongs in a dump of kind.
func familyOK(kind diag.Dump, got sock.Family) bool {
	if kind.Family == sock.AF_UNSPEC {
		return got == sock.AF_INET || got == sock.AF_INET6
	}
	return got == kind.Family
}

// header returns the sequence number and port id of a dump's first
// message.
func header(b []byte) (seq, pid uint32) {
	if len(b) < 16 {
		return 0, 0
	}
	return binary.NativeEndian.Uint32(b[8:]), binary.NativeEndian.Uint32(b[12:])
}

type captureFile struct {
	name string
	kind diag.Dump
	b    []byte
}

func readCaptures(t testing.TB) []captureFile {
	t.Helper()
	files, err := filepath.Glob("testdata/*.*")
	if err != nil {
		t.Fatal(err)
	}
	var out []captureFile
	for _, f := range files {
		k, ok := kinds[strings.TrimPrefix(filepath.Ext(f), ".")]
		if !ok {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, captureFile{f, k, b})
	}
	if len(out) == 0 {
		t.Fatal("no captures in testdata/")
	}
	return out
}

// countMessages counts the socket messages of a well-formed dump.
func countMessages(b []byte) int {
	n := 0
	for off := 0; off+16 <= len(b); {
		l := int(binary.NativeEndian.Uint32(b[off:]))
		if t := binary.NativeEndian.Uint16(b[off+4:]); t == unix.SOCK_DIAG_BY_FAMILY || t == 18 /* TCPDIAG_GETSOCK */ {
			n++
		}
		if l < 16 {
			break
		}
		off += (l + 3) &^ 3
	}
	return n
}

// TestCaptures parses the kernel's own dumps: one socket per message, of
// the family asked for; and every truncation of them is an error wrapping
// ErrMalformed, never a panic or a short list presented as whole.
func TestCaptures(t *testing.T) {
	for _, c := range readCaptures(t) {
		t.Run(c.name, func(t *testing.T) {
			seq, pid := header(c.b)
			socks, intr, err := diag.Parse(c.kind, seq, pid, c.b)
			if err != nil || intr {
				t.Fatalf("Parse: %v (interrupted %v)", err, intr)
			}
			if want := countMessages(c.b); len(socks) != want {
				t.Errorf("%d sockets from %d messages", len(socks), want)
			}
			for _, s := range socks {
				if !familyOK(c.kind, s.Family) {
					t.Fatalf("socket of family %v in a %v dump", s.Family, c.kind.Family)
				}
			}
			for n := range len(c.b) {
				if _, _, err := diag.Parse(c.kind, seq, pid, c.b[:n]); !errors.Is(err, diag.ErrMalformed) {
					t.Fatalf("first %d of %d bytes: error %v, want one wrapping ErrMalformed", n, len(c.b), err)
				}
			}
			if _, _, err := diag.Parse(c.kind, seq+1, pid, c.b); !errors.Is(err, diag.ErrMalformed) {
				t.Errorf("wrong sequence number: error %v, want ErrMalformed", err)
			}
			if _, _, err := diag.Parse(c.kind, seq, pid+1, c.b); !errors.Is(err, diag.ErrMalformed) {
				t.Errorf("wrong port id: error %v, want ErrMalformed", err)
			}
		})
	}
}

// TestKernelErrors: an NLMSG_DONE or NLMSG_ERROR carrying an errno is that
// errno.
func TestKernelErrors(t *testing.T) {
	for _, typ := range []uint16{unix.NLMSG_DONE, unix.NLMSG_ERROR} {
		b := make([]byte, 20)
		binary.NativeEndian.PutUint32(b[0:], 20)
		binary.NativeEndian.PutUint16(b[4:], typ)
		binary.NativeEndian.PutUint32(b[8:], 7)
		binary.NativeEndian.PutUint32(b[12:], 9)
		e := -int32(unix.ENOENT)
		binary.NativeEndian.PutUint32(b[16:], uint32(e))
		_, _, err := diag.Parse(kinds["tcp4"], 7, 9, b)
		var se *os.SyscallError
		if !errors.Is(err, unix.ENOENT) || !errors.As(err, &se) {
			t.Errorf("type %d: error %v, want an *os.SyscallError wrapping ENOENT", typ, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, c := range readCaptures(f) {
		for i, k := range kindNames {
			if kinds[k] == c.kind {
				f.Add(c.b, uint8(i))
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, k uint8) {
		kind := kinds[kindNames[int(k)%len(kindNames)]]
		seq, pid := header(b)
		socks, _, err := diag.Parse(kind, seq, pid, b)
		if err != nil {
			return
		}
		if want := countMessages(b); len(socks) != want {
			t.Fatalf("%d sockets from %d messages", len(socks), want)
		}
		for _, s := range socks {
			if !familyOK(kind, s.Family) {
				t.Fatalf("socket of family %v in a %v dump", s.Family, kind.Family)
			}
			if s.Family != sock.AF_UNIX && (s.Local.Addr().Is4() != (s.Family == sock.AF_INET)) {
				t.Fatalf("address %v in a %v socket", s.Local, s.Family)
			}
		}
	})
}

// TestCapture writes the kernel's dumps into testdata/, on the host and in
// a namespace with a few sockets of every kind, when run with -capture.
func TestCapture(t *testing.T) {
	if !*capture {
		t.Skip("skipping: run with -capture to refresh testdata/")
	}
	save := func(prefix string) {
		for _, k := range kindNames {
			b, _, _, err := diag.Capture(kinds[k])
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > 16<<10 {
				t.Logf("%s.%s: %d bytes, too large for a seed: not written", prefix, k, len(b))
				continue
			}
			if err := os.WriteFile("testdata/"+prefix+"."+k, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	os.MkdirAll("testdata", 0o755)
	save("host")
	ns := newNetns(t)
	fillNetns(t, ns, population{
		listeners4: 2, listeners6: 2, pairs4: 3, pairs6: 3, timeWait: 2,
		udp4: 2, udp6: 4, udpConnected: 2, unixPairs: 2, unixAbstract: 8, unixPath: 2,
		unixListeners: 1, unixPending: 2, seqPairs: 1,
	})
	testkit.InNetns(t, ns, func() { save("netns") })
}

// TestDumpInterruptedFlag: a dump whose messages carry NLM_F_DUMP_INTR
// is reported interrupted, its sockets still parsed. (The kernel's socket
// dumps do not mark themselves so today: netlink sets the flag only for
// dumps that keep a generation count, which sock_diag's do not.)
func TestDumpInterruptedFlag(t *testing.T) {
	for _, c := range readCaptures(t) {
		t.Run(c.name, func(t *testing.T) {
			b := append([]byte(nil), c.b...)
			seq, pid := header(b)
			want, _, err := diag.Parse(c.kind, seq, pid, b)
			if err != nil {
				t.Fatal(err)
			}
			// Mark the last message, NLMSG_DONE, as netlink does.
			off := 0
			for off+16 <= len(b) {
				l := (int(binary.NativeEndian.Uint32(b[off:])) + 3) &^ 3
				if off+l >= len(b) {
					break
				}
				off += l
			}
			fl := binary.NativeEndian.Uint16(b[off+6:])
			binary.NativeEndian.PutUint16(b[off+6:], fl|unix.NLM_F_DUMP_INTR)
			got, intr, err := diag.Parse(c.kind, seq, pid, b)
			if err != nil || !intr {
				t.Fatalf("Parse: interrupted %v, %v; want interrupted", intr, err)
			}
			if len(got) != len(want) {
				t.Errorf("%d sockets, %d without the flag", len(got), len(want))
			}
		})
	}
}
