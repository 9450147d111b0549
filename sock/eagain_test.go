package sock_test

import (
	"errors"
	"net/netip"
	"os"
	"runtime"
	"testing"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// TestEAGAINZeroAllocs: on a nonblocking socket, the EAGAIN that ends an
// edge-triggered loop's reads (and a full send buffer's writes, an empty
// accept queue) allocates nothing, and is still an *os.SyscallError
// naming the call and wrapping EAGAIN.
func TestEAGAINZeroAllocs(t *testing.T) {
	if runtime.GOOS == "darwin" {
		t.Skip("Darwin uses the allocating x/sys calls")
	}
	lo := netip.MustParseAddr("127.0.0.1")
	c, s := skTCP(t, sock.AF_INET, lo)
	ln, _ := skListen(t, sock.AF_INET, lo)
	for _, x := range []*sock.Socket{c, s, ln} {
		if err := x.SetNonblock(true); err != nil {
			t.Fatal(err)
		}
	}
	// Fill c's send buffer (and s's receive buffer) until EAGAIN.
	big := make([]byte, 1<<16)
	for {
		_, err := c.Send(big, 0)
		if errors.Is(err, unix.EAGAIN) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 64)
	empty, _ := skPair(t, sock.SOCK_STREAM)
	if err := empty.SetNonblock(true); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func() error
	}{
		{"recv", func() error { _, err := empty.Recv(buf, 0); return err }},
		{"read", func() error { _, err := empty.Read(buf); return err }},
		{"send", func() error { _, err := c.Send(buf, 0); return err }},
		{"accept", func() error { _, _, err := ln.Accept(); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			allocs := testing.AllocsPerRun(100, func() { err = tt.call() })
			var se *os.SyscallError
			if !errors.As(err, &se) || se.Syscall != tt.name || !errors.Is(err, unix.EAGAIN) {
				t.Fatalf("%s = %#v, want an *os.SyscallError %q wrapping EAGAIN", tt.name, err, tt.name)
			}
			if allocs != 0 {
				t.Errorf("%s returning EAGAIN: %v allocs per call, want 0", tt.name, allocs)
			}
		})
	}
}
