package fdcore_test

import (
	"bufio"
	"errors"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posixkit/posixkit/internal/fdcore"
	"golang.org/x/sys/unix"
)

// inRuntimePoller reports whether fd is in an epoll instance of this
// process, read from /proc/self/fdinfo (the "tfd:" lines). The tests of
// this file make no epoll instance of their own, so that is the runtime's.
func inRuntimePoller(t *testing.T, fd int) bool {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		link, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err != nil || link != "anon_inode:[eventpoll]" {
			continue
		}
		f, err := os.Open("/proc/self/fdinfo/" + e.Name())
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) >= 2 && fields[0] == "tfd:" {
				if n, err := strconv.Atoi(fields[1]); err == nil && n == fd {
					f.Close()
					return true
				}
			}
		}
		f.Close()
	}
	return false
}

// lazyPair returns a lazy FD on one end of a stream socketpair and the
// other end's bare descriptor, closed at the end of the test.
func lazyPair(t *testing.T, flags int) (*fdcore.FD, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|flags, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[1]) })
	d, err := fdcore.NewLazy(fds[0], "socket", false, net.ErrClosed)
	if err != nil {
		unix.Close(fds[0])
		t.Fatal(err)
	}
	return d, fds[1]
}

// readOnce returns a Read callback making one read(2) into buf: done
// unless it got EAGAIN.
func readOnce(buf []byte, n *int, errno *error) func(uintptr) bool {
	return func(fd uintptr) bool {
		*n, *errno = unix.Read(int(fd), buf)
		return *errno != unix.EAGAIN
	}
}

// TestLazyJoinsOnFirstWait: a lazy socket stays out of the runtime's epoll
// set while its calls need not wait, and joins it (in the kernel's view,
// read from /proc) when one must.
func TestLazyJoinsOnFirstWait(t *testing.T) {
	d, peer := lazyPair(t, 0)
	defer d.Close()
	fd := d.Sysfd()
	if !kernelNonblock(t, fd) {
		t.Error("kernel O_NONBLOCK not set by NewLazy")
	}
	buf := make([]byte, 8)
	var n int
	var rerr error
	for i := range 3 {
		if _, err := unix.Write(peer, []byte("ab")); err != nil {
			t.Fatal(err)
		}
		if err := d.Read(readOnce(buf, &n, &rerr)); err != nil || rerr != nil || n != 2 {
			t.Fatalf("read %d: n=%d, %v, %v", i, n, rerr, err)
		}
	}
	if err := d.Control(func(int) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := d.SetDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	if d.Joined() || inRuntimePoller(t, fd) {
		t.Fatalf("joined the poller without waiting: Joined()=%v, in epoll=%v", d.Joined(), inRuntimePoller(t, fd))
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		unix.Write(peer, []byte("xyz"))
	}()
	if err := d.Read(readOnce(buf, &n, &rerr)); err != nil || rerr != nil || string(buf[:n]) != "xyz" {
		t.Fatalf("waiting read: %q, %v, %v", buf[:n], rerr, err)
	}
	if !d.Joined() || !inRuntimePoller(t, fd) {
		t.Fatalf("a read that waited did not join the poller: Joined()=%v, in epoll=%v", d.Joined(), inRuntimePoller(t, fd))
	}
}

// TestLazyDeadlineJoins: setting a deadline joins the poller, and it then
// works.
func TestLazyDeadlineJoins(t *testing.T) {
	d, _ := lazyPair(t, 0)
	defer d.Close()
	if err := d.SetReadDeadline(time.Now().Add(30 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if !d.Joined() {
		t.Fatal("SetReadDeadline did not join the poller")
	}
	var n int
	var rerr error
	err := d.Read(readOnce(make([]byte, 1), &n, &rerr))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past the deadline = %v, want os.ErrDeadlineExceeded", err)
	}
}

// TestLazyClose: Close of a lazy FD that never joined closes the
// descriptor (the peer reads EOF), gives a descriptor that came blocking
// its mode back, and a second Close reports the closed error.
func TestLazyClose(t *testing.T) {
	d, peer := lazyPair(t, 0)
	fd := d.Sysfd()
	dup, err := unix.Dup(fd)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if kernelNonblock(t, dup) {
		t.Error("Close left the shared description nonblocking")
	}
	if err := unix.Close(dup); err != nil {
		t.Fatal(err)
	}
	unix.SetNonblock(peer, true)
	if n, err := unix.Read(peer, make([]byte, 1)); n != 0 || err != nil {
		t.Errorf("peer read after Close = %d, %v; want EOF", n, err)
	}
	if err := d.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close = %v, want net.ErrClosed", err)
	}
	var n int
	var rerr error
	if err := d.Read(readOnce(make([]byte, 1), &n, &rerr)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Read after Close = %v, want net.ErrClosed", err)
	}
	if err := d.SetReadDeadline(time.Now()); !errors.Is(err, net.ErrClosed) {
		t.Errorf("SetReadDeadline after Close = %v, want net.ErrClosed", err)
	}
}

// TestLazyCloseWaitsForCalls: Close does not close(2) the number while a
// call that began before it still uses it.
func TestLazyCloseWaitsForCalls(t *testing.T) {
	d, _ := lazyPair(t, unix.SOCK_NONBLOCK)
	in, release, closed := make(chan int), make(chan struct{}), make(chan error)
	go func() {
		d.Control(func(fd int) error {
			in <- fd
			<-release
			_, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
			in <- 0
			if err != nil {
				t.Errorf("descriptor closed under a running call: %v", err)
			}
			return nil
		})
	}()
	fd := <-in
	go func() { closed <- d.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a call was using the descriptor", err)
	case <-time.After(30 * time.Millisecond):
	}
	close(release)
	<-in
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != unix.EBADF {
		t.Errorf("after Close, fcntl(F_GETFD) = %v, want EBADF", err)
	}
}

// TestLazyCloseWakesWaiter: a call that joined and waits is woken by Close
// with the closed error.
func TestLazyCloseWakesWaiter(t *testing.T) {
	d, _ := lazyPair(t, 0)
	errc := make(chan error)
	go func() {
		var n int
		var rerr error
		errc <- d.Read(readOnce(make([]byte, 1), &n, &rerr))
	}()
	for !d.Joined() {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(10 * time.Millisecond)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("woken Read = %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not wake the waiting Read")
	}
}

// TestLazyForgottenIsCollected: a lazy FD that is dropped without Close is
// closed by the garbage collector, as an os.File is (the peer reads EOF).
func TestLazyForgottenIsCollected(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[1])
	func() {
		if _, err := fdcore.NewLazy(fds[0], "socket", false, net.ErrClosed); err != nil {
			t.Fatal(err)
		}
	}()
	unix.SetNonblock(fds[1], true)
	for i := 0; ; i++ {
		runtime.GC()
		n, err := unix.Read(fds[1], make([]byte, 1))
		if n == 0 && err == nil {
			return // EOF: collected and closed
		}
		if i == 100 {
			t.Fatalf("forgotten lazy FD not closed after %d collections (read: %d, %v)", i, n, err)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestNewLazyNotSocket: NewLazy handles what is not a socket as New does.
func TestNewLazyNotSocket(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[1])
	d, err := fdcore.NewLazy(p[0], "pipe", false, net.ErrClosed)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if !d.Joined() || !inRuntimePoller(t, p[0]) {
		t.Errorf("pipe: Joined()=%v, in epoll=%v; want both (as New)", d.Joined(), inRuntimePoller(t, p[0]))
	}
	if _, err := fdcore.NewLazy(-1, "bad", false, net.ErrClosed); err == nil {
		t.Error("NewLazy(-1) succeeded")
	}
}
