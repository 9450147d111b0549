//go:build cgo

package cgai

/*
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>

// Each call starts with h_errno and errno 0, as in a thread that made no
// look-up yet: glibc's getaddrinfo can read an h_errno left by an earlier
// call (a failed resolv.conf or nsswitch.conf read leaves NETDB_INTERNAL).
static void clear_errors(void) { h_errno = 0; errno = 0; }

static int gai_nohints(const char *host, const char *serv, struct addrinfo **res) {
	clear_errors();
	return getaddrinfo(host, serv, NULL, res);
}

static int gai(const char *host, const char *serv, int flags, int family, int socktype, int protocol, struct addrinfo **res) {
	struct addrinfo hints;
	memset(&hints, 0, sizeof hints);
	hints.ai_flags = flags;
	hints.ai_family = family;
	hints.ai_socktype = socktype;
	hints.ai_protocol = protocol;
	clear_errors();
	return getaddrinfo(host, serv, &hints, res);
}

static int gni4(const unsigned char *a, unsigned short port, int flags, char *host, int hostlen, char *serv, int servlen) {
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	memcpy(&sin.sin_addr, a, 4);
	clear_errors();
	return getnameinfo((struct sockaddr *)&sin, sizeof sin, host, hostlen, serv, servlen, flags);
}

static int gni6(const unsigned char *a, unsigned short port, unsigned int scope, int flags, char *host, int hostlen, char *serv, int servlen) {
	struct sockaddr_in6 sin6;
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	sin6.sin6_scope_id = scope;
	memcpy(&sin6.sin6_addr, a, 16);
	clear_errors();
	return getnameinfo((struct sockaddr *)&sin6, sizeof sin6, host, hostlen, serv, servlen, flags);
}

static int aton(const char *s, unsigned char *out) {
	struct in_addr a;
	int r = inet_aton(s, &a);
	memcpy(out, &a, 4);
	return r;
}

static int pton(int af, const char *s, unsigned char *out) {
	return inet_pton(af, s, out);
}

static unsigned short port_of(struct sockaddr *sa) {
	if (sa->sa_family == AF_INET) return ntohs(((struct sockaddr_in *)sa)->sin_port);
	return ntohs(((struct sockaddr_in6 *)sa)->sin6_port);
}
static unsigned int scope_of(struct sockaddr *sa) {
	return ((struct sockaddr_in6 *)sa)->sin6_scope_id;
}
static const unsigned char *addr4(struct sockaddr *sa) { return (const unsigned char *)&((struct sockaddr_in *)sa)->sin_addr; }
static const unsigned char *addr6(struct sockaddr *sa) { return (const unsigned char *)&((struct sockaddr_in6 *)sa)->sin6_addr; }
*/
import "C"

import (
	"net/netip"
	"strconv"
	"syscall"
	"unsafe"
)

// Available reports whether the C library is reachable (cgo is on).
const Available = true

func cstr(p *string) *C.char {
	if p == nil {
		return nil
	}
	return C.CString(*p)
}

// GetAddrInfo calls getaddrinfo(3); a nil host or service is NULL. It
// returns the result list, or the EAI code (0 on success).
func GetAddrInfo(host, service *string, flags, family, socktype, protocol int) ([]AddrInfo, int) {
	return getAddrInfo(host, service, false, flags, family, socktype, protocol)
}

// GetAddrInfoNilHints calls getaddrinfo(3) with NULL hints.
func GetAddrInfoNilHints(host, service *string) ([]AddrInfo, int) {
	return getAddrInfo(host, service, true, 0, 0, 0, 0)
}

// GetAddrInfoErrno is [GetAddrInfo] that also returns errno when the code
// is EAI_SYSTEM (else 0).
func GetAddrInfoErrno(host, service *string, flags, family, socktype, protocol int) ([]AddrInfo, int, syscall.Errno) {
	return getAddrInfoErrno(host, service, false, flags, family, socktype, protocol)
}

func getAddrInfo(host, service *string, nilHints bool, flags, family, socktype, protocol int) ([]AddrInfo, int) {
	out, code, _ := getAddrInfoErrno(host, service, nilHints, flags, family, socktype, protocol)
	return out, code
}

func getAddrInfoErrno(host, service *string, nilHints bool, flags, family, socktype, protocol int) ([]AddrInfo, int, syscall.Errno) {
	h, s := cstr(host), cstr(service)
	defer C.free(unsafe.Pointer(h))
	defer C.free(unsafe.Pointer(s))
	var res *C.struct_addrinfo
	var rc C.int
	var err error
	if nilHints {
		rc, err = C.gai_nohints(h, s, &res)
	} else {
		rc, err = C.gai(h, s, C.int(flags), C.int(family), C.int(socktype), C.int(protocol), &res)
	}
	if rc != 0 {
		var errno syscall.Errno
		if rc == C.EAI_SYSTEM {
			errno, _ = err.(syscall.Errno)
		}
		return nil, int(rc), errno
	}
	defer C.freeaddrinfo(res)
	var out []AddrInfo
	for p := res; p != nil; p = p.ai_next {
		ai := AddrInfo{Flags: int(p.ai_flags), Family: int(p.ai_family), SockType: int(p.ai_socktype), Protocol: int(p.ai_protocol)}
		if p.ai_canonname != nil {
			ai.CanonName = C.GoString(p.ai_canonname)
		}
		port := uint16(C.port_of(p.ai_addr))
		switch p.ai_family {
		case C.AF_INET:
			ai.Addr = netip.AddrPortFrom(netip.AddrFrom4(*(*[4]byte)(unsafe.Pointer(C.addr4(p.ai_addr)))), port)
		case C.AF_INET6:
			a := netip.AddrFrom16(*(*[16]byte)(unsafe.Pointer(C.addr6(p.ai_addr))))
			if sc := uint32(C.scope_of(p.ai_addr)); sc != 0 {
				a = a.WithZone(strconv.FormatUint(uint64(sc), 10))
			}
			ai.Addr = netip.AddrPortFrom(a, port)
		}
		out = append(out, ai)
	}
	return out, 0, 0
}

// GetNameInfo calls getnameinfo(3) on addr (IPv4 as sockaddr_in, anything
// else as sockaddr_in6 with scope id scope) with buffers of hostlen and
// servlen bytes (0: a NULL buffer).
func GetNameInfo(addr netip.Addr, port uint16, scope uint32, flags, hostlen, servlen int) (host, serv string, code int) {
	host, serv, code, _ = GetNameInfoErrno(addr, port, scope, flags, hostlen, servlen)
	return host, serv, code
}

// GetNameInfoErrno is [GetNameInfo] that also returns errno when the code
// is EAI_SYSTEM (else 0).
func GetNameInfoErrno(addr netip.Addr, port uint16, scope uint32, flags, hostlen, servlen int) (host, serv string, code int, errno syscall.Errno) {
	var hb, sb *C.char
	if hostlen > 0 {
		hb = (*C.char)(C.calloc(C.size_t(hostlen), 1))
		defer C.free(unsafe.Pointer(hb))
	}
	if servlen > 0 {
		sb = (*C.char)(C.calloc(C.size_t(servlen), 1))
		defer C.free(unsafe.Pointer(sb))
	}
	var rc C.int
	var err error
	if addr.Is4() {
		a := addr.As4()
		rc, err = C.gni4((*C.uchar)(unsafe.Pointer(&a[0])), C.ushort(port), C.int(flags), hb, C.int(hostlen), sb, C.int(servlen))
	} else {
		a := addr.As16()
		rc, err = C.gni6((*C.uchar)(unsafe.Pointer(&a[0])), C.ushort(port), C.uint(scope), C.int(flags), hb, C.int(hostlen), sb, C.int(servlen))
	}
	if rc != 0 {
		if rc == C.EAI_SYSTEM {
			errno, _ = err.(syscall.Errno)
		}
		return "", "", int(rc), errno
	}
	if hb != nil {
		host = C.GoString(hb)
	}
	if sb != nil {
		serv = C.GoString(sb)
	}
	return host, serv, 0, 0
}

// GaiStrerror calls gai_strerror(3).
func GaiStrerror(code int) string { return C.GoString(C.gai_strerror(C.int(code))) }

// InetAton calls inet_aton(3) on s (cut at its first NUL, as C sees it).
func InetAton(s string) (netip.Addr, bool) {
	p := C.CString(s)
	defer C.free(unsafe.Pointer(p))
	var b [4]byte
	if C.aton(p, (*C.uchar)(unsafe.Pointer(&b[0]))) == 0 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4(b), true
}

// InetPton6 calls inet_pton(3) with AF_INET6 on s.
func InetPton6(s string) (netip.Addr, bool) {
	p := C.CString(s)
	defer C.free(unsafe.Pointer(p))
	var b [16]byte
	if C.pton(C.AF_INET6, p, (*C.uchar)(unsafe.Pointer(&b[0]))) != 1 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom16(b), true
}

// InetPton4 calls inet_pton(3) with AF_INET on s.
func InetPton4(s string) (netip.Addr, bool) {
	p := C.CString(s)
	defer C.free(unsafe.Pointer(p))
	var b [4]byte
	if C.pton(C.AF_INET, p, (*C.uchar)(unsafe.Pointer(&b[0]))) != 1 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4(b), true
}
