package poll_test

import (
	"testing"
	"time"

	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock/poll"
)

// A storm of SIGURG and SIGUSR1 at every thread (not only the waiting one,
// as TestPollerBackendsSignalStorm does) during Poller.Wait, for every
// backend: a Wait with a 300 ms timeout and nothing ready neither ends
// early nor reports anything, and a Wait with no timeout started during a
// storm reports the descriptor that becomes ready after it: no wake-up is
// lost.
func TestPollerWaitStormThenReady(t *testing.T) {
	const timeout = 300 * time.Millisecond
	for _, b := range poll.Backends() {
		t.Run(b.String(), func(t *testing.T) {
			r, w := testkit.Pipe(t)
			p, err := poll.NewBackend(b)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if err := p.Add(r, poll.Readable); err != nil {
				t.Fatal(err)
			}
			ready := make([]poll.Ready, 4)
			stop := testkit.StormProcess(t)
			start := time.Now()
			n, err := p.Wait(ready, timeout)
			elapsed := time.Since(start)
			if n != 0 || err != nil || elapsed < timeout {
				stop()
				t.Fatalf("Wait(%v) during a signal storm = %d, %v after %v; want 0, nil after the timeout", timeout, n, err, elapsed)
			}
			type result struct {
				n   int
				err error
			}
			done := make(chan result, 1)
			go func() {
				n, err := p.Wait(ready, -1)
				done <- result{n, err}
			}()
			time.Sleep(100 * time.Millisecond) // more storm while it waits
			sent := stop()
			select {
			case res := <-done:
				t.Fatalf("Wait(-1) returned during the storm with nothing ready: %d, %v", res.n, res.err)
			default:
			}
			testkit.Write(t, w, "x")
			select {
			case res := <-done:
				if res.n != 1 || res.err != nil || ready[0].Fd != r || ready[0].Events&poll.Readable == 0 {
					t.Fatalf("Wait(-1) after the storm = %d, %v, %v; want the pipe readable", res.n, res.err, ready[:max(res.n, 0)])
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Wait(-1) did not report the pipe 10 s after it became readable")
			}
			t.Logf("%d signals sent", sent)
		})
	}
}
