package sock_test

import (
	"testing"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// TestBindToDevice binds to lo, reads it back, and unbinds.
func TestBindToDevice(t *testing.T) {
	s := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
	if name, err := s.BindToDevice(); err != nil || name != "" {
		t.Fatalf("initial BindToDevice = %q, %v; want \"\"", name, err)
	}
	if err := s.SetBindToDevice("lo"); err != nil {
		t.Fatal(err)
	}
	if name, err := s.BindToDevice(); err != nil || name != "lo" {
		t.Fatalf("BindToDevice = %q, %v; want lo", name, err)
	}
	if err := s.SetBindToDevice(""); err != nil {
		t.Fatal(err)
	}
	if name, err := s.BindToDevice(); err != nil || name != "" {
		t.Fatalf("after unbinding: %q, %v", name, err)
	}
	skErrIs(t, "SetBindToDevice(no-such-if0)", s.SetBindToDevice("no-such-if0"), unix.ENODEV)
}
