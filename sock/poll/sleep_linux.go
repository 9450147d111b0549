package poll

import (
	"errors"
	"fmt"
	"net"
	"os"
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
// eventfd, adopted with fdcore so that it waits in the Go runtime's poller
// (as the epoll backend's queue descriptor does). Its events are never
// collected: nothing calls epoll_wait(2) on it. It only tells the runtime
// that a watched descriptor may have become ready; the answer is the one
// select(2) or poll(2) gives, called with a zero timeout inside the
// RawConn's Read callback, which parks the goroutine (returns false) when
// there is nothing to report. The select or poll call is the answer; the
// sleep is the runtime's.
//
// An entry that is never collected stays on the mirror's ready list, yet
// every new event of its descriptor still wakes the runtime: the kernel
// wakes the waiters of an epoll instance on each event that matches an
// entry's interest, whether or not the entry is already on the ready list
// (ep_poll_callback); an event outside the interest (EPOLLOUT on a
// descriptor watched for Readable) does not wake it. TestPollerSleepPingPong
// and TestPollerSleepNoSpin check both.
//
// add, modify and remove are called with the owner's lock held and while
// it is not closed, so the epoll descriptor is open; close is the only
// call that may run while a Wait sleeps on it.
type sleeper struct {
	epfd        int
	fd          *fdcore.FD
	in, out     uint32           // the epoll events mirrored for Readable and Writable
	unmirrored  map[int]struct{} // descriptors epoll refused with EPERM
	deadlineSet bool             // a read deadline is set on fd

	// The Wait in progress, which alone touches these.
	fn    func(fd uintptr) bool // the owner's Read callback, built once
	ready []Ready               // the caller's slice, filled by fn
	n     int                   // entries of ready filled by fn
	err   error                 // fn's error
	ran   bool                  // fn ran during this Wait
}

// open creates the epoll instance, close-on-exec, adopts it (name is the
// os.File's name) and mirrors the wake-up descriptor for reading. fn is
// the Read callback of the owner's Wait.
func (s *sleeper) open(name string, wake int, in, out uint32, fn func(uintptr) bool) error {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("epoll_create1", err)
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
	s.epfd, s.fd, s.in, s.out, s.fn = epfd, fd, in, out, fn
	if err := s.ctl(unix.EPOLL_CTL_ADD, wake, unix.EPOLLIN); err != nil {
		fd.Close()
		return err
	}
	return nil
}

// owns reports whether fd is the sleep descriptor.
func (s *sleeper) owns(fd int) bool { return s.fd != nil && fd == s.epfd }

func (s *sleeper) events(ev Events) uint32 {
	var e uint32
	if ev&Readable != 0 {
		e |= s.in
	}
	if ev&Writable != 0 {
		e |= s.out
	}
	return e
}

// ctl is one epoll_ctl(2) on the mirror, level-triggered.
func (s *sleeper) ctl(op, fd int, events uint32) error {
	e := unix.EpollEvent{Events: events, Fd: int32(fd)}
	for {
		err := unix.EpollCtl(s.epfd, op, fd, &e)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("epoll_ctl", err)
		}
		return nil
	}
}

// add mirrors fd: EPOLL_CTL_ADD. epoll refuses (EPERM) what it cannot
// poll (regular files, directories, some character devices such as
// /dev/null): select and poll report those always ready, so the check before parking reports them and a Wait never sleeps
// while one is watched; they are remembered and not mirrored.
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

// sleep runs s.fn under the sleep descriptor's RawConn Read until it
// reports done, the goroutine parked in the runtime poller in between; a
// non-zero deadline is a read deadline. It returns what fn reported, (0,
// nil) at the deadline, or an error from the runtime poller (the closed
// error once close has been called). Called without the owner's lock.
func (s *sleeper) sleep(ready []Ready, deadline time.Time) (int, error) {
	s.ready, s.n, s.err, s.ran = ready, 0, nil, false
	var err error
	switch {
	case !deadline.IsZero():
		err = s.fd.File().SetReadDeadline(deadline)
		s.deadlineSet = true
	case s.deadlineSet:
		err = s.fd.File().SetReadDeadline(time.Time{})
		s.deadlineSet = false
	}
	if err == nil { // else the descriptor is closed
		err = s.fd.Read(s.fn)
	}
	if err == os.ErrDeadlineExceeded && !s.ran {
		// The deadline passed before the first look (a timeout of a few
		// nanoseconds): look once, as select(2) with that timeout would.
		s.fn(uintptr(s.epfd))
		err = nil
	}
	n, ferr := s.n, s.err
	s.ready = nil
	switch {
	case err == nil, err == os.ErrDeadlineExceeded:
		return n, ferr
	default:
		return 0, fmt.Errorf("sock: poller wait: %w", err)
	}
}

// close closes the sleep descriptor: a Wait parked on it returns the
// closed error, and the close(2) happens once it has left.
func (s *sleeper) close() error {
	if err := s.fd.Close(); err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}

// openSleep gives the Poller its sleep descriptor.
func (p *Poller) openSleep() error {
	return p.sleep.open("select-sleep", p.wakeR, selectSleepIn, selectSleepOut, p.sleepCallback())
}

// openSleep gives the poll Poller its sleep descriptor.
func (p *pollPoller) openSleep() error {
	return p.sleep.open("poll-sleep", p.wakeR, unix.EPOLLIN, unix.EPOLLOUT, p.sleepCallback())
}

// sleepWait is a Wait with a non-zero timeout: the goroutine parks on the
// sleep descriptor until select(2) or poll(2), called with a zero timeout,
// reports something. Called with w.mu held, which it releases while it
// sleeps.
func (w *waker) sleepWait(ready []Ready, _ time.Duration, deadline time.Time) (int, error) {
	w.mu.Unlock()
	n, err := w.sleep.sleep(ready, deadline)
	w.mu.Lock()
	if w.closed {
		return 0, pollerClosed("wait")
	}
	return n, err
}

// sleepCallback returns the sleep descriptor's Read callback: one look
// with a zero timeout over the current sets, reported into the Wait's
// slice. It asks to park (returns false) when there is nothing to report.
// A drained wake-up means that Add, Modify or Remove changed the sets,
// maybe after they were copied: it looks again rather than park, since
// that wake-up is spent.
func (w *waker) sleepCallback() func(uintptr) bool {
	s := &w.sleep
	return func(uintptr) bool {
		s.ran = true
		w.mu.Lock()
		defer w.mu.Unlock()
		for {
			n, woke, err := w.look(s.ready, 0, time.Time{})
			if n > 0 || err != nil {
				s.n, s.err = n, err
				return true
			}
			if !woke {
				return false
			}
		}
	}
}
