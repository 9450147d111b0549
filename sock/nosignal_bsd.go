//go:build freebsd || netbsd || openbsd || dragonfly

package sock

import "golang.org/x/sys/unix"

// msgNoSignal is added to every send: no SIGPIPE on a broken connection.
const msgNoSignal = unix.MSG_NOSIGNAL

// soLinger is the SO_LINGER option, counted in seconds.
const soLinger = unix.SO_LINGER
