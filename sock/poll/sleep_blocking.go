//go:build !linux

package poll

import "time"

// sleeper is empty outside Linux: a select or poll Wait sleeps in the
// system call itself, blocking its OS thread, and there is no mirror to
// keep.
type sleeper struct{}

func (*sleeper) open(*waker, string, bool) error { return nil }
func (*sleeper) owns(int) bool                   { return false }
func (*sleeper) add(int, Events) error           { return nil }
func (*sleeper) modify(int, Events) error        { return nil }
func (*sleeper) remove(int)                      {}
func (*sleeper) close() error                    { return nil }

// sleepWait is a Wait with a non-zero timeout: select(2) or poll(2) with
// the time left, again after a wake-up by Add, Modify or Remove that
// leaves nothing to report. Called with p.mu held, which the look releases
// during the call.
func (w *waker) sleepWait(ready []Ready, timeout time.Duration, deadline time.Time) (int, error) {
	for {
		n, _, err := w.look(ready, timeout, deadline)
		if n > 0 || err != nil || (timeout > 0 && !time.Now().Before(deadline)) {
			return n, err
		}
	}
}
