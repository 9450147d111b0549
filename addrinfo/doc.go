// Package addrinfo resolves host and service names the way the C library's
// getaddrinfo(3) and getnameinfo(3) do, in pure Go: the numeric forms glibc
// accepts (inet_aton's `127.1`, `0x7f.1`, `0177.0.0.1`, IPv6 with a
// `%zone`), the hosts file, the services file, DNS through a stub resolver
// of its own, socket type expansion, AI_CANONNAME, AI_V4MAPPED, AI_ALL,
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
// The sources are glibc's: nsswitch.conf's "hosts:" line orders the
// services "files" (the hosts file) and "dns" with its [STATUS=ACTION]
// items; other services (myhostname, mymachines, resolve, nis...) are
// left out, as if not listed. The DNS part follows glibc's resolver, not
// Go's: resolv.conf's nameserver (the first three), search and domain,
// options ndots, timeout, attempts, rotate, single-request,
// single-request-reopen, edns0, use-vc, no-aaaa, trust-ad and
// no-tld-query, and the LOCALDOMAIN and RES_OPTIONS environment variables;
// A and AAAA queries sent together on one UDP socket of package sock (one
// after the other with single-request), the same search order, the same
// timeout per server (timeout seconds for the first, then shared as glibc
// shares it) and attempts over the servers, a truncated reply asked again
// over TCP. The context bounds the whole look-up: when it ends first, the
// error is EAI_AGAIN wrapping the context's error.
//
// A reply counts only when its ID and question match a query sent and it
// comes from the server's address and port (the socket is connected, and
// the source is checked again); any other datagram is dropped and the
// wait goes on, as in glibc. Names in replies are judged as Debian's
// glibc 2.36 judges them: an address counts only when its record is of the
// question's type and owned by the question's name or the last CNAME
// target; a CNAME target holding a byte other than a letter, digit, '-' or
// '_' (a NUL, a space, a dot inside a label; dnsmessage refuses the
// last, which ends the reply's reading) is still followed, but never
// becomes the CanonName: that is the question's name, or the last good
// target. gai.conf's label, precedence, scopev4 and reload lines set the
// ordering's tables as in glibc. Not read: host.conf ("multi on" behaviour
// always), the
// HOSTALIASES file, resolv.conf's sortlist, nscd, services.db.
//
// Files are read again when they change, with the context checked during
// the read and the parse; a look-up waiting for another's parse of the
// same file waits only as long as its own context lets it.
//
// A file that cannot be used gets glibc's answer, which depends on the
// file (the differential test puts a directory, a file of mode 000 read
// by another user, no file, an empty file and /dev/null in place of each):
//
//   - hosts: missing or not openable (EACCES), the source is unavailable
//     and the next one of the hosts line is asked; as the last one, it
//     makes an AF_UNSPEC look-up EAI_NONAME and an AF_INET one without
//     AI_CANONNAME EAI_NODATA, whatever earlier sources said. Not
//     readable (a directory: EISDIR), a Lookup with AF_INET6, or AF_INET
//     with AI_CANONNAME, that reaches it ends with EAI_SYSTEM; other
//     look-ups and NameInfo give EAI_SYSTEM when it is the last source
//     asked.
//   - services: in any of these states, no service name is known.
//   - resolv.conf and nsswitch.conf: missing or not openable for EACCES,
//     EISDIR, ELOOP, ENOENT, ENOTDIR or EPERM, the defaults apply. Not
//     readable, Lookup with AF_INET without AI_CANONNAME and NameInfo
//     (unless NI_NUMERICHOST) fail with EAI_SYSTEM, any other Lookup of a
//     name with EAI_NONAME; a failed nsswitch.conf knows no service name
//     either. glibc's EAI_NONAME there reads an h_errno that an earlier
//     look-up can leave in the thread (then it is EAI_SYSTEM); this
//     package answers as a thread that made none.
//   - gai.conf: in any of these states, glibc's default tables.
//
// An EAI_SYSTEM [*Error] wraps the *fs.PathError and its errno:
// errors.Is(err, syscall.EISDIR) works. /dev/null reads as an empty file.
// Where glibc would wait or fill memory, an error comes at once instead,
// counted as a failure to read: a FIFO, /dev/zero or any other file that
// is neither regular, nor a directory, nor a character device that reads
// as empty is an error wrapping EINVAL; a file over 64 MiB one wrapping
// EFBIG.
//
// Per OS: the constants have glibc's Linux values on every system (the
// BSDs and Darwin number AI_*, NI_* and EAI_* differently; code that hands
// these values to a C library there must translate them). On Linux,
// AI_ADDRCONFIG and the source-address rules of the ordering read the
// interface addresses through package netif (netlink); elsewhere through
// netif's fallback.
package addrinfo
