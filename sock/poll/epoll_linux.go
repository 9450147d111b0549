package poll

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The epoll backend.
const (
	queueBackend  = BackendEpoll
	queueWaitName = "epoll_wait"
	queueMerge    = false // one event per descriptor
)

var nativeBackends = []Backend{BackendEpoll}

// queueOS is the epoll_wait buffer.
type queueOS struct {
	events [queueBatch]unix.EpollEvent
}

// queueCreate returns a new epoll descriptor: epoll_create1(2) with
// EPOLL_CLOEXEC.
func queueCreate() (int, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return -1, os.NewSyscallError("epoll_create1", err)
	}
	return fd, nil
}

func epollEvents(ev Events) uint32 {
	var e uint32
	if ev&Readable != 0 {
		e |= unix.EPOLLIN
	}
	if ev&Writable != 0 {
		e |= unix.EPOLLOUT
	}
	return e
}

// ctl changes fd's interest from old to ev (0: not watched) with
// epoll_ctl(2), level-triggered. Called with q.mu held.
func (q *queuePoller) ctl(fd int, old, ev Events) error {
	op := unix.EPOLL_CTL_MOD
	switch {
	case old == 0:
		op = unix.EPOLL_CTL_ADD
	case ev == 0:
		op = unix.EPOLL_CTL_DEL
	}
	e := unix.EpollEvent{Events: epollEvents(ev), Fd: int32(fd)}
	for {
		err := unix.EpollCtl(q.qfd, op, fd, &e)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("epoll_ctl", err)
		}
		return nil
	}
}

// collect is one epoll_wait(2) with a zero timeout into q.got. A hang-up
// or an error counts as both readable and writable (the next read or write
// returns at once), so that a level-triggered hang-up cannot make a Wait
// spin on a descriptor watched only for the other event.
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
		var ev Events
		if e.Events&(unix.EPOLLIN|unix.EPOLLPRI|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
			ev |= Readable
		}
		if e.Events&(unix.EPOLLOUT|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
			ev |= Writable
		}
		q.got[i] = Ready{Fd: int(e.Fd), Events: ev}
	}
	return n, 0
}
