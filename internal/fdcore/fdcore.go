// Package fdcore is the descriptor core that fileio and sock share: one
// owned file descriptor held in an *os.File (so its lifetime is the one os
// proves: refcounted, Close wakes waiters, the real close(2) only once no
// call uses it), joined to the runtime network poller when the kernel can
// poll it, with the user-visible blocking mode kept apart from the kernel's.
//
// Every wrapper in fileio and sock reaches the kernel through [FD.Read],
// [FD.Write] or [FD.Control]: the closed check, the poller wait, deadlines
// and the translation of the closed error happen here, once.
package fdcore

import (
	"errors"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// FD is one owned descriptor.
type FD struct {
	sysfd    int
	file     *os.File
	rc       syscall.RawConn
	pollable bool
	// restoreBlocking: New put the descriptor in nonblocking mode; Close
	// puts it back.
	restoreBlocking bool
	closedErr       error
	nonblock        atomic.Bool // user-visible mode: EAGAIN instead of waiting
	closed          atomic.Bool
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
	d := &FD{sysfd: fd, file: f, rc: rc, pollable: pollable, restoreBlocking: setByUs, closedErr: closedErr}
	d.nonblock.Store(userNonblock)
	return d, nil
}

// Sysfd returns the descriptor number, or -1 once closed. The number is
// borrowed: it is valid only while the FD is open.
func (d *FD) Sysfd() int {
	if d.closed.Load() {
		return -1
	}
	return d.sysfd
}

// Pollable reports whether the descriptor waits in the runtime poller.
func (d *FD) Pollable() bool { return d.pollable }

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
	// Keep a second reference to the open file description, to give it
	// back its blocking mode once the last call using fd has returned (os
	// waits for that in Close, for a descriptor in the poller).
	dup := -1
	if d.restoreBlocking {
		_ = d.rc.Control(func(fd uintptr) {
			if n, err := Fcntl(int(fd), unix.F_DUPFD_CLOEXEC, 0); err == nil {
				dup = n
			}
		})
	}
	// The first Close reports close(2)'s own error (EBADF, EIO, ...), not
	// the closed error that translate would make of it.
	err := d.file.Close()
	if dup >= 0 {
		_ = unix.SetNonblock(dup, false)
		_ = unix.Close(dup)
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return err
}

// Read runs f under the read lock, as syscall.RawConn.Read does: f is called
// with the descriptor and returns true when done, false to wait for
// readability. f must make its syscall itself, inside the call.
func (d *FD) Read(f func(fd uintptr) bool) error {
	if d.closed.Load() {
		return d.closedErr
	}
	if err := d.rc.Read(f); err != nil {
		return d.translate(err)
	}
	return nil
}

// Write is Read's twin for writing.
func (d *FD) Write(f func(fd uintptr) bool) error {
	if d.closed.Load() {
		return d.closedErr
	}
	if err := d.rc.Write(f); err != nil {
		return d.translate(err)
	}
	return nil
}

// Control runs f with the descriptor held open, for calls that never wait.
func (d *FD) Control(f func(fd int) error) error {
	if d.closed.Load() {
		return d.closedErr
	}
	var ferr error
	if err := d.rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return d.translate(err)
	}
	return ferr
}

// RawConn returns the os.File's syscall.RawConn.
func (d *FD) RawConn() syscall.RawConn { return d.rc }

// File returns the underlying *os.File. Callers must not call its Fd method
// (it switches the descriptor to blocking mode) nor close it.
func (d *FD) File() *os.File { return d.file }

// Nonblock reports the user-visible mode.
func (d *FD) Nonblock() (bool, error) {
	if d.closed.Load() {
		return false, d.closedErr
	}
	return d.nonblock.Load(), nil
}

// SetNonblock sets the user-visible mode. A pollable descriptor stays
// nonblocking in the kernel either way; another has O_NONBLOCK set or cleared.
func (d *FD) SetNonblock(b bool) error {
	if !d.pollable {
		if err := d.Control(func(fd int) error { return unix.SetNonblock(fd, b) }); err != nil {
			return err
		}
	} else if d.closed.Load() {
		return d.closedErr
	}
	d.nonblock.Store(b)
	return nil
}

// UserNonblock reports the user-visible mode without the closed check.
func (d *FD) UserNonblock() bool { return d.nonblock.Load() }

// WouldWait reports whether a call that got EAGAIN should wait in the poller
// (true) or return EAGAIN to its caller (false).
func (d *FD) WouldWait() bool { return d.pollable && !d.nonblock.Load() }

// Flags returns the file status flags, fcntl(F_GETFL), with O_NONBLOCK
// reporting the user-visible mode rather than the kernel's.
func (d *FD) Flags() (int, error) {
	var fl int
	err := d.Control(func(fd int) error {
		var err error
		fl, err = Fcntl(fd, unix.F_GETFL, 0)
		return err
	})
	if err != nil {
		return 0, err
	}
	fl &^= unix.O_NONBLOCK
	if d.nonblock.Load() {
		fl |= unix.O_NONBLOCK
	}
	return fl, nil
}

// SetDeadline sets both deadlines; see os.File.SetDeadline.
func (d *FD) SetDeadline(t time.Time) error {
	return d.deadline(d.file.SetDeadline, t)
}

// SetReadDeadline sets the read deadline; see os.File.SetReadDeadline.
func (d *FD) SetReadDeadline(t time.Time) error {
	return d.deadline(d.file.SetReadDeadline, t)
}

// SetWriteDeadline sets the write deadline; see os.File.SetWriteDeadline.
func (d *FD) SetWriteDeadline(t time.Time) error {
	return d.deadline(d.file.SetWriteDeadline, t)
}

func (d *FD) deadline(set func(time.Time) error, t time.Time) error {
	if d.closed.Load() {
		return d.closedErr
	}
	err := set(t)
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return d.translate(err)
}

// translate maps the errors of os and internal/poll onto this FD's: after
// Close, anything but a deadline becomes the closed error.
func (d *FD) translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return os.ErrDeadlineExceeded
	}
	if d.closed.Load() {
		return d.closedErr
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// IgnoringEINTR calls f until it returns something other than EINTR.
func IgnoringEINTR(f func() error) error {
	for {
		err := f()
		if err != unix.EINTR {
			return err
		}
	}
}

// Fcntl is fcntl(2) with an int argument, retried on EINTR.
func Fcntl(fd, cmd, arg int) (int, error) {
	for {
		v, err := unix.FcntlInt(uintptr(fd), cmd, arg)
		if err != unix.EINTR {
			return v, err
		}
	}
}
