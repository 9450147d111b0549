package sock

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// SockFilter is one classic BPF instruction, C's struct sock_filter, with
// the same layout as unix.SockFilter: convert one with SockFilter(ins).
type SockFilter struct {
	Code uint16 // BPF_LD|BPF_B|BPF_ABS, ... (unix.BPF_*)
	Jt   uint8
	Jf   uint8
	K    uint32
}

// maxFilterLen is BPF_MAXINSNS, the kernel's limit on a program's length.
const maxFilterLen = 4096

// AttachFilter attaches a classic BPF program that decides how many bytes
// of each packet the socket gets (0: none): SO_ATTACH_FILTER. It replaces
// any filter before; the kernel checks the program (EINVAL). Linux only
// (elsewhere ENOPROTOOPT: the BSDs filter through bpf(4) devices).
func (s *Socket) AttachFilter(prog []SockFilter) error {
	const op = "setsockopt"
	if err := s.check(op); err != nil {
		return err
	}
	if len(prog) == 0 || len(prog) > maxFilterLen {
		return opError(op, &optionError{"SO_ATTACH_FILTER: program of " + strconv.Itoa(len(prog)) + " instructions, want 1 to " + strconv.Itoa(maxFilterLen), unix.EINVAL})
	}
	return s.control(op, func(fd int) error { return sysAttachFilter(fd, prog) })
}

// DetachFilter removes the filter: SO_DETACH_FILTER; ENOENT if none.
func (s *Socket) DetachFilter() error {
	return s.control("setsockopt", sysDetachFilter)
}

// Filter returns the attached program as the kernel holds it (nil, nil for
// none): getsockopt(2) of SO_GET_FILTER.
func (s *Socket) Filter() ([]SockFilter, error) {
	var prog []SockFilter
	err := s.control("getsockopt", func(fd int) error {
		var err error
		prog, err = sysFilter(fd)
		return err
	})
	return prog, err
}
