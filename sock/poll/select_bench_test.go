package poll_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock/poll"
	"golang.org/x/sys/unix"
)

// benchSelectFDs opens n idle descriptors (ends of AF_UNIX socketpairs with
// nothing to read) and one readable pipe, all closed at the end of the
// benchmark, and returns them. It skips the benchmark if a descriptor is
// at or above FD_SETSIZE.
func benchSelectFDs(b *testing.B, n int) (idle []int, ready int) {
	b.Helper()
	for len(idle) < n {
		a, c := testkit.Socketpair(b, unix.SOCK_STREAM)
		idle = append(idle, a, c)
	}
	idle = idle[:n]
	ready, w := testkit.Pipe(b)
	testkit.Write(b, w, "x")
	for _, fd := range slices.Concat(idle, []int{ready, w}) {
		if fd >= poll.FD_SETSIZE {
			b.Skipf("descriptor %d is at or above FD_SETSIZE: too many descriptors open", fd)
		}
	}
	return idle, ready
}

var benchSelectSizes = []int{1, 64, 1000}

// BenchmarkSelect compares Select with x/sys's unix.Select on the same
// read set: n idle descriptors and, in "ready" mode, one readable pipe
// (no timeout), or in "poll" mode, no ready descriptor and a zero timeout.
// Both sides copy the request into the set before each call, as a select
// loop must.
func BenchmarkSelect(b *testing.B) {
	for _, n := range benchSelectSizes {
		for _, mode := range []string{"ready", "poll"} {
			b.Run(fmt.Sprintf("fds=%d/mode=%s", n, mode), func(b *testing.B) {
				idle, ready := benchSelectFDs(b, n)
				var tmpl poll.FDSet
				var rawTmpl unix.FdSet
				for _, fd := range idle {
					_ = tmpl.Set(fd)
					rawTmpl.Set(fd)
				}
				want := 0
				timeout := time.Duration(0)
				var rawTimeout *unix.Timeval = &unix.Timeval{}
				if mode == "ready" {
					_ = tmpl.Set(ready)
					rawTmpl.Set(ready)
					want, timeout, rawTimeout = 1, -1, nil
				}
				nfd := tmpl.Max() + 1
				b.Run("impl=posixkit", func(b *testing.B) {
					b.ReportAllocs()
					var r poll.FDSet
					for b.Loop() {
						r = tmpl
						if got, err := poll.Select(nfd, &r, nil, nil, timeout); got != want || err != nil {
							b.Fatalf("Select = %d, %v; want %d", got, err, want)
						}
					}
				})
				b.Run("impl=unix", func(b *testing.B) {
					b.ReportAllocs()
					var r unix.FdSet
					for b.Loop() {
						if got, err := rawSelect(nfd, &r, &rawTmpl, rawTimeout); got != want || err != nil {
							b.Fatalf("unix.Select = %d, %v; want %d", got, err, want)
						}
					}
				})
			})
		}
	}
}

// rawSelect is the C idiom with x/sys: copy the request into the set,
// select, and again on EINTR (the Go runtime's preemption signal
// interrupts even a zero-timeout select).
func rawSelect(nfd int, r, req *unix.FdSet, tv *unix.Timeval) (int, error) {
	for {
		*r = *req
		n, err := unix.Select(nfd, r, nil, nil, tv)
		if err != unix.EINTR {
			return n, err
		}
	}
}

// BenchmarkPollerWait compares Poller.Wait with a raw unix.Select on the
// same descriptors: n idle ones and one readable pipe, so that each call
// returns at once with one ready descriptor. The Poller also watches its
// wake-up descriptor; "impl=unix+wakefd" is the raw select with one more idle
// eventfd or pipe in the set, the same work for the kernel.
func BenchmarkPollerWait(b *testing.B) {
	for _, n := range benchSelectSizes {
		b.Run(fmt.Sprintf("fds=%d", n), func(b *testing.B) {
			idle, readyFD := benchSelectFDs(b, n)
			b.Run("impl=posixkit", func(b *testing.B) {
				p := newPoller(b)
				for _, fd := range slices.Concat(idle, []int{readyFD}) {
					if err := p.Add(fd, poll.Readable); err != nil {
						b.Fatal(err)
					}
				}
				ready := make([]poll.Ready, 16)
				b.ReportAllocs()
				for b.Loop() {
					if got, err := p.Wait(ready, -1); got != 1 || err != nil {
						b.Fatalf("Wait = %d, %v; want 1", got, err)
					}
				}
			})
			extra, _ := testkit.Pipe(b)
			for _, name := range []string{"unix", "unix+wakefd"} {
				b.Run("impl="+name, func(b *testing.B) {
					fds := slices.Concat(idle, []int{readyFD})
					if name == "unix+wakefd" {
						fds = append(fds, extra)
					}
					var tmpl unix.FdSet
					nfd := 0
					for _, fd := range fds {
						tmpl.Set(fd)
						nfd = max(nfd, fd+1)
					}
					b.ReportAllocs()
					var r unix.FdSet
					for b.Loop() {
						if got, err := rawSelect(nfd, &r, &tmpl, nil); got != 1 || err != nil {
							b.Fatalf("unix.Select = %d, %v; want 1", got, err)
						}
					}
				})
			}
		})
	}
}
