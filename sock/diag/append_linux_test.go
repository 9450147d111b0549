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

// TestAppendList: AppendList appends what List returns, with ss's -e
// fields equal, after the elements dst had, which it leaves alone (their
// processes included, where Filter.Processes walks /proc for the new
// ones only); listing again into the same slice reuses its memory and
// allocates less than List, and a bad filter returns dst as it was.
func TestAppendList(t *testing.T) {
	ns := newNetns(t)
	fillNetns(t, ns, population{
		listeners4: 3, listeners6: 3, pairs4: 10, pairs6: 5, // no TIME_WAIT: a closing socket moves between the two calls
		udp4: 5, udp6: 4, udpConnected: 2, unixPairs: 5, unixAbstract: 5, unixPath: 3,
		unixListeners: 2, unixPending: 2, seqPairs: 2,
	})
	keep := diag.Socket{Path: "/kept", Processes: []diag.Process{{PID: 1, Command: "kept", FD: 3}}}
	ctx := context.Background()
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
			got, err := diag.AppendList(ctx, []diag.Socket{keep}, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1+len(want) {
				t.Fatalf("AppendList(%+v) onto 1 socket gave %d; List gave %d", f, len(got), len(want))
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
		}

		buf, err := diag.AppendList(ctx, nil, diag.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		again, err := diag.AppendList(ctx, buf[:0], diag.Filter{})
		if err != nil || len(again) != len(buf) || &again[0] != &buf[0] {
			t.Fatalf("listing again into buf[:0] gave %d sockets (of %d), in buf's memory %v, %v", len(again), len(buf), len(again) > 0 && &again[0] == &buf[0], err)
		}
		list := testing.AllocsPerRun(10, func() { diag.List(ctx, diag.Filter{}) })
		reuse := testing.AllocsPerRun(10, func() { diag.AppendList(ctx, buf[:0], diag.Filter{}) })
		t.Logf("allocations per call: List %.0f, AppendList into a reused slice %.0f", list, reuse)
		if reuse >= list && !raceEnabled {
			t.Errorf("AppendList into a slice with room allocates %.0f times, List %.0f", reuse, list)
		}

		dst := []diag.Socket{keep}
		got, err := diag.AppendList(ctx, dst, diag.Filter{States: []diag.State{0}})
		if !errors.Is(err, unix.EINVAL) || len(got) != 1 || &got[0] != &dst[0] {
			t.Errorf("AppendList with a bad filter = %d sockets, %v; want dst back and EINVAL", len(got), err)
		}
	})
}
