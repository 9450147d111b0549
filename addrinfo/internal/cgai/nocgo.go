//go:build !cgo

package cgai

import (
	"net/netip"
	"syscall"
)

// Available reports whether the C library is reachable (cgo is on).
const Available = false

// GetAddrInfo is unavailable without cgo: it returns no results and code 0.
func GetAddrInfo(host, service *string, flags, family, socktype, protocol int) ([]AddrInfo, int) {
	return nil, 0
}

// GetAddrInfoErrno is unavailable without cgo: it returns no results and
// code 0.
func GetAddrInfoErrno(host, service *string, flags, family, socktype, protocol int) ([]AddrInfo, int, syscall.Errno) {
	return nil, 0, 0
}

// GetAddrInfoNilHints is unavailable without cgo: it returns no results
// and code 0.
func GetAddrInfoNilHints(host, service *string) ([]AddrInfo, int) { return nil, 0 }

// GetNameInfo is unavailable without cgo.
func GetNameInfo(addr netip.Addr, port uint16, scope uint32, flags, hostlen, servlen int) (host, serv string, code int) {
	return "", "", 0
}

// GetNameInfoErrno is unavailable without cgo.
func GetNameInfoErrno(addr netip.Addr, port uint16, scope uint32, flags, hostlen, servlen int) (host, serv string, code int, errno syscall.Errno) {
	return "", "", 0, 0
}

// GaiStrerror is unavailable without cgo: it returns "".
func GaiStrerror(code int) string { return "" }

// InetAton is unavailable without cgo.
func InetAton(s string) (netip.Addr, bool) { return netip.Addr{}, false }

// InetPton6 is unavailable without cgo.
func InetPton6(s string) (netip.Addr, bool) { return netip.Addr{}, false }

// InetPton4 is unavailable without cgo.
func InetPton4(s string) (netip.Addr, bool) { return netip.Addr{}, false }
