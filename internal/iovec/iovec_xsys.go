//go:build darwin || openbsd

package iovec

import (
	"errors"

	"golang.org/x/sys/unix"
)

func (v *Vec) load(bufs [][]byte, i, off int) [][]byte {
	n := min(len(bufs)-i, Max)
	v.bufs = append(v.bufs[:0], bufs[i:i+n]...)
	if n > 0 {
		v.bufs[0] = v.bufs[0][off:]
	}
	return v.bufs
}

func errno(err error) unix.Errno {
	var e unix.Errno
	if err == nil {
		return 0
	}
	if errors.As(err, &e) {
		return e
	}
	return unix.EINVAL
}

// Readv makes one readv(2) into bufs[i:], the first from off.
func (v *Vec) Readv(fd uintptr, bufs [][]byte, i, off int) (int, unix.Errno) {
	b := v.load(bufs, i, off)
	n, err := unix.Readv(int(fd), b)
	clear(v.bufs)
	return max(n, 0), errno(err)
}

// Writev makes one writev(2) of bufs[i:], the first from off.
func (v *Vec) Writev(fd uintptr, bufs [][]byte, i, off int) (int, unix.Errno) {
	b := v.load(bufs, i, off)
	n, err := unix.Writev(int(fd), b)
	clear(v.bufs)
	return max(n, 0), errno(err)
}
