//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package poll

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
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
	mu      sync.Mutex
	closed  atomic.Bool // set under mu
	waiting atomic.Bool // a Wait is in progress
	// interest[fd] is the events fd is watched for, 0 if none. Add,
	// Modify and Remove write it under mu (replacing the slice when it
	// must grow); Wait reads it without the lock.
	interest atomic.Pointer[[]atomic.Uint32]
	qfd      int // the epoll or kqueue descriptor
	fd       *fdcore.FD

	// Operation state of the Wait in progress, used by collectFn.
	collectFn   func(fd uintptr) bool // q.collectCB, built once
	lookFn      func(fd uintptr)      // one collection, for Wait's late look
	looked      bool                  // collectCB ran in this Wait
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
	q := &queuePoller{qfd: qfd, fd: fd}
	q.interest.Store(new([]atomic.Uint32))
	q.collectFn = q.collectCB
	q.lookFn = func(fd uintptr) { q.block = false; q.collectCB(fd) }
	return q, nil
}

func (q *queuePoller) backend() Backend { return queueBackend }

// watched returns the events fd is watched for (0: not watched).
func (q *queuePoller) watched(fd int) Events {
	t := *q.interest.Load()
	if fd < 0 || fd >= len(t) {
		return 0
	}
	return Events(t[fd].Load())
}

// setLocked records fd's events (0: not watched), growing the table by
// copying it when fd is beyond it. Called with q.mu held.
func (q *queuePoller) setLocked(fd int, ev Events) {
	t := *q.interest.Load()
	if fd >= len(t) {
		if ev == 0 {
			return
		}
		grown := make([]atomic.Uint32, max(fd+1, 2*len(t), 64))
		for i := range t {
			grown[i].Store(t[i].Load())
		}
		t = grown
		q.interest.Store(&t)
	}
	t[fd].Store(uint32(ev))
}

func (q *queuePoller) isWaiting() bool { return q.waiting.Load() }

func (q *queuePoller) add(fd int, ev Events) error {
	if err := pollerCheckAny("add", fd, ev); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	switch ok := q.watched(fd) != 0; {
	case q.closed.Load():
		return pollerClosed("add")
	case fd == q.qfd:
		return pollerErr("add", fd, fmt.Errorf("the poller's own %v descriptor: %w", queueBackend, unix.EINVAL))
	case ok:
		return pollerErr("add", fd, fmt.Errorf("already added: %w", unix.EEXIST))
	}
	// Only an open descriptor may grow the table (to fd+1 entries): a
	// number far beyond any open one is refused before it costs memory.
	if _, err := fdcore.Fcntl(fd, unix.F_GETFD, 0); err != nil {
		return pollerErr("add", fd, os.NewSyscallError("fcntl", err))
	}
	// The table first: a Wait collecting at this moment must find fd
	// watched for what the kernel reports once epoll_ctl returns.
	q.setLocked(fd, ev)
	if err := q.ctl(fd, 0, ev); err != nil {
		q.setLocked(fd, 0)
		return pollerErr("add", fd, err)
	}
	return nil
}

func (q *queuePoller) modify(fd int, ev Events) error {
	if err := pollerCheckAny("modify", fd, ev); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed.Load() {
		return pollerClosed("modify")
	}
	old := q.watched(fd)
	if old == 0 {
		return pollerErr("modify", fd, fmt.Errorf("not added: %w", unix.ENOENT))
	}
	q.setLocked(fd, ev) // first, as in add
	if err := q.ctl(fd, old, ev); err != nil {
		q.setLocked(fd, old)
		return pollerErr("modify", fd, err)
	}
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
	if q.closed.Load() {
		return pollerClosed("remove")
	}
	old := q.watched(fd)
	if old == 0 {
		return pollerErr("remove", fd, fmt.Errorf("not added: %w", unix.ENOENT))
	}
	q.setLocked(fd, 0)
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
	q.looked = true
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
			q.nready = q.report(q.ready)
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
	if !q.waiting.CompareAndSwap(false, true) {
		return 0, pollerBusy()
	}
	if q.closed.Load() {
		q.waiting.Store(false)
		return 0, pollerClosed("wait")
	}

	// Only this Wait touches the operation state and the deadline.
	q.max = min(len(ready), queueBatch)
	q.block = timeout != 0
	q.ready, q.nready, q.looked, q.errno = ready, 0, false, 0
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
	if rerr == os.ErrDeadlineExceeded && !q.looked {
		// The deadline passed before the first look (a timeout of a few
		// nanoseconds): look once, as epoll_wait(2) with it would.
		if rerr = q.fd.RawControl(q.lookFn); rerr == nil && q.nready == 0 && q.errno == 0 {
			rerr = os.ErrDeadlineExceeded
		}
	}
	switch {
	case rerr == nil && q.errno == 0:
		n = q.nready
	case q.closed.Load() || errors.Is(rerr, net.ErrClosed) || errors.Is(rerr, os.ErrClosed):
		err = pollerClosed("wait")
	case rerr == os.ErrDeadlineExceeded:
		// Timed out with nothing ready.
	case rerr != nil:
		err = fmt.Errorf("sock: poller wait: %w", rerr)
	default:
		err = os.NewSyscallError(queueWaitName, q.errno)
	}
	q.ready = nil
	q.waiting.Store(false)
	return n, err
}

// report fills ready with the collected events, limited to the
// events each descriptor is still watched for (a descriptor removed while
// the Wait collected is dropped). The kernel's ready list is a queue from
// which a reported level-triggered descriptor goes to the back, so with
// fewer slots than ready descriptors every one is reported in turn.
func (q *queuePoller) report(ready []Ready) int {
	n := 0
	for _, g := range q.got[:q.n] {
		ev := g.Events & q.watched(g.Fd)
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
	if q.closed.Load() {
		q.mu.Unlock()
		return pollerClosed("close")
	}
	q.closed.Store(true)
	q.mu.Unlock()
	if err := q.fd.Close(); err != nil {
		return fmt.Errorf("sock: poller close: %w", err)
	}
	return nil
}
