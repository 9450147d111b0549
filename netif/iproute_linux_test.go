package netif_test

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/netif"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// iproute2's JSON (ip -j addr show, ip -j -s link show): an independent
// reading of the same kernel tables.
type ipLink struct {
	Index     int      `json:"ifindex"`
	Name      string   `json:"ifname"`
	Flags     []string `json:"flags"`
	MTU       int      `json:"mtu"`
	LinkType  string   `json:"link_type"`
	Address   string   `json:"address"`
	Broadcast string   `json:"broadcast"`
	P2P       bool     `json:"link_pointtopoint"`
	AddrInfo  []ipAddr `json:"addr_info"`
	Stats64   *struct {
		Rx ipCounters `json:"rx"`
		Tx ipCounters `json:"tx"`
	} `json:"stats64"`
}

type ipAddr struct {
	Family    string `json:"family"`
	Local     string `json:"local"`
	Address   string `json:"address"` // the peer
	Prefixlen int    `json:"prefixlen"`
	Broadcast string `json:"broadcast"`
	Label     string `json:"label"`
}

type ipCounters struct {
	Bytes, Packets, Errors, Dropped, Multicast uint64
}

// ipFlagBits maps iproute2's flag names to their values; NO-CARRIER and
// M-DOWN are iproute2's own notes, not flags. iproute2 never prints
// RUNNING.
var ipFlagBits = map[string]uint32{
	"UP": unix.IFF_UP, "BROADCAST": unix.IFF_BROADCAST, "DEBUG": unix.IFF_DEBUG,
	"LOOPBACK": unix.IFF_LOOPBACK, "POINTOPOINT": unix.IFF_POINTOPOINT,
	"NOTRAILERS": unix.IFF_NOTRAILERS, "NOARP": unix.IFF_NOARP, "PROMISC": unix.IFF_PROMISC,
	"ALLMULTI": unix.IFF_ALLMULTI, "MASTER": unix.IFF_MASTER, "SLAVE": unix.IFF_SLAVE,
	"MULTICAST": unix.IFF_MULTICAST, "PORTSEL": unix.IFF_PORTSEL, "AUTOMEDIA": unix.IFF_AUTOMEDIA,
	"DYNAMIC": unix.IFF_DYNAMIC, "LOWER_UP": unix.IFF_LOWER_UP, "DORMANT": unix.IFF_DORMANT,
	"ECHO": unix.IFF_ECHO, "NO-CARRIER": 0, "M-DOWN": 0,
}

func ipShow(t testing.TB, ns string) (links, stats []ipLink) {
	t.Helper()
	if err := json.Unmarshal(testkit.IP(t, ns, "-j", "addr", "show"), &links); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(testkit.IP(t, ns, "-j", "-s", "link", "show"), &stats); err != nil {
		t.Fatal(err)
	}
	return links, stats
}

// comparable view of one interface, as both sides see it.
type viewIf struct {
	Index        int
	Name         string
	Flags        uint32 // without RUNNING
	MTU          int
	HardwareAddr string
	HardwareBrd  string
	Addrs        []viewAddr
}

type viewAddr struct {
	Family    sock.Family
	Name      string // label
	Prefix    string // local address / prefix length
	Broadcast string
	Peer      string
}

func fromIP(t testing.TB, links []ipLink) []viewIf {
	t.Helper()
	var out []viewIf
	for _, l := range links {
		v := viewIf{Index: l.Index, Name: l.Name, MTU: l.MTU, HardwareAddr: l.Address, HardwareBrd: l.Broadcast}
		if l.LinkType == "none" {
			v.HardwareAddr, v.HardwareBrd = "", ""
		}
		for _, f := range l.Flags {
			b, ok := ipFlagBits[f]
			if !ok {
				t.Fatalf("ip prints flag %q on %s, unknown to this test", f, l.Name)
			}
			v.Flags |= b
		}
		broadcastLink := v.Flags&unix.IFF_BROADCAST != 0
		for _, a := range l.AddrInfo {
			va := viewAddr{Prefix: fmt.Sprintf("%s/%d", a.Local, a.Prefixlen), Peer: a.Address}
			switch a.Family {
			case "inet":
				va.Family = sock.AF_INET
				va.Name = a.Label
			case "inet6":
				va.Family = sock.AF_INET6
				va.Name = l.Name
			default:
				continue
			}
			if broadcastLink {
				// The documented rule: a broadcast address only on
				// interfaces with IFF_BROADCAST.
				va.Broadcast = a.Broadcast
			}
			v.Addrs = append(v.Addrs, va)
		}
		out = append(out, v)
	}
	return out
}

func fromNetif(ifs []netif.Interface) []viewIf {
	var out []viewIf
	for _, ifc := range ifs {
		v := viewIf{Index: ifc.Index, Name: ifc.Name, Flags: uint32(ifc.Flags &^ netif.IFF_RUNNING), MTU: ifc.MTU,
			HardwareAddr: ifc.HardwareAddr.String()}
		for _, a := range ifc.Addrs {
			va := viewAddr{Family: a.Family, Name: a.Name, Prefix: a.Prefix().String()}
			if a.Broadcast.IsValid() {
				va.Broadcast = a.Broadcast.String()
			}
			if a.Dst.IsValid() {
				va.Peer = a.Dst.WithZone("").String()
			}
			v.Addrs = append(v.Addrs, va)
		}
		out = append(out, v)
	}
	return out
}

// linkBroadcasts gives each interface's link-layer broadcast (or peer)
// address from the IfAddrs list, which Interface does not carry.
func linkBroadcasts(ifas []netif.IfAddr, views []viewIf) {
	for i := range views {
		for _, e := range ifas {
			if e.Family == sock.AF_PACKET && e.Index == views[i].Index {
				views[i].HardwareBrd = e.HardwareBroadcast.String()
			}
		}
	}
}

func stats(l ipLink) netif.LinkStats {
	if l.Stats64 == nil {
		return netif.LinkStats{}
	}
	return netif.LinkStats{
		RxPackets: l.Stats64.Rx.Packets, TxPackets: l.Stats64.Tx.Packets,
		RxBytes: l.Stats64.Rx.Bytes, TxBytes: l.Stats64.Tx.Bytes,
		RxErrors: l.Stats64.Rx.Errors, TxErrors: l.Stats64.Tx.Errors,
		RxDropped: l.Stats64.Rx.Dropped, TxDropped: l.Stats64.Tx.Dropped,
		Multicast: l.Stats64.Rx.Multicast,
	}
}

// counterBetween reports whether every counter of got lies between lo and
// hi: counters only grow, so a read taken between two others does.
func counterBetween(lo, got, hi netif.LinkStats) bool {
	a, g, b := reflect.ValueOf(lo), reflect.ValueOf(got), reflect.ValueOf(hi)
	for i := range a.NumField() {
		if x, y, z := a.Field(i).Uint(), g.Field(i).Uint(), b.Field(i).Uint(); x > y || y > z {
			return false
		}
	}
	return true
}

// compareIproute reads the tables with ip, with this package, and with ip
// again, and compares; a change between the two ip reads (a link-local
// address appearing, say) is retried a few times.
func compareIproute(t *testing.T, ns string) {
	t.Helper()
	const attempts = 5
	for attempt := 1; ; attempt++ {
		before, statsBefore := ipShow(t, ns)
		var ifs []netif.Interface
		var ifas []netif.IfAddr
		var err1, err2 error
		read := func() {
			ifs, err1 = netif.Interfaces()
			ifas, err2 = netif.IfAddrs()
		}
		if ns == "" {
			read()
		} else {
			testkit.InNetns(t, ns, read)
		}
		if err1 != nil || err2 != nil {
			t.Fatalf("Interfaces: %v; IfAddrs: %v", err1, err2)
		}
		after, statsAfter := ipShow(t, ns)
		want := fromIP(t, before)
		if !cmp.Equal(want, fromIP(t, after)) && attempt < attempts {
			t.Logf("tables changed between the two ip reads; again (%d)", attempt)
			continue
		}
		got := fromNetif(ifs)
		linkBroadcasts(ifas, got)
		if diff := cmp.Diff(want, got); diff != "" {
			if attempt < attempts {
				continue
			}
			t.Fatalf("Interfaces disagrees with ip -j addr show (-want +got):\n%s", diff)
		}
		// The IfAddrs list holds the same interfaces and addresses.
		var fromList []netif.IfAddr
		for _, ifc := range ifs {
			fromList = append(fromList, ifc.Addrs...)
		}
		var addrEntries []netif.IfAddr
		for _, e := range ifas {
			if e.Family != sock.AF_PACKET {
				addrEntries = append(addrEntries, e)
			}
		}
		sortByIndex := func(s []netif.IfAddr) {
			slices.SortStableFunc(s, func(a, b netif.IfAddr) int { return a.Index - b.Index })
		}
		sortByIndex(addrEntries)
		if diff := cmp.Diff(fromList, addrEntries, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
			t.Errorf("IfAddrs' addresses differ from Interfaces' (-Interfaces +IfAddrs):\n%s", diff)
		}
		// Statistics: between the two ip reads, on every interface, in
		// both lists.
		for i, ifc := range ifs {
			if i >= len(statsBefore) || i >= len(statsAfter) || statsBefore[i].Index != ifc.Index || statsAfter[i].Index != ifc.Index {
				t.Fatalf("ip -s link lists different interfaces")
			}
			lo, hi := stats(statsBefore[i]), stats(statsAfter[i])
			if !counterBetween(lo, ifc.Stats, hi) {
				t.Errorf("%s: Interface.Stats %+v not between ip's %+v and %+v", ifc.Name, ifc.Stats, lo, hi)
			}
			if e := ifas[i]; e.Family != sock.AF_PACKET || e.Index != ifc.Index || e.Stats == nil || !counterBetween(lo, *e.Stats, hi) {
				t.Errorf("%s: IfAddrs entry %d: %+v; its stats not between ip's %+v and %+v", ifc.Name, i, e, lo, hi)
			}
		}
		return
	}
}

func TestIprouteHost(t *testing.T) {
	if _, err := testkit.IPErr("", "", "-j", "link", "show", "lo"); err != nil {
		t.Skipf("skipping: iproute2 with JSON output not available: %v", err)
	}
	compareIproute(t, "")
}

func TestIprouteNamespace(t *testing.T) {
	ns := richNetns(t, 1000)
	compareIproute(t, ns)
	// Take a link down and up again, with its addresses, and compare again.
	testkit.IP(t, ns, "link", "set", "v1", "down")
	compareIproute(t, ns)
	testkit.IP(t, ns, "link", "set", "v1", "up")
	testkit.IP(t, ns, "link", "set", "v3", "up")
	testkit.IP(t, ns, "addr", "del", "192.168.7.1/24", "dev", "v1")
	compareIproute(t, ns)
}
