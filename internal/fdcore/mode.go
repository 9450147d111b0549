package fdcore

import (
	"time"

	"golang.org/x/sys/unix"
)

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
	if !d.pollable.Load() {
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
func (d *FD) WouldWait() bool { return d.pollable.Load() && !d.nonblock.Load() }

// Flags returns the file status flags, fcntl(F_GETFL), as the kernel has
// them: a pollable descriptor shows O_NONBLOCK whatever the user-visible
// mode (see Nonblock).
func (d *FD) Flags() (int, error) {
	var fl int
	err := d.Control(func(fd int) error {
		var err error
		fl, err = Fcntl(fd, unix.F_GETFL, 0)
		return err
	})
	return fl, err
}

// deadlineKind says which deadline a call sets.
type deadlineKind int

const (
	deadlineBoth deadlineKind = iota
	deadlineRead
	deadlineWrite
)

// SetDeadline sets both deadlines; see os.File.SetDeadline. A lazy FD
// joins the poller for it, unless t is zero (no deadline to clear yet).
func (d *FD) SetDeadline(t time.Time) error {
	return d.deadline(deadlineBoth, t)
}

// SetReadDeadline sets the read deadline; see os.File.SetReadDeadline.
func (d *FD) SetReadDeadline(t time.Time) error {
	return d.deadline(deadlineRead, t)
}

// SetWriteDeadline sets the write deadline; see os.File.SetWriteDeadline.
func (d *FD) SetWriteDeadline(t time.Time) error {
	return d.deadline(deadlineWrite, t)
}

func (d *FD) deadline(which deadlineKind, t time.Time) error {
	if d.closed.Load() {
		return d.closedErr
	}
	if t.IsZero() && d.reg.Load() == nil {
		return nil
	}
	r, err := d.joinedOrClosed()
	if err != nil {
		return err
	}
	switch which {
	case deadlineBoth:
		err = r.file.SetDeadline(t)
	case deadlineRead:
		err = r.file.SetReadDeadline(t)
	case deadlineWrite:
		err = r.file.SetWriteDeadline(t)
	}
	return d.translate(err)
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
