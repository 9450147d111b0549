package sock

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

func sysAttachFilter(fd int, prog []SockFilter) error {
	fp := unix.SockFprog{Len: uint16(len(prog)), Filter: (*unix.SockFilter)(unsafe.Pointer(unsafe.SliceData(prog)))}
	return unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fp)
}

func sysDetachFilter(fd int) error {
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DETACH_FILTER, 0)
}

// sysFilter reads the program with SO_GET_FILTER, whose length argument
// counts instructions, not bytes: a first call with 0 asks for the count.
func sysFilter(fd int) ([]SockFilter, error) {
	for range 3 {
		var n uint32
		if e := getFilter(fd, nil, &n); e != 0 {
			return nil, e
		}
		if n == 0 {
			return nil, nil
		}
		prog := make([]SockFilter, n)
		got := n
		switch e := getFilter(fd, prog, &got); e {
		case 0:
			return prog[:got], nil
		case unix.EINVAL:
			// A longer program was attached between the two calls.
			continue
		default:
			return nil, e
		}
	}
	return nil, unix.EAGAIN
}

func getFilter(fd int, prog []SockFilter, n *uint32) unix.Errno {
	_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_SOCKET, unix.SO_GET_FILTER,
		uintptr(unsafe.Pointer(unsafe.SliceData(prog))), uintptr(unsafe.Pointer(n)), 0)
	return e
}
