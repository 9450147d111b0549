package sock_test

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/posixkit/posixkit/sock"
)

func TestSetsockoptIntRange(t *testing.T) {
	s := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
	big := int64(1) << 32
	for _, v := range []int64{big, -1<<31 - 1, 1 << 31} {
		if int64(int(v)) != v {
			continue // a 32-bit int cannot hold it: nothing to refuse
		}
		if err := s.SetsockoptInt(sock.SOL_SOCKET, 8 /* any name */, int(v)); !errors.Is(err, sock.EINVAL) {
			t.Errorf("SetsockoptInt(%d) = %v, want EINVAL", v, err)
		}
	}
	if err := s.SetRecvBuffer(4096); err != nil {
		t.Fatal(err)
	}
}

// TestSockoptBytes sets SO_LINGER from the bytes of a struct linger and
// reads it back, both ways through the typed Linger.
func TestSockoptBytes(t *testing.T) {
	s := skNew(t, sock.AF_INET, sock.SOCK_STREAM, 0)
	b := make([]byte, 8)
	n, err := s.GetsockoptBytes(sock.SOL_SOCKET, soLinger, b)
	if err != nil || n != 8 || binary.NativeEndian.Uint32(b) != 0 {
		t.Fatalf("GetsockoptBytes(SO_LINGER) = %d %x, %v; want off", n, b, err)
	}
	binary.NativeEndian.PutUint32(b[0:], 1)
	binary.NativeEndian.PutUint32(b[4:], 7)
	if err := s.SetsockoptBytes(sock.SOL_SOCKET, soLinger, b); err != nil {
		t.Fatal(err)
	}
	if d, err := s.Linger(); err != nil || d.Seconds() != 7 {
		t.Errorf("Linger after SetsockoptBytes = %v, %v; want 7s", d, err)
	}
}
