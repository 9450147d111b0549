package poll

import (
	"fmt"
	"math/bits"
	"unsafe"

	"golang.org/x/sys/unix"
)

// FD_SETSIZE is the number of descriptors an [FDSet] can hold, 0 to
// FD_SETSIZE-1. Go raises the soft RLIMIT_NOFILE to the hard limit, so Go
// programs meet higher ones sooner than C: watch those with [Best].
const FD_SETSIZE int = int(unsafe.Sizeof(unix.FdSet{})) * 8

// FDSet is C's fd_set for [Select], with its memory layout; the zero value
// is empty. Unlike FD_SET, [FDSet.Set] refuses a descriptor it cannot hold.
// On a nil *FDSet, Set fails and the other methods act on an empty set.
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
	return wrap("FD_SET", fmt.Errorf("fd %d outside [0, %d): %w", fd, FD_SETSIZE, unix.EINVAL))
}

// Set adds fd to the set: C's FD_SET. fd outside [0, FD_SETSIZE) (or a
// nil s) returns an error wrapping [unix.EINVAL] and leaves s unchanged.
func (s *FDSet) Set(fd int) error {
	if s == nil {
		return wrap("FD_SET", fmt.Errorf("nil FDSet: %w", unix.EINVAL))
	}
	if fd < 0 || fd >= FD_SETSIZE {
		return errFDRange(fd)
	}
	s.s.Set(fd)
	return nil
}

// Clear removes fd from the set: C's FD_CLR.
func (s *FDSet) Clear(fd int) {
	if s == nil || fd < 0 || fd >= FD_SETSIZE {
		return
	}
	s.s.Clear(fd)
}

// IsSet reports whether fd is in the set: C's FD_ISSET.
func (s *FDSet) IsSet(fd int) bool {
	if s == nil || fd < 0 || fd >= FD_SETSIZE {
		return false
	}
	return s.s.IsSet(fd)
}

// Zero empties the set: C's FD_ZERO.
func (s *FDSet) Zero() {
	if s != nil {
		s.s.Zero()
	}
}

// Count returns the number of descriptors in the set.
func (s *FDSet) Count() int {
	if s == nil {
		return 0
	}
	return fdsetCount(s.s.Bits[:])
}

// Max returns the highest descriptor in the set, or -1: Max()+1 is nfd.
func (s *FDSet) Max() int {
	if s == nil {
		return -1
	}
	return fdsetMax(s.s.Bits[:])
}

// Next returns the lowest descriptor in the set at or after fd, or -1:
//
//	for fd := s.Next(0); fd >= 0; fd = s.Next(fd + 1) { ... }
func (s *FDSet) Next(fd int) int {
	if s == nil || fd >= FD_SETSIZE {
		return -1
	}
	return fdsetNext(s.s.Bits[:], nil, fd)
}
