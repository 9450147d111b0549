package netif_test

import (
	"bytes"
	"net/netip"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/netif"
	"github.com/posixkit/posixkit/netif/internal/cifaddrs"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// cView is one getifaddrs entry as both sides can state it.
type cView struct {
	Name     string
	Flags    uint32
	Family   int
	Addr     string
	Netmask  string
	BroadDst string // what the union must hold; "*" when glibc's content is not ours to predict
	HWAddr   string
	HWBroad  string
	HWIndex  int
	HasData  bool
}

func str(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// scoped replaces a zone name by the index, as sin6_scope_id has it.
func scoped(a netip.Addr, index int) string {
	if a.Zone() != "" {
		a = a.WithZone(strconv.Itoa(index))
	}
	return str(a)
}

func hw(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return string(bytes.Clone(b))
}

func viewOurs(e netif.IfAddr) cView {
	v := cView{Name: e.Name, Flags: uint32(e.Flags), Family: int(e.Family)}
	if e.Family == sock.AF_PACKET {
		if e.HardwareAddr == nil {
			v.Family = 0 // glibc leaves ifa_addr NULL without IFLA_ADDRESS
		} else {
			v.HWIndex = e.Index
		}
		v.HWAddr, v.HWBroad, v.HasData = hw(e.HardwareAddr), hw(e.HardwareBroadcast), e.Stats != nil
		return v
	}
	v.Addr, v.Netmask = scoped(e.Addr, e.Index), str(e.Netmask)
	switch {
	case e.Dst.IsValid():
		v.BroadDst = scoped(e.Dst, e.Index)
	case e.Broadcast.IsValid():
		v.BroadDst = str(e.Broadcast)
	default:
		v.BroadDst = "*"
	}
	return v
}

func viewC(e cifaddrs.Entry, ours netif.IfAddr) cView {
	v := cView{Name: e.Name, Flags: e.Flags, Family: e.Family, Addr: str(e.Addr), Netmask: str(e.Netmask),
		BroadDst: str(e.BroadDst), HWAddr: hw(e.HWAddr), HWBroad: hw(e.HWBroad), HWIndex: e.HWIndex, HasData: e.HasData}
	if e.Family == unix.AF_PACKET || e.Family == 0 {
		v.BroadDst = ""
		return v
	}
	if !ours.Dst.IsValid() && !ours.Broadcast.IsValid() {
		// No peer and no broadcast: glibc leaves the union NULL (IPv6) or
		// puts the address itself there (IPv4, from IFA_ADDRESS), and on
		// a link without IFF_BROADCAST it may hold a broadcast address
		// this package does not report. Check the first two cases.
		if !e.HasUnion || v.BroadDst == v.Addr || ours.Flags&netif.IFF_BROADCAST == 0 {
			v.BroadDst = "*"
		}
	}
	return v
}

// compareC compares IfAddrs with the C library's getifaddrs, entry for
// entry and in order; read in the order ours, C, ours, and retried when the
// two reads of ours differ (a link's state changing in between).
func compareC(t *testing.T, read func(func())) {
	t.Helper()
	if !cifaddrs.Available {
		t.Skip("skipping: the C library oracle needs cgo (CGO_ENABLED=1)")
	}
	const attempts = 5
	for attempt := 1; ; attempt++ {
		var ours, again []netif.IfAddr
		var theirs []cifaddrs.Entry
		var err1, err2, err3 error
		read(func() {
			ours, err1 = netif.IfAddrs()
			theirs, err2 = cifaddrs.Get()
			again, err3 = netif.IfAddrs()
		})
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("IfAddrs: %v; getifaddrs: %v; IfAddrs: %v", err1, err2, err3)
		}
		stable := len(ours) == len(again)
		for i := 0; stable && i < len(ours); i++ {
			stable = cmp.Equal(viewOurs(ours[i]), viewOurs(again[i]))
		}
		if !stable && attempt < attempts {
			continue
		}
		if len(ours) != len(theirs) {
			if attempt < attempts {
				continue
			}
			t.Fatalf("IfAddrs has %d entries, getifaddrs %d", len(ours), len(theirs))
		}
		var want, got []cView
		for i := range ours {
			got = append(got, viewOurs(ours[i]))
			want = append(want, viewC(theirs[i], ours[i]))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			if attempt < attempts {
				continue
			}
			t.Fatalf("IfAddrs disagrees with the C library's getifaddrs (-C +IfAddrs):\n%s", diff)
		}
		if len(ours) == 0 {
			t.Fatal("no entries at all")
		}
		return
	}
}

func TestCLibraryHost(t *testing.T) {
	compareC(t, func(f func()) { f() })
}

func TestCLibraryNamespace(t *testing.T) {
	if !cifaddrs.Available {
		t.Skip("skipping: the C library oracle needs cgo (CGO_ENABLED=1)")
	}
	ns := richNetns(t, 1000)
	compareC(t, func(f func()) { testkit.InNetns(t, ns, f) })
}
