//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package poll

import (
	"os"

	"golang.org/x/sys/unix"
)

// The kqueue backend.
const (
	queueBackend  = BackendKqueue
	queueWaitName = "kevent"
	queueMerge    = true // EVFILT_READ and EVFILT_WRITE report apart
)

var nativeBackends = []Backend{BackendKqueue}

// queueOS is the kevent buffers.
type queueOS struct {
	events  [queueBatch]unix.Kevent_t
	changes [2]unix.Kevent_t
	zero    unix.Timespec
}

// queueCreate returns a new kqueue descriptor, close-on-exec: kqueue(2)
// then fcntl FD_CLOEXEC under syscall.ForkLock (not every BSD has
// kqueue1).
func queueCreate() (int, error) {
	fd, err := kqueueCloexec()
	if err != nil {
		return -1, os.NewSyscallError("kqueue", err)
	}
	return fd, nil
}

// ctl changes fd's interest from old to ev (0: not watched) with
// kevent(2): EV_ADD for the filters added, EV_DELETE for those dropped.
// Called with q.mu held.
func (q *queuePoller) ctl(fd int, old, ev Events) error {
	ch := q.changes[:0]
	for _, f := range []struct {
		e      Events
		filter int
	}{{Readable, unix.EVFILT_READ}, {Writable, unix.EVFILT_WRITE}} {
		var k unix.Kevent_t
		switch {
		case ev&f.e != 0 && old&f.e == 0:
			unix.SetKevent(&k, fd, f.filter, unix.EV_ADD)
		case ev&f.e == 0 && old&f.e != 0:
			unix.SetKevent(&k, fd, f.filter, unix.EV_DELETE)
		default:
			continue
		}
		ch = append(ch, k)
	}
	if len(ch) == 0 {
		return nil
	}
	for {
		_, err := unix.Kevent(q.qfd, ch, nil, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("kevent", err)
		}
		return nil
	}
}

// collect is one kevent(2) with a zero timeout into q.got, one entry per
// filter (reportLocked merges them). EV_EOF and EV_ERROR count as ready
// for the filter that reported them.
func (q *queuePoller) collect(fd, max int) (int, unix.Errno) {
	n, err := unix.Kevent(fd, nil, q.events[:max], &q.zero)
	if err != nil {
		if errno, ok := err.(unix.Errno); ok {
			return 0, errno
		}
		return 0, unix.EINVAL
	}
	for i, e := range q.events[:n] {
		var ev Events
		switch e.Filter {
		case unix.EVFILT_READ:
			ev = Readable
		case unix.EVFILT_WRITE:
			ev = Writable
		}
		q.got[i] = Ready{Fd: int(e.Ident), Events: ev}
	}
	return n, 0
}

// kqueueCloexec is kqueue(2) with FD_CLOEXEC set under syscall.ForkLock,
// so that no child started meanwhile inherits it.
func kqueueCloexec() (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err := unix.Kqueue()
	if err != nil {
		return -1, err
	}
	unix.CloseOnExec(fd)
	return fd, nil
}
