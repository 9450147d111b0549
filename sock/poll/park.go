//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package poll

import (
	"os"
	"time"

	"github.com/posixkit/posixkit/internal/fdcore"
)

// parker parks a Wait's goroutine in the Go runtime's poller on a
// pollable descriptor (an epoll or kqueue descriptor) until look, called
// with a zero timeout inside the descriptor's RawConn Read, reports that
// it is done; a deadline is a read deadline on the descriptor. It is
// shared by the epoll and kqueue backends and by the select and poll ones
// on Linux.
type parker struct {
	fd          *fdcore.FD
	look        func(block bool) bool // one look; true: done. block false: the last look
	readFn      func(uintptr) bool    // the Read callback, built once
	lateFn      func(uintptr)         // one last look, built once
	looked      bool                  // look ran during this park
	deadlineSet bool                  // a read deadline is set on fd
}

func (k *parker) init(fd *fdcore.FD, look func(block bool) bool) {
	k.fd, k.look = fd, look
	k.readFn = func(uintptr) bool { k.looked = true; return k.look(true) }
	k.lateFn = func(uintptr) { k.looked = true; k.look(false) }
}

// park runs look until it is done, the goroutine parked in between, and
// returns nil, or nil at a non-zero deadline (after at least one look),
// or the runtime poller's error (net.ErrClosed once fd is closed).
func (k *parker) park(deadline time.Time) error {
	k.looked = false
	var err error
	switch {
	case !deadline.IsZero():
		err = k.fd.SetReadDeadline(deadline)
		k.deadlineSet = true
	case k.deadlineSet:
		err = k.fd.SetReadDeadline(time.Time{})
		k.deadlineSet = false
	}
	if err == nil { // else fd is closed
		err = k.fd.Read(k.readFn)
	}
	if err == os.ErrDeadlineExceeded {
		err = nil
		if !k.looked {
			// The deadline passed before the first look (a timeout of a
			// few nanoseconds): look once, as the system call would.
			err = k.fd.RawControl(k.lateFn)
		}
	}
	if err != nil && k.fd.Closed() {
		err = k.fd.ClosedErr()
	}
	return err
}
