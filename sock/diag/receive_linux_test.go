package diag_test

import (
	"errors"
	"testing"

	"github.com/posixkit/posixkit/internal/netlink"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock/diag"
	"golang.org/x/sys/unix"
)

// A datagram longer than the room a receive offers is a malformed reply
// of this package (an AF_UNIX datagram pair stands in for the netlink
// socket: the length is checked before the sender).
func TestReceiveTruncated(t *testing.T) {
	a, b := testkit.Socketpair(t, unix.SOCK_DGRAM)
	if err := unix.SetsockoptInt(b, unix.SOL_SOCKET, unix.SO_SNDBUF, 1<<20); err != nil {
		t.Fatal(err)
	}
	n := diag.RecvBufSize + 1
	if _, err := unix.Write(b, make([]byte, n)); err != nil {
		t.Fatal(err)
	}
	got, err := diag.ReceiveOn(a)
	if !errors.Is(err, diag.ErrMalformed) || !errors.Is(err, netlink.ErrTruncated) {
		t.Errorf("receive of %d bytes into %d = %d bytes, %v; want an error wrapping ErrMalformed and ErrTruncated", n, diag.RecvBufSize, len(got), err)
	}
}
