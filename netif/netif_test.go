package netif_test

import (
	"errors"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/netif"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// big40 is 1<<40, kept in a variable so that the test compiles for 32-bit
// targets.
var big40 int64 = 1 << 40

func TestFlagsString(t *testing.T) {
	tests := []struct {
		name string
		f    netif.Flags
		want string
	}{
		{"zero", 0, "0"},
		{"typical", netif.IFF_UP | netif.IFF_BROADCAST | netif.IFF_RUNNING | netif.IFF_MULTICAST, "UP|BROADCAST|RUNNING|MULTICAST"},
		{"loopback", netif.IFF_UP | netif.IFF_LOOPBACK | netif.IFF_RUNNING, "UP|LOOPBACK|RUNNING"},
		{"table order", netif.IFF_MULTICAST | netif.IFF_NOARP | netif.IFF_POINTOPOINT | netif.IFF_DEBUG, "DEBUG|POINTOPOINT|NOARP|MULTICAST"},
		{"promisc", netif.IFF_PROMISC, "PROMISC"},
		{"unknown bit in hex", netif.IFF_UP | netif.Flags(unix.IFF_ALLMULTI), "UP|0x200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.String(); got != tt.want {
				t.Errorf("Flags(%#x).String() = %q, want %q", uint32(tt.f), got, tt.want)
			}
		})
	}
}

func TestPrefix(t *testing.T) {
	tests := []struct {
		name string
		a    netif.IfAddr
		want string
	}{
		{"IPv4", netif.IfAddr{Addr: netip.MustParseAddr("192.0.2.7"), Netmask: netip.MustParseAddr("255.255.255.0")}, "192.0.2.7/24"},
		{"IPv4 /0", netif.IfAddr{Addr: netip.MustParseAddr("192.0.2.7"), Netmask: netip.MustParseAddr("0.0.0.0")}, "192.0.2.7/0"},
		{"IPv6 with zone", netif.IfAddr{Addr: netip.MustParseAddr("fe80::1%eth0"), Netmask: netip.MustParseAddr("ffff:ffff:ffff:ffff::")}, "fe80::1/64"},
		{"IPv6 /127", netif.IfAddr{Addr: netip.MustParseAddr("2001:db8::1"), Netmask: netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe")}, "2001:db8::1/127"},
		{"link entry", netif.IfAddr{Family: sock.AF_PACKET}, "invalid Prefix"},
		{"non-contiguous mask", netif.IfAddr{Addr: netip.MustParseAddr("192.0.2.7"), Netmask: netip.MustParseAddr("255.0.255.0")}, "invalid Prefix"},
		{"mask of the other family", netif.IfAddr{Addr: netip.MustParseAddr("192.0.2.7"), Netmask: netip.MustParseAddr("ffff::")}, "invalid Prefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Prefix().String(); got != tt.want {
				t.Errorf("Prefix() = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestNameToIndexErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", unix.EINVAL},
		{"16 bytes", "abcdefghijklmnop", unix.EINVAL},
		{"NUL byte", "lo\x00x", unix.EINVAL},
		{"unknown", "pk-nosuch0", unix.ENODEV},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := netif.NameToIndex(tt.in)
			var pe *fs.PathError
			if !errors.Is(err, tt.want) || !errors.As(err, &pe) || pe.Op != "if_nametoindex" || pe.Path != tt.in {
				t.Errorf("NameToIndex(%q) error = %#v; want *fs.PathError if_nametoindex wrapping %v", tt.in, err, tt.want)
			}
			if _, err := netif.ByName(tt.in); !errors.Is(err, tt.want) {
				t.Errorf("ByName(%q) error = %v; want %v", tt.in, err, tt.want)
			}
		})
	}
}

func TestIndexToNameErrors(t *testing.T) {
	tests := []struct {
		name  string
		index int
		want  error
	}{
		{"zero", 0, unix.EINVAL},
		{"negative", -1, unix.EINVAL},
		{"beyond 32 bits", int(big40), unix.EINVAL}, // 0 on a 32-bit int: EINVAL too
		{"unknown", 1<<31 - 1, unix.ENXIO},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := netif.IndexToName(tt.index)
			var pe *fs.PathError
			if !errors.Is(err, tt.want) || !errors.As(err, &pe) || pe.Op != "if_indextoname" {
				t.Errorf("IndexToName(%d) error = %#v; want *fs.PathError if_indextoname wrapping %v", tt.index, err, tt.want)
			}
			if _, err := netif.ByIndex(tt.index); !errors.Is(err, tt.want) {
				t.Errorf("ByIndex(%d) error = %v; want %v", tt.index, err, tt.want)
			}
		})
	}
}

// TestAgainstNet compares with the standard library's interface tables,
// an independent implementation (syscall.NetlinkRIB on Linux).
func TestAgainstNet(t *testing.T) {
	nifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	ifs, err := netif.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	type view struct {
		Index int
		Name  string
		MTU   int
		HW    string
		Up    bool
		Addrs []string
	}
	var want, got []view
	for _, ni := range nifs {
		v := view{Index: ni.Index, Name: ni.Name, MTU: ni.MTU, HW: ni.HardwareAddr.String(), Up: ni.Flags&net.FlagUp != 0}
		addrs, err := ni.Addrs()
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range addrs {
			v.Addrs = append(v.Addrs, a.String())
		}
		want = append(want, v)
	}
	for _, ifc := range ifs {
		v := view{Index: ifc.Index, Name: ifc.Name, MTU: ifc.MTU, HW: ifc.HardwareAddr.String(), Up: ifc.Flags&netif.IFF_UP != 0}
		if strings.Trim(v.HW, "0:") == "" {
			v.HW = "" // the standard library drops all-zero addresses (loopback's); C and ip keep them
		}
		for _, a := range ifc.Addrs {
			v.Addrs = append(v.Addrs, a.Prefix().String())
		}
		got = append(got, v)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Interfaces disagrees with net.Interfaces (-net +netif):\n%s", diff)
	}
	for _, ifc := range ifs {
		idx, err := netif.NameToIndex(ifc.Name)
		if err != nil || idx != ifc.Index {
			t.Errorf("NameToIndex(%q) = %d, %v; want %d", ifc.Name, idx, err, ifc.Index)
		}
		name, err := netif.IndexToName(ifc.Index)
		if err != nil || name != ifc.Name {
			t.Errorf("IndexToName(%d) = %q, %v; want %q", ifc.Index, name, err, ifc.Name)
		}
		byName, err := netif.ByName(ifc.Name)
		if err != nil || byName.Index != ifc.Index {
			t.Errorf("ByName(%q) = %+v, %v", ifc.Name, byName, err)
		}
		byIndex, err := netif.ByIndex(ifc.Index)
		if err != nil || byIndex.Name != ifc.Name {
			t.Errorf("ByIndex(%d) = %+v, %v", ifc.Index, byIndex, err)
		}
	}
}

func TestIfAddrsShape(t *testing.T) {
	ifas, err := netif.IfAddrs()
	if err != nil {
		t.Fatal(err)
	}
	links := map[int]netif.IfAddr{}
	addrs := 0
	for i, e := range ifas {
		switch e.Family {
		case sock.AF_PACKET:
			if addrs > 0 {
				t.Fatalf("entry %d: a link entry after an address", i)
			}
			if e.Addr.IsValid() || e.Netmask.IsValid() || e.Broadcast.IsValid() || e.Dst.IsValid() {
				t.Errorf("link entry %d has IP fields: %+v", i, e)
			}
			links[e.Index] = e
		case sock.AF_INET, sock.AF_INET6:
			addrs++
			l, ok := links[e.Index]
			if !ok {
				t.Fatalf("entry %d: address of unknown index %d", i, e.Index)
			}
			if e.Flags != l.Flags || !strings.HasPrefix(e.Name, l.Name) || e.Stats != nil || e.HardwareAddr != nil {
				t.Errorf("address entry %d: %+v; its link: %+v", i, e, l)
			}
			if e.Addr.Is4() != (e.Family == sock.AF_INET) || !e.Prefix().IsValid() {
				t.Errorf("address entry %d: family %v, address %v, prefix %v", i, e.Family, e.Addr, e.Prefix())
			}
			if e.Broadcast.IsValid() && e.Flags&netif.IFF_BROADCAST == 0 {
				t.Errorf("address entry %d: broadcast %v on an interface without IFF_BROADCAST", i, e.Broadcast)
			}
		default:
			t.Errorf("entry %d: family %v", i, e.Family)
		}
	}
	if len(links) == 0 {
		t.Fatal("no link entries")
	}
	if lo, ok := links[1]; runtimeLinux && (!ok || lo.Flags&netif.IFF_LOOPBACK == 0) {
		t.Errorf("index 1 is not the loopback interface: %+v", lo)
	}
}

var runtimeLinux = func() bool { _, err := os.Stat("/proc/self/net/dev"); return err == nil }()

// TestAllocs bounds the allocations of one call: a few per call plus one
// per interface (its name), none per address; the result slice is one.
func TestAllocs(t *testing.T) {
	if !runtimeLinux {
		t.Skip("skipping: the allocation budget is the netlink implementation's")
	}
	ifs, err := netif.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	budget := float64(14 + len(ifs))
	for _, tt := range []struct {
		name string
		fn   func()
	}{
		{"IfAddrs", func() { netif.IfAddrs() }},
		{"Interfaces", func() { netif.Interfaces() }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(20, tt.fn); got > budget {
				t.Errorf("%s: %v allocations per call, want at most %v for %d interfaces", tt.name, got, budget, len(ifs))
			}
		})
	}
}
