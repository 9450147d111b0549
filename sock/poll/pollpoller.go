package poll

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// pollPoller is the poll(2) backend: the interest list is an array of
// pollfd, handed whole to the kernel on every Wait (so a Wait costs in
// proportion to the number of watched descriptors, not to the highest
// one). Entry 0 of the array given to the kernel is the wake-up
// descriptor, which Add, Modify, Remove and Close write to. On Linux a
// Wait sleeps on an epoll descriptor that mirrors the list (see sleeper).
type pollPoller struct {
	waker                 // the lock, the Wait in progress, wake-up and sleep
	fds     []unix.PollFd // the interest list (no wake-up entry)
	index   map[int]int   // fd -> its index in fds
	scratch []unix.PollFd // the array the Wait in progress gives the kernel
	next    int           // the scratch index the next report starts from
}

func newPollPoller() (*pollPoller, error) {
	p := &pollPoller{index: make(map[int]int)}
	if err := p.openWake(p.pollLocked); err != nil {
		return nil, err
	}
	if err := p.openSleep(); err != nil {
		_ = p.closeWake()
		return nil, err
	}
	return p, nil
}

func (p *pollPoller) backend() Backend { return BackendPoll }

// pollEvents converts ev to poll(2) events.
func pollEvents(ev Events) int16 {
	var e int16
	if ev&Readable != 0 {
		e |= unix.POLLIN
	}
	if ev&Writable != 0 {
		e |= unix.POLLOUT
	}
	return e
}

// pollReady converts the kernel's revents to Events, limited to want. A
// hang-up, an error or an invalid (closed) descriptor counts as both
// readable and writable: the next read or write returns at once, and poll
// reports these whatever was asked, so a Wait cannot spin on a descriptor
// watched only for the other event.
func pollReady(revents int16, want Events) Events {
	var ev Events
	if revents&(unix.POLLIN|unix.POLLHUP|unix.POLLERR|unix.POLLNVAL|unix.POLLPRI) != 0 {
		ev |= Readable
	}
	if revents&(unix.POLLOUT|unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0 {
		ev |= Writable
	}
	return ev & want
}

func (p *pollPoller) interestLocked(fd int) (Events, bool) {
	i, ok := p.index[fd]
	if !ok {
		return 0, false
	}
	var ev Events
	if p.fds[i].Events&unix.POLLIN != 0 {
		ev |= Readable
	}
	if p.fds[i].Events&unix.POLLOUT != 0 {
		ev |= Writable
	}
	return ev, true
}

func (p *pollPoller) add(fd int, ev Events) error {
	if err := pollerCheckAny("add", fd, ev); err != nil {
		return err
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		return pollerErr("add", fd, os.NewSyscallError("fcntl", err))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return pollerClosed("add")
	}
	if fd == p.wakeR || fd == p.wakeW {
		return pollerErr("add", fd, fmt.Errorf("the poller's own wake-up descriptor: %w", unix.EINVAL))
	}
	if p.sleep.owns(fd) {
		return pollerErr("add", fd, fmt.Errorf("the poller's own sleep descriptor: %w", unix.EINVAL))
	}
	if _, ok := p.index[fd]; ok {
		return pollerErr("add", fd, fmt.Errorf("already added: %w", unix.EEXIST))
	}
	if err := p.sleep.add(fd, ev); err != nil {
		return pollerErr("add", fd, err)
	}
	p.index[fd] = len(p.fds)
	p.fds = append(p.fds, unix.PollFd{Fd: int32(fd), Events: pollEvents(ev)})
	p.wakeLocked()
	return nil
}

func (p *pollPoller) modify(fd int, ev Events) error {
	if err := pollerCheckAny("modify", fd, ev); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return pollerClosed("modify")
	}
	i, ok := p.index[fd]
	if !ok {
		return pollerErr("modify", fd, fmt.Errorf("not added: %w", unix.ENOENT))
	}
	if err := p.sleep.modify(fd, ev); err != nil {
		return pollerErr("modify", fd, err)
	}
	p.fds[i].Events = pollEvents(ev)
	p.wakeLocked()
	return nil
}

func (p *pollPoller) remove(fd int) error {
	if fd < 0 {
		return pollerErr("remove", fd, fmt.Errorf("negative descriptor: %w", unix.EINVAL))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return pollerClosed("remove")
	}
	i, ok := p.index[fd]
	if !ok {
		return pollerErr("remove", fd, fmt.Errorf("not added: %w", unix.ENOENT))
	}
	p.sleep.remove(fd)
	last := len(p.fds) - 1
	if i != last {
		p.fds[i] = p.fds[last]
		p.index[int(p.fds[i].Fd)] = i
	}
	p.fds = p.fds[:last]
	delete(p.index, fd)
	p.wakeLocked()
	return nil
}

func (p *pollPoller) wait(ready []Ready, timeout time.Duration) (n int, err error) {
	if err := pollerWaitCheck(ready); err != nil {
		return 0, err
	}
	return p.waker.wait(ready, timeout)
}

// pollLocked is one poll(2) over a copy of the interest list with the
// wake-up descriptor first, with timeout (0 polls) and deadline as
// pollUntil takes them, reported into ready. woke reports that the wake-up
// descriptor was ready and has been drained. Called with p.mu held, which
// it releases during the system call.
func (p *pollPoller) pollLocked(ready []Ready, timeout time.Duration, deadline time.Time) (n int, woke bool, err error) {
	// The kernel gets a copy, so that Add, Modify and Remove can change
	// the interest list while the Wait sleeps.
	p.scratch = append(p.scratch[:0], unix.PollFd{Fd: int32(p.wakeR), Events: unix.POLLIN})
	p.scratch = append(p.scratch, p.fds...)
	p.mu.Unlock()
	errno := p.pollUntil(timeout, deadline)
	p.mu.Lock()
	if p.closed {
		return 0, false, pollerClosed("wait")
	}
	if errno != 0 {
		return 0, false, os.NewSyscallError("poll", errno)
	}
	if p.scratch[0].Revents != 0 {
		p.drainWake()
		woke = true
	}
	return p.reportLocked(ready), woke, nil
}

// pollUntil calls poll(2) on the scratch array until it returns something
// other than EINTR, with the time left until deadline.
func (p *pollPoller) pollUntil(timeout time.Duration, deadline time.Time) unix.Errno {
	for {
		t := timeout
		if t > 0 {
			t = max(time.Until(deadline), 0)
		}
		errno := pollSyscall(p.scratch, t)
		if errno != unix.EINTR {
			return errno
		}
	}
}

// reportLocked fills ready from the scratch array's revents, starting at
// p.next and wrapping around, with the events each descriptor is still
// watched for.
func (p *pollPoller) reportLocked(ready []Ready) int {
	s := p.scratch[1:]
	if len(s) == 0 {
		return 0
	}
	start := p.next
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
		fd := int(s[i].Fd)
		want, ok := p.interestLocked(fd)
		if !ok {
			continue // removed during the Wait
		}
		if ev := pollReady(s[i].Revents, want); ev != 0 {
			ready[n] = Ready{Fd: fd, Events: ev}
			n++
			p.next = i + 1
		}
	}
	return n
}
