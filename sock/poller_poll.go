package sock

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync"
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
	mu      sync.Mutex
	cond    sync.Cond // L is &mu; signalled when a Wait leaves
	closed  bool
	waiting bool
	fds     []unix.PollFd // the interest list (no wake-up entry)
	index   map[int]int   // fd -> its index in fds
	scratch []unix.PollFd // the array the Wait in progress gives the kernel
	next    int           // the scratch index the next report starts from
	wakeR   int
	wakeW   int
	wbuf    [8]byte
	rbuf    [64]byte
	sleep   sleeper // Linux: the epoll descriptor a Wait sleeps on; elsewhere empty
}

func newPollPoller() (*pollPoller, error) {
	r, w, err := pollerWakeFDs()
	if err != nil {
		return nil, err
	}
	p := &pollPoller{index: make(map[int]int), wakeR: r, wakeW: w}
	p.cond.L = &p.mu
	if err := p.openSleep(); err != nil {
		_ = p.closeWake()
		return nil, err
	}
	return p, nil
}

func (p *pollPoller) backend() Backend { return BackendPoll }

func (p *pollPoller) isWaiting() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waiting
}

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
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return 0, pollerClosed("wait")
	}
	if p.waiting {
		p.mu.Unlock()
		return 0, pollerBusy()
	}
	p.waiting = true
	if timeout == 0 {
		n, _, err = p.pollLocked(ready, 0, time.Time{})
	} else {
		n, err = sleepWait(p, &p.sleep, ready, timeout, deadline)
	}
	p.waiting = false
	p.cond.Broadcast()
	p.mu.Unlock()
	return n, err
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

// wakeLocked wakes the Wait in progress, if any: one increment of the
// eventfd, or one write into the self-pipe (EAGAIN there means a wake-up
// is already pending).
func (p *pollPoller) wakeLocked() {
	if p.waiting {
		binary.NativeEndian.PutUint64(p.wbuf[:], 1)
		_, _ = unix.Write(p.wakeW, p.wbuf[:])
	}
}

// drainWake empties the wake-up descriptor.
func (p *pollPoller) drainWake() {
	for {
		n, err := unix.Read(p.wakeR, p.rbuf[:])
		if n < len(p.rbuf) || err != nil {
			return
		}
	}
}

// close works as the select Poller's Close.
func (p *pollPoller) close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return pollerClosed("close")
	}
	p.closed = true
	p.wakeLocked() // a Wait in poll(2) returns
	p.mu.Unlock()
	err := p.sleep.close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.waiting {
		p.cond.Wait()
	}
	if err2 := p.closeWake(); err == nil {
		err = err2
	}
	return err
}

// closeWake closes the wake-up descriptor (both ends of a self-pipe).
func (p *pollPoller) closeWake() error {
	err := unix.Close(p.wakeR)
	if p.wakeW != p.wakeR {
		if err2 := unix.Close(p.wakeW); err == nil {
			err = err2
		}
	}
	if err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}
