//go:build netbsd || openbsd || dragonfly

package sock

// prepareSocket has nothing to do here: MSG_NOSIGNAL is passed per send.
func prepareSocket(int) error { return nil }
