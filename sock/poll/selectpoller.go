package poll

import (
	"fmt"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// selectPoller is the select(2) backend: the interest list is a read and
// a write FDSet, copied into scratch sets for each select(2).
type selectPoller struct {
	waker
	rset, wset FDSet
	maxfd      int   // the highest watched descriptor, or -1
	nwrite     int   // how many descriptors are watched for Writable
	next       int   // the descriptor the next report starts from (fairness)
	sr, sw     FDSet // the sets handed to select(2) by the Wait in progress
}

func newSelectPoller(p *Poller) (*selectPoller, error) {
	s := &selectPoller{maxfd: -1}
	if err := s.open(p, s.selectLocked, "select-sleep", true); err != nil {
		return nil, err
	}
	if r := s.wakeR; r >= FD_SETSIZE {
		_ = s.sleep.close()
		_ = s.release()
		return nil, fmt.Errorf("wake-up descriptor %d is not below FD_SETSIZE (%d): %w", r, FD_SETSIZE, unix.EMFILE)
	}
	return s, nil
}

func (s *selectPoller) kind() Backend { return BackendSelect }
func (s *selectPoller) limit() int    { return FD_SETSIZE }

func (s *selectPoller) add(fd int, ev Events) error {
	if err := s.sleep.add(fd, ev); err != nil {
		return err
	}
	s.setLocked(fd, ev)
	return nil
}

func (s *selectPoller) modify(fd int, _, ev Events) error {
	if err := s.sleep.modify(fd, ev); err != nil {
		return err
	}
	s.setLocked(fd, ev)
	return nil
}

func (s *selectPoller) remove(fd int, _ Events) error {
	s.sleep.remove(fd)
	s.setLocked(fd, 0)
	return nil
}

// setLocked makes fd's interest ev (0: none) and wakes the Wait.
func (s *selectPoller) setLocked(fd int, ev Events) {
	if s.wset.s.IsSet(fd) {
		s.nwrite--
	}
	s.rset.s.Clear(fd)
	s.wset.s.Clear(fd)
	if ev&Readable != 0 {
		s.rset.s.Set(fd)
	}
	if ev&Writable != 0 {
		s.wset.s.Set(fd)
		s.nwrite++
	}
	switch {
	case ev != 0:
		s.maxfd = max(s.maxfd, fd)
	case fd == s.maxfd:
		s.maxfd = max(s.rset.Max(), s.wset.Max())
	}
	s.wakeLocked()
}

// selectLocked is one select(2) over copies of the watched sets and the
// wake-up descriptor, with timeout (0 polls) and deadline as selectUntil
// takes them, reported into ready. Called with p.mu held, which it
// releases during the system call.
func (s *selectPoller) selectLocked(ready []Ready, timeout time.Duration, deadline time.Time) (n int, woke bool, err error) {
	wordBits := fdsetWordBits(s.rset.s.Bits[:])
	for {
		// Only the words below nfd are copied, given to the kernel and
		// read back.
		nfd := max(s.maxfd, s.wakeR) + 1
		words := (nfd + wordBits - 1) / wordBits
		copy(s.sr.s.Bits[:words], s.rset.s.Bits[:words])
		s.sr.s.Set(s.wakeR)
		var w *FDSet // nothing to watch for writing: spare the kernel a set
		if s.nwrite > 0 {
			copy(s.sw.s.Bits[:words], s.wset.s.Bits[:words])
			w = &s.sw
		}
		s.p.mu.Unlock()
		_, errno := selectUntil(nfd, &s.sr, w, nil, timeout, deadline)
		s.p.mu.Lock()
		if s.p.closed {
			return 0, false, net.ErrClosed
		}
		if errno == unix.EBADF {
			// A watched descriptor was closed: report the ones still
			// watched, or select again if they were removed meanwhile.
			if n = s.reportLocked(ready, true, 0, false); n > 0 {
				return n, false, nil
			}
			continue
		}
		if errno != 0 {
			return 0, false, wrap("select", errno)
		}
		if s.sr.s.IsSet(s.wakeR) {
			s.drainWake()
			woke = true
		}
		return s.reportLocked(ready, false, words, w != nil), woke, nil
	}
}

// reportLocked fills ready, starting at s.next and wrapping around. With
// bad false it reports the descriptors select(2) found ready in the first
// words of sr and (if useW) sw; with bad true, the watched descriptors
// that are no longer open (fcntl F_GETFD fails with EBADF), with all
// their events.
func (s *selectPoller) reportLocked(ready []Ready, bad bool, words int, useW bool) int {
	a, b := s.sr.s.Bits[:words], s.sw.s.Bits[:words]
	if !useW {
		b = nil
	}
	if bad {
		a, b = s.rset.s.Bits[:], s.wset.s.Bits[:]
	}
	start := s.next
	wrapped := false
	n := 0
	fd := fdsetNext(a, b, start)
	for n < len(ready) {
		if fd < 0 {
			if wrapped || start == 0 {
				break
			}
			wrapped = true
			fd = fdsetNext(a, b, 0)
			continue
		}
		if wrapped && fd >= start {
			break
		}
		var ev Events
		switch {
		case bad:
			if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == unix.EBADF {
				ev = Readable | Writable
			}
		default:
			if s.sr.s.IsSet(fd) {
				ev |= Readable
			}
			if useW && s.sw.s.IsSet(fd) {
				ev |= Writable
			}
		}
		if r, ok := s.p.readyLocked(fd, ev); ok {
			ready[n] = r
			n++
			s.next = fd + 1
		}
		fd = fdsetNext(a, b, fd+1)
	}
	return n
}
