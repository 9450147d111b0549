//go:build !darwin

package testkit

import "golang.org/x/sys/unix"

// Pipe2 is pipe2(2): a new pipe in p, with O_CLOEXEC and O_NONBLOCK taken
// from flags. The caller owns both descriptors.
func Pipe2(p []int, flags int) error { return unix.Pipe2(p, flags) }
