// Package sock wraps the BSD socket calls: socket, bind, listen, accept,
// connect, send, recv, sendto, recvfrom, shutdown and close, socket options,
// the 5-tuple of a socket, select(2) with fd sets, and a select-based poller.
package sock
