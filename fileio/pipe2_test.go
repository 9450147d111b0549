//go:build !darwin

package fileio_test

import "golang.org/x/sys/unix"

// pipe2 is pipe2(2).
func pipe2(p []int, flags int) error { return unix.Pipe2(p, flags) }
