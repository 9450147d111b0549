package poll

import (
	"fmt"
	"math/bits"
	"unsafe"

	"golang.org/x/sys/unix"
)

// FD_SETSIZE is the number of descriptors an [FDSet] can hold: select(2)
// can watch only the descriptors 0 to FD_SETSIZE-1. Go raises the soft
// RLIMIT_NOFILE to the hard limit at start-up, so a Go program meets
// descriptors at or above this limit far sooner than a C one; use the
// poller of the standard library (net, os) or poll/epoll for those.
const FD_SETSIZE int = int(unsafe.Sizeof(unix.FdSet{})) * 8

// FDSet is a set of file descriptors for [Select]: C's fd_set, with the
// same memory layout, so it is passed to the kernel as it is. The zero
// value is an empty set.
//
// Unlike C's FD_SET macro and x/sys's FdSet.Set, [FDSet.Set] checks the
// descriptor: a number outside [0, FD_SETSIZE) is an error, never a write
// past the set or a silently marked other descriptor.
type FDSet struct {
	s unix.FdSet
}

// fdsetWord is the element type of unix.FdSet.Bits on each platform
// (int64 on 64-bit Linux, int32 on Darwin and 32-bit Linux, uint64 on
// FreeBSD). The bit of descriptor fd is bit fd%w of word fd/w, w being the
// word's width, as in the C library's FD_SET.
type fdsetWord interface {
	~int32 | ~int64 | ~uint32 | ~uint64
}

// fdsetWordBits is the width in bits of one word of bits.
func fdsetWordBits[W fdsetWord](_ []W) int {
	var w W
	return int(unsafe.Sizeof(w)) * 8
}

// fdsetU64 returns w's bits, zero-extended to 64 bits.
func fdsetU64[W fdsetWord](w W) uint64 {
	if unsafe.Sizeof(w) == 4 {
		return uint64(uint32(w))
	}
	return uint64(w)
}

// fdsetNext returns the lowest descriptor at or after from that is set in
// a or in b (b may be nil), or -1 if there is none.
func fdsetNext[W fdsetWord](a, b []W, from int) int {
	if from < 0 {
		from = 0
	}
	wb := fdsetWordBits(a)
	for i := from / wb; i < len(a); i++ {
		w := fdsetU64(a[i])
		if b != nil {
			w |= fdsetU64(b[i])
		}
		if i == from/wb {
			w &= ^uint64(0) << uint(from%wb)
		}
		if w != 0 {
			return i*wb + bits.TrailingZeros64(w)
		}
	}
	return -1
}

// fdsetMax returns the highest descriptor set in a, or -1.
func fdsetMax[W fdsetWord](a []W) int {
	wb := fdsetWordBits(a)
	for i := len(a) - 1; i >= 0; i-- {
		if w := fdsetU64(a[i]); w != 0 {
			return i*wb + bits.Len64(w) - 1
		}
	}
	return -1
}

// fdsetCount returns the number of descriptors set in a.
func fdsetCount[W fdsetWord](a []W) int {
	n := 0
	for _, w := range a {
		n += bits.OnesCount64(fdsetU64(w))
	}
	return n
}

// errFDRange is the error for a descriptor an FDSet cannot hold.
func errFDRange(fd int) error {
	return fmt.Errorf("sock: fd %d outside the FDSet range [0, %d): %w", fd, FD_SETSIZE, unix.EINVAL)
}

// Set adds fd to the set: C's FD_SET. A descriptor outside
// [0, FD_SETSIZE) returns an error wrapping [unix.EINVAL] that names it,
// and the set is left unchanged.
func (s *FDSet) Set(fd int) error {
	if fd < 0 || fd >= FD_SETSIZE {
		return errFDRange(fd)
	}
	s.s.Set(fd)
	return nil
}

// Clear removes fd from the set: C's FD_CLR. A descriptor outside
// [0, FD_SETSIZE) cannot be in the set: Clear does nothing.
func (s *FDSet) Clear(fd int) {
	if fd < 0 || fd >= FD_SETSIZE {
		return
	}
	s.s.Clear(fd)
}

// IsSet reports whether fd is in the set: C's FD_ISSET. A descriptor
// outside [0, FD_SETSIZE) is never in the set.
func (s *FDSet) IsSet(fd int) bool {
	if fd < 0 || fd >= FD_SETSIZE {
		return false
	}
	return s.s.IsSet(fd)
}

// Zero empties the set: C's FD_ZERO.
func (s *FDSet) Zero() {
	s.s.Zero()
}

// Count returns the number of descriptors in the set. After [Select] it
// is the number of descriptors that set reports ready.
func (s *FDSet) Count() int {
	return fdsetCount(s.s.Bits[:])
}

// Max returns the highest descriptor in the set, or -1 if the set is
// empty. Max()+1 is the nfd argument [Select] needs for this set.
func (s *FDSet) Max() int {
	return fdsetMax(s.s.Bits[:])
}

// Next returns the lowest descriptor in the set at or after fd, or -1 if
// there is none, so that a loop over the set costs one step per member:
//
//	for fd := s.Next(0); fd >= 0; fd = s.Next(fd + 1) { ... }
func (s *FDSet) Next(fd int) int {
	if fd >= FD_SETSIZE {
		return -1
	}
	return fdsetNext(s.s.Bits[:], nil, fd)
}
