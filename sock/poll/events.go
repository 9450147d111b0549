package poll

import "golang.org/x/sys/unix"

// kernelEvents converts ev to poll(2) events, which are also epoll's
// (EPOLLIN and EPOLLOUT have POLLIN's and POLLOUT's values).
func kernelEvents(ev Events) uint32 {
	var e uint32
	if ev&Readable != 0 {
		e |= unix.POLLIN
	}
	if ev&Writable != 0 {
		e |= unix.POLLOUT
	}
	return e
}

// readyEvents converts the kernel's poll(2) or epoll revents to Events. A
// hang-up, an error or an invalid (closed) descriptor counts as both
// readable and writable: the next read or write returns at once, and the
// kernel reports these whatever was asked, so a Wait cannot spin on a
// descriptor watched only for the other event.
func readyEvents(revents uint32) Events {
	var ev Events
	if revents&(unix.POLLIN|unix.POLLPRI|unix.POLLHUP|unix.POLLERR|unix.POLLNVAL|pollRDHUP) != 0 {
		ev |= Readable
	}
	if revents&(unix.POLLOUT|unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0 {
		ev |= Writable
	}
	return ev
}
