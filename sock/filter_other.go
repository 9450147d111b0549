//go:build !linux

// The systems without socket filters (SO_ATTACH_FILTER).

package sock

import "golang.org/x/sys/unix"

func sysAttachFilter(int, []SockFilter) error { return unix.ENOPROTOOPT }

func sysDetachFilter(int) error { return unix.ENOPROTOOPT }

func sysFilter(int) ([]SockFilter, error) { return nil, unix.ENOPROTOOPT }
