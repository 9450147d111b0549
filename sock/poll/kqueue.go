//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package poll

import (
	"github.com/posixkit/posixkit/internal/fdcore"
	"syscall"

	"golang.org/x/sys/unix"
)

// Best is the backend to pick for many descriptors or any above
// FD_SETSIZE: epoll on Linux, kqueue on Darwin and the BSDs, else poll.
const Best = BackendKqueue

// The kqueue backend.
const (
	queueWaitName = "kevent"
	queueMerge    = true // EVFILT_READ and EVFILT_WRITE report apart
)

// queueOS is the kevent buffers.
type queueOS struct {
	events  [queueBatch]unix.Kevent_t
	changes [2]unix.Kevent_t
	zero    unix.Timespec
}

// queueCreate returns a new kqueue descriptor: kqueue(2), then FD_CLOEXEC
// under syscall.ForkLock so that no child started meanwhile inherits it
// (not every BSD has kqueue1).
func queueCreate() (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err := unix.Kqueue()
	if err != nil {
		return -1, wrap("kqueue", err)
	}
	unix.CloseOnExec(fd)
	return fd, nil
}

// ctl changes fd's interest from old to ev (0: not watched) with
// kevent(2): EV_ADD for the filters added, EV_DELETE for those dropped.
// In the edge-triggered and one-shot modes every filter kept is added
// again, which re-arms it and has the kernel look at it anew.
func (q *queuePoller) ctl(fd int, old, ev Events) error {
	flags := unix.EV_ADD
	switch q.p.mode {
	case EdgeTriggered:
		flags |= unix.EV_CLEAR
	case OneShot:
		flags |= unix.EV_ENABLE | kqueueDispatch
	}
	ch := q.changes[:0]
	for _, f := range [...]struct {
		e      Events
		filter int
	}{{Readable, unix.EVFILT_READ}, {Writable, unix.EVFILT_WRITE}} {
		var k unix.Kevent_t
		switch {
		case ev&f.e != 0 && (old&f.e == 0 || q.p.mode != LevelTriggered):
			unix.SetKevent(&k, fd, f.filter, flags)
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
	return wrap("kevent", fdcore.IgnoringEINTR(func() error {
		_, err := unix.Kevent(q.qfd, ch, nil, nil)
		return err
	}))
}

// collect is one kevent(2) with a zero timeout into q.got, one entry per
// filter (reportLocked merges them). EV_EOF and EV_ERROR count as ready
// for the filter that reported them.
func (q *queuePoller) collect(fd, max int) (int, unix.Errno) {
	n, err := unix.Kevent(fd, nil, q.events[:max], &q.zero)
	if err != nil {
		return 0, errnoOf(err)
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
