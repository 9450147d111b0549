//go:build linux || freebsd || netbsd || openbsd || dragonfly

// The systems with MSG_NOSIGNAL: every send carries it, so no SIGPIPE.

package sock

import "golang.org/x/sys/unix"

// msgNoSignal is added to every send: no SIGPIPE on a broken connection.
const msgNoSignal = unix.MSG_NOSIGNAL

// soLinger is the SO_LINGER option, counted in seconds.
const soLinger = unix.SO_LINGER

// prepareSocket has nothing to do here: MSG_NOSIGNAL is passed per send.
func prepareSocket(int) error { return nil }
