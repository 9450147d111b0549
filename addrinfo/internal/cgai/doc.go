// Package cgai is the test-only oracle for package addrinfo: it calls the C
// library's getaddrinfo, getnameinfo, gai_strerror, inet_aton and inet_pton
// through cgo, so that the tests can compare the pure Go answers with the
// C library's on the same machine. Without cgo every function reports
// [Available] as false and the tests skip.
package cgai

import "net/netip"

// AddrInfo is one entry of a getaddrinfo result list, copied out of C.
type AddrInfo struct {
	Flags     int
	Family    int
	SockType  int
	Protocol  int
	Addr      netip.AddrPort
	CanonName string
}
