package sock_test

import (
	"os"
	"os/signal"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// signalStorm locks the calling goroutine to its thread and sends SIGURG
// and SIGUSR1 to that thread (tgkill), in a loop, from another goroutine,
// until the returned stop function is called; stop reports how many
// signals were sent. A blocking select(2) made by the calling goroutine is
// interrupted with EINTR by each signal.
//
// The Go runtime installs its handler for both signals: SIGURG is its own
// preemption signal; SIGUSR1 is relayed to a signal.Notify channel for the
// duration of the storm, so that it cannot end the process. (TestMain
// starts os/signal's relay goroutine before counting goroutines.)
func signalStorm(t *testing.T) (stop func() int) {
	t.Helper()
	runtime.LockOSThread()
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, unix.SIGUSR1)
	pid, tid := unix.Getpid(), unix.Gettid()
	done := make(chan struct{})
	var wg sync.WaitGroup
	sent := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			case <-usr1:
			default:
			}
			for _, sig := range []unix.Signal{unix.SIGURG, unix.SIGUSR1} {
				if err := unix.Tgkill(pid, tid, sig); err == nil {
					sent++
				}
			}
			time.Sleep(200 * time.Microsecond)
		}
	}()
	return func() int {
		close(done)
		wg.Wait()
		signal.Stop(usr1)
		runtime.UnlockOSThread()
		return sent
	}
}

func TestSelectSignalStorm(t *testing.T) {
	idle, _ := selectPipe(t)
	const timeout = 300 * time.Millisecond
	r := setOf(t, idle)
	stop := signalStorm(t)
	start := time.Now()
	n, err := sock.Select(idle+1, r, nil, nil, timeout)
	elapsed := time.Since(start)
	sent := stop()
	if n != 0 || err != nil {
		t.Fatalf("Select during a signal storm = %d, %v; want 0, nil", n, err)
	}
	if elapsed < timeout {
		t.Errorf("Select returned after %v, before its %v timeout (%d signals sent)", elapsed, timeout, sent)
	}
	t.Logf("%d signals during a %v Select", sent, elapsed)
}

func TestPollerWaitSignalStorm(t *testing.T) {
	idle, _ := selectPipe(t)
	p, err := sock.NewPoller()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Add(idle, sock.Readable); err != nil {
		t.Fatal(err)
	}
	const timeout = 300 * time.Millisecond
	ready := make([]sock.Ready, 4)
	stop := signalStorm(t)
	start := time.Now()
	n, err := p.Wait(ready, timeout)
	elapsed := time.Since(start)
	sent := stop()
	if n != 0 || err != nil {
		t.Fatalf("Wait during a signal storm = %d, %v; want 0, nil", n, err)
	}
	if elapsed < timeout {
		t.Errorf("Wait returned after %v, before its %v timeout (%d signals sent)", elapsed, timeout, sent)
	}
	t.Logf("%d signals during a %v Wait", sent, elapsed)
}
