package poll_test

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// benchRawQueue measures epoll_wait(2) through x/sys, with no timeout,
// over an epoll instance watching fds for reading.
func benchRawQueue(b *testing.B, fds []int) {
	b.Run("impl=unix-epoll", func(b *testing.B) {
		ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			b.Fatal(err)
		}
		defer unix.Close(ep)
		for _, fd := range fds {
			if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}); err != nil {
				b.Fatal(err)
			}
		}
		events := make([]unix.EpollEvent, 16)
		b.ReportAllocs()
		for b.Loop() {
			n, err := unix.EpollWait(ep, events, -1)
			if err == unix.EINTR {
				continue
			}
			if n != 1 || err != nil {
				b.Fatalf("epoll_wait = %d, %v; want 1", n, err)
			}
		}
	})
}

// rawPoll is poll(2) with no timeout, as a C loop makes it (ppoll through
// a raw system call: x/sys's Poll allocates its timespec), again on EINTR.
func rawPoll(fds []unix.PollFd) (int, error) {
	for {
		n, _, errno := unix.Syscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&fds[0])), uintptr(len(fds)), 0, 0, 0, 0)
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return 0, errno
		}
		return int(n), nil
	}
}
