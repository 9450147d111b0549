package netif

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/posixkit/posixkit/internal/cname"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// Flags is a set of interface flags, the ifa_flags of struct ifaddrs and
// the ifr_flags of SIOCGIFFLAGS.
type Flags uint32

// flagNames leaves out the flags that are 0 on this system, which
// cname.Flags would print for a zero value.
var flagNames = nonzero([]cname.Name{
	{V: uint64(IFF_UP), Name: "UP"},
	{V: uint64(IFF_BROADCAST), Name: "BROADCAST"},
	{V: uint64(IFF_DEBUG), Name: "DEBUG"},
	{V: uint64(IFF_LOOPBACK), Name: "LOOPBACK"},
	{V: uint64(IFF_POINTOPOINT), Name: "POINTOPOINT"},
	{V: uint64(IFF_RUNNING), Name: "RUNNING"},
	{V: uint64(IFF_NOARP), Name: "NOARP"},
	{V: uint64(IFF_PROMISC), Name: "PROMISC"},
	{V: uint64(IFF_MULTICAST), Name: "MULTICAST"},
	{V: uint64(IFF_LOWER_UP), Name: "LOWER_UP"},
	{V: uint64(IFF_DORMANT), Name: "DORMANT"},
})

func nonzero(names []cname.Name) []cname.Name {
	out := names[:0]
	for _, n := range names {
		if n.V != 0 {
			out = append(out, n)
		}
	}
	return out
}

// String returns the flags as ifconfig and ip print them, without the IFF_
// prefix and joined with "|": "UP|BROADCAST|RUNNING|MULTICAST". Bits without
// a name here (IFF_ALLMULTI, say) print in hexadecimal; no flags print "0".
func (f Flags) String() string { return cname.Flags(uint64(f), flagNames) }

// LinkStats are an interface's traffic counters since it was created, from
// the kernel's 64-bit link statistics (IFLA_STATS64, struct
// rtnl_link_stats64). getifaddrs gives the 32-bit struct rtnl_link_stats in
// ifa_data; these are the same counters without the wrap at 4 GiB.
type LinkStats struct {
	RxBytes   uint64 // bytes received
	TxBytes   uint64 // bytes sent
	RxPackets uint64 // packets received
	TxPackets uint64 // packets sent
	RxErrors  uint64 // bad packets received
	TxErrors  uint64 // packets that could not be sent
	RxDropped uint64 // received packets dropped (no buffer space, say)
	TxDropped uint64 // packets dropped on the way out
	Multicast uint64 // multicast packets received
}

// IfAddr is one entry of the getifaddrs list (one struct ifaddrs): either a
// link (Family [sock.AF_PACKET]) or one IPv4 or IPv6 address of an interface.
type IfAddr struct {
	// Name is the interface name (ifa_name). For an IPv4 address with a
	// label ("ip addr add ... label eth0:1") it is the label, as in C.
	Name string
	// Index is the interface index, the key that ties an address to its link.
	Index int
	// Flags are the interface's flags (ifa_flags), the same on every entry
	// of one interface.
	Flags Flags
	// Family is sock.AF_PACKET for a link, sock.AF_INET or sock.AF_INET6 for
	// an address.
	Family sock.Family
	// Addr is the address (ifa_addr); invalid on link entries. IPv6
	// link-local addresses carry the interface name as their zone.
	Addr netip.Addr
	// Netmask is the network mask (ifa_netmask), such as 255.255.255.0 or
	// ffff:ffff:ffff:ffff::; invalid on link entries.
	Netmask netip.Addr
	// Broadcast is the IPv4 broadcast address (ifa_broadaddr), set only
	// when the interface has IFF_BROADCAST and a broadcast address is
	// configured.
	Broadcast netip.Addr
	// Dst is the point-to-point peer address (ifa_dstaddr), set only when
	// the address has a peer (then Addr is the local end).
	Dst netip.Addr
	// HardwareAddr is the link-layer address of a link entry (the
	// sockaddr_ll in ifa_addr); nil on address entries and on links without
	// one (tunnels, say).
	HardwareAddr net.HardwareAddr
	// HardwareBroadcast is the link-layer broadcast address of a link entry
	// (the sockaddr_ll in ifa_broadaddr), or the peer's link-layer address
	// on point-to-point links, which ip prints as "peer"; nil on address
	// entries and where the link has none.
	HardwareBroadcast net.HardwareAddr
	// Stats are the link's counters (ifa_data); nil on address entries, and
	// on systems without them.
	Stats *LinkStats
}

// Prefix returns the address with its prefix length, such as 192.0.2.2/24,
// without a zone and without masking the host bits; the zero Prefix for a
// link entry or an entry without a valid netmask.
func (a IfAddr) Prefix() netip.Prefix {
	if !a.Addr.IsValid() || !a.Netmask.IsValid() || a.Addr.BitLen() != a.Netmask.BitLen() {
		return netip.Prefix{}
	}
	bits := maskBits(a.Netmask)
	if bits < 0 {
		return netip.Prefix{}
	}
	return netip.PrefixFrom(a.Addr.WithZone(""), bits)
}

// maskBits returns the number of leading ones of a contiguous mask, or -1.
func maskBits(m netip.Addr) int {
	b := m.AsSlice()
	n := 0
	for i, x := range b {
		if x == 0xff {
			n += 8
			continue
		}
		ones := 0
		for x&0x80 != 0 {
			ones++
			x <<= 1
		}
		if x != 0 {
			return -1
		}
		for _, y := range b[i+1:] {
			if y != 0 {
				return -1
			}
		}
		return n + ones
	}
	return n
}

// netmask returns the mask of bits ones for an address of bitLen bits.
func netmask(bitLen, bits int) netip.Addr {
	if bits > bitLen {
		bits = bitLen
	}
	var b [16]byte
	for i := 0; i < bits/8; i++ {
		b[i] = 0xff
	}
	if bits%8 != 0 {
		b[bits/8] = 0xff << (8 - bits%8)
	}
	if bitLen == 32 {
		return netip.AddrFrom4([4]byte(b[:4]))
	}
	return netip.AddrFrom16(b)
}

// Interface is one network interface with its addresses: the getifaddrs
// entries of one index, grouped.
type Interface struct {
	Index        int              // interface index, > 0
	Name         string           // interface name, such as "eth0"
	Flags        Flags            // interface flags
	MTU          int              // maximum transmission unit
	HardwareAddr net.HardwareAddr // link-layer address; nil if none
	Addrs        []IfAddr         // IPv4 and IPv6 addresses, in the kernel's order
	Stats        LinkStats        // traffic counters; zero where the system has none
}

// ErrMalformed is wrapped by the errors for a netlink reply that fails a
// check: truncated, misaligned, an attribute past the end of its message,
// an unknown message type, or a message that is not the kernel's answer to
// the request (wrong sender, sequence number or port id).
var ErrMalformed = errors.New("malformed netlink reply")

// ErrDumpInterrupted is wrapped by the error [IfAddrs] and [Interfaces]
// return, together with the last list read, when the kernel's interface
// tables kept changing while they were being read, after several retries.
var ErrDumpInterrupted = errors.New("netlink dump interrupted: interfaces changed while being read")

// IfAddrs returns every interface and address of the machine, as
// getifaddrs(3) does: first one entry per link (family sock.AF_PACKET), then
// one per IPv4 and IPv6 address, in the kernel's order (on Linux all IPv4
// addresses, then all IPv6 ones). Nothing needs freeing (freeifaddrs(3) has
// no counterpart).
//
// Errors are *os.SyscallError with Syscall "getifaddrs". A kernel error
// wraps its errno; a reply that fails a check wraps [ErrMalformed]. When
// the tables kept changing while being read, the entries read last come
// back with an error wrapping [ErrDumpInterrupted].
func IfAddrs() ([]IfAddr, error) { return ifAddrs() }

// Interfaces returns every network interface with its addresses, in the
// order the kernel lists them (by index). The data is that of [IfAddrs],
// grouped by interface, with the MTU added; the errors are those of
// [IfAddrs].
func Interfaces() ([]Interface, error) { return interfaces() }

// ByName returns the interface called name, from a fresh [Interfaces]
// list. An unknown name is an *os.PathError wrapping ENODEV, as from
// if_nametoindex(3); a malformed one wraps EINVAL, as for [NameToIndex].
func ByName(name string) (*Interface, error) {
	if err := checkName("if_nametoindex", name); err != nil {
		return nil, err
	}
	ifs, err := interfaces()
	if err != nil && len(ifs) == 0 {
		return nil, err
	}
	for i := range ifs {
		if ifs[i].Name == name {
			return &ifs[i], nil
		}
	}
	return nil, &os.PathError{Op: "if_nametoindex", Path: name, Err: unix.ENODEV}
}

// ByIndex returns the interface with the given index, from a fresh
// [Interfaces] list. An unknown index is an *os.PathError wrapping ENXIO,
// as from if_indextoname(3); an index <= 0 wraps EINVAL.
func ByIndex(index int) (*Interface, error) {
	if err := checkIndex("if_indextoname", index); err != nil {
		return nil, err
	}
	ifs, err := interfaces()
	if err != nil && len(ifs) == 0 {
		return nil, err
	}
	for i := range ifs {
		if ifs[i].Index == index {
			return &ifs[i], nil
		}
	}
	return nil, &os.PathError{Op: "if_indextoname", Path: strconv.Itoa(index), Err: unix.ENXIO}
}

// NameToIndex returns the index of the interface called name:
// if_nametoindex(3). An unknown name is an error wrapping ENODEV; an empty
// name, one longer than IFNAMSIZ-1 (15) bytes or one with a NUL byte is an
// error wrapping EINVAL. Errors are *os.PathError with the name as Path.
func NameToIndex(name string) (int, error) {
	if err := checkName("if_nametoindex", name); err != nil {
		return 0, err
	}
	return nameToIndex(name)
}

// IndexToName returns the name of the interface with the given index:
// if_indextoname(3). An unknown index is an error wrapping ENXIO, as in C;
// an index <= 0 or beyond 32 bits is an error wrapping EINVAL.
func IndexToName(index int) (string, error) {
	if err := checkIndex("if_indextoname", index); err != nil {
		return "", err
	}
	return indexToName(index)
}

// ifNameSize is IFNAMSIZ: names are at most ifNameSize-1 bytes.
const ifNameSize = 16

type inputError string

func (e inputError) Error() string { return string(e) }
func (e inputError) Unwrap() error { return unix.EINVAL }

func checkName(op, name string) error {
	var msg inputError
	switch {
	case name == "":
		msg = "empty interface name"
	case len(name) >= ifNameSize:
		msg = "interface name longer than 15 bytes"
	case strings.IndexByte(name, 0) >= 0:
		msg = "NUL byte in interface name"
	default:
		return nil
	}
	return &os.PathError{Op: op, Path: name, Err: msg}
}

func checkIndex(op string, index int) error {
	if index > 0 && int64(index) <= 1<<31-1 {
		return nil
	}
	return &os.PathError{Op: op, Path: strconv.Itoa(index), Err: inputError("interface index out of range")}
}
