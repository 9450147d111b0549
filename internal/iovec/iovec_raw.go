//go:build linux || freebsd || netbsd || dragonfly

package iovec

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// load points v's iovecs at up to Max buffers of bufs from (i, off).
func (v *Vec) load(bufs [][]byte, i, off int) []unix.Iovec {
	n := min(len(bufs)-i, Max)
	if cap(v.iovs) < n {
		v.iovs = make([]unix.Iovec, n)
	}
	iovs := v.iovs[:n]
	for k := range iovs {
		b := bufs[i+k]
		if k == 0 {
			b = b[off:]
		}
		iovs[k].Base = unsafe.SliceData(b)
		iovs[k].SetLen(len(b))
	}
	return iovs
}

func (v *Vec) call(trap, fd uintptr, bufs [][]byte, i, off int) (int, unix.Errno) {
	iovs := v.load(bufs, i, off)
	var p unsafe.Pointer
	if len(iovs) > 0 {
		p = unsafe.Pointer(&iovs[0])
	}
	n, _, e := unix.Syscall(trap, fd, uintptr(p), uintptr(len(iovs)))
	for k := range iovs {
		iovs[k].Base = nil
	}
	if e != 0 {
		return 0, e
	}
	return int(n), 0
}

// Readv makes one readv(2) into bufs[i:], the first from off.
func (v *Vec) Readv(fd uintptr, bufs [][]byte, i, off int) (int, unix.Errno) {
	return v.call(unix.SYS_READV, fd, bufs, i, off)
}

// Writev makes one writev(2) of bufs[i:], the first from off.
func (v *Vec) Writev(fd uintptr, bufs [][]byte, i, off int) (int, unix.Errno) {
	return v.call(unix.SYS_WRITEV, fd, bufs, i, off)
}
