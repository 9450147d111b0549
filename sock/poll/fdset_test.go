package poll_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock/poll"
	"golang.org/x/sys/unix"
)

// setMembers lists the descriptors in s, by IsSet over the whole range.
func setMembers(s *poll.FDSet) []int {
	var fds []int
	for fd := 0; fd < poll.FD_SETSIZE; fd++ {
		if s.IsSet(fd) {
			fds = append(fds, fd)
		}
	}
	return fds
}

func TestFDSetSize(t *testing.T) {
	if poll.FD_SETSIZE != 1024 {
		t.Errorf("FD_SETSIZE = %d, want 1024 (C's value on Linux, Darwin and FreeBSD)", poll.FD_SETSIZE)
	}
}

func TestFDSetRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		fds  []int
	}{
		{"empty", nil},
		{"zero", []int{0}},
		{"word edges", []int{31, 32, 63, 64, 65}},
		{"top", []int{poll.FD_SETSIZE - 1}},
		{"spread", []int{0, 1, 2, 100, 511, 512, 1000, 1023}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var s poll.FDSet
			for _, fd := range tt.fds {
				if err := s.Set(fd); err != nil {
					t.Fatalf("Set(%d): %v", fd, err)
				}
			}
			want := tt.fds
			if diff := cmp.Diff(want, setMembers(&s)); diff != "" {
				t.Errorf("unexpected members after Set (-want +got):\n%s", diff)
			}
			if got := s.Count(); got != len(want) {
				t.Errorf("Count() = %d, want %d", got, len(want))
			}
			wantMax := -1
			if len(want) > 0 {
				wantMax = slices.Max(want)
			}
			if got := s.Max(); got != wantMax {
				t.Errorf("Max() = %d, want %d", got, wantMax)
			}
			var walked []int
			for fd := s.Next(0); fd >= 0; fd = s.Next(fd + 1) {
				walked = append(walked, fd)
			}
			if diff := cmp.Diff(want, walked); diff != "" {
				t.Errorf("unexpected Next walk (-want +got):\n%s", diff)
			}
			// Setting twice changes nothing; clearing every other one
			// leaves the rest.
			for _, fd := range tt.fds {
				_ = s.Set(fd)
			}
			var kept []int
			for i, fd := range tt.fds {
				if i%2 == 0 {
					s.Clear(fd)
				} else {
					kept = append(kept, fd)
				}
			}
			if diff := cmp.Diff(kept, setMembers(&s)); diff != "" {
				t.Errorf("unexpected members after Clear (-want +got):\n%s", diff)
			}
			s.Zero()
			if got := setMembers(&s); got != nil {
				t.Errorf("members after Zero = %v, want none", got)
			}
			if got := s.Max(); got != -1 {
				t.Errorf("Max() of an empty set = %d, want -1", got)
			}
		})
	}
}

func TestFDSetOutOfRange(t *testing.T) {
	// x/sys aliases -1 to fd 63 and -63 to fd 1, and panics on -64 and 1024.
	bad := []int{-1, -63, -64, -65, math.MinInt, poll.FD_SETSIZE, poll.FD_SETSIZE + 1, 1 << 20, math.MaxInt}
	for _, fd := range bad {
		t.Run(fmt.Sprint(fd), func(t *testing.T) {
			t.Parallel()
			var s poll.FDSet
			for _, m := range []int{0, 1, 62, 64, 1023} {
				if err := s.Set(m); err != nil {
					t.Fatal(err)
				}
			}
			before := s
			err := s.Set(fd)
			if !errors.Is(err, unix.EINVAL) {
				t.Errorf("Set(%d) = %v, want an error wrapping EINVAL", fd, err)
			}
			if err != nil {
				if want := fmt.Sprintf("fd %d ", fd); !strings.Contains(err.Error(), want) {
					t.Errorf("Set(%d) error %q does not name the fd", fd, err)
				}
			}
			if s != before {
				t.Errorf("Set(%d) changed the set: members %v, want %v", fd, setMembers(&s), setMembers(&before))
			}
			if s.IsSet(fd) {
				t.Errorf("IsSet(%d) = true", fd)
			}
			s.Clear(fd)
			if s != before {
				t.Errorf("Clear(%d) changed the set: members %v, want %v", fd, setMembers(&s), setMembers(&before))
			}
			if got := s.Next(fd); fd >= poll.FD_SETSIZE && got != -1 {
				t.Errorf("Next(%d) = %d, want -1", fd, got)
			}
		})
	}
}

// TestFDSetRealHighFD uses a real descriptor at or above FD_SETSIZE, which
// Go programs meet early since the runtime raises RLIMIT_NOFILE.
func TestFDSetRealHighFD(t *testing.T) {
	hi := selectHighFD(t)
	var s poll.FDSet
	if err := s.Set(hi); !errors.Is(err, unix.EINVAL) {
		t.Errorf("Set(%d) = %v, want an error wrapping EINVAL", hi, err)
	}
	if got := setMembers(&s); got != nil {
		t.Errorf("Set(%d) marked %v", hi, got)
	}
}

// selectHighFD returns a real open descriptor numbered FD_SETSIZE or above, closed
// at the end of the test.
func selectHighFD(t *testing.T) int {
	t.Helper()
	r, _ := testkit.Pipe(t)
	hi, err := unix.FcntlInt(uintptr(r), unix.F_DUPFD_CLOEXEC, poll.FD_SETSIZE)
	if err != nil {
		var lim unix.Rlimit
		_ = unix.Getrlimit(unix.RLIMIT_NOFILE, &lim)
		t.Skipf("no descriptor >= %d (RLIMIT_NOFILE %d): %v", poll.FD_SETSIZE, lim.Cur, err)
	}
	t.Cleanup(func() { unix.Close(hi) })
	return hi
}

// FuzzFDSet applies a sequence of Set, Clear, IsSet and Zero with
// arbitrary descriptors to an FDSet and to a map, and checks that they
// agree after every step, that an out-of-range descriptor is an error and
// changes nothing, and that Count, Max and Next agree with the model.
//
// Input: a list of operations, each one byte (low two bits: 0 Set,
// 1 Clear, 2 IsSet, 3 Zero; bit 7: a 4-byte descriptor follows instead of
// 2) and then the descriptor, little-endian and signed.
func FuzzFDSet(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var s poll.FDSet
		model := map[int]bool{}
		for len(data) > 0 {
			op := data[0]
			data = data[1:]
			var fd int
			if op&0x80 != 0 {
				if len(data) < 4 {
					return
				}
				fd = int(int32(binary.LittleEndian.Uint32(data)))
				data = data[4:]
			} else {
				if len(data) < 2 {
					return
				}
				fd = int(int16(binary.LittleEndian.Uint16(data)))
				data = data[2:]
			}
			inRange := fd >= 0 && fd < poll.FD_SETSIZE
			before := s
			switch op & 3 {
			case 0:
				err := s.Set(fd)
				if inRange {
					if err != nil {
						t.Fatalf("Set(%d): %v", fd, err)
					}
					model[fd] = true
				} else if !errors.Is(err, unix.EINVAL) {
					t.Fatalf("Set(%d) = %v, want EINVAL", fd, err)
				}
			case 1:
				s.Clear(fd)
				delete(model, fd)
			case 2:
				if got := s.IsSet(fd); got != model[fd] {
					t.Fatalf("IsSet(%d) = %v, want %v", fd, got, model[fd])
				}
			case 3:
				s.Zero()
				clear(model)
			}
			if !inRange && op&3 != 3 && s != before {
				t.Fatalf("op %d on out-of-range fd %d changed the set", op&3, fd)
			}
			if got := s.IsSet(fd); got != model[fd] {
				t.Fatalf("after op %d: IsSet(%d) = %v, want %v", op&3, fd, got, model[fd])
			}
		}
		var want []int
		for fd := range model {
			want = append(want, fd)
		}
		slices.Sort(want)
		if diff := cmp.Diff(want, setMembers(&s)); diff != "" {
			t.Fatalf("unexpected members (-want +got):\n%s", diff)
		}
		var walked []int
		for fd := s.Next(0); fd >= 0; fd = s.Next(fd + 1) {
			walked = append(walked, fd)
		}
		if diff := cmp.Diff(want, walked); diff != "" {
			t.Fatalf("unexpected Next walk (-want +got):\n%s", diff)
		}
		if got := s.Count(); got != len(want) {
			t.Fatalf("Count() = %d, want %d", got, len(want))
		}
		wantMax := -1
		if len(want) > 0 {
			wantMax = want[len(want)-1]
		}
		if got := s.Max(); got != wantMax {
			t.Fatalf("Max() = %d, want %d", got, wantMax)
		}
	})
}
