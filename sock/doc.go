// Package sock wraps the BSD socket calls: socket, socketpair, bind, listen,
// accept, connect, send, recv, sendto, recvfrom, shutdown and close; socket
// options (setsockopt, getsockopt, and an [Options] snapshot with the fcntl
// flags); and the 5-tuple of a socket ([Tuple]). Readiness (select(2), a
// Poller on poll, epoll or kqueue) is package sock/poll.
//
// A [Socket] is created close-on-exec and nonblocking in the kernel, and
// waits in the Go runtime's network poller: Accept, Connect, Recv and a Send
// into a full buffer park the calling goroutine, not an OS thread, as net
// does. [Socket.SetNonblock] gives C's behaviour back (EAGAIN instead of
// waiting); deadlines end a wait with os.ErrDeadlineExceeded. Every send
// carries MSG_NOSIGNAL (Darwin: SO_NOSIGPIPE), so a reset peer is an EPIPE
// error, never a SIGPIPE. Addresses are netip.AddrPort values.
//
// The common path, a TCP client:
//
//	s, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
//	if err != nil { ... }
//	defer s.Close()
//	if err := s.Connect(netip.MustParseAddrPort("127.0.0.1:8080")); err != nil {
//		// errors.Is(err, unix.ECONNREFUSED) when nobody listens
//	}
//	n, err := s.Send([]byte("hello"), 0)
//
// Per OS: Linux and FreeBSD create sockets with SOCK_CLOEXEC|SOCK_NONBLOCK
// and accept4, and the hot paths (Send, Recv, SendTo, RecvFrom) make raw
// system calls over per-socket state, allocating nothing. Darwin sets FD_CLOEXEC and O_NONBLOCK under syscall.ForkLock right
// after creation, and its SendTo, RecvFrom and Accept go through
// golang.org/x/sys, which allocates a Sockaddr per call.
package sock
