package poll

import (
	"encoding/binary"
	"time"

	"golang.org/x/sys/unix"
)

// waker is what the select and poll backends share: the wake-up
// descriptor that Add, Modify, Remove and Close write to so that a Wait
// in select(2) or poll(2) looks again (an eventfd on Linux, a self-pipe
// elsewhere), and on Linux the sleep descriptor a Wait parks on. look is
// the owner's one select(2) or poll(2) over copies of its sets, called
// with p.mu held (it releases it during the call); woke reports a
// drained wake-up.
type waker struct {
	p     *Poller
	wakeR int // read end of the wake-up descriptor (watched for Readable)
	wakeW int // write end (the same descriptor on Linux)
	wbuf  [8]byte
	rbuf  [64]byte
	sleep sleeper // Linux: the epoll descriptor a Wait sleeps on; elsewhere empty
	look  func(ready []Ready, timeout time.Duration, deadline time.Time) (n int, woke bool, err error)
}

// open creates the wake-up descriptor, then the sleep one (named name;
// selectSet: it mirrors the events select(2) counts).
func (w *waker) open(p *Poller, look func([]Ready, time.Duration, time.Time) (int, bool, error), name string, selectSet bool) error {
	r, wr, err := wakeFDs()
	if err != nil {
		return err
	}
	w.p, w.wakeR, w.wakeW, w.look = p, r, wr, look
	if err := w.sleep.open(w, name, selectSet); err != nil {
		_ = w.release()
		return err
	}
	return nil
}

func (w *waker) owns(fd int) bool { return fd == w.wakeR || fd == w.wakeW || w.sleep.owns(fd) }

// wakeLocked wakes the Wait in progress, if any: one increment of the
// eventfd, or one write into the self-pipe (EAGAIN there means a wake-up
// is already pending). Called with p.mu held.
func (w *waker) wakeLocked() {
	if w.p.waiting {
		binary.NativeEndian.PutUint64(w.wbuf[:], 1)
		_, _ = unix.Write(w.wakeW, w.wbuf[:])
	}
}

// drainWake empties the wake-up descriptor (an eventfd reads as 8 bytes at
// once). Called with p.mu held.
func (w *waker) drainWake() {
	for {
		n, err := unix.Read(w.wakeR, w.rbuf[:])
		if n < len(w.rbuf) || err != nil {
			return
		}
	}
}

// wait is the select and poll Wait: one look when timeout is 0, else
// sleepWait until something is reported.
func (w *waker) wait(ready []Ready, timeout time.Duration) (n int, err error) {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	if timeout == 0 {
		n, _, err = w.look(ready, 0, time.Time{})
		return n, err
	}
	return w.sleepWait(ready, timeout, deadline)
}

// close wakes a Wait in select(2) or poll(2) and closes the sleep
// descriptor, which wakes a Wait parked on it.
func (w *waker) close() error {
	w.p.mu.Lock()
	w.wakeLocked()
	w.p.mu.Unlock()
	return w.sleep.close()
}

// release closes the wake-up descriptor (both ends of a self-pipe).
func (w *waker) release() error {
	err := unix.Close(w.wakeR)
	if w.wakeW != w.wakeR {
		if err2 := unix.Close(w.wakeW); err == nil {
			err = err2
		}
	}
	return wrap("close", err)
}
