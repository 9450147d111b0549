package fdcore

import "golang.org/x/sys/unix"

// canPoll reports whether a descriptor of this type may join the runtime
// poller. Regular files and directories never do (kqueue reports them always
// ready). Darwin's kqueue does not report a FIFO's last writer closing (Go
// issue 24164), so a FIFO opened by path stays blocking, as in os; a pipe
// (also S_IFIFO) made by pipe(2) is polled.
func canPoll(mode uint32, opened bool) bool {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG, unix.S_IFDIR:
		return false
	case unix.S_IFIFO:
		return !opened
	}
	return true
}
