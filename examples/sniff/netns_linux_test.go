package main

import (
	"bytes"
	"encoding/hex"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock"
)

var (
	mac0, _ = net.ParseMAC("02:00:5e:00:00:01")
	mac1, _ = net.ParseMAC("02:00:5e:00:00:02")
)

// vethPair makes two namespaces joined by a veth pair: pk0 (10.9.0.1,
// mac0) in the first, pk1 (10.9.0.2, mac1) in the second, IPv6 off and the
// neighbours fixed, so that nothing but the test's own frames crosses.
func vethPair(t *testing.T) (nsA, nsB string) {
	nsA, nsB = testkit.NewNetns(t), testkit.NewNetns(t)
	for _, ns := range []string{nsA, nsB} {
		testkit.InNetns(t, ns, func() {
			for _, f := range []string{"all", "default"} {
				if err := os.WriteFile("/proc/sys/net/ipv6/conf/"+f+"/disable_ipv6", []byte("1"), 0); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	testkit.IP(t, nsA, "link", "add", "pk0", "address", mac0.String(), "type", "veth", "peer", "name", "pk1", "address", mac1.String(), "netns", nsB)
	testkit.IP(t, nsA, "addr", "add", "10.9.0.1/24", "dev", "pk0")
	testkit.IP(t, nsB, "addr", "add", "10.9.0.2/24", "dev", "pk1")
	testkit.IP(t, nsA, "neigh", "add", "10.9.0.2", "lladdr", mac1.String(), "dev", "pk0", "nud", "permanent")
	testkit.IP(t, nsB, "neigh", "add", "10.9.0.1", "lladdr", mac0.String(), "dev", "pk1", "nud", "permanent")
	testkit.IP(t, nsA, "link", "set", "pk0", "up")
	testkit.IP(t, nsB, "link", "set", "pk1", "up")
	return nsA, nsB
}

// output collects a process's output and signals its line "listening on".
type output struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	listening chan struct{}
}

func (w *output) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	had := strings.Contains(w.buf.String(), "listening on")
	w.buf.Write(p)
	if !had && strings.Contains(w.buf.String(), "listening on") {
		close(w.listening)
	}
	return len(p), nil
}

func (w *output) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

var frameLine = regexp.MustCompile(`^#(\d+) (\S+) (.*)$`)

// captured is one frame as sniff printed it.
type captured struct {
	Dir   string
	Lines []string
	Hex   string
}

func parseOutput(t *testing.T, out string) []captured {
	var fs []captured
	for l := range strings.Lines(out) {
		l = strings.TrimSuffix(l, "\n")
		if m := frameLine.FindStringSubmatch(l); m != nil {
			fs = append(fs, captured{Dir: m[2], Lines: []string{m[3]}})
			continue
		}
		if len(fs) == 0 || !strings.HasPrefix(l, "   ") {
			continue
		}
		c := &fs[len(fs)-1]
		l = strings.TrimPrefix(l, "   ")
		if _, err := hex.DecodeString(l); err == nil && len(l) >= 28 {
			c.Hex = l
		} else {
			c.Lines = append(c.Lines, l)
		}
	}
	return fs
}

// TestCaptureVeth runs sniff as a process on pk1 and sends across the
// veth pair from pk0: two frames built byte by byte and written with an
// AF_PACKET socket (an ARP broadcast, an IPv4 UDP datagram), and one UDP
// datagram sent by the kernel from a socket with IP_TTL 7 and IP_TOS 0x28. sniff must print exactly those frames, in
// that order, byte for byte, with the headers the test put in them.
func TestCaptureVeth(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root for namespaces and packet sockets")
	}
	nsA, nsB := vethPair(t)

	// A listener on 10.9.0.2:9000, so that no port-unreachable answers.
	var listener *sock.Socket
	testkit.InNetns(t, nsB, func() {
		var err error
		if listener, err = sock.New(sock.AF_INET, sock.SOCK_DGRAM, 0); err != nil {
			t.Fatal(err)
		}
	})
	defer listener.Close()
	if err := listener.Bind(sock.InetAddr(netip.MustParseAddrPort("10.9.0.2:9000"))); err != nil {
		t.Fatal(err)
	}

	out := &output{listening: make(chan struct{})}
	cmd := exec.Command("ip", "netns", "exec", nsB, os.Args[0], "-i", "pk1", "-x", "-c", "3", "-wait", "5s")
	cmd.Env = append(os.Environ(), "POSIXKIT_EXAMPLE_MAIN=1")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-out.listening:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("sniff did not start:\n%s", out)
	}

	arp := readHex(t, "arp-request-veth.hex")
	vlan := readHex(t, "udp-vlan.hex")
	// The VLAN capture's datagram, untagged: on receive, veth (as most
	// drivers) takes a tag out of the frame into the packet's metadata.
	plain := append(append([]byte{}, vlan[:12]...), vlan[16:]...)
	var tx, udp *sock.Socket
	testkit.InNetns(t, nsA, func() {
		var err error
		if tx, err = sock.New(sock.AF_PACKET, sock.SOCK_RAW, 0); err != nil {
			t.Fatal(err)
		}
		if udp, err = sock.New(sock.AF_INET, sock.SOCK_DGRAM, 0); err != nil {
			t.Fatal(err)
		}
	})
	defer tx.Close()
	defer udp.Close()
	idx, err := ifindexIn(t, nsA, "pk0")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range [][]byte{arp, plain} {
		to := sock.LinkAddrFrom(idx, uint16(f[12])<<8|uint16(f[13]), net.HardwareAddr(f[0:6]))
		if _, err := tx.SendToLink(f, 0, to); err != nil {
			t.Fatalf("SendToLink: %v", err)
		}
	}
	if err := udp.Bind(sock.InetAddr(netip.MustParseAddrPort("10.9.0.1:4001"))); err != nil {
		t.Fatal(err)
	}
	if err := udp.SetTTL(7); err != nil {
		t.Fatal(err)
	}
	if err := udp.SetTOS(0x28); err != nil {
		t.Fatal(err)
	}
	if _, err := udp.SendTo([]byte("from the kernel"), 0, sock.InetAddr(netip.MustParseAddrPort("10.9.0.2:9000"))); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("sniff: %v\n%s", err, out)
	}

	got := parseOutput(t, out.String())
	if len(got) != 3 {
		t.Fatalf("%d frames captured, want 3:\n%s", len(got), out)
	}
	want := []captured{
		{"B", []string{
			"02:00:5e:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42",
			"ARP, Request who-has 10.9.0.99 tell 10.9.0.1"}, hex.EncodeToString(arp)},
		{"In", []string{
			"02:00:5e:00:00:01 > 02:00:5e:00:00:02, ethertype IPv4 (0x0800), length 60",
			"IPv4 10.9.0.1 > 10.9.0.2: UDP, tos 0x28, ttl 7, id 1, length 46; UDP 4000 > 9000, payload 18"}, hex.EncodeToString(plain)},
	}
	// The kernel's own datagram: its IP id and checksums are the kernel's
	// choice, so the line is checked and the bytes only where the test
	// fixed them.
	k := got[2]
	ipLine := regexp.MustCompile(`^IPv4 10\.9\.0\.1 > 10\.9\.0\.2: UDP, tos 0x28, ttl 7, id \d+, length 43; UDP 4001 > 9000, payload 15$`)
	if k.Dir != "In" || len(k.Lines) != 2 || k.Lines[0] != "02:00:5e:00:00:01 > 02:00:5e:00:00:02, ethertype IPv4 (0x0800), length 57" || !ipLine.MatchString(k.Lines[1]) {
		t.Errorf("the kernel's datagram: %+v", k)
	}
	if !strings.HasSuffix(k.Hex, hex.EncodeToString([]byte("from the kernel"))) {
		t.Errorf("the kernel's datagram does not end with its payload: %s", k.Hex)
	}
	if diff := cmp.Diff(want, got[:2]); diff != "" {
		t.Errorf("unexpected frames (-want +got):\n%s\n%s", diff, out)
	}
	// The listener got both untagged datagrams' payloads: the frames were real.
	buf := make([]byte, 64)
	for _, w := range []string{"posixkit sniff udp", "from the kernel"} {
		listener.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, err := listener.Recv(buf, 0)
		if err != nil || string(buf[:n]) != w {
			t.Errorf("listener Recv = %q, %v; want %q", buf[:n], err, w)
		}
	}
}

func ifindexIn(t *testing.T, ns, name string) (int, error) {
	var idx int
	var err error
	testkit.InNetns(t, ns, func() {
		var ifi *net.Interface
		if ifi, err = net.InterfaceByName(name); err == nil {
			idx = ifi.Index
		}
	})
	return idx, err
}
