//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package poll

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Best is the backend to pick for many descriptors or any above
// FD_SETSIZE: epoll on Linux, kqueue on Darwin and the BSDs, else poll.
const Best = BackendPoll

// newQueuePoller: neither epoll nor kqueue on this system.
func newQueuePoller(_ *Poller, b Backend) (backend, error) {
	return nil, fmt.Errorf("%v is not available on this system: %w", b, unix.ENOSYS)
}

const queueOneShot = false // no queue backend
