//go:build linux || freebsd || netbsd || openbsd || dragonfly

package addrinfo

import "golang.org/x/sys/unix"

func udpSocket(af int) (int, error) {
	return unix.Socket(af, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
}
