package sock_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// firstByteIs is a classic BPF program that passes a packet whose first
// byte is b, whole, and drops every other.
func firstByteIs(b byte) []sock.SockFilter {
	return []sock.SockFilter{
		{Code: unix.BPF_LD | unix.BPF_B | unix.BPF_ABS, K: 0},
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jt: 0, Jf: 1, K: uint32(b)},
		{Code: unix.BPF_RET | unix.BPF_K, K: 0xffff},
		{Code: unix.BPF_RET | unix.BPF_K, K: 0},
	}
}

// TestFilter attaches a filter to one end of a datagram socketpair: only
// the datagrams it passes arrive; the kernel reads the same program back;
// detached, everything arrives again.
func TestFilter(t *testing.T) {
	a, b := skPair(t, sock.SOCK_DGRAM)
	if prog, err := b.Filter(); err != nil || prog != nil {
		t.Fatalf("Filter before attaching = %v, %v; want nil, nil", prog, err)
	}
	want := firstByteIs('A')
	if err := b.AttachFilter(want); err != nil {
		t.Fatalf("AttachFilter: %v", err)
	}
	got, err := b.Filter()
	if err != nil {
		t.Fatalf("Filter: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unexpected program read back (-want +got):\n%s", diff)
	}
	for _, m := range []string{"B dropped", "A passed", "C dropped", "A again"} {
		skSend(t, a, m)
	}
	buf := make([]byte, 64)
	for _, w := range []string{"A passed", "A again"} {
		n, err := b.Recv(buf, 0)
		if err != nil || string(buf[:n]) != w {
			t.Fatalf("Recv = %q, %v; want %q", buf[:n], err, w)
		}
	}
	if n, err := b.Recv(buf, sock.MSG_DONTWAIT); err == nil {
		t.Fatalf("a dropped datagram came through: %q", buf[:n])
	}
	if err := b.DetachFilter(); err != nil {
		t.Fatalf("DetachFilter: %v", err)
	}
	skErrIs(t, "second DetachFilter", b.DetachFilter(), unix.ENOENT)
	skSend(t, a, "B now passes")
	skRecv(t, b, "B now passes")
}

func TestFilterInvalid(t *testing.T) {
	_, b := skPair(t, sock.SOCK_DGRAM)
	skErrIs(t, "AttachFilter(nil)", b.AttachFilter(nil), unix.EINVAL)
	skErrIs(t, "AttachFilter(4097)", b.AttachFilter(make([]sock.SockFilter, 4097)), unix.EINVAL)
	// The kernel's checker: a program that does not end in a return.
	bad := []sock.SockFilter{{Code: unix.BPF_LD | unix.BPF_B | unix.BPF_ABS}}
	skErrIs(t, "AttachFilter(no return)", b.AttachFilter(bad), unix.EINVAL)
	if prog, err := b.Filter(); err != nil || prog != nil {
		t.Fatalf("Filter after refused programs = %v, %v", prog, err)
	}
}
