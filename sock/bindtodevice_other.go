//go:build !linux

// The systems without SO_BINDTODEVICE.

package sock

import "golang.org/x/sys/unix"

func sysSetBindToDevice(int, string) error { return unix.ENOPROTOOPT }

func sysBindToDevice(int) (string, error) { return "", unix.ENOPROTOOPT }
