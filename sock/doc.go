// Package sock wraps the BSD socket calls (socket, socketpair, bind, listen,
// accept, connect, send, recv, sendto, recvfrom, shutdown, close), socket
// options ([Options] is a snapshot of them) and the 5-tuple ([Tuple]);
// IP-level and multicast options ([Socket.SetTTL], [Socket.JoinGroup],
// ...), classic BPF socket filters ([Socket.AttachFilter]) and, on Linux,
// AF_PACKET sockets with their link-layer addresses ([LinkAddr]).
// Readiness (select(2) with an FDSet, and a Poller over select, poll, epoll
// or kqueue) is package sock/poll.
//
// A [Socket] waits as net does: Accept, Connect, Recv and a Send into a full
// buffer park the goroutine, not an OS thread; [Socket.SetNonblock] gives
// C's EAGAIN back. Every send carries MSG_NOSIGNAL (Darwin: SO_NOSIGPIPE).
// Linux and FreeBSD create sockets with SOCK_CLOEXEC|SOCK_NONBLOCK and
// accept4 and allocate nothing per call; Darwin sets the flags under
// syscall.ForkLock, and its SendTo, RecvFrom and Accept allocate a Sockaddr.
package sock
