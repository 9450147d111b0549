//go:build !darwin

package fdcore

import "golang.org/x/sys/unix"

// canPoll reports whether a descriptor of this type may join the runtime
// poller: regular files and directories never do (epoll refuses them and
// kqueue reports them always ready), as in os.
func canPoll(mode uint32, _ bool) bool {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG, unix.S_IFDIR:
		return false
	}
	return true
}
