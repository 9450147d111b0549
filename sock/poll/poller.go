package poll

import (
	"fmt"
	"net"
	"os"
	"time"

	"github.com/posixkit/posixkit/internal/cname"
	"golang.org/x/sys/unix"
)

// Events is a set of readiness events that a [Poller] watches for and
// reports.
type Events uint8

// The events a [Poller] knows. A socket at end of stream or with a pending
// error is reported Readable (and, with an error, Writable): the next read
// or write returns the EOF or the error, as with select(2).
const (
	Readable Events = 1 << iota // ready to read, or at EOF, or in error; a listener: ready to accept
	Writable                    // ready to write without blocking, or in error
)

var eventsNames = []cname.Name{
	{V: uint64(Readable), Name: "Readable"},
	{V: uint64(Writable), Name: "Writable"},
}

// String joins the names of the events with "|", such as
// "Readable|Writable"; no event prints as "0", unknown bits in hex.
func (ev Events) String() string { return cname.Flags(uint64(ev), eventsNames) }

// Ready is one entry filled in by [Poller.Wait]: a descriptor and the
// events, among those it was added for, that it is ready for.
type Ready struct {
	Fd     int
	Events Events
}

// Poller watches many descriptors for readiness: the event loop of the
// notes' select-based servers, with the bookkeeping done. Descriptors are
// added with [Poller.Add] and the ready ones collected with [Poller.Wait].
// It is level-triggered: a descriptor stays reported while it is ready.
//
// [NewPoller] builds it on select(2); [NewPollerBackend] on poll(2),
// epoll(7) (Linux) or kqueue(2) (Darwin, the BSDs), with the same methods
// and the same behaviour except where this comment says otherwise (see
// [Backend] for which to pick):
//
//   - Descriptors: select watches only descriptors below [FD_SETSIZE];
//     the others take any open descriptor. epoll refuses regular files and
//     directories (EPERM), which select and poll report always ready.
//   - Cost of a Wait: select's grows with the highest descriptor watched,
//     poll's with the number watched; epoll's and kqueue's with the number
//     ready only (measured: the same with 1 or 1,000 idle descriptors).
//   - Sleeping: a Wait that finds nothing ready parks only its goroutine:
//     a descriptor waits in the Go runtime's poller, and when it becomes
//     readable the Wait looks again with a zero timeout. epoll and kqueue
//     sleep on their queue descriptor. select and poll, on Linux, sleep on
//     a private epoll descriptor that mirrors the watched set (and the
//     wake-up eventfd) but whose events are never collected: the answer
//     is still select's or poll's, the sleep is the runtime's. On Darwin
//     and the BSDs a select or poll Wait blocks its OS thread while it
//     sleeps (the Go runtime runs the other goroutines on other threads).
//   - Fairness: when more descriptors are ready than ready has room for,
//     every one is reported in turn (select in descriptor order, poll in
//     the order of Add, epoll and kqueue in the kernel's ready-queue order).
//
// A Poller must be made by [NewPoller] or [NewPollerBackend]: the methods
// of a nil or zero Poller return an error wrapping [unix.EINVAL].
//
// Add, Modify, Remove and Close may be called from any goroutine, also
// while another goroutine is blocked in Wait, and the Wait goes on with the
// new set of descriptors, or returns the closed error after Close. select
// and poll are woken for this through an eventfd on Linux (which their
// sleep descriptor watches), a nonblocking close-on-exec self-pipe
// elsewhere (drained inside Wait and never reported); epoll and kqueue
// need no wake-up descriptor: the kernel's interest list changes at once.
// Close closes the descriptor a Wait is parked on, which wakes it. Only
// one Wait may run at a time: a second, concurrent Wait returns an error
// wrapping [unix.EBUSY].
//
// Remove a descriptor before closing it. If a watched descriptor is closed
// behind the Poller's back, select and poll report it as ready for the
// events it was added for, so that the caller's next read or write on it
// returns EBADF, and the caller removes it (select(2) fails with EBADF for
// the whole set; Wait then finds the descriptors no longer open with fcntl
// F_GETFD; poll(2) marks it POLLNVAL). epoll and kqueue drop it silently,
// as their kernels do when the last reference to the file is closed: Wait
// no longer reports it (an epoll registration lives on while another
// descriptor, such as a dup in this or a child process, refers to the same
// file). With every backend, Remove of such a descriptor succeeds. A Wait
// already sleeping is not woken by the close: a closed descriptor has no
// event to give (on Linux the kernel drops its registration in the epoll
// descriptor the Wait sleeps on with the file's last reference; a select
// or poll blocked elsewhere holds the file). select and poll report it
// when the Wait next looks, after another event or an Add, Modify or
// Remove, or else at the next Wait. (If the number has been reused by a
// newer descriptor, the Poller may watch the new one: the kernel cannot
// tell them apart. On Linux a select or poll Wait that sleeps is not woken
// by the new descriptor's events, which its epoll descriptor never saw,
// only by another event or the timeout. Remove first.)
type Poller struct {
	made   bool       // by NewPoller: a zero Poller has no wake-up descriptor
	impl   pollerImpl // the backend other than select, or nil for select
	waker             // the lock, the Wait in progress, wake-up and sleep
	rset   FDSet
	wset   FDSet
	maxfd  int   // the highest watched descriptor, or -1
	nwrite int   // how many descriptors are watched for Writable
	next   int   // the descriptor the next report starts from (fairness)
	sr, sw FDSet // the sets handed to select(2) by the Wait in progress
}

// NewPoller returns an empty select-based Poller. It owns, on Linux, an
// eventfd(2) to wake its Wait and an epoll descriptor (epoll_create1(2))
// for its Wait to sleep on; elsewhere a self-pipe. They are created
// close-on-exec and nonblocking, and released by [Poller.Close].
func NewPoller() (*Poller, error) {
	p := &Poller{made: true, maxfd: -1}
	if err := p.openWake(p.selectLocked); err != nil {
		return nil, err
	}
	if r := p.wakeR; r >= FD_SETSIZE {
		_ = p.closeWake()
		return nil, fmt.Errorf("sock: NewPoller: wake-up descriptor %d is not below FD_SETSIZE (%d): %w", r, FD_SETSIZE, unix.EMFILE)
	}
	if err := p.openSleep(); err != nil {
		_ = p.closeWake()
		return nil, fmt.Errorf("sock: NewPoller: %w", err)
	}
	return p, nil
}

func pollerErr(op string, fd int, err error) error {
	return fmt.Errorf("sock: poller %s fd %d: %w", op, fd, err)
}

// usable returns an error for a nil Poller or one not made by
// NewPoller (its zero value would take descriptor 0 for its wake-up one).
func (p *Poller) usable(op string) error {
	if p == nil || !p.made {
		return fmt.Errorf("sock: poller %s: not made by NewPoller: %w", op, unix.EINVAL)
	}
	return nil
}

func pollerClosed(op string) error {
	return fmt.Errorf("sock: poller %s: %w", op, net.ErrClosed)
}

// pollerCheck checks the arguments of Add and Modify.
func pollerCheck(op string, fd int, ev Events) error {
	if fd < 0 || fd >= FD_SETSIZE {
		return pollerErr(op, fd, fmt.Errorf("outside the select range [0, %d): %w", FD_SETSIZE, unix.EINVAL))
	}
	if ev == 0 || ev&^(Readable|Writable) != 0 {
		return pollerErr(op, fd, fmt.Errorf("events %v are not Readable and/or Writable: %w", ev, unix.EINVAL))
	}
	return nil
}

// registeredLocked reports whether fd is watched.
func (p *Poller) registeredLocked(fd int) bool {
	return p.rset.IsSet(fd) || p.wset.IsSet(fd)
}

// setLocked makes fd's interest ev; ev 0 removes fd.
func (p *Poller) setLocked(fd int, ev Events) {
	if p.wset.s.IsSet(fd) {
		p.nwrite--
	}
	p.rset.s.Clear(fd)
	p.wset.s.Clear(fd)
	if ev&Readable != 0 {
		p.rset.s.Set(fd)
	}
	if ev&Writable != 0 {
		p.wset.s.Set(fd)
		p.nwrite++
	}
	switch {
	case ev != 0:
		p.maxfd = max(p.maxfd, fd)
	case fd == p.maxfd:
		p.maxfd = max(p.rset.Max(), p.wset.Max())
	}
}

// Add starts watching fd for the events ev (Readable, Writable or both):
// epoll_ctl(2) EPOLL_CTL_ADD or kevent(2) EV_ADD with those backends, a
// change of the sets or array passed to the next select(2) or poll(2)
// otherwise; on Linux select and poll also mirror fd into the epoll
// descriptor their Wait sleeps on (EPOLL_CTL_ADD) and return its errors,
// such as ENOSPC past fs.epoll.max_user_watches, except for a descriptor
// epoll cannot poll (EPERM: a regular file, a directory, some character
// devices such as /dev/null), which select and poll report always ready:
// it is not mirrored. It returns an error wrapping [unix.EINVAL] for a negative
// descriptor (for select: one outside [0, FD_SETSIZE)) or an empty or
// unknown ev, [unix.EBADF] for a descriptor
// that is not open (checked with fcntl F_GETFD), [unix.EEXIST] if fd is
// already watched (use [Poller.Modify]) and [net.ErrClosed] after Close.
// A Wait in progress is woken and watches fd from then on.
func (p *Poller) Add(fd int, ev Events) error {
	if err := p.usable("add"); err != nil {
		return err
	}
	if p.impl != nil {
		return p.impl.add(fd, ev)
	}
	if err := pollerCheck("add", fd, ev); err != nil {
		return err
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		return pollerErr("add", fd, os.NewSyscallError("fcntl", err))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.closed:
		return pollerClosed("add")
	case fd == p.wakeR || fd == p.wakeW:
		return pollerErr("add", fd, fmt.Errorf("the poller's own wake-up descriptor: %w", unix.EINVAL))
	case p.sleep.owns(fd):
		return pollerErr("add", fd, fmt.Errorf("the poller's own sleep descriptor: %w", unix.EINVAL))
	case p.registeredLocked(fd):
		return pollerErr("add", fd, fmt.Errorf("already added: %w", unix.EEXIST))
	}
	if err := p.sleep.add(fd, ev); err != nil {
		return pollerErr("add", fd, err)
	}
	p.setLocked(fd, ev)
	p.wakeLocked()
	return nil
}

// Modify changes the events watched on fd, which must have been added
// (else an error wrapping [unix.ENOENT]); ev must not be empty (use
// [Poller.Remove]). A Wait in progress is woken and watches the new
// events from then on.
func (p *Poller) Modify(fd int, ev Events) error {
	if err := p.usable("modify"); err != nil {
		return err
	}
	if p.impl != nil {
		return p.impl.modify(fd, ev)
	}
	if err := pollerCheck("modify", fd, ev); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.closed:
		return pollerClosed("modify")
	case !p.registeredLocked(fd):
		return pollerErr("modify", fd, fmt.Errorf("not added: %w", unix.ENOENT))
	}
	if err := p.sleep.modify(fd, ev); err != nil {
		return pollerErr("modify", fd, err)
	}
	p.setLocked(fd, ev)
	p.wakeLocked()
	return nil
}

// Remove stops watching fd, which must have been added (else an error
// wrapping [unix.ENOENT]). fd need not be open any more (the error epoll
// or kqueue return for a closed one is ignored). A Wait in
// progress is woken and no longer reports fd, even if select(2) had
// already found it ready.
func (p *Poller) Remove(fd int) error {
	if err := p.usable("remove"); err != nil {
		return err
	}
	if p.impl != nil {
		return p.impl.remove(fd)
	}
	if fd < 0 || fd >= FD_SETSIZE {
		return pollerErr("remove", fd, fmt.Errorf("outside the select range [0, %d): %w", FD_SETSIZE, unix.EINVAL))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.closed:
		return pollerClosed("remove")
	case !p.registeredLocked(fd):
		return pollerErr("remove", fd, fmt.Errorf("not added: %w", unix.ENOENT))
	}
	p.sleep.remove(fd)
	p.setLocked(fd, 0)
	p.wakeLocked()
	return nil
}

// Wait waits until at least one watched descriptor is ready, fills ready
// with the ready descriptors and their events, and returns how many it
// filled (ready[:n]; the rest is left as it was): select(2) over the
// watched sets, poll(2) over the watched array, or epoll_wait(2) or
// kevent(2), with a zero timeout; when nothing is ready, the goroutine
// parks in the Go runtime's poller until the queue descriptor (for select
// and poll, the epoll descriptor that mirrors their set) is readable, then
// looks again, and a timeout is a read deadline on that descriptor. On
// Darwin and the BSDs select and poll sleep in the system call itself,
// with the timeout. It reports at
// most len(ready) descriptors; when more are ready, the next Wait goes on
// with the others (see the Poller's fairness), so that in turn every ready
// descriptor is reported and none starves. A negative timeout
// waits until a descriptor is ready; 0 polls; otherwise Wait returns
// (0, nil) when timeout has passed with nothing ready. Signals (EINTR) and
// wake-ups by Add, Modify and Remove do not end the wait: it goes on with
// the current sets and the time left.
//
// Errors: [unix.EINVAL] for an empty ready (or a Poller not made by
// [NewPoller]), [unix.EBUSY] while another Wait runs, [net.ErrClosed]
// after (or during) Close. A watched descriptor closed without Remove is
// reported ready by select and poll, dropped by epoll and kqueue, as the
// Poller's doc explains. Wait does not allocate (on Darwin and the BSDs
// the poll backend goes through x/sys and this is not checked).
func (p *Poller) Wait(ready []Ready, timeout time.Duration) (n int, err error) {
	if err := p.usable("wait"); err != nil {
		return 0, err
	}
	if p.impl != nil {
		return p.impl.wait(ready, timeout)
	}
	if len(ready) == 0 {
		return 0, fmt.Errorf("sock: poller wait: empty ready slice: %w", unix.EINVAL)
	}
	return p.waker.wait(ready, timeout)
}

// selectLocked is one select(2) over copies of the watched sets and the
// wake-up descriptor, with timeout (0 polls) and deadline as selectUntil
// takes them, reported into ready. woke reports that the wake-up
// descriptor was ready and has been drained. Called with p.mu held, which
// it releases during the system call.
func (p *Poller) selectLocked(ready []Ready, timeout time.Duration, deadline time.Time) (n int, woke bool, err error) {
	wordBits := fdsetWordBits(p.rset.s.Bits[:])
	for {
		// Copy the interest sets into the scratch sets this Wait owns and
		// select on those without the lock. Only the words below nfd are
		// copied, passed to the kernel and read back.
		nfd := max(p.maxfd, p.wakeR) + 1
		words := (nfd + wordBits - 1) / wordBits
		copy(p.sr.s.Bits[:words], p.rset.s.Bits[:words])
		p.sr.s.Set(p.wakeR)
		var w *FDSet // nothing to watch for writing: spare the kernel a set
		if p.nwrite > 0 {
			copy(p.sw.s.Bits[:words], p.wset.s.Bits[:words])
			w = &p.sw
		}
		p.mu.Unlock()
		_, errno := selectUntil(nfd, &p.sr, w, nil, timeout, deadline)
		p.mu.Lock()
		if p.closed {
			return 0, false, pollerClosed("wait")
		}
		if errno == unix.EBADF {
			// A watched descriptor was closed: report the ones still
			// watched, or select again if they were removed meanwhile.
			if n = p.reportLocked(ready, true, 0, false); n > 0 {
				return n, false, nil
			}
			continue
		}
		if errno != 0 {
			return 0, false, os.NewSyscallError("select", errno)
		}
		if p.sr.s.IsSet(p.wakeR) {
			p.drainWake()
			woke = true
		}
		return p.reportLocked(ready, false, words, w != nil), woke, nil
	}
}

// reportLocked fills ready, starting at p.next and wrapping around. With
// bad false it reports the descriptors select(2) found ready in the first
// words of sr and (if useW) sw, limited to the events they are still
// watched for; with bad true, the watched descriptors that are no longer
// open, with all their events.
func (p *Poller) reportLocked(ready []Ready, bad bool, words int, useW bool) int {
	a, b := p.sr.s.Bits[:words], p.sw.s.Bits[:words]
	if !useW {
		b = nil
	}
	if bad {
		a, b = p.rset.s.Bits[:], p.wset.s.Bits[:]
	}
	start := p.next
	wrapped := false
	n := 0
	fd := fdsetNext(a, b, start)
	for n < len(ready) {
		if fd < 0 {
			if wrapped || start == 0 {
				break
			}
			wrapped = true
			fd = fdsetNext(a, b, 0)
			continue
		}
		if wrapped && fd >= start {
			break
		}
		var ev Events
		if bad {
			if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == unix.EBADF {
				ev = p.eventsLocked(fd)
			}
		} else {
			if p.sr.s.IsSet(fd) && p.rset.s.IsSet(fd) {
				ev |= Readable
			}
			if useW && p.sw.s.IsSet(fd) && p.wset.s.IsSet(fd) {
				ev |= Writable
			}
		}
		if ev != 0 {
			ready[n] = Ready{Fd: fd, Events: ev}
			n++
			p.next = fd + 1
		}
		fd = fdsetNext(a, b, fd+1)
	}
	return n
}

// eventsLocked returns the events fd is watched for.
func (p *Poller) eventsLocked(fd int) Events {
	var ev Events
	if p.rset.s.IsSet(fd) {
		ev |= Readable
	}
	if p.wset.s.IsSet(fd) {
		ev |= Writable
	}
	return ev
}

// Close releases the Poller's own descriptors (its wake-up and sleep
// descriptors, or its epoll or kqueue descriptor); the watched descriptors
// are the caller's and stay open. A
// Wait blocked in another goroutine returns an error wrapping
// [net.ErrClosed]; Close returns once that Wait has left select(2),
// poll(2) or the runtime poller. A second Close, like any later call, returns an
// error wrapping [net.ErrClosed].
func (p *Poller) Close() error {
	if err := p.usable("close"); err != nil {
		return err
	}
	if p.impl != nil {
		return p.impl.close()
	}
	return p.waker.close()
}
