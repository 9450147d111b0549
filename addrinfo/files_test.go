package addrinfo_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posixkit/posixkit/addrinfo"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// TestFilesNotRegular checks what each file gives when it is a FIFO,
// /dev/zero, a file over the size cap or /dev/null: an answer at once,
// never a hang or a huge heap. The first three fail as a read does
// (glibc would wait or grow instead: the deliberate difference), so a
// look-up that reports the hosts file's, resolv.conf's or
// nsswitch.conf's read failure is EAI_SYSTEM wrapping EINVAL or EFBIG;
// /dev/null is an empty file, as in glibc.
func TestFilesNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	big := filepath.Join(dir, "big")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(65 << 20); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	files := map[string]string{}
	for k, v := range map[string]string{
		"hosts": "127.0.0.1 localhost\n10.0.0.1 somehost\n", "services": "http 80/tcp\n", "resolv": "nameserver 127.0.0.1\n",
		"nsswitch": "hosts: files\n", "gai": "",
	} {
		files[k] = filepath.Join(dir, k)
		if err := os.WriteFile(files[k], []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const (
		ok      = addrinfo.Code(0)
		inet    = sock.AF_INET
		unspec  = sock.AF_UNSPEC
		badFile = unix.EINVAL
	)
	tests := []struct {
		file, path    string
		host, service string
		family        sock.Family
		want          addrinfo.Code
		errno         unix.Errno // behind EAI_SYSTEM
	}{
		{"hosts", fifo, "somehost", "80", inet, addrinfo.EAI_SYSTEM, badFile},
		{"hosts", "/dev/zero", "somehost", "80", inet, addrinfo.EAI_SYSTEM, badFile},
		{"hosts", big, "somehost", "80", inet, addrinfo.EAI_SYSTEM, unix.EFBIG},
		{"hosts", big, "somehost", "80", unspec, addrinfo.EAI_SYSTEM, unix.EFBIG},
		{"hosts", "/dev/null", "somehost", "80", inet, addrinfo.EAI_NONAME, 0},
		{"resolv", fifo, "somehost", "80", inet, addrinfo.EAI_SYSTEM, badFile},
		{"resolv", fifo, "somehost", "80", unspec, addrinfo.EAI_NONAME, 0},
		{"resolv", "/dev/zero", "somehost", "80", inet, addrinfo.EAI_SYSTEM, badFile},
		{"resolv", "/dev/null", "somehost", "80", inet, ok, 0},
		{"nsswitch", fifo, "somehost", "80", inet, addrinfo.EAI_SYSTEM, badFile},
		{"nsswitch", "/dev/zero", "somehost", "80", unspec, addrinfo.EAI_NONAME, 0},
		{"nsswitch", fifo, "", "http", unspec, addrinfo.EAI_SERVICE, 0},
		{"services", fifo, "somehost", "http", inet, addrinfo.EAI_SERVICE, 0},
		{"services", "/dev/zero", "somehost", "http", inet, addrinfo.EAI_SERVICE, 0},
		{"services", "/dev/null", "somehost", "http", inet, addrinfo.EAI_SERVICE, 0},
		{"gai", fifo, "somehost", "80", inet, ok, 0},
		{"gai", "/dev/zero", "somehost", "80", inet, ok, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file+"="+filepath.Base(tt.path)+"/"+tt.host+"/"+tt.service+"/"+tt.family.String(), func(t *testing.T) {
			paths := maps.Clone(files)
			paths[tt.file] = tt.path
			r := &addrinfo.Resolver{HostsFile: paths["hosts"], ServicesFile: paths["services"], ResolvConf: paths["resolv"],
				NSSwitchConf: paths["nsswitch"], GaiConf: paths["gai"]}
			done := make(chan error, 1)
			go func() {
				_, err := r.Lookup(context.Background(), tt.host, tt.service, &addrinfo.Hints{Family: tt.family, SockType: sock.SOCK_STREAM})
				done <- err
			}()
			select {
			case err := <-done:
				var code addrinfo.Code
				var e *addrinfo.Error
				if errors.As(err, &e) {
					code = e.Code
				} else if err != nil {
					t.Fatalf("Lookup error = %v, want an *addrinfo.Error", err)
				}
				if code != tt.want {
					t.Fatalf("Lookup error = %v, want %s", err, tt.want.Name())
				}
				if tt.errno != 0 && !errors.Is(err, tt.errno) {
					t.Errorf("Lookup error = %v, want one wrapping %s", err, unix.ErrnoName(tt.errno))
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("Lookup hangs on %s", tt.path)
			}
		})
	}
}

// hugeHosts writes a hosts file of n lines (about 30 bytes each).
func hugeHosts(t testing.TB, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "10.%d.%d.%d host%d.huge alias%d\n", i>>16&255, i>>8&255, i&255, i, i)
	}
	p := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestHostsDeadlineWhileParsing checks that a look-up with a 50 ms
// deadline returns within 100 ms while another goroutine parses a huge
// hosts file, and that the parse itself stops at its context's end.
func TestHostsDeadlineWhileParsing(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a large hosts file")
	}
	if raceEnabled {
		t.Skip("times a look-up against a 100 ms bound: not under the race detector's slowdown")
	}
	p := hugeHosts(t, 1_000_000)
	r := &addrinfo.Resolver{HostsFile: p, NoDNS: true}
	hints := &addrinfo.Hints{Family: sock.AF_INET, SockType: sock.SOCK_STREAM}
	parsed := make(chan error, 1)
	go func() {
		_, err := r.Lookup(context.Background(), "host999999.huge", "80", hints)
		parsed <- err
	}()
	time.Sleep(20 * time.Millisecond) // the parse is under way
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := r.Lookup(ctx, "host5.huge", "80", hints)
	took := time.Since(start)
	if took > 100*time.Millisecond {
		t.Errorf("the look-up with a 50 ms deadline took %v", took)
	}
	select {
	case perr := <-parsed:
		// The parse was done before the deadline: nothing was waited on.
		if perr != nil {
			t.Fatal(perr)
		}
		t.Logf("the parse ended first (the machine is fast); took %v", took)
		return
	default:
	}
	if !errors.Is(err, addrinfo.EAI_AGAIN) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want EAI_AGAIN wrapping the deadline", err)
	}
	if err := <-parsed; err != nil {
		t.Fatalf("the parsing look-up: %v", err)
	}
	// A parse whose own context ends stops too.
	p2 := hugeHosts(t, 1_000_000)
	r2 := &addrinfo.Resolver{HostsFile: p2, NoDNS: true}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	start = time.Now()
	_, err = r2.Lookup(ctx2, "host5.huge", "80", hints)
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Errorf("a parse past its deadline took %v", took)
	}
	if !errors.Is(err, addrinfo.EAI_AGAIN) {
		t.Errorf("error = %v, want EAI_AGAIN", err)
	}
}

// BenchmarkHostsLongLine parses a hosts file of one line with many names
// (140k names is a line of about 1 MB): the time per name stays flat.
func BenchmarkHostsLongLine(b *testing.B) {
	for _, n := range []int{10_000, 40_000, 140_000} {
		var sb strings.Builder
		sb.WriteString("10.0.0.1")
		for i := range n {
			fmt.Fprintf(&sb, " name%d", i)
		}
		sb.WriteString("\n")
		data := []byte(sb.String())
		b.Run(fmt.Sprintf("names=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				entries, _ := addrinfo.ParseHosts(data)
				if len(entries) != 1 || len(entries[0].Names) != n {
					b.Fatalf("%d entries", len(entries))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/name")
		})
	}
}
