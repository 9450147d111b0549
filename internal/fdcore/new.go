package fdcore

import (
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// lazyOwner is what the cleanup of an unjoined lazy FD needs.
type lazyOwner struct {
	fd   int
	done atomic.Bool // closed, or handed to an os.File
}

// New takes ownership of fd. A descriptor the kernel can poll (anything but
// a regular file or a directory) is put into nonblocking mode and registered
// with the runtime poller; if the poller refuses it, its mode is restored.
// A descriptor that New switched to nonblocking mode is switched back when
// the FD is closed, since the mode belongs to the open file description,
// which other holders (a dup, a parent shell) may share. userNonblock is the
// mode callers see: when true, a call that would wait returns EAGAIN
// instead. closedErr is the error returned, wrapped by the caller, after
// Close (fs.ErrClosed for files, net.ErrClosed for sockets). On error fd is
// not closed.
func New(fd int, name string, userNonblock bool, closedErr error) (*FD, error) {
	return newFD(fd, name, userNonblock, closedErr, false)
}

// NewOpened is [New] for a descriptor that open(2) has just returned for
// name. It differs only on Darwin, where a FIFO opened by path stays out of
// the poller (kqueue does not report its last writer closing: Go issue
// 24164), as in os.
func NewOpened(fd int, name string, userNonblock bool, closedErr error) (*FD, error) {
	return newFD(fd, name, userNonblock, closedErr, true)
}

func newFD(fd int, name string, userNonblock bool, closedErr error, opened bool) (*FD, error) {
	if fd < 0 {
		return nil, unix.EBADF
	}
	var st unix.Stat_t
	if err := IgnoringEINTR(func() error { return unix.Fstat(fd, &st) }); err != nil {
		return nil, err
	}
	fl, err := Fcntl(fd, unix.F_GETFL, 0)
	if err != nil {
		return nil, err
	}
	kernelNonblock := fl&unix.O_NONBLOCK != 0
	poll := canPoll(uint32(st.Mode), opened)
	setByUs, clearedByUs := false, false
	switch {
	case poll && !kernelNonblock:
		if err := unix.SetNonblock(fd, true); err != nil {
			return nil, err
		}
		setByUs = true
	case !poll && kernelNonblock:
		// os.NewFile registers any nonblocking descriptor with the poller:
		// hide the flag from it, then give it back.
		if err := unix.SetNonblock(fd, false); err != nil {
			return nil, err
		}
		clearedByUs = true
	}
	f := os.NewFile(uintptr(fd), name)
	// os registers a nonblocking descriptor with the poller when it can;
	// SetDeadline is refused (os.ErrNoDeadline) exactly when it could not.
	pollable := f.SetDeadline(time.Time{}) == nil
	if clearedByUs {
		_ = unix.SetNonblock(fd, true)
	}
	if !pollable && setByUs {
		_ = unix.SetNonblock(fd, false)
		setByUs = false
	}
	rc, err := f.SyscallConn()
	if err != nil {
		// Unreachable for a file from os.NewFile; keep the fd with the caller.
		return nil, err
	}
	d := &FD{sysfd: fd, name: name, restoreBlocking: setByUs, closedErr: closedErr}
	d.reg.Store(&joined{file: f, rc: rc})
	d.pollable.Store(pollable)
	d.nonblock.Store(userNonblock)
	return d, nil
}

// NewLazy is [New] for a socket, which joins the runtime poller only when
// a call first has to wait, or a deadline is set (see the package doc). It
// puts the descriptor in nonblocking mode at once, as New does. A
// descriptor that is not a socket is handled as New handles it.
func NewLazy(fd int, name string, userNonblock bool, closedErr error) (*FD, error) {
	if fd < 0 {
		return nil, unix.EBADF
	}
	var st unix.Stat_t
	if err := IgnoringEINTR(func() error { return unix.Fstat(fd, &st) }); err != nil {
		return nil, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		return New(fd, name, userNonblock, closedErr)
	}
	fl, err := Fcntl(fd, unix.F_GETFL, 0)
	if err != nil {
		return nil, err
	}
	setByUs := false
	if fl&unix.O_NONBLOCK == 0 {
		if err := unix.SetNonblock(fd, true); err != nil {
			return nil, err
		}
		setByUs = true
	}
	d := &FD{sysfd: fd, name: name, restoreBlocking: setByUs, closedErr: closedErr}
	d.owner = &lazyOwner{fd: fd}
	d.pollable.Store(true) // every socket can; join checks it
	d.nonblock.Store(userNonblock)
	runtime.AddCleanup(d, func(o *lazyOwner) {
		if !o.done.Load() {
			_ = unix.Close(o.fd)
		}
	}, d.owner)
	return d, nil
}

// join registers a lazy FD with the runtime poller by handing its
// descriptor to an *os.File, once. If the poller refuses it, the
// descriptor goes back to blocking mode, so that the calls that would have
// waited in the poller block their thread instead (as os does for such a
// descriptor).
func (d *FD) join() (*joined, error) {
	d.joinMu.Lock()
	defer d.joinMu.Unlock()
	if r := d.reg.Load(); r != nil {
		return r, nil
	}
	if d.closed.Load() {
		return nil, d.closedErr
	}
	f := os.NewFile(uintptr(d.sysfd), d.name)
	d.owner.done.Store(true) // f owns the descriptor now, and closes it
	rc, err := f.SyscallConn()
	if err != nil {
		// Unreachable (f is open). f keeps the descriptor, so that it is
		// closed once, by Close; the calls fail.
		rc = closedRawConn{err}
	}
	if f.SetDeadline(time.Time{}) != nil {
		_ = unix.SetNonblock(d.sysfd, false)
		d.pollable.Store(false)
		d.restoreBlocking = false
	}
	r := &joined{file: f, rc: rc}
	d.reg.Store(r)
	return r, nil
}

// incref counts a call on an unjoined lazy FD; false once closed.
func (d *FD) incref() bool {
	d.refs.Add(1)
	if d.closed.Load() {
		d.refs.Add(-1)
		return false
	}
	return true
}

// waitRefs waits for the calls on the unjoined FD to return. They make
// one nonblocking system call each (or run a Control callback), so this
// is short.
func (d *FD) waitRefs() {
	for i := 0; d.refs.Load() != 0; i++ {
		if i < 100 {
			runtime.Gosched()
		} else {
			time.Sleep(50 * time.Microsecond)
		}
	}
}
