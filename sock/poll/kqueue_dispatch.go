//go:build darwin || freebsd || openbsd || dragonfly

package poll

import "golang.org/x/sys/unix"

// The kqueue flag of the one-shot mode.
const (
	kqueueDispatch = unix.EV_DISPATCH
	queueOneShot   = true // the queue backend offers OneShot
)
