package poll

import (
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/posixkit/posixkit/internal/cname"
	"github.com/posixkit/posixkit/internal/fdcore"
	"golang.org/x/sys/unix"
)

// Events is a set of readiness events. A descriptor at end of stream or in
// error is Readable (in error, Writable too): its next read or write returns.
type Events uint8

const (
	Readable Events = 1 << iota // ready to read, at EOF or in error; a listener: ready to accept
	Writable                    // ready to write without blocking, or in error
)

var eventsNames = []cname.Name{
	{V: uint64(Readable), Name: "Readable"},
	{V: uint64(Writable), Name: "Writable"},
}

// String joins the event names with "|"; none is "0", unknown bits hex.
func (ev Events) String() string { return cname.Flags(uint64(ev), eventsNames) }

// Ready is one entry filled in by [Poller.Wait]: a descriptor, the events
// it is ready for among those watched, and the token it was added with.
type Ready struct {
	Fd     int
	Events Events
	Token  any
}

// Poller watches many descriptors for readiness, level-triggered unless
// made by [NewMode]: a descriptor stays reported while it is ready. Add, Modify, Remove and
// Close may be called from any goroutine, also during a Wait, which goes
// on with the new set. Only one Wait runs at a time. Remove a descriptor
// before closing it (see [Backend] for what each backend does otherwise).
// Errors wrap [unix.EINVAL] for a bad argument or a nil Poller, and
// [net.ErrClosed] once it is closed.
type Poller struct {
	mu      sync.Mutex
	cond    sync.Cond // L is &mu; signalled when a Wait leaves
	b       backend   // nil: not made by New or NewBackend
	mode    Mode      // set by NewMode before any Add
	closed  bool
	waiting bool   // a Wait is in progress: it owns the backend's scratch state
	table   []slot // table[fd]: what fd is watched for, with its token
}

// slot is one descriptor's entry in the Poller's table (ev 0: not watched).
type slot struct {
	ev    Events
	token any
}

// backend is the kernel interface under a Poller. add, modify and remove
// are called with p.mu held, arguments checked and the table already
// changed; wait without p.mu, by the one Wait in progress; close without
// p.mu, once closed is set, to wake that Wait; release once it has left.
type backend interface {
	kind() Backend
	limit() int       // descriptors must be below it
	owns(fd int) bool // the Poller's own descriptors
	add(fd int, ev Events) error
	modify(fd int, old, ev Events) error
	remove(fd int, old Events) error
	wait(ready []Ready, timeout time.Duration) (int, error)
	close() error
	release() error
}

// New returns an empty Poller on select(2): [NewBackend]([BackendSelect]).
func New() (*Poller, error) { return NewBackend(BackendSelect) }

// NewBackend returns an empty Poller on backend b, with the descriptors
// the backend needs (see [Backend]), close-on-exec. A backend this system
// lacks returns an error wrapping [unix.ENOSYS]; an unknown one,
// [unix.EINVAL].
func NewBackend(b Backend) (*Poller, error) {
	p := &Poller{}
	p.cond.L = &p.mu
	var err error
	switch b {
	case BackendSelect:
		p.b, err = newSelectPoller(p)
	case BackendPoll:
		p.b, err = newPollPoller(p)
	case BackendEpoll, BackendKqueue:
		p.b, err = newQueuePoller(p, b)
	default:
		err = fmt.Errorf("unknown backend %d: %w", int(b), unix.EINVAL)
	}
	if err != nil {
		return nil, wrap("NewBackend", err)
	}
	return p, nil
}

// Backend returns the backend p is built on; -1 for a nil or zero Poller.
func (p *Poller) Backend() Backend {
	if p == nil || p.b == nil {
		return -1
	}
	return p.b.kind()
}

// Add starts watching fd for ev: [Poller.AddToken] with a nil token.
func (p *Poller) Add(fd int, ev Events) error { return p.AddToken(fd, ev, nil) }

// AddToken starts watching the open descriptor fd for ev, and Wait
// reports token with it: epoll_ctl(2) EPOLL_CTL_ADD, kevent(2) EV_ADD, or
// the next select(2) or poll(2) set. Errors wrap [unix.EINVAL] (fd out of
// range or the Poller's own, ev empty or unknown), [unix.EBADF] (fd not
// open), [unix.EEXIST] (already added) or the backend's errno.
func (p *Poller) AddToken(fd int, ev Events, token any) error {
	const op = "Add"
	if err := p.check(op, fd, ev, true); err != nil {
		return err
	}
	if _, err := fdcore.Fcntl(fd, unix.F_GETFD, 0); err != nil {
		return wrap("fcntl", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.closed:
		return wrap(op, net.ErrClosed)
	case p.b.owns(fd):
		return argErr(op, fd, "the Poller's own descriptor", unix.EINVAL)
	case p.watchedLocked(fd) != 0:
		return argErr(op, fd, "already added", unix.EEXIST)
	}
	p.setLocked(fd, ev, token)
	if err := p.b.add(fd, ev); err != nil {
		p.setLocked(fd, 0, nil)
		return err
	}
	return nil
}

// AddConn is [Poller.AddToken] on the descriptor of c, which it returns.
func (p *Poller) AddConn(c syscall.Conn, ev Events, token any) (fd int, err error) {
	if err := p.check("Add", 0, ev, true); err != nil {
		return -1, err
	}
	if c == nil {
		return -1, argErr("Add", -1, "nil Conn", unix.EINVAL)
	}
	rc, err := c.SyscallConn()
	if err != nil {
		return -1, wrap("Add", err)
	}
	fd = -1
	if err := rc.Control(func(s uintptr) { fd = int(s) }); err != nil {
		return -1, wrap("Add", err)
	}
	return fd, p.AddToken(fd, ev, token)
}

// Modify changes the events watched on fd, keeping its token: epoll_ctl(2)
// EPOLL_CTL_MOD, kevent(2), or the next select(2) or poll(2) set. Errors
// as for AddToken, and [unix.ENOENT] for fd not added.
func (p *Poller) Modify(fd int, ev Events) error {
	const op = "Modify"
	old, err := p.lockAdded(op, fd, ev, true)
	if err != nil {
		return err
	}
	defer p.mu.Unlock()
	tok := p.table[fd].token
	p.setLocked(fd, ev, tok)
	if err := p.b.modify(fd, old, ev); err != nil {
		p.setLocked(fd, old, tok)
		return err
	}
	return nil
}

// Remove stops watching fd, which need not be open any more: epoll_ctl(2)
// EPOLL_CTL_DEL, kevent(2) EV_DELETE, or the next select(2) or poll(2) set;
// a Wait in progress no longer reports it. fd not added: [unix.ENOENT].
func (p *Poller) Remove(fd int) error {
	const op = "Remove"
	old, err := p.lockAdded(op, fd, 0, false)
	if err != nil {
		return err
	}
	defer p.mu.Unlock()
	p.setLocked(fd, 0, nil)
	return p.b.remove(fd, old)
}

// Wait waits until a watched descriptor is ready and fills ready with up
// to len(ready) of them: select(2), poll(2), epoll_wait(2) or kevent(2).
// It returns how many it filled; the next Wait goes on with any others. A
// negative timeout waits for ever, 0 polls, otherwise (0, nil) at the
// timeout; EINTR does not end it. Errors wrap [unix.EINVAL] (empty ready)
// or [unix.EBUSY] (another Wait runs).
func (p *Poller) Wait(ready []Ready, timeout time.Duration) (n int, err error) {
	const op = "Wait"
	if err := p.usable(op); err != nil {
		return 0, err
	}
	if len(ready) == 0 {
		return 0, wrap(op, fmt.Errorf("empty ready slice: %w", unix.EINVAL))
	}
	p.mu.Lock()
	switch {
	case p.closed:
		p.mu.Unlock()
		return 0, wrap(op, net.ErrClosed)
	case p.waiting:
		p.mu.Unlock()
		return 0, wrap(op, fmt.Errorf("another Wait is in progress: %w", unix.EBUSY))
	}
	p.waiting = true
	p.mu.Unlock()
	n, err = p.b.wait(ready, timeout)
	p.mu.Lock()
	p.waiting = false
	p.cond.Broadcast()
	p.mu.Unlock()
	if err != nil {
		return 0, wrap(op, err)
	}
	return n, nil
}

// Close releases the Poller's own descriptors, not the watched ones. A Wait
// in progress (awaited) and a second Close return [net.ErrClosed] (wrapped).
func (p *Poller) Close() error {
	const op = "close"
	if err := p.usable(op); err != nil {
		return err
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return wrap(op, net.ErrClosed)
	}
	p.closed = true
	p.mu.Unlock()
	err := p.b.close()
	p.mu.Lock()
	for p.waiting {
		p.cond.Wait()
	}
	if err2 := p.b.release(); err == nil {
		err = err2
	}
	p.mu.Unlock()
	return wrap(op, err)
}

// usable refuses a nil Poller or one not made by New or NewBackend.
func (p *Poller) usable(op string) error {
	if p == nil || p.b == nil {
		return wrap(op, fmt.Errorf("Poller not made by New or NewBackend: %w", unix.EINVAL))
	}
	return nil
}

// check is the argument check of Add, Modify (withEv) and Remove.
func (p *Poller) check(op string, fd int, ev Events, withEv bool) error {
	if err := p.usable(op); err != nil {
		return err
	}
	if lim := p.b.limit(); fd < 0 || fd >= lim {
		return argErr(op, fd, fmt.Sprintf("outside [0, %d) for %v", lim, p.b.kind()), unix.EINVAL)
	}
	if withEv && (ev == 0 || ev&^(Readable|Writable) != 0) {
		return argErr(op, fd, fmt.Sprintf("events %v are not Readable and/or Writable", ev), unix.EINVAL)
	}
	return nil
}

// lockAdded checks the arguments of Modify or Remove, locks p.mu and
// returns the events fd is watched for; on an error (bad argument, closed
// Poller, fd not added) p.mu is not held.
func (p *Poller) lockAdded(op string, fd int, ev Events, withEv bool) (Events, error) {
	if err := p.check(op, fd, ev, withEv); err != nil {
		return 0, err
	}
	p.mu.Lock()
	var err error
	old := p.watchedLocked(fd)
	switch {
	case p.closed:
		err = wrap(op, net.ErrClosed)
	case old == 0:
		err = argErr(op, fd, "not added", unix.ENOENT)
	}
	if err != nil {
		p.mu.Unlock()
		return 0, err
	}
	return old, nil
}

// watchedLocked returns the events fd is watched for (0: not watched).
func (p *Poller) watchedLocked(fd int) Events {
	if fd < 0 || fd >= len(p.table) {
		return 0
	}
	return p.table[fd].ev
}

// setLocked records fd's events and token (ev 0: not watched), growing
// the table when fd is beyond it.
func (p *Poller) setLocked(fd int, ev Events, token any) {
	if fd >= len(p.table) {
		if ev == 0 {
			return
		}
		grown := make([]slot, max(fd+1, 2*len(p.table), 64))
		copy(grown, p.table)
		p.table = grown
	}
	p.table[fd] = slot{ev: ev, token: token}
}

// readyLocked returns the entry for fd found ready for ev, limited to the
// events fd is still watched for (ok false: none).
func (p *Poller) readyLocked(fd int, ev Events) (r Ready, ok bool) {
	ev &= p.watchedLocked(fd)
	if ev == 0 {
		return Ready{}, false
	}
	return Ready{Fd: fd, Events: ev, Token: p.table[fd].token}, true
}

// wrap is the one place where this package's errors get their shape: an
// *os.SyscallError named after the call. One already shaped is kept.
func wrap(call string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*os.SyscallError); ok {
		return err
	}
	return os.NewSyscallError(call, err)
}

// argErr is the error for a bad descriptor argument.
func argErr(op string, fd int, why string, errno unix.Errno) error {
	return wrap(op, fmt.Errorf("fd %d: %s: %w", fd, why, errno))
}
