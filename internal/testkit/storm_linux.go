package testkit

import (
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// StormThread locks the calling goroutine to its OS thread and sends
// SIGURG and SIGUSR1 to that thread (tgkill) every 200 µs until stop is
// called, so that a blocking system call made by this goroutine is
// interrupted (EINTR) by each signal. stop unlocks the thread and returns
// the number of signals sent.
func StormThread(t testing.TB) (stop func() int) {
	t.Helper()
	runtime.LockOSThread()
	tid := unix.Gettid()
	stopStorm := storm(func() []int { return []int{tid} })
	return func() int {
		n := stopStorm()
		runtime.UnlockOSThread()
		return n
	}
}

// StormProcess sends SIGURG and SIGUSR1 to every thread of the process
// (tgkill over /proc/self/task) every 200 µs until stop is called, for
// calls parked in the runtime poller on whichever thread; stop returns the
// number of signals sent.
func StormProcess(t testing.TB) (stop func() int) {
	t.Helper()
	return storm(func() []int {
		tasks, _ := os.ReadDir("/proc/self/task")
		tids := make([]int, 0, len(tasks))
		for _, task := range tasks {
			if tid, err := strconv.Atoi(task.Name()); err == nil {
				tids = append(tids, tid)
			}
		}
		return tids
	})
}

// storm runs a storm at the threads targets names. The Go runtime handles
// both signals: SIGURG is its own preemption signal, and SIGUSR1 is relayed
// to a signal.Notify channel for the storm's duration so that it cannot
// end the process.
func storm(targets func() []int) (stop func() int) {
	usr1 := make(chan os.Signal, 16)
	signal.Notify(usr1, unix.SIGUSR1)
	pid := unix.Getpid()
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
			default:
			}
			for len(usr1) > 0 {
				<-usr1
			}
			for _, tid := range targets() {
				for _, sig := range []unix.Signal{unix.SIGURG, unix.SIGUSR1} {
					if unix.Tgkill(pid, tid, sig) == nil {
						sent++
					}
				}
			}
			time.Sleep(200 * time.Microsecond)
		}
	}()
	return func() int {
		close(done)
		wg.Wait()
		signal.Stop(usr1)
		return sent
	}
}
