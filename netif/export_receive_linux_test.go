package netif

// Internals for receive_linux_test.go (the checks of one netlink receive).

import "github.com/posixkit/posixkit/internal/netlink"

var (
	ErrMsgTrunc = netlink.ErrTruncated
	ErrSender   = netlink.ErrSender
	RecvBufSize = recvBufSize
)

// ReceiveOn makes one rtnl.receive on fd (which it does not close) with an
// empty buffer, as the first receive of a dump does.
func ReceiveOn(fd int) ([]byte, error) {
	c := newRTNL(netlink.Conn{FD: fd}, make([]byte, 0))
	return c.receive()
}

// RouteSocket opens a bound NETLINK_ROUTE socket as a dump does and
// returns its descriptor, its port id and a function that closes it.
func RouteSocket() (fd int, pid uint32, closeFn func(), err error) {
	c, err := openRTNL()
	if err != nil {
		return -1, 0, nil, err
	}
	return c.FD, c.PID, c.close, nil
}
