//go:build !linux

// The systems without AF_PACKET sockets (the BSDs read frames from bpf(4)).

package sock

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

const hasPacketSockets = false

type rawSockaddrLL struct{}

func linkSockaddr(rsa *unix.RawSockaddrAny) *rawSockaddrLL {
	return (*rawSockaddrLL)(unsafe.Pointer(rsa))
}

func encodeSockaddrLL(*LinkAddr, *rawSockaddrLL) uint32 { return 0 }

func decodeLink(*rawSockaddrLL, uint32) LinkAddr { return LinkAddr{} }
