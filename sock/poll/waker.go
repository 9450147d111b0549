package poll

import (
	"encoding/binary"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// waker is what the select and poll Pollers share: the lock, the Wait in
// progress, the wake-up descriptor that Add, Modify, Remove and Close
// write to so that a Wait in select(2) or poll(2) looks again (an eventfd
// on Linux, a self-pipe elsewhere: pollerWakeFDs), and on Linux the sleep
// descriptor a Wait parks on. look is the owner's one select(2) or
// poll(2) over copies of its sets, called with mu held (it releases mu
// during the call); woke reports a drained wake-up.
type waker struct {
	mu      sync.Mutex
	cond    sync.Cond // L is &mu; signalled when a Wait leaves
	closed  bool
	waiting bool // a Wait is in progress: it owns the owner's scratch state
	wakeR   int  // read end of the wake-up descriptor (watched for Readable)
	wakeW   int  // write end (the same descriptor on Linux)
	wbuf    [8]byte
	rbuf    [64]byte
	sleep   sleeper // Linux: the epoll descriptor a Wait sleeps on; elsewhere empty
	look    func(ready []Ready, timeout time.Duration, deadline time.Time) (n int, woke bool, err error)
}

// openWake creates the wake-up descriptor; look is the owner's look.
func (w *waker) openWake(look func([]Ready, time.Duration, time.Time) (int, bool, error)) error {
	r, wr, err := pollerWakeFDs()
	if err != nil {
		return err
	}
	w.wakeR, w.wakeW, w.look = r, wr, look
	w.cond.L = &w.mu
	return nil
}

func (w *waker) isWaiting() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.waiting
}

// wakeLocked wakes the Wait in progress, if any: one increment of the
// eventfd, or one write into the self-pipe (EAGAIN there means a wake-up
// is already pending). Called with w.mu held.
func (w *waker) wakeLocked() {
	if w.waiting {
		binary.NativeEndian.PutUint64(w.wbuf[:], 1)
		_, _ = unix.Write(w.wakeW, w.wbuf[:])
	}
}

// drainWake empties the wake-up descriptor (an eventfd reads as 8 bytes at
// once). Called with w.mu held.
func (w *waker) drainWake() {
	for {
		n, err := unix.Read(w.wakeR, w.rbuf[:])
		if n < len(w.rbuf) || err != nil {
			return
		}
	}
}

// closeWake closes the wake-up descriptor (both ends of a self-pipe).
func (w *waker) closeWake() error {
	err := unix.Close(w.wakeR)
	if w.wakeW != w.wakeR {
		if err2 := unix.Close(w.wakeW); err == nil {
			err = err2
		}
	}
	if err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}

// wait is the select and poll Wait once its arguments are checked: one
// look when timeout is 0, else sleepWait until something is reported.
func (w *waker) wait(ready []Ready, timeout time.Duration) (n int, err error) {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return 0, pollerClosed("wait")
	}
	if w.waiting {
		w.mu.Unlock()
		return 0, pollerBusy()
	}
	w.waiting = true
	if timeout == 0 {
		n, _, err = w.look(ready, 0, time.Time{})
	} else {
		n, err = w.sleepWait(ready, timeout, deadline)
	}
	w.waiting = false
	w.cond.Broadcast()
	w.mu.Unlock()
	return n, err
}

// close is the select and poll Close: a Wait in select(2) or poll(2) is
// woken, one parked on the sleep descriptor returns when it is closed
// (whose callback takes w.mu, hence the unlock), and the wake-up
// descriptor is closed once the Wait has left.
func (w *waker) close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return pollerClosed("close")
	}
	w.closed = true
	w.wakeLocked()
	w.mu.Unlock()
	err := w.sleep.close()
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.waiting {
		w.cond.Wait()
	}
	if err2 := w.closeWake(); err == nil {
		err = err2
	}
	return err
}
