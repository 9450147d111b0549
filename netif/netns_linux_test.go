package netif_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// newNetns creates an empty network namespace with `ip netns add` and
// deletes it when the test ends; it skips the test where that is not
// permitted (not root, no iproute2, no namespaces).
func newNetns(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("skipping: iproute2's ip command is not installed")
	}
	var r [4]byte
	rand.Read(r[:])
	name := "pk-" + hex.EncodeToString(r[:])
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Skipf("skipping: cannot create a network namespace (needs root and CAP_SYS_ADMIN): ip netns add: %v: %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", name, err, out)
		}
	})
	return name
}

// ip runs iproute2 in namespace ns ("" for the test's own) and returns its
// standard output; a failure fails the test.
func ip(t testing.TB, ns string, args ...string) []byte {
	t.Helper()
	out, err := ipErr(ns, "", args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ipErr(ns, stdin string, args ...string) ([]byte, error) {
	if ns != "" {
		args = append([]string{"-n", ns}, args...)
	}
	cmd := exec.Command("ip", args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

// inNetns runs fn on a thread that has joined namespace ns, and moves the
// thread back afterwards. fn must not start goroutines that depend on the
// namespace: only its own thread is in it.
func inNetns(t testing.TB, ns string, fn func()) {
	t.Helper()
	runtime.LockOSThread()
	self, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	defer self.Close()
	target, err := os.Open("/run/netns/" + ns)
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		t.Skipf("skipping: setns into %s: %v", ns, err)
	}
	defer func() {
		if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
			// Leave the thread locked: the runtime ends it with the goroutine.
			t.Errorf("setns back: %v", err)
			return
		}
		runtime.UnlockOSThread()
	}()
	fn()
}

// richNetns makes a namespace with every case the issue names: links up and
// down, a veth pair, a point-to-point peer address, broadcast addresses, a
// label, IPv6 global (nodad) and link-local addresses, a tun device (a
// point-to-point link without a hardware address) where /dev/net/tun
// exists, and, with many > 0, that many IPv4 addresses plus a tenth as many
// IPv6 ones on one veth link (d0).
func richNetns(t testing.TB, many int) string {
	t.Helper()
	ns := newNetns(t)
	batch := []string{
		"link set lo up",
		"link add v0 type veth peer name v1",
		"link add v2 type veth peer name v3", // stays down
		"link set v0 up",
		"link set v1 up",
		"link set v2 mtu 1400",
		"addr add 10.1.1.1 peer 10.1.1.2/32 dev v0",
		"addr add 192.168.7.1/24 brd + dev v1",
		"addr add 192.168.8.1/24 brd 192.168.8.255 dev v1 label v1:lab",
		"addr add 172.16.0.1/12 dev v1",
		"addr add 10.5.0.1/8 brd + dev lo",
		"addr add 192.168.9.1/24 brd + dev v3",
		"addr add 2001:db8::1/64 dev v1 nodad",
		"addr add fe80::1/64 dev v1 nodad",
		"addr add 2001:db8:1::1 peer 2001:db8:1::2/128 dev v0 nodad",
		"addr add fe80::10 peer fe80::11/128 dev v0 nodad",
		"addr add fe80::5/64 dev v3 nodad",
	}
	if many > 0 {
		batch = append(batch, "link add d0 type veth peer name d1", "link set d0 up")
		for i := 0; i < many; i++ {
			batch = append(batch, fmt.Sprintf("addr add 10.%d.%d.%d/16 brd + dev d0", 100+i/65536, i/250%256, i%250+1))
		}
		for i := 0; i < many/10; i++ {
			batch = append(batch, fmt.Sprintf("addr add 2001:db8:d0::%x/64 dev d0 nodad", i+1))
		}
	}
	if _, err := ipErr(ns, strings.Join(batch, "\n")+"\n", "-batch", "-"); err != nil {
		t.Fatal(err)
	}
	// A tun device is a point-to-point link without a link-layer address.
	if _, err := os.Stat("/dev/net/tun"); err == nil {
		if out, err := exec.Command("ip", "netns", "exec", ns, "ip", "tuntap", "add", "t0", "mode", "tun").CombinedOutput(); err != nil {
			t.Logf("no tun device in the namespace: %v: %s", err, out)
		} else {
			ip(t, ns, "link", "set", "t0", "up")
			ip(t, ns, "addr", "add", "10.9.0.1", "peer", "10.9.0.2", "dev", "t0")
		}
	}
	return ns
}
