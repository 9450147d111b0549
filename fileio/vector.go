package fileio

import (
	"io"
	"sync"

	"github.com/posixkit/posixkit/internal/iovec"
	"golang.org/x/sys/unix"
)

// vecIO is the state of Readv and Writev, one op per direction; each op's
// callback is built at its first use.
type vecIO struct{ r, w vecOp }

type vecOp struct {
	mu     sync.Mutex
	fn     func(fd uintptr) bool
	vec    iovec.Vec
	bufs   [][]byte
	i, off int // writev: the position in bufs
	n      int
	errno  unix.Errno
}

// Readv reads into the buffers of bufs in turn: one readv(2) (at most
// 1024 buffers, IOV_MAX). It returns 0, [io.EOF] at end of file, and waits
// as [File.Read] does.
func (f *File) Readv(bufs [][]byte) (int, error) {
	if f.invalid() {
		return 0, errInvalid("readv")
	}
	op := &f.vec.r
	op.mu.Lock()
	defer op.mu.Unlock()
	if op.fn == nil {
		op.fn = f.readvCB
	}
	if iovec.Len(bufs) == 0 {
		return 0, f.wrap("readv", f.closedErr())
	}
	n, err := f.vecDo(op, false, bufs)
	if err != nil {
		return n, f.wrap("readv", err)
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// Writev writes all of bufs: writev(2), repeated after a short write and
// for each 1024 buffers (IOV_MAX). It returns the total and nil, or the
// count written and the error that stopped it, as [File.Write] does.
func (f *File) Writev(bufs [][]byte) (int, error) {
	if f.invalid() {
		return 0, errInvalid("writev")
	}
	op := &f.vec.w
	op.mu.Lock()
	defer op.mu.Unlock()
	if op.fn == nil {
		op.fn = f.writevCB
	}
	if iovec.Len(bufs) == 0 {
		return 0, f.wrap("writev", f.closedErr())
	}
	n, err := f.vecDo(op, true, bufs)
	return n, f.wrap("writev", err)
}

// vecDo runs op's callback over bufs; op.mu is held.
func (f *File) vecDo(op *vecOp, write bool, bufs [][]byte) (int, error) {
	op.bufs, op.n, op.errno = bufs, 0, 0
	op.i, op.off = iovec.Advance(bufs, 0, 0, 0)
	var err error
	if write {
		err = f.fd.Write(op.fn)
	} else {
		err = f.fd.Read(op.fn)
	}
	n := op.n
	if err == nil && op.errno != 0 {
		err = op.errno
	}
	op.bufs = nil
	return n, err
}

func (f *File) readvCB(fd uintptr) bool {
	op := &f.vec.r
	for {
		n, e := op.vec.Readv(fd, op.bufs, op.i, op.off)
		switch {
		case e == unix.EINTR:
			continue
		case e == unix.EAGAIN && f.fd.WouldWait():
			return false
		}
		op.n, op.errno = n, e
		return true
	}
}

func (f *File) writevCB(fd uintptr) bool {
	op := &f.vec.w
	for op.i < len(op.bufs) {
		n, e := op.vec.Writev(fd, op.bufs, op.i, op.off)
		switch {
		case e == 0 && n == 0:
			op.errno = unix.EIO
			return true
		case e == 0:
			op.n += n
			op.i, op.off = iovec.Advance(op.bufs, op.i, op.off, n)
		case e == unix.EINTR:
		case e == unix.EAGAIN && f.fd.WouldWait():
			return false
		default:
			op.errno = e
			return true
		}
	}
	return true
}
