package poll_test

import (
	"errors"
	"fmt"
	"log"
	"math"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock/poll"
	"golang.org/x/sys/unix"
)

// selectClosedFD returns a descriptor number that is not open: a high one
// (at least 900), so that no other test's new descriptor takes it.
func selectClosedFD(t testing.TB) int {
	t.Helper()
	r, _ := testkit.Pipe(t)
	fd, err := unix.FcntlInt(uintptr(r), unix.F_DUPFD_CLOEXEC, 900)
	if err != nil {
		t.Fatal(err)
	}
	if fd >= poll.FD_SETSIZE {
		unix.Close(fd)
		t.Skipf("no free descriptor in [900, %d)", poll.FD_SETSIZE)
	}
	if err := unix.Close(fd); err != nil {
		t.Fatal(err)
	}
	return fd
}

func setOf(t testing.TB, fds ...int) *poll.FDSet {
	t.Helper()
	var s poll.FDSet
	for _, fd := range fds {
		if err := s.Set(fd); err != nil {
			t.Fatal(err)
		}
	}
	return &s
}

func TestSelectBadNfd(t *testing.T) {
	for _, nfd := range []int{-1, math.MinInt, poll.FD_SETSIZE + 1, 1100, math.MaxInt} {
		t.Run(fmt.Sprint(nfd), func(t *testing.T) {
			// The set sits in front of a guard: a select(2) with this nfd
			// would read and clear the guard.
			var mem struct {
				set   poll.FDSet
				guard [256]byte
			}
			for i := range mem.guard {
				mem.guard[i] = 0xff
			}
			_ = mem.set.Set(0)
			before := mem
			n, err := poll.Select(nfd, &mem.set, nil, nil, 0)
			if !errors.Is(err, unix.EINVAL) || n != 0 {
				t.Errorf("Select(%d) = %d, %v; want 0 and an error wrapping EINVAL", nfd, n, err)
			}
			var se *os.SyscallError
			if !errors.As(err, &se) || se.Syscall != "select" {
				t.Errorf("Select(%d) error %#v is not an *os.SyscallError for select", nfd, err)
			}
			if mem != before {
				t.Errorf("Select(%d) touched the sets or the memory after them", nfd)
			}
		})
	}
}

func TestSelectReady(t *testing.T) {
	pr, pw := testkit.Pipe(t)
	testkit.Write(t, pw, "x")
	a, _ := testkit.Socketpair(t, unix.SOCK_STREAM)
	idleR, _ := testkit.Pipe(t)

	tests := []struct {
		name         string
		nfd          int
		r, w         []int
		wantN        int
		wantR, wantW []int
		timeout      time.Duration
	}{
		{name: "readable pipe", r: []int{pr, idleR}, wantN: 1, wantR: []int{pr}, timeout: -1},
		{name: "writable socketpair", w: []int{a}, wantN: 1, wantW: []int{a}, timeout: -1},
		// A timeout of more than a second must reach the kernel normalised
		// (nanoseconds below 10^9), or select fails with EINVAL.
		{name: "timeout over a second", r: []int{pr}, wantN: 1, wantR: []int{pr}, timeout: 1500 * time.Millisecond},
		{name: "both", r: []int{pr, a, idleR}, w: []int{a, pw}, wantN: 3, wantR: []int{pr}, wantW: []int{a, pw}, timeout: time.Second},
		{name: "idle with zero timeout", r: []int{idleR, a}, wantN: 0, timeout: 0},
		{name: "idle with short timeout", r: []int{idleR}, wantN: 0, timeout: 20 * time.Millisecond},
		{name: "nothing, zero timeout", wantN: 0, timeout: 0},
		// nfd one too small: the top descriptor is ignored even though it
		// is readable.
		{name: "nfd one too small", nfd: pr, r: []int{pr}, wantN: 0, timeout: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, w := setOf(t, tt.r...), setOf(t, tt.w...)
			nfd := tt.nfd
			if nfd == 0 {
				nfd = max(r.Max(), w.Max()) + 1
			}
			n, err := poll.Select(nfd, r, w, nil, tt.timeout)
			if err != nil {
				t.Fatalf("Select: %v", err)
			}
			if n != tt.wantN {
				t.Errorf("Select returned %d, want %d", n, tt.wantN)
			}
			wantR, wantW := slices.Sorted(slices.Values(tt.wantR)), slices.Sorted(slices.Values(tt.wantW))
			if diff := cmp.Diff(wantR, setMembers(r)); diff != "" {
				t.Errorf("unexpected read set (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantW, setMembers(w)); diff != "" {
				t.Errorf("unexpected write set (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSelectNilSets(t *testing.T) {
	n, err := poll.Select(0, nil, nil, nil, 0)
	if n != 0 || err != nil {
		t.Errorf("Select(0, nil, nil, nil, 0) = %d, %v; want 0, nil", n, err)
	}
	start := time.Now()
	n, err = poll.Select(0, nil, nil, nil, 30*time.Millisecond)
	if n != 0 || err != nil {
		t.Errorf("Select(0, nil, nil, nil, 30ms) = %d, %v; want 0, nil", n, err)
	}
	if elapsed := time.Since(start); elapsed < 30*time.Millisecond {
		t.Errorf("Select with no sets and a 30 ms timeout returned after %v", elapsed)
	}
}

func TestSelectTimeout(t *testing.T) {
	idle, _ := testkit.Pipe(t)
	const timeout = 50 * time.Millisecond
	r := setOf(t, idle)
	start := time.Now()
	n, err := poll.Select(idle+1, r, nil, nil, timeout)
	elapsed := time.Since(start)
	if n != 0 || err != nil {
		t.Fatalf("Select = %d, %v; want 0, nil", n, err)
	}
	if elapsed < timeout {
		t.Errorf("Select returned after %v, before its %v timeout", elapsed, timeout)
	}
	if r.IsSet(idle) {
		t.Errorf("the idle descriptor is still in the set after a timeout")
	}
}

func TestSelectClosedFD(t *testing.T) {
	bad := selectClosedFD(t)
	pr, pw := testkit.Pipe(t)
	testkit.Write(t, pw, "x")
	r := setOf(t, pr, bad)
	before := *r
	n, err := poll.Select(bad+1, r, nil, nil, 0)
	if n != 0 || !errors.Is(err, unix.EBADF) {
		t.Fatalf("Select with closed fd %d = %d, %v; want an error wrapping EBADF", bad, n, err)
	}
	if got, want := err.Error(), "select: bad file descriptor"; got != want {
		t.Errorf("error text %q, want %q", got, want)
	}
	if *r != before {
		t.Errorf("a failed Select changed the set: %v, want %v", setMembers(r), setMembers(&before))
	}
}

func TestSelectAllocs(t *testing.T) {
	pr, pw := testkit.Pipe(t)
	testkit.Write(t, pw, "x")
	for _, timeout := range []time.Duration{-1, 0, time.Second} {
		t.Run(timeout.String(), func(t *testing.T) {
			var r poll.FDSet
			allocs := testing.AllocsPerRun(200, func() {
				r.Zero()
				_ = r.Set(pr)
				if n, err := poll.Select(pr+1, &r, nil, nil, timeout); n != 1 || err != nil {
					t.Fatalf("Select = %d, %v", n, err)
				}
			})
			if allocs != 0 {
				t.Errorf("Select allocates %v times per call, want 0", allocs)
			}
		})
	}
}

func ExampleSelect() {
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		log.Fatal(err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	if _, err := unix.Write(p[1], []byte("hello")); err != nil {
		log.Fatal(err)
	}

	var r poll.FDSet
	if err := r.Set(p[0]); err != nil {
		log.Fatal(err)
	}
	// As in C, the set becomes the result: the descriptors that are ready.
	n, err := poll.Select(r.Max()+1, &r, nil, nil, time.Second)
	fmt.Println(n, err, r.IsSet(p[0]))

	// Unlike C's FD_SET, a descriptor select cannot hold is an error.
	fmt.Println(r.Set(-1))
	fmt.Println(r.Set(poll.FD_SETSIZE))
	// Output:
	// 1 <nil> true
	// FD_SET: fd -1 outside [0, 1024): invalid argument
	// FD_SET: fd 1024 outside [0, 1024): invalid argument
}
