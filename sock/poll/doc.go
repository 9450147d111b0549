// Package poll waits for readiness on many descriptors: select(2) with
// [FDSet], and a [Poller] on select ([New], as C's classic event loops) or on
// poll, epoll or kqueue ([NewBackend]; [Best] for many descriptors). Wait
// hands back each descriptor's token, so an event loop keeps no map of its
// own:
//
//	p, err := poll.NewBackend(poll.Best)
//	fd, err := p.AddConn(s, poll.Readable, s) // s is a *sock.Socket
//	ready := make([]poll.Ready, 64)
//	n, err := p.Wait(ready, -1)
//	for _, r := range ready[:n] {
//		s := r.Token.(*sock.Socket) // ready to read
//	}
//
// Errors are *[os.SyscallError] values wrapping the errno, named after the
// system call or the method.
package poll
