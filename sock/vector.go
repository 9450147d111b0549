package sock

import (
	"io"

	"github.com/posixkit/posixkit/internal/iovec"
	"golang.org/x/sys/unix"
)

// Readv receives into the buffers of bufs in turn: one readv(2) (at most
// 1024 buffers). A stream's end is 0, io.EOF; a datagram's lost tail is
// not reported (see [Socket.RecvMsg]).
func (s *Socket) Readv(bufs [][]byte) (int, error) {
	const op = "readv"
	if !s.ok() {
		return 0, s.checkError(op)
	}
	s.rmu.Lock()
	r := &s.rx
	r.bufs = bufs
	err := s.fd.Read(s.readvFn)
	n, e := r.n, r.errno
	r.bufs = nil
	s.rmu.Unlock()
	if err == nil && e != 0 {
		err = e
	}
	if err != nil {
		return 0, opError(op, err)
	}
	if n == 0 && s.zeroEOF && iovec.Len(bufs) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

func (s *Socket) doReadv(fd uintptr) bool {
	r := &s.rx
	for {
		n, e := r.vec.Readv(fd, r.bufs, 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e == unix.EAGAIN && s.wait(0) {
			return false
		}
		r.n, r.errno = n, e
		return true
	}
}

// Writev sends all of bufs: writev(2), repeated after a short write and
// for each 1024 buffers. It returns the total and nil, or the count sent
// and the error that stopped it, as [Socket.Write] does.
func (s *Socket) Writev(bufs [][]byte) (int, error) {
	const op = "writev"
	if !s.ok() {
		return 0, s.checkError(op)
	}
	s.wmu.Lock()
	w := &s.tx
	w.vbufs, w.n, w.errno = bufs, 0, 0
	w.vi, w.voff = iovec.Advance(bufs, 0, 0, 0)
	err := s.fd.Write(s.writevFn)
	n, e := w.n, w.errno
	w.vbufs = nil
	s.wmu.Unlock()
	if err == nil && e != 0 {
		err = e
	}
	return n, opError(op, err)
}

func (s *Socket) doWritev(fd uintptr) bool {
	w := &s.tx
	for w.vi < len(w.vbufs) {
		n, e := w.vec.Writev(fd, w.vbufs, w.vi, w.voff)
		switch {
		case e == 0:
			w.n += n
			w.vi, w.voff = iovec.Advance(w.vbufs, w.vi, w.voff, n)
		case e == unix.EINTR:
		case e == unix.EAGAIN && s.wait(0):
			return false
		default:
			w.errno = e
			return true
		}
	}
	return true
}
