package addrinfo_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posixkit/posixkit/addrinfo"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// TestHostsFileNotRegular checks that a FIFO, a device and a file over
// the size cap as hosts file give an answer at once (the name is not
// found: glibc goes on to the next service), never a hang or a huge heap.
func TestHostsFileNotRegular(t *testing.T) {
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
	for _, p := range []string{fifo, "/dev/zero", big} {
		t.Run(filepath.Base(p), func(t *testing.T) {
			r := &addrinfo.Resolver{HostsFile: p, NoDNS: true}
			done := make(chan error, 1)
			go func() {
				_, err := r.Lookup(context.Background(), "somehost", "80", &addrinfo.Hints{Family: sock.AF_INET, SockType: sock.SOCK_STREAM})
				done <- err
			}()
			select {
			case err := <-done:
				var e *addrinfo.Error
				if !errors.As(err, &e) {
					t.Fatalf("Lookup error = %v, want an *addrinfo.Error", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Lookup hangs on the hosts file")
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
