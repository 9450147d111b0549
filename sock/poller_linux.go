package sock

import (
	"encoding/binary"
	"os"

	"golang.org/x/sys/unix"
)

// pollerWakeFDs returns the Poller's wake-up descriptor: one eventfd(2),
// close-on-exec and nonblocking, both the read and the write end.
func pollerWakeFDs() (r, w int, err error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return -1, -1, os.NewSyscallError("eventfd", err)
	}
	return fd, fd, nil
}

// wake makes the eventfd readable. EAGAIN (counter full) cannot happen
// with increments of one; a failed wake-up is harmless as long as one is
// pending. Called with p.mu held.
func (p *Poller) wake() {
	binary.NativeEndian.PutUint64(p.wbuf[:], 1)
	_, _ = unix.Write(p.wakeW, p.wbuf[:])
}

// drainWake resets the eventfd's counter. Called with p.mu held.
func (p *Poller) drainWake() {
	_, _ = unix.Read(p.wakeR, p.rbuf[:8])
}

// closeWake closes the eventfd.
func (p *Poller) closeWake() error {
	if err := unix.Close(p.wakeR); err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}
