package errtext_test

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"unicode"

	"github.com/posixkit/posixkit/addrinfo"
	"github.com/posixkit/posixkit/fileio"
	"github.com/posixkit/posixkit/netif"
	"github.com/posixkit/posixkit/sock"
	"github.com/posixkit/posixkit/sock/diag"
	"github.com/posixkit/posixkit/sock/poll"
)

// errorOf returns the error of a call that returns a value and an error.
func errorOf[T any](_ T, err error) error { return err }

// closedFile is /dev/null, opened and closed.
func closedFile(t *testing.T) *fileio.File {
	f, err := fileio.Open("/dev/null", fileio.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return f
}

// refusedPort is a loopback port that is bound and not listening.
var refusedRE = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)

func refusedPort(t *testing.T) netip.AddrPort {
	s, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Bind(sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:0"))); err != nil {
		t.Fatal(err)
	}
	a, err := s.LocalAddr()
	if err != nil {
		t.Fatal(err)
	}
	return a.AddrPort()
}

func TestMessages(t *testing.T) {
	ctx := context.Background()
	newTCP := func() *sock.Socket {
		s, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	closedSocket := func() *sock.Socket {
		s := newTCP()
		s.Close()
		return s
	}
	var set poll.FDSet
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte("127.0.0.1 localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"fileio: open of a missing file", errorOf(fileio.Open("/nonexistent/posixkit.txt", fileio.O_RDONLY, 0)),
			"open /nonexistent/posixkit.txt: no such file or directory"},
		{"fileio: a NUL byte in a path", errorOf(fileio.Open("foo\x00.txt", fileio.O_RDONLY, 0)),
			"open foo\x00.txt: invalid argument"},
		{"fileio: read of a closed file", errorOf(closedFile(t).Read(make([]byte, 1))),
			"read /dev/null: file already closed"},
		{"sock: connect to a port with no listener", newTCP().Connect(sock.InetAddr(refusedPort(t))),
			"connect: address 127.0.0.1:PORT: connection refused"},
		{"sock: recv on a closed socket", errorOf(closedSocket().Recv(make([]byte, 1), 0)),
			"recv: use of closed network connection"},
		{"sock: a method that makes no system call", closedSocket().SetNonblock(true),
			"SetNonblock: use of closed network connection"},
		{"poll: an fd outside FD_SETSIZE", set.Set(poll.FD_SETSIZE),
			"FD_SET: fd 1024 outside [0, 1024): invalid argument"},
		{"netif: an unknown interface name", errorOf(netif.NameToIndex("no-such-if0")),
			"if_nametoindex no-such-if0: no such device"},
		{"netif: an index out of range", errorOf(netif.IndexToName(0)),
			"if_indextoname 0: interface index out of range"},
		{"diag: a family sock_diag does not list", errorOf(diag.List(ctx, diag.Filter{Families: []sock.Family{sock.AF_PACKET}})),
			"sock_diag: family AF_PACKET not listed: want AF_INET, AF_INET6 or AF_UNIX"},
		{"addrinfo: a name with AI_NUMERICHOST", errorOf(addrinfo.Lookup(ctx, "example.invalid", "80", &addrinfo.Hints{Flags: addrinfo.AI_NUMERICHOST})),
			"lookup example.invalid 80: Name or service not known"},
		{"addrinfo: a service name with AI_NUMERICSERV", errorOf(addrinfo.Lookup(ctx, "127.0.0.1", "http", &addrinfo.Hints{Flags: addrinfo.AI_NUMERICSERV})),
			"lookup 127.0.0.1 http: Name or service not known"},
		{"addrinfo: an unknown flag", errorOf(addrinfo.Lookup(ctx, "127.0.0.1", "80", &addrinfo.Hints{Flags: 0x10000})),
			"lookup 127.0.0.1 80: Bad value for ai_flags"},
		{"addrinfo: a name no source has", errorOf((&addrinfo.Resolver{HostsFile: hosts, NoDNS: true}).Lookup(ctx, "nosuch.example", "80", nil)),
			"lookup nosuch.example 80: Name or service not known"},
		{"addrinfo: a hosts file that is a directory", errorOf((&addrinfo.Resolver{HostsFile: "/", NoDNS: true}).Lookup(ctx, "localhost", "80", &addrinfo.Hints{Family: sock.AF_INET6})),
			"lookup localhost 80: System error: read /: is a directory"},
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.HasPrefix(tt.name, "diag:") && runtime.GOOS != "linux" {
				t.Skip("skipping: sock/diag lists sockets on Linux only")
			}
			if tt.err == nil {
				t.Fatal("no error")
			}
			// The refused port is the kernel's choice: shown as PORT.
			got := refusedRE.ReplaceAllString(tt.err.Error(), "127.0.0.1:PORT")
			t.Logf("%s", got)
			if got != tt.want {
				t.Errorf("message %q, want %q", got, tt.want)
			}
			if w := doubled(got); w != "" {
				t.Errorf("message %q says %q twice", got, w)
			}
			if !strings.Contains(string(readme), "| `"+strings.ReplaceAll(got, "\x00", `\x00`)+"` |") {
				t.Errorf("the README's error table does not show %q", got)
			}
		})
	}
}

// doubled returns the first word of msg with three or more letters that
// msg holds twice, ignoring case, or "". Words are split at spaces and
// punctuation other than - _ . / so that a name such as no-such-if0 is one
// word.
func doubled(msg string) string {
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(msg, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(":;,()[]\"", r) }) {
		w = strings.ToLower(w)
		if strings.IndexFunc(w, unicode.IsLetter) < 0 || len(w) < 3 {
			continue
		}
		if seen[w] {
			return w
		}
		seen[w] = true
	}
	return ""
}

func TestDoubled(t *testing.T) {
	for _, tt := range []struct{ msg, want string }{
		{"lookup X 80: Name or service not known: lookup X on 10.255.255.53:53: no such host", "lookup"},
		{"open foo: open foo: no such file or directory", "open"},
		{"connect: connection refused", ""},
		{"if_nametoindex no-such-if0: no such device", ""},
	} {
		if got := doubled(tt.msg); got != tt.want {
			t.Errorf("doubled(%q) = %q, want %q", tt.msg, got, tt.want)
		}
	}
}
