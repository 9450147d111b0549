//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package poll_test

import (
	"testing"

	"golang.org/x/sys/unix"
)

// benchRawQueue measures kevent(2) through x/sys, with no timeout, over a
// kqueue watching fds for reading.
func benchRawQueue(b *testing.B, fds []int) {
	b.Run("impl=unix-kqueue", func(b *testing.B) {
		kq, err := unix.Kqueue()
		if err != nil {
			b.Fatal(err)
		}
		defer unix.Close(kq)
		changes := make([]unix.Kevent_t, len(fds))
		for i, fd := range fds {
			unix.SetKevent(&changes[i], fd, unix.EVFILT_READ, unix.EV_ADD)
		}
		if _, err := unix.Kevent(kq, changes, nil, nil); err != nil {
			b.Fatal(err)
		}
		events := make([]unix.Kevent_t, 16)
		b.ReportAllocs()
		for b.Loop() {
			n, err := unix.Kevent(kq, nil, events, nil)
			if err == unix.EINTR {
				continue
			}
			if n != 1 || err != nil {
				b.Fatalf("kevent = %d, %v; want 1", n, err)
			}
		}
	})
}

// rawPoll is poll(2) through x/sys with no timeout, again on EINTR.
func rawPoll(fds []unix.PollFd) (int, error) {
	for {
		n, err := unix.Poll(fds, -1)
		if err != unix.EINTR {
			return n, err
		}
	}
}
