//go:build !linux && !darwin

package sock_test

import "golang.org/x/sys/unix"

const soLinger = unix.SO_LINGER
