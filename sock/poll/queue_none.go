//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package poll

import (
	"fmt"

	"golang.org/x/sys/unix"
)

var nativeBackends []Backend

// newQueuePoller: neither epoll nor kqueue on this system.
func newQueuePoller(b Backend) (pollerImpl, error) {
	return nil, fmt.Errorf("%v is not available on this system: %w", b, unix.ENOSYS)
}
