// Package netlink is the socket side of posixkit's netlink dumps, shared by
// netif (NETLINK_ROUTE) and sock/diag (NETLINK_SOCK_DIAG): it opens and
// binds the socket, sends a request and reads one datagram at a time, each
// through the same checks (EINTR retried, a truncated datagram and a sender
// other than the kernel refused). Parsing stays with each user. Linux only:
// elsewhere the package is empty.
package netlink
