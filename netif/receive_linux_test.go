package netif_test

import (
	"errors"
	"testing"
	"unsafe"

	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/netif"
	"golang.org/x/sys/unix"
)

// Pitfalls "a truncated receive (MSG_TRUNC) as an error" and "sender is
// the kernel (port 0)": one netlink receive refuses a datagram longer than
// its buffer, and one sent by another netlink socket rather than the
// kernel, with errors wrapping ErrMalformed.
func TestReceiveRefusesTruncatedAndForeign(t *testing.T) {
	t.Run("truncated", func(t *testing.T) {
		// An AF_UNIX datagram pair stands in for the netlink socket: the
		// length is checked before the sender.
		var p [2]int
		p[0], p[1] = testkit.Socketpair(t, unix.SOCK_DGRAM)
		if err := unix.SetsockoptInt(p[1], unix.SOL_SOCKET, unix.SO_SNDBUF, 1<<20); err != nil {
			t.Fatal(err)
		}
		big := make([]byte, netif.RecvBufSize+100)
		if _, err := unix.Write(p[1], big); err != nil {
			t.Fatal(err)
		}
		b, err := netif.ReceiveOn(p[0])
		if !errors.Is(err, netif.ErrMsgTrunc) || !errors.Is(err, netif.ErrMalformed) {
			t.Fatalf("receive of a %d-byte datagram into %d bytes = %d bytes, %v; want one wrapping ErrMalformed (MSG_TRUNC)", len(big), netif.RecvBufSize, len(b), err)
		}
	})
	t.Run("not from the kernel", func(t *testing.T) {
		fd, pid, closeFn, err := netif.RouteSocket()
		if err != nil {
			t.Skipf("no NETLINK_ROUTE socket: %v", err)
		}
		defer closeFn()
		ofd, opid, ocloseFn, err := netif.RouteSocket()
		if err != nil {
			t.Fatal(err)
		}
		defer ocloseFn()
		// An NLMSG_DONE from the other socket's port id to this one's.
		msg := make([]byte, unix.SizeofNlMsghdr)
		h := (*unix.NlMsghdr)(unsafe.Pointer(&msg[0]))
		h.Len, h.Type, h.Pid = unix.SizeofNlMsghdr, unix.NLMSG_DONE, opid
		to := unix.RawSockaddrNetlink{Family: unix.AF_NETLINK, Pid: pid}
		if _, _, e := unix.Syscall6(unix.SYS_SENDTO, uintptr(ofd), uintptr(unsafe.Pointer(&msg[0])), uintptr(len(msg)),
			0, uintptr(unsafe.Pointer(&to)), unix.SizeofSockaddrNetlink); e != 0 {
			if e == unix.EPERM || e == unix.ECONNREFUSED {
				t.Skipf("netlink unicast between user sockets refused: %v", e)
			}
			t.Fatal(e)
		}
		b, err := netif.ReceiveOn(fd)
		if !errors.Is(err, netif.ErrSender) || !errors.Is(err, netif.ErrMalformed) {
			t.Fatalf("receive of a message from port id %d = %d bytes, %v; want one wrapping ErrMalformed (sender)", opid, len(b), err)
		}
	})
}
