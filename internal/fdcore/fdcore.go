// Package fdcore is the descriptor core that fileio and sock share: one
// owned file descriptor held in an *os.File (so its lifetime is the one os
// proves: refcounted, Close wakes waiters, the real close(2) only once no
// call uses it), joined to the runtime network poller when the kernel can
// poll it, with the user-visible blocking mode kept apart from the kernel's.
// (A socket is handed to its *os.File only when it first has to wait; see
// below.)
//
// A socket joins the poller lazily ([NewLazy]): until a call first has to
// wait, the FD holds the bare descriptor with its own count of calls in
// progress, and the kernel does no poller bookkeeping for it. That work is
// not free: the runtime's epoll entry makes every packet that arrives run
// an extra wake-up callback. A socket driven by the caller's own select,
// poll or epoll loop in nonblocking mode never waits inside this package,
// so it never pays for it.
//
// Every wrapper in fileio and sock reaches the kernel through [FD.Read],
// [FD.Write] or [FD.Control]: the closed check, the poller wait, deadlines
// and the translation of the closed error happen here, once.
package fdcore

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// FD is one owned descriptor.
type FD struct {
	sysfd int
	name  string
	// reg holds the *os.File and its RawConn: set by New, or by the first
	// call that has to wait on an FD made by NewLazy (under joinMu, which
	// Close takes to stop any later join).
	reg    atomic.Pointer[joined]
	joinMu sync.Mutex
	// refs counts the calls in progress on a lazy FD that has not joined
	// the poller: Close waits for them before close(2). They never wait.
	refs atomic.Int64
	// owner closes a lazy FD's descriptor if the FD is garbage collected
	// before it joined (after joining, the os.File's own cleanup does).
	owner    *lazyOwner
	pollable atomic.Bool
	// restoreBlocking: New put the descriptor in nonblocking mode; Close
	// puts it back.
	restoreBlocking bool
	closedErr       error
	nonblock        atomic.Bool // user-visible mode: EAGAIN instead of waiting
	closed          atomic.Bool
}

// joined is a descriptor's life in the runtime poller.
type joined struct {
	file *os.File
	rc   syscall.RawConn
}

// Sysfd returns the descriptor number, or -1 once closed. The number is
// borrowed: it is valid only while the FD is open.
func (d *FD) Sysfd() int {
	if d.closed.Load() {
		return -1
	}
	return d.sysfd
}

// Pollable reports whether the descriptor waits in the runtime poller (a
// lazy FD: will wait there, once joined).
func (d *FD) Pollable() bool { return d.pollable.Load() }

// Joined reports whether the descriptor has been handed to an *os.File
// (always, for an FD made by New or NewOpened).
func (d *FD) Joined() bool { return d.reg.Load() != nil }

// Closed reports whether Close has been called.
func (d *FD) Closed() bool { return d.closed.Load() }

// ClosedErr is the error this FD reports once closed.
func (d *FD) ClosedErr() error { return d.closedErr }

// Close closes the descriptor once; the second call returns the closed error.
// Calls waiting in the poller return the closed error at once; the real
// close(2) happens when the last call using the descriptor has returned.
func (d *FD) Close() error {
	if !d.closed.CompareAndSwap(false, true) {
		return d.closedErr
	}
	// No join after this: a call that had to wait gets the closed error.
	d.joinMu.Lock()
	r := d.reg.Load()
	d.joinMu.Unlock()
	if d.owner != nil {
		// Calls that began before the FD joined may still be making their
		// (nonblocking) system call on the number.
		d.waitRefs()
	}
	if r == nil {
		if d.restoreBlocking {
			_ = unix.SetNonblock(d.sysfd, false)
		}
		d.owner.done.Store(true)
		return unix.Close(d.sysfd)
	}
	// Keep a second reference to the open file description, to give it
	// back its blocking mode once the last call using fd has returned (os
	// waits for that in Close, for a descriptor in the poller).
	dup := -1
	if d.restoreBlocking {
		_ = r.rc.Control(func(fd uintptr) {
			if n, err := Fcntl(int(fd), unix.F_DUPFD_CLOEXEC, 0); err == nil {
				dup = n
			}
		})
	}
	// The first Close reports close(2)'s own error (EBADF, EIO, ...), not
	// the closed error that translate would make of it.
	err := r.file.Close()
	if dup >= 0 {
		_ = unix.SetNonblock(dup, false)
		_ = unix.Close(dup)
	}
	return unwrapPath(err)
}

// Read runs f as syscall.RawConn.Read does: f is called with the
// descriptor and returns true when done, false to wait for readability. f
// must make its syscall itself, inside the call. Once joined, f runs under
// the os.File's read lock. On a lazy FD that has not joined the poller, f
// runs once on the bare descriptor with no lock (callers serialise their
// reads themselves, as sock does with its read mutex), and joins it only
// if f asks to wait.
func (d *FD) Read(f func(fd uintptr) bool) error { return d.rw(f, false) }

// Write is [FD.Read] for writing: f runs under the os.File's write lock.
func (d *FD) Write(f func(fd uintptr) bool) error { return d.rw(f, true) }

// rw is the body of Read and Write.
func (d *FD) rw(f func(fd uintptr) bool, write bool) error {
	if d.closed.Load() {
		return d.closedErr
	}
	r := d.reg.Load()
	if r == nil {
		var err error
		if r, err = d.first(f); r == nil {
			return err
		}
	}
	var err error
	if write {
		err = r.rc.Write(f)
	} else {
		err = r.rc.Read(f)
	}
	return d.translate(err)
}

// first runs f once on an unjoined lazy FD. It returns (nil, nil) when f
// is done, (nil, err) on failure, and the joined poller state when f asked
// to wait: the caller then goes on through the RawConn, which calls f
// again before it waits (so that nothing that arrived meanwhile is missed).
func (d *FD) first(f func(fd uintptr) bool) (*joined, error) {
	if !d.incref() {
		return nil, d.closedErr
	}
	done := f(uintptr(d.sysfd))
	d.refs.Add(-1)
	if done {
		return nil, nil
	}
	return d.join()
}

// Control runs f with the descriptor held open, for calls that never wait.
func (d *FD) Control(f func(fd int) error) error {
	if d.closed.Load() {
		return d.closedErr
	}
	r := d.reg.Load()
	if r == nil {
		if !d.incref() {
			return d.closedErr
		}
		err := f(d.sysfd)
		d.refs.Add(-1)
		return err
	}
	var ferr error
	if err := r.rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return d.translate(err)
	}
	return ferr
}

// RawControl is Control for a callback with syscall.RawConn's signature:
// it does not allocate.
func (d *FD) RawControl(f func(fd uintptr)) error {
	if d.closed.Load() {
		return d.closedErr
	}
	r := d.reg.Load()
	if r == nil {
		if !d.incref() {
			return d.closedErr
		}
		f(uintptr(d.sysfd))
		d.refs.Add(-1)
		return nil
	}
	return d.translate(r.rc.Control(f))
}

// joinedOrClosed returns the poller state, joining a lazy FD.
func (d *FD) joinedOrClosed() (*joined, error) {
	if d.closed.Load() {
		return nil, d.closedErr
	}
	if r := d.reg.Load(); r != nil {
		return r, nil
	}
	return d.join()
}

// RawConn returns the os.File's syscall.RawConn (a lazy FD joins the
// poller first). After Close it returns one whose methods fail with the
// closed error.
func (d *FD) RawConn() syscall.RawConn {
	r, err := d.joinedOrClosed()
	if err != nil {
		return closedRawConn{err}
	}
	return r.rc
}

type closedRawConn struct{ err error }

func (c closedRawConn) Control(func(uintptr)) error    { return c.err }
func (c closedRawConn) Read(func(uintptr) bool) error  { return c.err }
func (c closedRawConn) Write(func(uintptr) bool) error { return c.err }

// File returns the underlying *os.File (a lazy FD joins the poller
// first; one closed before it joined has none: nil). After Close its
// methods return os's closed errors. Callers must not call its Fd method
// (it switches the descriptor to blocking mode) nor close it.
func (d *FD) File() *os.File {
	if r := d.reg.Load(); r != nil {
		return r.file
	}
	r, err := d.joinedOrClosed()
	if err != nil {
		return nil
	}
	return r.file
}

// translate maps the errors of os and internal/poll onto this FD's: after
// Close, anything but a deadline becomes the closed error. It does not
// allocate (no errors.As, whose target would escape).
func (d *FD) translate(err error) error {
	if err == nil {
		return nil
	}
	err = unwrapPath(err)
	if err == os.ErrDeadlineExceeded || errors.Is(err, os.ErrDeadlineExceeded) {
		return os.ErrDeadlineExceeded
	}
	if d.closed.Load() {
		return d.closedErr
	}
	return err
}

// unwrapPath returns the error inside the *os.PathError that os.File's
// methods wrap theirs in (os names the call; the wrappers above us name
// their own).
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
