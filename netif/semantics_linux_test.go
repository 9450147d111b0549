package netif_test

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/netif"
	"github.com/posixkit/posixkit/sock"
)

// TestNamespaceSemantics checks, entry by entry, the cases where struct
// ifaddrs is ambiguous, in a namespace built for them.
func TestNamespaceSemantics(t *testing.T) {
	ns := richNetns(t, 1000)
	var ifas []netif.IfAddr
	var err error
	testkit.InNetns(t, ns, func() { ifas, err = netif.IfAddrs() })
	if err != nil {
		t.Fatal(err)
	}
	type entry struct {
		Name              string
		Family            sock.Family
		Prefix            string
		Broadcast, Dst    string
		PointToPoint, Brd bool
	}
	view := func(e netif.IfAddr) entry {
		s := func(a netip.Addr) string {
			if !a.IsValid() {
				return ""
			}
			return a.String()
		}
		return entry{e.Name, e.Family, e.Prefix().String(), s(e.Broadcast), s(e.Dst),
			e.Flags&netif.IFF_POINTOPOINT != 0, e.Flags&netif.IFF_BROADCAST != 0}
	}
	find := func(addr string) (netif.IfAddr, bool) {
		for _, e := range ifas {
			if e.Family != sock.AF_PACKET && e.Addr.String() == addr {
				return e, true
			}
		}
		return netif.IfAddr{}, false
	}
	tests := []struct {
		name, addr string
		want       entry
	}{
		{"peer address on a broadcast link", "10.1.1.1",
			entry{"v0", sock.AF_INET, "10.1.1.1/32", "", "10.1.1.2", false, true}},
		{"broadcast address", "192.168.7.1",
			entry{"v1", sock.AF_INET, "192.168.7.1/24", "192.168.7.255", "", false, true}},
		{"label is the name", "192.168.8.1",
			entry{"v1:lab", sock.AF_INET, "192.168.8.1/24", "192.168.8.255", "", false, true}},
		{"no broadcast configured", "172.16.0.1",
			entry{"v1", sock.AF_INET, "172.16.0.1/12", "", "", false, true}},
		{"broadcast on a link without IFF_BROADCAST is not reported", "10.5.0.1",
			entry{"lo", sock.AF_INET, "10.5.0.1/8", "", "", false, false}},
		{"address on a link that is down", "192.168.9.1",
			entry{"v3", sock.AF_INET, "192.168.9.1/24", "192.168.9.255", "", false, true}},
		{"IPv6 global", "2001:db8::1",
			entry{"v1", sock.AF_INET6, "2001:db8::1/64", "", "", false, true}},
		{"IPv6 link-local has its zone", "fe80::1%v1",
			entry{"v1", sock.AF_INET6, "fe80::1/64", "", "", false, true}},
		{"IPv6 link-local on a link that is down", "fe80::5%v3",
			entry{"v3", sock.AF_INET6, "fe80::5/64", "", "", false, true}},
		{"IPv6 peer", "2001:db8:1::1",
			entry{"v0", sock.AF_INET6, "2001:db8:1::1/128", "", "2001:db8:1::2", false, true}},
		{"IPv6 link-local peer: both ends have the zone", "fe80::10%v0",
			entry{"v0", sock.AF_INET6, "fe80::10/128", "", "fe80::11%v0", false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := find(tt.addr)
			if !ok {
				t.Fatalf("no entry for %s", tt.addr)
			}
			if diff := cmp.Diff(tt.want, view(e)); diff != "" {
				t.Errorf("unexpected entry (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("point-to-point link without hardware address", func(t *testing.T) {
		e, ok := find("10.9.0.1")
		if !ok {
			t.Skip("skipping: no tun device in this namespace (no /dev/net/tun)")
		}
		if diff := cmp.Diff(entry{"t0", sock.AF_INET, "10.9.0.1/32", "", "10.9.0.2", true, false}, view(e)); diff != "" {
			t.Errorf("unexpected entry (-want +got):\n%s", diff)
		}
		for _, l := range ifas {
			if l.Family == sock.AF_PACKET && l.Name == "t0" && (l.HardwareAddr != nil || l.HardwareBroadcast != nil) {
				t.Errorf("t0 link entry: HardwareAddr %v, HardwareBroadcast %v; want none", l.HardwareAddr, l.HardwareBroadcast)
			}
		}
	})
	t.Run("order and count", func(t *testing.T) {
		packets, v4, v6, onD0 := 0, 0, 0, 0
		for i, e := range ifas {
			switch e.Family {
			case sock.AF_PACKET:
				if v4+v6 > 0 {
					t.Fatalf("entry %d: a link entry after the addresses", i)
				}
				packets++
				if e.Stats == nil || e.HardwareAddr == nil && e.Name != "t0" {
					t.Errorf("link entry %s: Stats %v, HardwareAddr %v", e.Name, e.Stats, e.HardwareAddr)
				}
			case sock.AF_INET:
				if v6 > 0 {
					t.Fatalf("entry %d: an IPv4 address after the IPv6 ones (the kernel dumps IPv4 first)", i)
				}
				v4++
			case sock.AF_INET6:
				v6++
			}
			if e.Name == "d0" && e.Family != sock.AF_PACKET {
				onD0++
			}
		}
		if packets < 7 || onD0 < 1100 {
			t.Errorf("%d link entries, %d addresses on d0; want >= 7 and >= 1100", packets, onD0)
		}
	})
}
