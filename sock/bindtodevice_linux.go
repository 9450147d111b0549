package sock

import "golang.org/x/sys/unix"

func sysSetBindToDevice(fd int, name string) error {
	return unix.SetsockoptString(fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, name)
}

func sysBindToDevice(fd int) (string, error) {
	return unix.GetsockoptString(fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE)
}
