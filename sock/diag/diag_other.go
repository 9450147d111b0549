//go:build !linux

package diag

import (
	"context"
	"fmt"

	"golang.org/x/sys/unix"
)

// list has no kernel interface to call outside Linux: sock_diag is Linux's
// own (see the package documentation for what other systems offer).
func list(_ context.Context, dst []Socket, _ *Filter) ([]Socket, error) {
	return dst, wrap(fmt.Errorf("the socket table is read through Linux's NETLINK_SOCK_DIAG, which this system lacks: %w", unix.ENOSYS))
}
