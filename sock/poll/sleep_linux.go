package poll

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/posixkit/posixkit/internal/fdcore"
	"golang.org/x/sys/unix"
)

// The epoll events a select Poller's sleep descriptor mirrors for Readable
// and Writable: the ones select(2) itself counts (POLLIN_SET and
// POLLOUT_SET in fs/select.c), so that no event select would report is
// missing from the mirror.
const (
	selectSleepIn  = unix.EPOLLIN | unix.EPOLLRDNORM | unix.EPOLLRDBAND
	selectSleepOut = unix.EPOLLOUT | unix.EPOLLWRNORM | unix.EPOLLWRBAND
)

// sleeper is what a select or poll Wait sleeps on, on Linux: a private
// epoll instance that mirrors the Poller's interest set and its wake-up
// eventfd, parked on with a parker. Its events are never collected: it
// only tells the runtime that a watched descriptor may have become ready;
// the answer is the one select(2) or poll(2) gives with a zero timeout
// inside the park's look, which parks again when there is nothing to
// report.
//
// An entry that is never collected stays on the mirror's ready list, yet
// every new event of its descriptor still wakes the runtime: the kernel
// wakes the waiters of an epoll instance on each event that matches an
// entry's interest, whether or not the entry is already on the ready list
// (ep_poll_callback); an event outside the interest does not wake it.
// TestPollerSleepPingPong and TestPollerSleepNoSpin check both.
//
// add, modify and remove are called with p.mu held and while the Poller
// is open; close is the only call that may run while a Wait sleeps.
type sleeper struct {
	epfd       int
	fd         *fdcore.FD
	in, out    uint32           // the epoll events mirrored for Readable and Writable
	unmirrored map[int]struct{} // descriptors epoll refused with EPERM
	park       parker
	w          *waker

	// The Wait in progress, which alone touches these.
	ready []Ready // the caller's slice
	n     int     // entries of ready filled
	err   error   // the look's error
}

// open creates the epoll instance, close-on-exec, adopts it and mirrors
// the wake-up descriptor for reading.
func (s *sleeper) open(w *waker, name string, selectSet bool) error {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return wrap("epoll_create1", err)
	}
	fd, err := fdcore.New(epfd, name, false, net.ErrClosed)
	if err != nil {
		unix.Close(epfd)
		return fmt.Errorf("adopting the sleep descriptor: %w", err)
	}
	if !fd.Pollable() {
		fd.Close()
		return fmt.Errorf("the sleep descriptor cannot join the Go runtime poller: %w", unix.ENOSYS)
	}
	s.epfd, s.fd, s.w = epfd, fd, w
	s.in, s.out = unix.EPOLLIN, unix.EPOLLOUT
	if selectSet {
		s.in, s.out = selectSleepIn, selectSleepOut
	}
	s.park.init(fd, s.look)
	if err := s.ctl(unix.EPOLL_CTL_ADD, w.wakeR, unix.EPOLLIN); err != nil {
		fd.Close()
		return err
	}
	return nil
}

// owns reports whether fd is the sleep descriptor.
func (s *sleeper) owns(fd int) bool { return s.fd != nil && fd == s.epfd }

// events returns the epoll events mirrored for ev.
func (s *sleeper) events(ev Events) uint32 {
	e := kernelEvents(ev) // EPOLLIN, EPOLLOUT
	if e&unix.EPOLLIN != 0 {
		e |= s.in
	}
	if e&unix.EPOLLOUT != 0 {
		e |= s.out
	}
	return e
}

// ctl is one epoll_ctl(2) on the mirror, level-triggered.
func (s *sleeper) ctl(op, fd int, events uint32) error {
	return epollCtl(s.epfd, op, fd, events)
}

// add mirrors fd: EPOLL_CTL_ADD. epoll refuses (EPERM) what it cannot
// poll (regular files, directories, some character devices such as
// /dev/null): select and poll report those always ready, so the look
// before parking reports them and a Wait never sleeps while one is
// watched; they are remembered and not mirrored.
func (s *sleeper) add(fd int, ev Events) error {
	err := s.ctl(unix.EPOLL_CTL_ADD, fd, s.events(ev))
	switch {
	case errors.Is(err, unix.EPERM):
		if s.unmirrored == nil {
			s.unmirrored = make(map[int]struct{})
		}
		s.unmirrored[fd] = struct{}{}
		return nil
	case errors.Is(err, unix.EEXIST):
		// A registration left by this number's earlier life (closed
		// while a dup kept the file, then dup'd back to it): take it over.
		return s.ctl(unix.EPOLL_CTL_MOD, fd, s.events(ev))
	}
	return err
}

// modify changes fd's mirrored events: EPOLL_CTL_MOD. A descriptor closed
// behind the Poller's back has no registration left (EBADF, or ENOENT once
// its number is reused): select and poll report it or watch the new file,
// so the mirror follows, and Modify succeeds as it always has for them.
func (s *sleeper) modify(fd int, ev Events) error {
	if _, ok := s.unmirrored[fd]; ok {
		return nil
	}
	err := s.ctl(unix.EPOLL_CTL_MOD, fd, s.events(ev))
	switch {
	case errors.Is(err, unix.EBADF):
		return nil
	case errors.Is(err, unix.ENOENT):
		return s.add(fd, ev)
	}
	return err
}

// remove stops mirroring fd: EPOLL_CTL_DEL. Its errors are ignored: the
// kernel has already dropped a closed descriptor's registration (EBADF,
// ENOENT), and one it cannot delete (the number closed while a dup keeps
// the file) costs at most a Wait that wakes and parks again.
func (s *sleeper) remove(fd int) {
	if _, ok := s.unmirrored[fd]; ok {
		delete(s.unmirrored, fd)
		return
	}
	_ = s.ctl(unix.EPOLL_CTL_DEL, fd, 0)
}

// look is the park's look: one select(2) or poll(2) with a zero timeout
// over the current sets, reported into the Wait's slice. A drained
// wake-up means that Add, Modify or Remove changed the sets, maybe after
// they were copied: it looks again rather than park, since that wake-up
// is spent.
func (s *sleeper) look(block bool) bool {
	mu := &s.w.p.mu
	mu.Lock()
	defer mu.Unlock()
	for {
		n, woke, err := s.w.look(s.ready, 0, time.Time{})
		if n > 0 || err != nil {
			s.n, s.err = n, err
			return true
		}
		if !woke {
			return !block
		}
	}
}

// close closes the sleep descriptor: a Wait parked on it returns the
// closed error, and the close(2) happens once it has left.
func (s *sleeper) close() error {
	return wrap("close", s.fd.Close())
}

// sleepWait is a Wait with a non-zero timeout: the goroutine parks on the
// sleep descriptor until select(2) or poll(2), called with a zero timeout,
// reports something. Called with p.mu held, which it releases while it
// sleeps.
func (w *waker) sleepWait(ready []Ready, _ time.Duration, deadline time.Time) (int, error) {
	s := &w.sleep
	s.ready, s.n, s.err = ready, 0, nil
	w.p.mu.Unlock()
	err := s.park.park(deadline)
	w.p.mu.Lock()
	s.ready = nil
	switch {
	case w.p.closed:
		return 0, net.ErrClosed
	case err != nil:
		return 0, err
	}
	return s.n, s.err
}
