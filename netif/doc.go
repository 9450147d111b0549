// Package netif lists the machine's network interfaces and their addresses,
// as getifaddrs(3) does, and maps interface names to indexes and back, as
// if_nametoindex(3) and if_indextoname(3) do.
//
// [IfAddrs] returns the getifaddrs list: one [IfAddr] per link (family
// [sock.AF_PACKET], with its hardware address and statistics), then one per
// IPv4 or IPv6 address, in the kernel's order. Nothing needs freeing.
// [Interfaces] groups the same data by interface.
//
//	ifas, err := netif.IfAddrs()
//	if err != nil {
//		return err
//	}
//	for _, ifa := range ifas {
//		fmt.Println(ifa.Name, ifa.Family, ifa.Addr, ifa.Flags)
//	}
//
// # Linux
//
// The data comes straight from the kernel over a NETLINK_ROUTE socket: one
// RTM_GETLINK and one RTM_GETADDR dump, the two requests glibc's getifaddrs
// makes, so the entries and their order are glibc's. Every reply is checked
// (sender, sequence number, port id, lengths, alignment, truncation); a reply
// that fails a check is an error wrapping [ErrMalformed], and a kernel error
// (NLMSG_ERROR) wraps its errno. A dump the kernel marks as interrupted
// (NLM_F_DUMP_INTR: the tables changed while it was being read) is retried a
// few times, as is a pair of dumps where an address names an interface the
// link dump did not list (glibc retries too); if the tables keep changing,
// the last list read is returned together with an error wrapping
// [ErrDumpInterrupted]. Addresses of families other than IPv4 and IPv6 (such
// as AF_MCTP) are left out: glibc lists them with their raw bytes.
//
// Where the C struct is ambiguous, the Go one is not: struct ifaddrs keeps
// the broadcast and the point-to-point destination address in one union, and
// glibc fills it even on interfaces that have neither. Here
// [IfAddr.Broadcast] is set only on interfaces with [IFF_BROADCAST] and
// [IfAddr.Dst] only on point-to-point addresses (a peer address, as in
// "ip addr add 10.1.1.1 peer 10.1.1.2 dev v0"). IPv6 link-local addresses
// carry their zone, the interface name, where C has sin6_scope_id.
//
// [NameToIndex] and [IndexToName] use the SIOCGIFINDEX and SIOCGIFNAME
// ioctls, as glibc does.
//
// # Other systems
//
// On Darwin and the BSDs the lists are built from the standard library's
// [net.Interfaces] and [net.Interface.Addrs]. What differs there: no
// statistics ([IfAddr.Stats] is nil, [Interface.Stats] zero); no
// point-to-point destination addresses ([IfAddr.Dst] is never set) and no
// link-layer broadcast addresses ([IfAddr.HardwareBroadcast] is nil); the
// IPv4 broadcast address is computed from the address and netmask instead of
// read from the system; the flags are those the standard library keeps (UP,
// BROADCAST, LOOPBACK, POINTOPOINT, MULTICAST, RUNNING), and [IFF_LOWER_UP]
// and [IFF_DORMANT] are 0 there; link entries (family AF_LINK, which
// [sock.AF_PACKET] names there) come first, then the addresses, whereas the
// C library interleaves them interface by interface.
package netif
