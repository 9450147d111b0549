package poll

import (
	"github.com/posixkit/posixkit/internal/fdcore"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Best is the backend to pick for many descriptors or any above
// FD_SETSIZE: epoll on Linux, kqueue on Darwin and the BSDs, else poll.
const Best = BackendEpoll

// The epoll backend.
const (
	queueWaitName = "epoll_wait"
	queueMerge    = false // one event per descriptor
)

// kernelEvents and readyEvents serve epoll too: its event bits are poll's.
var _ = [1]struct{}{}[unix.EPOLLIN^unix.POLLIN|unix.EPOLLOUT^unix.POLLOUT|unix.EPOLLRDHUP^pollRDHUP|
	unix.EPOLLPRI^unix.POLLPRI|unix.EPOLLHUP^unix.POLLHUP|unix.EPOLLERR^unix.POLLERR]

// queueOS is the epoll_wait buffer.
type queueOS struct {
	events [queueBatch]unix.EpollEvent
}

// queueCreate returns a new epoll descriptor: epoll_create1(2) with
// EPOLL_CLOEXEC.
func queueCreate() (int, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return -1, wrap("epoll_create1", err)
	}
	return fd, nil
}

// epollCtl is one epoll_ctl(2), retried on EINTR.
func epollCtl(epfd, op, fd int, events uint32) error {
	e := unix.EpollEvent{Events: events, Fd: int32(fd)}
	return wrap("epoll_ctl", fdcore.IgnoringEINTR(func() error { return unix.EpollCtl(epfd, op, fd, &e) }))
}

// ctl changes fd's interest from old to ev (0: not watched).
func (q *queuePoller) ctl(fd int, old, ev Events) error {
	op := unix.EPOLL_CTL_MOD
	switch {
	case old == 0:
		op = unix.EPOLL_CTL_ADD
	case ev == 0:
		op = unix.EPOLL_CTL_DEL
	}
	e := kernelEvents(ev)
	switch q.p.mode {
	case EdgeTriggered:
		e |= unix.EPOLLET
	case OneShot:
		e |= unix.EPOLLONESHOT
	}
	return epollCtl(q.qfd, op, fd, e)
}

// collect is one epoll_wait(2) with a zero timeout into q.got.
//
// The call is a raw system call, which does not tell the Go scheduler
// that the thread may block: with a zero timeout it never does, and its
// work is bounded by max (at most queueBatch) entries, as the runtime's
// own poller does for its zero-timeout epoll_wait.
func (q *queuePoller) collect(fd, max int) (int, unix.Errno) {
	r, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(fd), uintptr(unsafe.Pointer(&q.events[0])), uintptr(max), 0, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	n := int(r)
	for i, e := range q.events[:n] {
		q.got[i] = Ready{Fd: int(e.Fd), Events: readyEvents(e.Events)}
	}
	return n, 0
}

const queueOneShot = true // the queue backend offers OneShot
