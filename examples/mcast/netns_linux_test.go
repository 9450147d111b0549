package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
)

// mcastNetns makes a namespace with lo up and a veth pair pkv0 <-> pkv1,
// pkv0 holding 10.9.0.1/24 and fd00:9::1/64.
func mcastNetns(t *testing.T) string {
	ns := testkit.NewNetns(t)
	testkit.IP(t, ns, "link", "set", "lo", "up")
	testkit.IP(t, ns, "link", "add", "pkv0", "type", "veth", "peer", "name", "pkv1")
	testkit.IP(t, ns, "link", "set", "pkv0", "up")
	testkit.IP(t, ns, "link", "set", "pkv1", "up")
	testkit.IP(t, ns, "addr", "add", "10.9.0.1/24", "dev", "pkv0")
	testkit.IP(t, ns, "addr", "add", "fd00:9::1/64", "dev", "pkv0", "nodad")
	return ns
}

var (
	gotLine    = regexp.MustCompile(`^receiver (\d+): recvfrom = (\d+) from (\S+): "(.*)"$`)
	nothing    = regexp.MustCompile(`^receiver (\d+): nothing within \S+$`)
	senderBind = regexp.MustCompile(`^sender: bind (\S+),`)
)

// TestDemo runs the demo in a namespace: the members get the datagram, from
// the sender's address, and the receiver that left does not, unless
// IP_MULTICAST_ALL stays on; a source-specific join lets only that
// source's datagrams in.
func TestDemo(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root for a network namespace")
	}
	ns := mcastNetns(t)
	for _, tt := range []struct {
		name string
		args []string
		want []string // the receivers that get the datagram
	}{
		{"IPv4 on lo", []string{"demo"}, []string{"1", "2"}},
		{"IPv4 on a veth", []string{"-if", "pkv0", "demo"}, []string{"1", "2"}},
		{"IPv6 on a veth", []string{"-if", "pkv0", "-group", "[ff15::1234]:5007", "demo"}, []string{"1", "2"}},
		{"four receivers", []string{"-if", "pkv0", "-n", "4", "demo"}, []string{"1", "2", "3"}},
		{"IP_MULTICAST_ALL on", []string{"-all", "demo"}, []string{"1", "2", "3"}},
		{"IPv6 IPV6_MULTICAST_ALL on", []string{"-all", "-if", "pkv0", "-group", "[ff15::1234]:5007", "demo"}, []string{"1", "2", "3"}},
		{"source-specific, the sender's source", []string{"-if", "pkv0", "-source", "10.9.0.1", "demo"}, []string{"1", "2"}},
		{"source-specific, another source", []string{"-if", "pkv0", "-source", "10.9.0.2", "demo"}, nil},
		{"IPv6 source-specific, the sender's source", []string{"-if", "pkv0", "-group", "[ff3e::1234]:5007", "-source", "fd00:9::1", "demo"}, []string{"1", "2"}},
		{"IPv6 source-specific, another source", []string{"-if", "pkv0", "-group", "[ff3e::1234]:5007", "-source", "fd00:9::2", "demo"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			var err error
			args := append([]string{"-wait", "300ms"}, tt.args...)
			testkit.InNetns(t, ns, func() {
				err = run(context.Background(), args, nil, &out, &out)
			})
			if err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			var from string
			var got, silent []string
			for l := range strings.Lines(out.String()) {
				l = strings.TrimSuffix(l, "\n")
				if m := senderBind.FindStringSubmatch(l); m != nil {
					from = m[1]
				}
				if m := gotLine.FindStringSubmatch(l); m != nil {
					got = append(got, m[1])
					if m[3] != from || !strings.HasPrefix(m[4], "hello, group ") || m[2] != "27" && m[2] != "30" {
						t.Errorf("receiver line %q: want the greeting from %s", l, from)
					}
				}
				if m := nothing.FindStringSubmatch(l); m != nil {
					silent = append(silent, m[1])
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("unexpected receivers of the datagram (-want +got):\n%s\n%s", diff, out.String())
			}
			if len(got)+len(silent) < 3 {
				t.Errorf("%d receivers reported, want every one:\n%s", len(got)+len(silent), out.String())
			}
		})
	}
}

// lineWriter collects a process's output and signals its first line.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	first chan struct{}
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	had := bytes.IndexByte(w.buf.Bytes(), '\n') >= 0
	w.buf.Write(p)
	if !had && bytes.IndexByte(w.buf.Bytes(), '\n') >= 0 {
		close(w.first)
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// startIn starts the example as a process in namespace ns and returns it
// with its output, once it has printed its first line (a receiver: after
// joining).
func startIn(t *testing.T, ns string, args ...string) (*exec.Cmd, *lineWriter) {
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns, os.Args[0]}, args...)...)
	cmd.Env = append(os.Environ(), "POSIXKIT_EXAMPLE_MAIN=1")
	w := &lineWriter{first: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-w.first:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("%v: no first line", args)
	}
	return cmd, w
}

// TestProcesses runs receivers and a sender as separate processes: two
// members get both messages, from the sender's address; a source-specific
// member for another source gets nothing and exits 1.
func TestProcesses(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root for a network namespace")
	}
	ns := mcastNetns(t)
	common := []string{"-if", "pkv0", "-wait", "3s"}
	r1, out1 := startIn(t, ns, append(common, "-n", "2", "recv")...)
	r2, out2 := startIn(t, ns, append(common, "-n", "2", "recv")...)
	r3, out3 := startIn(t, ns, append(common, "-source", "10.9.0.2", "-wait", "1s", "recv")...)
	send := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-if", "pkv0", "send", "first", "second")
	send.Env = append(os.Environ(), "POSIXKIT_EXAMPLE_MAIN=1")
	sent, err := send.CombinedOutput()
	if err != nil {
		t.Fatalf("send: %v\n%s", err, sent)
	}
	m := senderBind.FindStringSubmatch(strings.SplitN(string(sent), "\n", 2)[0])
	if m == nil {
		t.Fatalf("sender printed no bind line:\n%s", sent)
	}
	from := m[1]
	deadline := time.AfterFunc(10*time.Second, func() { r1.Process.Kill(); r2.Process.Kill(); r3.Process.Kill() })
	defer deadline.Stop()
	for i, r := range []*exec.Cmd{r1, r2} {
		out := []*lineWriter{out1, out2}[i]
		if err := r.Wait(); err != nil {
			t.Errorf("receiver %d: %v\n%s", i+1, err, out)
			continue
		}
		want := []string{
			`receiver: recvfrom = 5 from ` + from + `: "first"`,
			`receiver: recvfrom = 6 from ` + from + `: "second"`,
		}
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if diff := cmp.Diff(want, lines[1:]); diff != "" {
			t.Errorf("receiver %d: unexpected lines (-want +got):\n%s", i+1, diff)
		}
	}
	r3.Wait()
	if code := r3.ProcessState.ExitCode(); code != 1 || !strings.Contains(out3.String(), "receiver: nothing within 1s") {
		t.Errorf("receiver for another source: exit %d, want 1 after nothing:\n%s", code, out3)
	}
}
