package poll_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock/poll"
	"golang.org/x/sys/unix"
)

// BenchmarkPollerBackendWait measures Poller.Wait on every backend over n
// idle descriptors (socketpair ends with nothing to read) and one readable
// pipe, so that each Wait returns at once with one ready descriptor, beside
// the raw calls doing the same work: select(2) (x/sys, the request copied
// in each time, as in BenchmarkPollerWait), poll(2) and epoll_wait(2)
// (x/sys). The Poller's own wake-up descriptor is not in the raw sets.
// select is skipped when a descriptor is at or above FD_SETSIZE.
func BenchmarkPollerBackendWait(b *testing.B) {
	for _, n := range benchSelectSizes {
		b.Run(fmt.Sprintf("fds=%d", n), func(b *testing.B) {
			fds, readyFD := benchPollerFDs(b, n)
			for _, bk := range poll.Backends() {
				b.Run("impl=posixkit-"+bk.String(), func(b *testing.B) {
					if bk == poll.BackendSelect && slices.Max(fds) >= poll.FD_SETSIZE {
						b.Skip("a descriptor is at or above FD_SETSIZE")
					}
					p := newPollerOf(b, bk)
					for _, fd := range fds {
						if err := p.Add(fd, poll.Readable); err != nil {
							b.Fatal(err)
						}
					}
					ready := make([]poll.Ready, 16)
					b.ReportAllocs()
					for b.Loop() {
						if got, err := p.Wait(ready, -1); got != 1 || err != nil || ready[0].Fd != readyFD {
							b.Fatalf("Wait = %d, %v; want 1", got, err)
						}
					}
				})
			}
			b.Run("impl=unix-select", func(b *testing.B) {
				if slices.Max(fds) >= poll.FD_SETSIZE {
					b.Skip("a descriptor is at or above FD_SETSIZE")
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
			b.Run("impl=unix-poll", func(b *testing.B) {
				pfds := make([]unix.PollFd, len(fds))
				for i, fd := range fds {
					pfds[i] = unix.PollFd{Fd: int32(fd), Events: unix.POLLIN}
				}
				b.ReportAllocs()
				for b.Loop() {
					if got, err := rawPoll(pfds); got != 1 || err != nil {
						b.Fatalf("poll = %d, %v; want 1", got, err)
					}
				}
			})
			benchRawQueue(b, fds)
		})
	}
}

// benchPollerFDs opens n idle descriptors and one readable pipe, closed at
// the end, and returns them all, the readable one last.
func benchPollerFDs(b *testing.B, n int) (fds []int, ready int) {
	b.Helper()
	for len(fds) < n {
		a, c := testkit.Socketpair(b, unix.SOCK_STREAM)
		fds = append(fds, a, c)
	}
	fds = fds[:n]
	ready, w := testkit.Pipe(b)
	testkit.Write(b, w, "x")
	return append(fds, ready), ready
}
