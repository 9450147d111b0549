package sock_test

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

const soLinger = unix.SO_LINGER

func TestTCPInfo(t *testing.T) {
	c, _ := skTCP(t, sock.AF_INET, netip.MustParseAddr("127.0.0.1"))
	ti, err := c.TCPInfo()
	if err != nil || ti.State != unix.BPF_TCP_ESTABLISHED {
		t.Errorf("TCPInfo = state %d, %v; want ESTABLISHED (%d)", ti.State, err, unix.BPF_TCP_ESTABLISHED)
	}
	u := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
	if _, err := u.TCPInfo(); err == nil {
		t.Error("TCPInfo of a UDP socket succeeded")
	}
}

func TestSockNonblockFlag(t *testing.T) {
	s := skNew(t, sock.AF_INET, sock.SOCK_DGRAM|sock.SOCK_NONBLOCK|sock.SOCK_CLOEXEC, 0)
	if nb, err := s.Nonblock(); err != nil || !nb || s.Type() != sock.SOCK_DGRAM {
		t.Errorf("New with SOCK_NONBLOCK: Nonblock %v, %v, Type %v", nb, err, s.Type())
	}
	if _, _, err := s.RecvFrom(make([]byte, 4), 0); err == nil || !errors.Is(err, sock.EAGAIN) {
		t.Errorf("RecvFrom in nonblocking mode = %v, want EAGAIN", err)
	}
}
