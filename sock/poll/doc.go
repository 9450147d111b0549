// Package poll waits for readiness on many descriptors: select(2) with
// [FDSet], and a [Poller] on select, poll, epoll (Linux) or kqueue (Darwin,
// the BSDs), the [Backend] table saying how they differ.
//
// [New] gives a Poller on select, as C's classic event loops use; [Best]
// names the backend for many descriptors or any above [FD_SETSIZE]. A
// descriptor is added with a token, such as the *sock.Socket it belongs
// to, which [Poller.Wait] hands back, so an event loop needs no map from
// descriptors to its own values:
//
//	p, err := poll.NewBackend(poll.Best)
//	if err != nil { ... }
//	defer p.Close()
//	fd, err := p.AddConn(s, poll.Readable, s) // s is a *sock.Socket
//	ready := make([]poll.Ready, 64)
//	n, err := p.Wait(ready, -1)
//	for _, r := range ready[:n] {
//		s := r.Token.(*sock.Socket) // ready to read
//	}
//
// A Wait that must sleep parks its goroutine, not its thread, except for
// select and poll outside Linux. Errors are *[os.SyscallError] values
// wrapping the errno, named after the system call or the method; a closed
// Poller's wrap [net.ErrClosed].
package poll
