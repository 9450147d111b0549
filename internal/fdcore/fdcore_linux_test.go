package fdcore_test

import (
	"errors"
	"io/fs"
	"os"
	"testing"

	"github.com/posixkit/posixkit/internal/fdcore"
	"github.com/posixkit/posixkit/internal/testkit"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func kernelNonblock(t *testing.T, fd int) bool {
	t.Helper()
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		t.Fatal(err)
	}
	return fl&unix.O_NONBLOCK != 0
}

// TestPollability checks New's decision against the kernel: what epoll
// accepts joins the runtime poller in nonblocking mode; what it refuses
// (a regular file, /dev/null) keeps the mode it came with.
func TestPollability(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[1])
	reg, err := unix.Open(t.TempDir()+"/f", unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	null, err := unix.Open(os.DevNull, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		fd           int
		wantPollable bool
	}{
		{"pipe", p[0], true},
		{"regular file", reg, false},
		{"/dev/null (epoll refuses it)", null, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := fdcore.New(tt.fd, tt.name, false, fs.ErrClosed)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Pollable(); got != tt.wantPollable {
				t.Errorf("Pollable() = %v, want %v", got, tt.wantPollable)
			}
			if got := kernelNonblock(t, tt.fd); got != tt.wantPollable {
				t.Errorf("kernel O_NONBLOCK = %v, want %v (set exactly when in the poller)", got, tt.wantPollable)
			}
			if got := d.WouldWait(); got != tt.wantPollable {
				t.Errorf("WouldWait() = %v, want %v", got, tt.wantPollable)
			}
			if err := d.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := d.Close(); !errors.Is(err, fs.ErrClosed) {
				t.Errorf("second Close = %v, want fs.ErrClosed", err)
			}
			if got := d.Sysfd(); got != -1 {
				t.Errorf("Sysfd() after Close = %d, want -1", got)
			}
		})
	}
}

// TestNewBadFD: New refuses what is not an open descriptor and leaves the
// number alone.
func TestNewBadFD(t *testing.T) {
	for _, fd := range []int{-1, 1 << 20} {
		if d, err := fdcore.New(fd, "bad", false, fs.ErrClosed); err == nil || d != nil {
			t.Errorf("New(%d) = %v, %v; want an error", fd, d, err)
		}
	}
}

// TestCloseReportsCloseError: the first Close reports close(2)'s own error,
// not the closed error, when the descriptor was closed behind the FD's back.
func TestCloseReportsCloseError(t *testing.T) {
	fd, err := unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	d, err := fdcore.New(fd, "null", false, fs.ErrClosed)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(fd) // behind its back
	if err := d.Close(); !errors.Is(err, unix.EBADF) {
		t.Errorf("Close of a descriptor closed behind its back = %v, want EBADF", err)
	}
}
