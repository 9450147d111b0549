// Package iovec makes readv(2) and writev(2) calls over [][]byte for fileio
// and sock, with reusable scratch space so that a call allocates nothing
// once warm (Linux, FreeBSD; Darwin goes through x/sys, which allocates
// beyond 8 buffers).
package iovec

import "golang.org/x/sys/unix"

// Max is IOV_MAX (1024 on Linux, Darwin and the BSDs): the most buffers
// one call takes; callers split longer lists.
const Max = 1024

// Vec is the scratch space of one kind of call; its user serialises calls.
type Vec struct {
	iovs []unix.Iovec
	//lint:ignore U1000 the x/sys path (iovec_xsys.go, Darwin) keeps its trimmed buffers here
	bufs [][]byte
}

// Len is the total length of bufs.
func Len(bufs [][]byte) int {
	n := 0
	for _, b := range bufs {
		n += len(b)
	}
	return n
}

// Advance moves the position (i, off) in bufs n bytes on.
func Advance(bufs [][]byte, i, off, n int) (int, int) {
	for n > 0 && i < len(bufs) {
		left := len(bufs[i]) - off
		if n < left {
			return i, off + n
		}
		n -= left
		i, off = i+1, 0
	}
	for i < len(bufs) && len(bufs[i]) == off {
		i, off = i+1, 0
	}
	return i, off
}
