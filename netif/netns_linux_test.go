package netif_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

// richNetns makes a namespace with every case the issue names: links up and
// down, a veth pair, a point-to-point peer address, broadcast addresses, a
// label, IPv6 global (nodad) and link-local addresses, a tun device (a
// point-to-point link without a hardware address) where /dev/net/tun
// exists, and, with many > 0, that many IPv4 addresses plus a tenth as many
// IPv6 ones on one veth link (d0).
func richNetns(t testing.TB, many int) string {
	t.Helper()
	ns := testkit.NewNetns(t)
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
	if _, err := testkit.IPErr(ns, strings.Join(batch, "\n")+"\n", "-batch", "-"); err != nil {
		t.Fatal(err)
	}
	// A tun device is a point-to-point link without a link-layer address.
	if _, err := os.Stat("/dev/net/tun"); err == nil {
		if out, err := exec.Command("ip", "netns", "exec", ns, "ip", "tuntap", "add", "t0", "mode", "tun").CombinedOutput(); err != nil {
			t.Logf("no tun device in the namespace: %v: %s", err, out)
		} else {
			testkit.IP(t, ns, "link", "set", "t0", "up")
			testkit.IP(t, ns, "addr", "add", "10.9.0.1", "peer", "10.9.0.2", "dev", "t0")
		}
	}
	return ns
}
