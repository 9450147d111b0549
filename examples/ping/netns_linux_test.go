package main

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
)

// pingNetns makes a namespace with lo up and net.ipv4.ping_group_range
// set to rng, and returns it.
func pingNetns(t *testing.T, rng string) string {
	ns := testkit.NewNetns(t)
	testkit.IP(t, ns, "link", "set", "lo", "up")
	testkit.InNetns(t, ns, func() {
		if err := os.WriteFile("/proc/sys/net/ipv4/ping_group_range", []byte(rng), 0); err != nil {
			t.Fatalf("setting ping_group_range: %v", err)
		}
	})
	return ns
}

// runIn runs the example in namespace ns: its socket is made on the
// thread that joined it.
func runIn(t *testing.T, ns string, args ...string) (string, error) {
	var out bytes.Buffer
	var err error
	testkit.InNetns(t, ns, func() {
		err = run(context.Background(), args, nil, &out, &out)
	})
	return out.String(), err
}

// TestPingLoopback pings 127.0.0.1 and ::1 in namespaces whose
// ping_group_range admits this process's group or not: the socket is the
// datagram one or the raw one as the range says, and the replies carry
// sequence numbers 1..3 in order, from the host pinged, with round-trip
// times that fit in the run and agree with the summary, and TTL 64 on
// every reply (the IP header's on a raw IPv4 socket, a control message on
// the others).
func TestPingLoopback(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root for namespaces and the raw fallback")
	}
	for _, tt := range []struct {
		name, rng, host string
	}{
		{"datagram IPv4", "0 2147483647", "127.0.0.1"},
		{"datagram IPv6", "0 2147483647", "::1"},
		{"raw IPv4", "1 0", "127.0.0.1"},
		{"raw IPv6", "1 0", "::1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ns := pingNetns(t, tt.rng)
			var wantDgram bool
			testkit.InNetns(t, ns, func() { wantDgram = groupInRange(t) })
			start := time.Now()
			out, err := runIn(t, ns, "-c", "3", "-i", "20ms", tt.host)
			elapsed := time.Since(start)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, out)
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			note := lines[1]
			if gotDgram := strings.HasPrefix(note, "(Go: socket(") && strings.Contains(note, "SOCK_DGRAM") && !strings.Contains(note, "SOCK_RAW"); gotDgram != wantDgram {
				t.Errorf("ping_group_range %q: datagram socket %v, want %v: %s", tt.rng, gotDgram, wantDgram, note)
			}
			var seqs []int
			var minRTT, maxRTT float64 = 1e9, 0
			for _, l := range lines {
				m := replyLine.FindStringSubmatch(l)
				if m == nil {
					continue
				}
				if m[1] != "64" || m[2] != tt.host {
					t.Errorf("reply line %q: want 64 bytes from %s", l, tt.host)
				}
				if m[4] != "64" {
					// From the IP header on a raw IPv4 socket, else from
					// the IP_TTL or IPV6_HOPLIMIT control message.
					t.Errorf("reply %q: want ttl=64, loopback's TTL and hop limit", l)
				}
				seq, _ := strconv.Atoi(m[3])
				seqs = append(seqs, seq)
				rtt, _ := strconv.ParseFloat(m[5], 64)
				if rtt <= 0 || rtt > float64(elapsed.Microseconds())/1000 {
					t.Errorf("reply %q: RTT %v ms outside (0, %v]", l, rtt, elapsed)
				}
				minRTT, maxRTT = min(minRTT, rtt), max(maxRTT, rtt)
			}
			if diff := cmp.Diff([]int{1, 2, 3}, seqs); diff != "" {
				t.Errorf("unexpected icmp_seq values (-want +got):\n%s\n%s", diff, out)
			}
			if !strings.Contains(out, "3 packets transmitted, 3 received, 0% packet loss") {
				t.Errorf("no 3-for-3 summary:\n%s", out)
			}
			m := statsLine.FindStringSubmatch(lines[len(lines)-1])
			if m == nil {
				t.Fatalf("last line %q is not the rtt summary", lines[len(lines)-1])
			}
			if m[1] != strconv.FormatFloat(minRTT, 'f', 3, 64) || m[3] != strconv.FormatFloat(maxRTT, 'f', 3, 64) {
				t.Errorf("summary %q disagrees with the replies' min %.3f and max %.3f", lines[len(lines)-1], minRTT, maxRTT)
			}
		})
	}
}

// TestPingNoReply: with echo replies turned off in the namespace, nothing
// comes back, the summary says so and the run fails, as ping(8) exits 1.
func TestPingNoReply(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root for namespaces")
	}
	ns := pingNetns(t, "0 2147483647")
	testkit.InNetns(t, ns, func() {
		if err := os.WriteFile("/proc/sys/net/ipv4/icmp_echo_ignore_all", []byte("1"), 0); err != nil {
			t.Fatal(err)
		}
	})
	out, err := runIn(t, ns, "-c", "2", "-i", "10ms", "-W", "100ms", "127.0.0.1")
	if err == nil || err.Error() != "no reply" {
		t.Errorf("run = %v, want \"no reply\"", err)
	}
	if !strings.Contains(out, "2 packets transmitted, 0 received, 100% packet loss") || replyLine.MatchString(out) {
		t.Errorf("unexpected output:\n%s", out)
	}
}
