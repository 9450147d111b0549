package diag_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock/diag"
	"golang.org/x/sys/unix"
)

// extra is what rowOf leaves out of a socket: what Filter.TCPInfo and
// Filter.Processes add, and the path.
type extra struct {
	Path, Congestion string
	TCPInfo          bool
	Processes        []diag.Process
}

func extras(socks []diag.Socket) map[string]extra {
	m := make(map[string]extra, len(socks))
	for i := range socks {
		s := &socks[i]
		m[rowOf(s, true).key(true)] = extra{Path: s.Path, Congestion: s.Congestion, TCPInfo: s.TCPInfo != nil, Processes: s.Processes}
	}
	return m
}

// TestAppendList: AppendList appends what List returns, ss's -e fields,
// TCP_INFO, names and processes equal, after the elements dst had, which
// it leaves alone; it writes in dst's room when there is enough, and what
// was there shows in no socket appended. Listing again into the same slice
// allocates less than List. An error returns dst as it was: a bad filter,
// and a cancelled walk of /proc after the sockets were decoded.
func TestAppendList(t *testing.T) {
	ns := newNetns(t)
	fillNetns(t, ns, population{
		listeners4: 3, listeners6: 3, pairs4: 10, pairs6: 5, // no TIME_WAIT: a closing socket moves between the two calls
		udp4: 5, udp6: 4, udpConnected: 2, unixPairs: 5, unixAbstract: 5, unixPath: 3,
		unixListeners: 2, unixPending: 2, seqPairs: 2,
	})
	ctx := context.Background()
	fd, _ := testkit.Socketpair(t, unix.SOCK_STREAM)
	held := inodeOf(t, fd)
	junk := diag.Socket{Path: "junk", Congestion: "junk", TCPInfo: &diag.TCPInfo{}, Processes: []diag.Process{{PID: 2, Command: "junk", FD: 9}}}
	// withRoom returns a slice of keep with room for n more, the room
	// filled with junk.
	withRoom := func(keep diag.Socket, n int) []diag.Socket {
		dst := make([]diag.Socket, 1+n)
		for i := range dst {
			dst[i] = junk
		}
		dst[0] = keep
		return dst[:1]
	}
	testkit.InNetns(t, ns, func() {
		// The pairs that shut down their writing side leave FIN-WAIT-1
		// when the peer's ACK comes; wait for it, so that the two calls
		// compared see the same states.
		for try := 0; ; try++ {
			socks, err := diag.List(ctx, diag.Filter{States: []diag.State{diag.TCP_FIN_WAIT1}})
			if err != nil {
				t.Fatal(err)
			}
			if len(socks) == 0 {
				break
			}
			if try == 200 {
				t.Fatalf("%d sockets still in FIN-WAIT-1 after 2 s", len(socks))
			}
			time.Sleep(10 * time.Millisecond)
		}
		for _, f := range []diag.Filter{{}, {TCPInfo: true, Processes: true}} {
			want, err := diag.List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			// keep has the inode of a socket this process holds outside the
			// namespace, so that a walk of /proc over dst's elements too
			// would change it.
			keep := diag.Socket{Path: "/kept", Inode: held, Processes: []diag.Process{{PID: 1, Command: "kept", FD: 3}}}
			for _, room := range []int{0, len(want) + 5} {
				dst := withRoom(keep, room)
				got, err := diag.AppendList(ctx, dst, f)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 1+len(want) {
					t.Fatalf("AppendList(%+v) onto 1 socket with room for %d gave %d; List gave %d", f, room, len(got), len(want))
				}
				if inPlace := &got[0] == &dst[0]; inPlace != (room > 0) {
					t.Errorf("AppendList(%+v) with room for %d wrote in dst's memory: %v", f, room, inPlace)
				}
				if diff := cmp.Diff(keep, got[0], equateAddrPort); diff != "" {
					t.Errorf("AppendList(%+v) changed dst's element (-want +got):\n%s", f, diff)
				}
				wr, gr := rowsOf(want, true), rowsOf(got[1:], true)
				sortRows(wr, true)
				sortRows(gr, true)
				if diff := cmp.Diff(wr, gr, equateAddrPort); diff != "" {
					t.Errorf("AppendList(%+v) and List differ (-List +AppendList):\n%s", f, diff)
				}
				if diff := cmp.Diff(extras(want), extras(got[1:])); diff != "" {
					t.Errorf("AppendList(%+v) and List differ in names, TCP_INFO or processes (-List +AppendList):\n%s", f, diff)
				}
			}
		}

		buf, err := diag.List(ctx, diag.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		list := testing.AllocsPerRun(10, func() { diag.List(ctx, diag.Filter{}) })
		reuse := testing.AllocsPerRun(10, func() { diag.AppendList(ctx, buf[:0], diag.Filter{}) })
		t.Logf("allocations per call: List %.0f, AppendList into a reused slice %.0f", list, reuse)
		if reuse >= list && !raceEnabled {
			t.Errorf("AppendList into a slice with room allocates %.0f times, List %.0f", reuse, list)
		}

		keep := diag.Socket{Path: "/kept"}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		for _, tc := range []struct {
			name string
			ctx  context.Context
			f    diag.Filter
			want error
		}{
			{"bad filter", ctx, diag.Filter{States: []diag.State{0}}, unix.EINVAL},
			{"walk of /proc cancelled", cancelled, diag.Filter{Processes: true}, context.Canceled},
		} {
			dst := withRoom(keep, len(buf)+5)
			got, err := diag.AppendList(tc.ctx, dst, tc.f)
			if !errors.Is(err, tc.want) || len(got) != 1 || &got[0] != &dst[0] {
				t.Errorf("AppendList, %s = %d sockets, %v; want dst back and %v", tc.name, len(got), err, tc.want)
			} else if diff := cmp.Diff(keep, got[0], equateAddrPort); diff != "" {
				t.Errorf("AppendList, %s, changed dst's element (-want +got):\n%s", tc.name, diff)
			}
		}
	})
}
