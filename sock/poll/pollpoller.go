package poll

import (
	"math"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// pollPoller is the poll(2) backend: the interest list is an array of
// pollfd, handed whole to the kernel on every Wait, with the wake-up
// descriptor first.
type pollPoller struct {
	waker
	fds     []unix.PollFd // the interest list (no wake-up entry)
	index   map[int]int   // fd -> its index in fds
	scratch []unix.PollFd // the array the Wait in progress gives the kernel
	next    int           // the scratch index the next report starts from
}

func newPollPoller(p *Poller) (*pollPoller, error) {
	q := &pollPoller{index: make(map[int]int)}
	if err := q.open(p, q.pollLocked, "poll-sleep", false); err != nil {
		return nil, err
	}
	return q, nil
}

func (q *pollPoller) kind() Backend { return BackendPoll }
func (q *pollPoller) limit() int    { return math.MaxInt32 }

func (q *pollPoller) add(fd int, ev Events) error {
	if err := q.sleep.add(fd, ev); err != nil {
		return err
	}
	q.index[fd] = len(q.fds)
	q.fds = append(q.fds, unix.PollFd{Fd: int32(fd), Events: int16(kernelEvents(ev))})
	q.wakeLocked()
	return nil
}

func (q *pollPoller) modify(fd int, _, ev Events) error {
	if err := q.sleep.modify(fd, ev); err != nil {
		return err
	}
	q.fds[q.index[fd]].Events = int16(kernelEvents(ev))
	q.wakeLocked()
	return nil
}

func (q *pollPoller) remove(fd int, _ Events) error {
	q.sleep.remove(fd)
	i, last := q.index[fd], len(q.fds)-1
	if i != last {
		q.fds[i] = q.fds[last]
		q.index[int(q.fds[i].Fd)] = i
	}
	q.fds = q.fds[:last]
	delete(q.index, fd)
	q.wakeLocked()
	return nil
}

// pollLocked is one poll(2) over a copy of the interest list with the
// wake-up descriptor first, with timeout (0 polls) and deadline as
// pollUntil takes them, reported into ready. Called with p.mu held, which
// it releases during the system call.
func (q *pollPoller) pollLocked(ready []Ready, timeout time.Duration, deadline time.Time) (n int, woke bool, err error) {
	// The kernel gets a copy, so that Add, Modify and Remove can change
	// the interest list while the Wait sleeps.
	q.scratch = append(q.scratch[:0], unix.PollFd{Fd: int32(q.wakeR), Events: unix.POLLIN})
	q.scratch = append(q.scratch, q.fds...)
	q.p.mu.Unlock()
	errno := q.pollUntil(timeout, deadline)
	q.p.mu.Lock()
	if q.p.closed {
		return 0, false, net.ErrClosed
	}
	if errno != 0 {
		return 0, false, wrap("poll", errno)
	}
	if q.scratch[0].Revents != 0 {
		q.drainWake()
		woke = true
	}
	return q.reportLocked(ready), woke, nil
}

// pollUntil calls poll(2) on the scratch array until it returns something
// other than EINTR, with the time left until deadline.
func (q *pollPoller) pollUntil(timeout time.Duration, deadline time.Time) unix.Errno {
	for {
		t := timeout
		if t > 0 {
			t = max(time.Until(deadline), 0)
		}
		errno := pollSyscall(q.scratch, t)
		if errno != unix.EINTR {
			return errno
		}
	}
}

// reportLocked fills ready from the scratch array's revents, starting at
// q.next and wrapping around.
func (q *pollPoller) reportLocked(ready []Ready) int {
	s := q.scratch[1:]
	if len(s) == 0 {
		return 0
	}
	start := q.next
	if start >= len(s) {
		start = 0
	}
	n := 0
	for k := 0; k < len(s) && n < len(ready); k++ {
		i := start + k
		if i >= len(s) {
			i -= len(s)
		}
		if s[i].Revents == 0 {
			continue
		}
		if r, ok := q.p.readyLocked(int(s[i].Fd), readyEvents(uint32(uint16(s[i].Revents)))); ok {
			ready[n] = r
			n++
			q.next = i + 1
		}
	}
	return n
}
