package sock

import (
	"errors"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// ErrTruncated is wrapped when a datagram was larger than the buffer and
// the kernel dropped its tail (MSG_TRUNC); the count is then len(p).
var ErrTruncated = errors.New("message truncated")

func errnoOf(err error) unix.Errno {
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return unix.EINVAL
}

// opError is the package's one wrapping point: every error a method returns
// (an errno, an argument error wrapping EINVAL or EAFNOSUPPORT,
// net.ErrClosed, os.ErrDeadlineExceeded, ErrTruncated) is an
// *os.SyscallError naming the call, except io.EOF. nil stays nil.
func opError(op string, err error) error {
	if err == nil {
		return nil
	}
	if err == unix.EAGAIN {
		if e, ok := eagainErrors[op]; ok {
			return e
		}
	}
	return os.NewSyscallError(op, err)
}

// eagainErrors holds one EAGAIN error per I/O call, shared: a loop on
// nonblocking sockets (an edge-triggered Poller's reads until EAGAIN)
// meets one per request, and must not allocate for it.
var eagainErrors = func() map[string]error {
	m := make(map[string]error)
	for _, op := range []string{"accept", "recv", "read", "recvfrom", "send", "write", "sendto"} {
		m[op] = os.NewSyscallError(op, unix.EAGAIN)
	}
	return m
}()

// invalid reports a nil Socket, or a zero one not made by this package.
func (s *Socket) invalid() bool { return s == nil || s.fd == nil }

// ok reports a Socket that is neither invalid nor closed: the guard at the
// start of every method, a branch cheap enough for the hot paths, which
// then call checkError.
func (s *Socket) ok() bool { return s != nil && s.fd != nil && !s.fd.Closed() }

// checkError is the error of a call on a Socket that is not ok: one
// wrapping EINVAL for an invalid Socket, else net.ErrClosed.
func (s *Socket) checkError(op string) error {
	if s.invalid() {
		return opError(op, unix.EINVAL)
	}
	return opError(op, net.ErrClosed)
}

// check is ok and checkError in one, for the paths that are not hot.
func (s *Socket) check(op string) error {
	if !s.ok() {
		return s.checkError(op)
	}
	return nil
}

// control runs f on the descriptor for a call that never waits: the path of
// every such method.
func (s *Socket) control(op string, f func(fd int) error) error {
	if err := s.check(op); err != nil {
		return err
	}
	return opError(op, s.fd.Control(f))
}

func errOrNil(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}
