package fileio_test

import (
	"errors"
	"testing"

	"github.com/posixkit/posixkit/fileio"
	"github.com/posixkit/posixkit/internal/testkit"
	"golang.org/x/sys/unix"
)

// TestNewFileRestoresBlockingMode: NewFile puts an adopted pipe in
// nonblocking mode for the runtime poller, but the mode belongs to the open
// file description, which another holder (here a dup, in life a parent
// shell) shares: Close must give it back, or that holder gets EAGAIN.
func TestNewFileRestoresBlockingMode(t *testing.T) {
	var p [2]int
	if err := testkit.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[1])
	other, err := unix.FcntlInt(uintptr(p[0]), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(other)
	nonblock := func() bool {
		t.Helper()
		fl, err := unix.FcntlInt(uintptr(other), unix.F_GETFL, 0)
		if err != nil {
			t.Fatal(err)
		}
		return fl&unix.O_NONBLOCK != 0
	}
	if nonblock() {
		t.Fatal("a new pipe is already nonblocking")
	}
	f := fileio.NewFile(p[0], "pipe-r")
	if f == nil {
		t.Fatal("NewFile returned nil")
	}
	if got, err := f.Nonblock(); got || err != nil {
		t.Errorf("Nonblock() = %v, %v; want false, nil (the fd came blocking)", got, err)
	}
	if !nonblock() {
		t.Error("while adopted, the pipe is not in the runtime poller's nonblocking mode")
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if nonblock() {
		t.Error("after Close, the shared open file description is left nonblocking")
	}
}

// TestNewFileKeepsNonblockingMode: a descriptor that came nonblocking stays
// so after Close, and its File returns EAGAIN instead of waiting.
func TestNewFileKeepsNonblockingMode(t *testing.T) {
	var p [2]int
	if err := testkit.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[1])
	other, err := unix.FcntlInt(uintptr(p[0]), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(other)
	f := fileio.NewFile(p[0], "pipe-r")
	if got, err := f.Nonblock(); !got || err != nil {
		t.Errorf("Nonblock() = %v, %v; want true, nil", got, err)
	}
	if _, err := f.Read(make([]byte, 1)); err == nil || !errors.Is(err, unix.EAGAIN) {
		t.Errorf("Read of an empty nonblocking pipe = %v, want EAGAIN", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	fl, err := unix.FcntlInt(uintptr(other), unix.F_GETFL, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fl&unix.O_NONBLOCK == 0 {
		t.Error("Close cleared O_NONBLOCK that the descriptor came with")
	}
}
