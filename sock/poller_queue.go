//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package sock

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/posixkit/posixkit/internal/fdcore"
	"golang.org/x/sys/unix"
)

// queueBatch is the most events one Wait collects from the kernel.
const queueBatch = 128

// queueStaleRounds bounds how many full batches of events only of
// descriptors no longer watched one collection looks through (the kernel
// moves each reported entry to the back of its ready queue) before the
// Wait parks until the next event.
const queueStaleRounds = 8

// queuePoller is the epoll (Linux) or kqueue (Darwin, the BSDs) backend:
// the interest list lives in the kernel, so a Wait costs in proportion to
// the ready descriptors only. The queue descriptor is itself pollable: it
// is adopted with fdcore.New, so it joins the Go runtime's poller, and a
// Wait that must sleep parks its goroutine in the RawConn's Read until the
// queue is readable, then collects the events with a zero timeout inside
// the Read callback. A timeout is a read deadline. Add, Modify and Remove
// act on the kernel's list at once, so a parked Wait is woken by the
// kernel itself when a newly watched descriptor is ready; Close closes the
// queue descriptor, which wakes the parked Wait with the closed error.
type queuePoller struct {
	mu       sync.Mutex
	closed   bool
	waiting  bool
	interest map[int]Events // watched descriptors, under mu
	qfd      int            // the epoll or kqueue descriptor
	fd       *fdcore.FD

	// Operation state of the Wait in progress, used by collectFn.
	collectFn   func(fd uintptr) bool // q.collectCB, built once
	block       bool                  // wait in the runtime poller when nothing is ready
	max         int                   // events to collect
	n           int                   // events collected into got
	ready       []Ready               // the caller's slice, filled by the callback
	nready      int                   // entries of ready filled
	errno       unix.Errno
	got         [queueBatch]Ready // events as the kernel reported them
	deadlineSet bool              // a read deadline is set on fd
	queueOS                       // the per-OS event buffer
}

func newQueuePoller(b Backend) (*queuePoller, error) {
	if b != queueBackend {
		return nil, fmt.Errorf("%v is not available on this system: %w", b, unix.ENOSYS)
	}
	qfd, err := queueCreate()
	if err != nil {
		return nil, err
	}
	fd, err := fdcore.New(qfd, queueBackend.String(), false, net.ErrClosed)
	if err != nil {
		unix.Close(qfd)
		return nil, fmt.Errorf("adopting the %v descriptor: %w", b, err)
	}
	if !fd.Pollable() {
		fd.Close()
		return nil, fmt.Errorf("the %v descriptor cannot join the Go runtime poller: %w", b, unix.ENOSYS)
	}
	q := &queuePoller{interest: make(map[int]Events), qfd: qfd, fd: fd}
	q.collectFn = q.collectCB
	return q, nil
}

func (q *queuePoller) backend() Backend { return queueBackend }

func (q *queuePoller) isWaiting() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.waiting
}

func (q *queuePoller) add(fd int, ev Events) error {
	if err := pollerCheckAny("add", fd, ev); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	switch _, ok := q.interest[fd]; {
	case q.closed:
		return pollerClosed("add")
	case fd == q.qfd:
		return pollerErr("add", fd, fmt.Errorf("the poller's own %v descriptor: %w", queueBackend, unix.EINVAL))
	case ok:
		return pollerErr("add", fd, fmt.Errorf("already added: %w", unix.EEXIST))
	}
	if err := q.ctl(fd, 0, ev); err != nil {
		return pollerErr("add", fd, err)
	}
	q.interest[fd] = ev
	return nil
}

func (q *queuePoller) modify(fd int, ev Events) error {
	if err := pollerCheckAny("modify", fd, ev); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return pollerClosed("modify")
	}
	old, ok := q.interest[fd]
	if !ok {
		return pollerErr("modify", fd, fmt.Errorf("not added: %w", unix.ENOENT))
	}
	if err := q.ctl(fd, old, ev); err != nil {
		return pollerErr("modify", fd, err)
	}
	q.interest[fd] = ev
	return nil
}

// remove forgets fd. The kernel has already dropped a descriptor closed
// while watched (EBADF or ENOENT from it): that is not an error here.
func (q *queuePoller) remove(fd int) error {
	if fd < 0 {
		return pollerErr("remove", fd, fmt.Errorf("negative descriptor: %w", unix.EINVAL))
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return pollerClosed("remove")
	}
	old, ok := q.interest[fd]
	if !ok {
		return pollerErr("remove", fd, fmt.Errorf("not added: %w", unix.ENOENT))
	}
	delete(q.interest, fd)
	if err := q.ctl(fd, old, 0); err != nil && !errors.Is(err, unix.EBADF) && !errors.Is(err, unix.ENOENT) {
		return pollerErr("remove", fd, err)
	}
	return nil
}

// collectCB is the RawConn Read callback: it collects up to q.max events
// with a zero timeout and reports those of watched descriptors into
// q.ready, and asks to park (returns false) when there are none and the
// Wait may sleep. Events only of descriptors no longer watched (removed
// meanwhile, or closed while another descriptor keeps the file, which
// leaves a registration that cannot be deleted) count as none: fewer than
// q.max events means the kernel had no other ready entry, and a new event
// wakes the parked Wait again, so a stale level-triggered entry cannot
// make Wait spin.
func (q *queuePoller) collectCB(fd uintptr) bool {
	for round := 0; ; round++ {
		n, errno := q.collect(int(fd), q.max)
		if errno == unix.EINTR {
			continue
		}
		q.n, q.errno = n, errno
		if errno != 0 {
			return true
		}
		if n > 0 {
			q.mu.Lock()
			q.nready = q.reportLocked(q.ready)
			q.mu.Unlock()
			if q.nready == 0 && n == q.max && q.block && round < queueStaleRounds {
				continue // the kernel may hold more: look again
			}
		}
		return q.nready > 0 || !q.block
	}
}

func (q *queuePoller) wait(ready []Ready, timeout time.Duration) (n int, err error) {
	if err := pollerWaitCheck(ready); err != nil {
		return 0, err
	}
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return 0, pollerClosed("wait")
	}
	if q.waiting {
		q.mu.Unlock()
		return 0, pollerBusy()
	}
	q.waiting = true
	q.mu.Unlock()

	// Only this Wait touches the operation state and the deadline.
	q.max = min(len(ready), queueBatch)
	q.block = timeout != 0
	q.ready, q.nready = ready, 0
	var rerr error
	switch {
	case timeout > 0:
		rerr = q.fd.File().SetReadDeadline(time.Now().Add(timeout))
		q.deadlineSet = true
	case q.deadlineSet:
		rerr = q.fd.File().SetReadDeadline(time.Time{})
		q.deadlineSet = false
	}
	if rerr == nil { // else the queue is closed
		rerr = q.fd.Read(q.collectFn)
	}
	q.mu.Lock()
	switch {
	case q.closed || errors.Is(rerr, net.ErrClosed) || errors.Is(rerr, os.ErrClosed):
		err = pollerClosed("wait")
	case rerr == os.ErrDeadlineExceeded:
		// Timed out with nothing ready.
	case rerr != nil:
		err = fmt.Errorf("sock: poller wait: %w", rerr)
	case q.errno != 0:
		err = os.NewSyscallError(queueWaitName, q.errno)
	default:
		n = q.nready
	}
	q.ready = nil
	q.waiting = false
	q.mu.Unlock()
	return n, err
}

// reportLocked fills ready with the collected events, limited to the
// events each descriptor is still watched for (a descriptor removed while
// the Wait collected is dropped). The kernel's ready list is a queue from
// which a reported level-triggered descriptor goes to the back, so with
// fewer slots than ready descriptors every one is reported in turn.
func (q *queuePoller) reportLocked(ready []Ready) int {
	n := 0
	for _, g := range q.got[:q.n] {
		ev := g.Events & q.interest[g.Fd]
		if ev == 0 {
			continue
		}
		if queueMerge {
			// kqueue reports the read and write filters apart.
			merged := false
			for i := range ready[:n] {
				if ready[i].Fd == g.Fd {
					ready[i].Events |= ev
					merged = true
					break
				}
			}
			if merged {
				continue
			}
		}
		ready[n] = Ready{Fd: g.Fd, Events: ev}
		n++
	}
	return n
}

// close closes the queue descriptor: a Wait parked in the runtime poller
// returns the closed error, and the close(2) happens once it has left.
func (q *queuePoller) close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return pollerClosed("close")
	}
	q.closed = true
	q.mu.Unlock()
	if err := q.fd.Close(); err != nil {
		return fmt.Errorf("sock: poller close: %w", err)
	}
	return nil
}
