// Package addrinfo resolves host and service names the way the C library's
// getaddrinfo(3) and getnameinfo(3) do, in pure Go: the numeric forms glibc
// accepts (inet_aton's `127.1`, `0x7f.1`, `0177.0.0.1`, IPv6 with a
// `%zone`), the hosts file, the services file, DNS through Go's
// [net.Resolver], socket type expansion, AI_CANONNAME, AI_V4MAPPED, AI_ALL,
// AI_ADDRCONFIG and the RFC 3484/6724 destination ordering glibc applies.
// The answer for an input is the one glibc 2.36 gives on the same machine:
// a differential test against the C library (through cgo, in the tests
// only) proves it case by case.
//
// The common path is the first step of both program flows of the notes:
//
//	infos, err := addrinfo.Lookup(ctx, "example.com", "http",
//		&addrinfo.Hints{SockType: sock.SOCK_STREAM})
//	if err != nil {
//		return err // errors.Is(err, addrinfo.EAI_NONAME) for an unknown name
//	}
//	s, err := infos[0].Socket() // socket(2) with the entry's family, type, protocol
//
// There is nothing to free (freeaddrinfo(3) has no counterpart) and no
// buffer to size: EAI_OVERFLOW is never returned, NI_MAXHOST and NI_MAXSERV
// exist only for code ported from C.
//
// What the package does not read: nsswitch.conf (the order is always the
// hosts file, then DNS, glibc's "hosts: files dns"), gai.conf (glibc's
// default policy tables are used), host.conf ("multi on" behaviour
// always), nscd, and the services database (services.db: the services
// file only). DNS goes through Go's [net.Resolver] (always its pure Go
// resolver), so the servers, search list, ndots and timeouts are the ones
// Go reads from resolv.conf, and the context's deadline bounds the whole
// look-up. The package watches the replies on the resolver's connections
// to tell what net.Resolver's errors do not: a name without records of the
// asked type (NOERROR, EAI_NODATA) from a name that does not exist
// (NXDOMAIN, EAI_NONAME), the end of a CNAME chain for AI_CANONNAME, and
// answers Go took from the system's /etc/hosts without asking a server
// (ignored: the Resolver's own hosts file was read first).
//
// Per OS: the constants have glibc's Linux values on every system (the
// BSDs and Darwin number AI_*, NI_* and EAI_* differently; code that hands
// these values to a C library there must translate them). On Linux,
// AI_ADDRCONFIG and the source-address rules of the ordering read the
// interface addresses through package netif (netlink); elsewhere through
// netif's fallback.
package addrinfo
