package fdcore

import "golang.org/x/sys/unix"

// canPoll reports whether a descriptor of this type may join the runtime
// poller. Darwin's kqueue does not report a FIFO's last writer closing
// (Go issue 24164), so FIFOs stay blocking there, as in os.
func canPoll(mode uint32) bool {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG, unix.S_IFDIR, unix.S_IFIFO:
		return false
	}
	return true
}
