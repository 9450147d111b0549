package fdcore_test

import (
	"errors"
	"io/fs"
	"os"
	"testing"
	"time"

	"github.com/posixkit/posixkit/internal/fdcore"
	"github.com/posixkit/posixkit/internal/testkit"
	"golang.org/x/sys/unix"
)

// newPipe returns an FD (made by New) over the read end of a new pipe;
// the write end is closed at the end of the test.
func newPipe(t *testing.T) *fdcore.FD {
	t.Helper()
	var p [2]int
	if err := testkit.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(p[1]) })
	d, err := fdcore.New(p[0], "pipe", false, fs.ErrClosed)
	if err != nil {
		unix.Close(p[0])
		t.Fatal(err)
	}
	return d
}

// TestDeadlineAllocs: setting and clearing deadlines allocates nothing,
// so that a poller can use them on every Wait.
func TestDeadlineAllocs(t *testing.T) {
	d := newPipe(t)
	defer d.Close()
	future := time.Now().Add(time.Hour)
	tests := []struct {
		name string
		set  func(time.Time) error
	}{
		{"SetDeadline", d.SetDeadline},
		{"SetReadDeadline", d.SetReadDeadline},
		{"SetWriteDeadline", d.SetWriteDeadline},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(100, func() {
				if err := tt.set(future); err != nil {
					t.Fatal(err)
				}
				if err := tt.set(time.Time{}); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%s: %v allocs per set and clear, want 0", tt.name, allocs)
			}
		})
	}
}

// TestDeadlineErrors: a deadline that has passed ends a wait with
// os.ErrDeadlineExceeded itself, and a deadline set on a closed FD or on
// one the runtime cannot poll fails with the FD's closed error and
// os.ErrNoDeadline, not os's *PathError.
func TestDeadlineErrors(t *testing.T) {
	d := newPipe(t)
	if err := d.SetReadDeadline(time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := d.Read(func(uintptr) bool { return false }); err != os.ErrDeadlineExceeded {
		t.Errorf("Read past its deadline = %#v, want os.ErrDeadlineExceeded", err)
	}
	d.Close()
	if err := d.SetDeadline(time.Now()); err != fs.ErrClosed {
		t.Errorf("SetDeadline after Close = %v, want fs.ErrClosed", err)
	}

	fd, err := unix.Open(t.TempDir()+"/f", unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := fdcore.New(fd, "regular", false, fs.ErrClosed)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	if err := reg.SetDeadline(time.Now()); err != os.ErrNoDeadline {
		t.Errorf("SetDeadline on a regular file = %#v, want os.ErrNoDeadline", err)
	}
	if errors.Is(err, fs.ErrClosed) {
		t.Errorf("SetDeadline on an open regular file = %v, want no closed error", err)
	}
}
