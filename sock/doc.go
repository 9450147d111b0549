// Package sock wraps the BSD socket calls (socket, socketpair, bind, listen,
// accept, connect, send, recv, sendto, recvfrom, shutdown, close), options
// ([Options]; IP-level and multicast ones, BPF filters), AF_PACKET link
// addresses ([LinkAddr]) and the 5-tuple ([Tuple]); readiness is package
// sock/poll.
//
// A [Socket] waits as net does: Accept, Connect, Recv and a Send into a full
// buffer park the goroutine, not an OS thread; [Socket.SetNonblock] gives
// C's EAGAIN back. Every send carries MSG_NOSIGNAL (Darwin: SO_NOSIGPIPE).
// Linux and FreeBSD use SOCK_CLOEXEC|SOCK_NONBLOCK and accept4 and allocate
// nothing per call; Darwin sets the flags under syscall.ForkLock and
// allocates a Sockaddr in SendTo, RecvFrom and Accept.
package sock
