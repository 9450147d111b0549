//go:build !linux

package main

import (
	"errors"
	"io"

	"github.com/posixkit/posixkit/sock"
)

// open: AF_PACKET sockets are Linux's; the BSDs and macOS read frames
// from bpf(4) devices, which posixkit does not wrap.
func open(int, uint16, string, io.Writer) (*sock.Socket, error) {
	return nil, errors.New("AF_PACKET sockets are Linux's (the BSDs and macOS capture with bpf(4))")
}

func direction(uint8) string { return "" }
