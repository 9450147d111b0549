//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package poll

import (
	"errors"
	"fmt"
	"math"
	"net"
	"time"

	"github.com/posixkit/posixkit/internal/fdcore"
	"golang.org/x/sys/unix"
)

// queueBatch is the most events one Wait collects from the kernel.
const queueBatch = 128

// queueStaleRounds bounds how many full batches of events only of
// descriptors no longer watched one look goes through (the kernel moves
// each reported entry to the back of its ready queue) before the Wait
// parks until the next event.
const queueStaleRounds = 8

// queuePoller is the epoll (Linux) or kqueue (Darwin, the BSDs) backend:
// the interest list lives in the kernel, so a Wait costs in proportion to
// the ready descriptors only. The queue descriptor is itself pollable: a
// Wait parks on it (parker) and collects the events with a zero timeout
// inside the park's look. Add, Modify and Remove act on the kernel's list
// at once, so a parked Wait is woken by the kernel itself; Close closes
// the queue descriptor, which wakes the parked Wait.
type queuePoller struct {
	p    *Poller
	qfd  int // the epoll or kqueue descriptor
	fd   *fdcore.FD
	park parker

	// Operation state of the Wait in progress.
	max     int     // events to collect
	n       int     // events collected into got
	ready   []Ready // the caller's slice
	nready  int     // entries of ready filled
	errno   unix.Errno
	got     [queueBatch]Ready // events as the kernel reported them
	queueOS                   // the per-OS event buffers
}

func newQueuePoller(p *Poller, b Backend) (*queuePoller, error) {
	if b != Best || b == BackendPoll {
		return nil, fmt.Errorf("%v is not available on this system: %w", b, unix.ENOSYS)
	}
	qfd, err := queueCreate()
	if err != nil {
		return nil, err
	}
	fd, err := fdcore.New(qfd, b.String(), false, net.ErrClosed)
	if err != nil {
		unix.Close(qfd)
		return nil, fmt.Errorf("adopting the %v descriptor: %w", b, err)
	}
	if !fd.Pollable() {
		fd.Close()
		return nil, fmt.Errorf("the %v descriptor cannot join the Go runtime poller: %w", b, unix.ENOSYS)
	}
	q := &queuePoller{p: p, qfd: qfd, fd: fd}
	q.park.init(fd, q.look)
	return q, nil
}

func (q *queuePoller) kind() Backend    { return Best }
func (q *queuePoller) limit() int       { return math.MaxInt32 }
func (q *queuePoller) owns(fd int) bool { return fd == q.qfd }

func (q *queuePoller) add(fd int, ev Events) error         { return q.ctl(fd, 0, ev) }
func (q *queuePoller) modify(fd int, old, ev Events) error { return q.ctl(fd, old, ev) }

// remove forgets fd. The kernel has already dropped a descriptor closed
// while watched (EBADF or ENOENT from it): that is not an error here.
func (q *queuePoller) remove(fd int, old Events) error {
	if err := q.ctl(fd, old, 0); err != nil && !errors.Is(err, unix.EBADF) && !errors.Is(err, unix.ENOENT) {
		return err
	}
	return nil
}

// look collects up to q.max events with a zero timeout and reports those
// of watched descriptors into q.ready; it is done when it reported some,
// failed, or must not block. Events only of descriptors no longer watched
// (removed meanwhile, or closed while another descriptor keeps the file,
// which leaves a registration that cannot be deleted) count as none:
// fewer than q.max events means the kernel had no other ready entry, and
// a new event wakes the parked Wait again, so a stale level-triggered
// entry cannot make Wait spin.
func (q *queuePoller) look(block bool) bool {
	for round := 0; ; round++ {
		n, errno := q.collect(q.qfd, q.max)
		if errno == unix.EINTR {
			continue
		}
		q.n, q.errno = n, errno
		if errno != 0 {
			return true
		}
		if n > 0 {
			q.p.mu.Lock()
			q.nready = q.reportLocked(q.ready)
			q.p.mu.Unlock()
			if q.nready == 0 && n == q.max && block && round < queueStaleRounds {
				continue // the kernel may hold more: look again
			}
		}
		return q.nready > 0 || !block
	}
}

func (q *queuePoller) wait(ready []Ready, timeout time.Duration) (int, error) {
	q.max = min(len(ready), queueBatch)
	q.ready, q.nready, q.errno = ready, 0, 0
	defer func() { q.ready = nil }()
	if timeout == 0 {
		if err := q.fd.RawControl(q.park.lateFn); err != nil {
			return 0, err
		}
	} else {
		var deadline time.Time
		if timeout > 0 {
			deadline = time.Now().Add(timeout)
		}
		if err := q.park.park(deadline); err != nil {
			return 0, err
		}
	}
	if q.errno != 0 {
		return 0, wrap(queueWaitName, q.errno)
	}
	return q.nready, nil
}

// reportLocked fills ready with the collected events, limited to the
// events each descriptor is still watched for. The kernel's ready list is
// a queue from which a reported level-triggered descriptor goes to the
// back, so with fewer slots than ready descriptors every one is reported
// in turn.
func (q *queuePoller) reportLocked(ready []Ready) int {
	n := 0
	for _, g := range q.got[:q.n] {
		r, ok := q.p.readyLocked(g.Fd, g.Events)
		if !ok {
			continue
		}
		if queueMerge {
			// kqueue reports the read and write filters apart.
			merged := false
			for i := range ready[:n] {
				if ready[i].Fd == g.Fd {
					ready[i].Events |= r.Events
					merged = true
					break
				}
			}
			if merged {
				continue
			}
		}
		ready[n] = r
		n++
	}
	return n
}

// close closes the queue descriptor: a Wait parked in the runtime poller
// returns the closed error, and the close(2) happens once it has left.
func (q *queuePoller) close() error   { return wrap("close", q.fd.Close()) }
func (q *queuePoller) release() error { return nil }
