//go:build cgo && linux

package cifaddrs

/*
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netpacket/packet.h>

static int pk_family(struct sockaddr *sa) { return sa ? sa->sa_family : 0; }
static void *pk_in4(struct sockaddr *sa) { return &((struct sockaddr_in *)sa)->sin_addr; }
static void *pk_in6(struct sockaddr *sa) { return &((struct sockaddr_in6 *)sa)->sin6_addr; }
static unsigned pk_scope(struct sockaddr *sa) { return ((struct sockaddr_in6 *)sa)->sin6_scope_id; }
static void *pk_ll(struct sockaddr *sa) { return ((struct sockaddr_ll *)sa)->sll_addr; }
static int pk_halen(struct sockaddr *sa) { return ((struct sockaddr_ll *)sa)->sll_halen; }
static int pk_llindex(struct sockaddr *sa) { return ((struct sockaddr_ll *)sa)->sll_ifindex; }

static int pk_bench(void) {
	struct ifaddrs *ifa;
	if (getifaddrs(&ifa) != 0) return -1;
	freeifaddrs(ifa);
	return 0;
}
*/
import "C"

import (
	"net/netip"
	"os"
	"strconv"
	"unsafe"
)

// Available reports whether Get calls the C library.
const Available = true

func ip(sa *C.struct_sockaddr) netip.Addr {
	switch C.pk_family(sa) {
	case C.AF_INET:
		return netip.AddrFrom4(*(*[4]byte)(C.pk_in4(sa)))
	case C.AF_INET6:
		a := netip.AddrFrom16(*(*[16]byte)(C.pk_in6(sa)))
		if s := C.pk_scope(sa); s != 0 {
			a = a.WithZone(strconv.Itoa(int(s)))
		}
		return a
	}
	return netip.Addr{}
}

func ll(sa *C.struct_sockaddr) []byte {
	if C.pk_family(sa) != C.AF_PACKET {
		return nil
	}
	n := int(C.pk_halen(sa))
	if n > 24 {
		n = 24 // glibc stores link addresses in a sockaddr_ll with a 24-byte sll_addr
	}
	return C.GoBytes(C.pk_ll(sa), C.int(n))
}

// Get returns the C library's getifaddrs list, in its order.
func Get() ([]Entry, error) {
	var head *C.struct_ifaddrs
	if r, err := C.getifaddrs(&head); r != 0 {
		return nil, os.NewSyscallError("getifaddrs", err)
	}
	defer C.freeifaddrs(head)
	var out []Entry
	for p := head; p != nil; p = p.ifa_next {
		e := Entry{
			Name:    C.GoString(p.ifa_name),
			Flags:   uint32(p.ifa_flags),
			Family:  int(C.pk_family(p.ifa_addr)),
			HasData: p.ifa_data != nil,
		}
		union := *(**C.struct_sockaddr)(unsafe.Pointer(&p.ifa_ifu))
		e.HasUnion = union != nil
		switch e.Family {
		case C.AF_INET, C.AF_INET6:
			e.Addr = ip(p.ifa_addr)
			if p.ifa_netmask != nil {
				e.Netmask = ip(p.ifa_netmask)
			}
			if union != nil {
				e.BroadDst = ip(union)
			}
		case C.AF_PACKET:
			e.HWAddr = ll(p.ifa_addr)
			e.HWIndex = int(C.pk_llindex(p.ifa_addr))
			if union != nil {
				e.HWBroad = ll(union)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// GetAndFree calls getifaddrs and freeifaddrs and nothing else: the cost of
// the C call itself, for benchmarks.
func GetAndFree() error {
	if r, err := C.pk_bench(); r != 0 {
		return os.NewSyscallError("getifaddrs", err)
	}
	return nil
}
