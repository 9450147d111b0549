package sock

import (
	"errors"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// ErrTruncated is wrapped by the error of [Socket.Recv], [Socket.RecvFrom]
// and [Socket.Read] when a datagram was larger than the buffer: the kernel
// dropped its tail (MSG_TRUNC in recvmsg's flags). The returned count is
// then len(p), never more, even when the caller passed MSG_TRUNC.
var ErrTruncated = errors.New("message truncated")

func errnoOf(err error) unix.Errno {
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return unix.EINVAL
}

// opError wraps an error of the descriptor core or the kernel with the name
// of the call.
func opError(op string, err error) error {
	if err == nil {
		return nil
	}
	return os.NewSyscallError(op, err)
}

func (s *Socket) closedError(op string) error {
	return os.NewSyscallError(op, net.ErrClosed)
}

func errOrNil(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}
