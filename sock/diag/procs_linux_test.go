package diag_test

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock"
	"github.com/posixkit/posixkit/sock/diag"
	"golang.org/x/sys/unix"
)

// selfComm is this process's name as the kernel keeps it (TASK_COMM_LEN).
func selfComm() string {
	name := filepath.Base(os.Args[0])
	if len(name) > 15 {
		name = name[:15]
	}
	return name
}

// holder starts sleep(1) with fd as its descriptor 3, and returns its pid;
// it is killed when the test ends.
func holder(t *testing.T, f *os.File) int {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	cmd.ExtraFiles = []*os.File{f}
	// Start returns once the child has called execve, so its name is
	// sleep's from then on.
	if err := cmd.Start(); err != nil {
		t.Skipf("skipping: cannot start sleep: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd.Process.Pid
}

// heldSocket makes a TCP listener in namespace ns, held by this process
// and by a sleep(1) child, and returns it, its inode and the processes
// that List must find.
func heldSocket(t *testing.T, ns string) (*os.File, uint32, []diag.Process) {
	t.Helper()
	var fd int
	testkit.InNetns(t, ns, func() {
		var err error
		if fd, err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0); err != nil {
			t.Fatal(err)
		}
		if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
			t.Fatal(err)
		}
		if err := unix.Listen(fd, 1); err != nil {
			t.Fatal(err)
		}
	})
	f := os.NewFile(uintptr(fd), "listener")
	t.Cleanup(func() { f.Close() })
	pid := holder(t, f)
	want := []diag.Process{{PID: os.Getpid(), Command: selfComm(), FD: fd}, {PID: pid, Command: "sleep", FD: 3}}
	slices.SortFunc(want, func(a, b diag.Process) int { return a.PID - b.PID })
	return f, inodeOf(t, fd), want
}

func listProcesses(t *testing.T, ns string, f diag.Filter) []diag.Socket {
	t.Helper()
	f.Processes = true
	var socks []diag.Socket
	var err error
	testkit.InNetns(t, ns, func() { socks, err = diag.List(context.Background(), f) })
	if err != nil {
		t.Fatal(err)
	}
	return socks
}

// TestProcesses: a socket held by this process and by a child is found
// with both, each with its pid, name and descriptor number; without the
// flag no process is looked for.
func TestProcesses(t *testing.T) {
	ns := newNetns(t)
	_, ino, want := heldSocket(t, ns)
	for _, s := range listProcesses(t, ns, diag.Filter{}) {
		if s.Inode != ino {
			if len(s.Processes) != 0 {
				t.Errorf("%s %v (inode %d): processes %v; no process holds it", s.Netid(), s.Local, s.Inode, s.Processes)
			}
			continue
		}
		if diff := cmp.Diff(want, s.Processes); diff != "" {
			t.Errorf("unexpected processes (-want +got):\n%s", diff)
		}
		var socks []diag.Socket
		var err error
		testkit.InNetns(t, ns, func() { socks, err = diag.List(context.Background(), diag.Filter{}) })
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range socks {
			if s.Processes != nil {
				t.Errorf("without Filter.Processes: %s %v has processes %v", s.Netid(), s.Local, s.Processes)
			}
		}
		return
	}
	t.Fatalf("socket inode %d not listed", ino)
}

// TestProcessesWhileExiting walks /proc again and again while children
// that hold the socket too start and exit: their directories vanish under
// the walk, their descriptors close, their names cannot be read. Every
// walk succeeds and finds the holders that stay, and nothing else.
func TestProcessesWhileExiting(t *testing.T) {
	ns := newNetns(t)
	_, ino, want := heldSocket(t, ns)
	self := want[slices.IndexFunc(want, func(p diag.Process) bool { return p.PID == os.Getpid() })].FD
	var shortLived sync.Map // pid → true
	// The children hold the socket as their descriptor 3, like the
	// long-lived holder, and exit at once.
	dup, err := unix.FcntlInt(uintptr(self), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	df := os.NewFile(uintptr(dup), "listener")
	defer df.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	spawned := 0
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			cmd := exec.Command("true")
			cmd.ExtraFiles = []*os.File{df}
			if err := cmd.Start(); err != nil {
				t.Errorf("start true: %v", err)
				return
			}
			shortLived.Store(cmd.Process.Pid, true)
			spawned++
			cmd.Wait()
		}
	})
	deadline := time.Now().Add(2 * time.Second)
	walks := 0
	// A child caught between fork and execve still has this test's name
	// and every descriptor of this process: it is checked once the
	// spawning has stopped and its pid is known.
	var others []diag.Process
	for walks < 20 || time.Now().Before(deadline) && walks < 200 {
		walks++
		found := false
		for _, s := range listProcesses(t, ns, diag.Filter{Families: []sock.Family{sock.AF_INET}}) {
			if s.Inode != ino {
				continue
			}
			found = true
			var stayed []diag.Process
			for _, p := range s.Processes {
				switch {
				case p.PID == os.Getpid() && p.FD == dup:
					// the copy the children inherit
				case p.PID == os.Getpid() || p.PID == want[0].PID || p.PID == want[1].PID:
					stayed = append(stayed, p)
				default:
					others = append(others, p)
				}
			}
			if diff := cmp.Diff(want, stayed); diff != "" {
				t.Fatalf("walk %d: unexpected processes (-want +got):\n%s", walks, diff)
			}
		}
		if !found {
			t.Fatalf("walk %d: socket inode %d not listed", walks, ino)
		}
	}
	close(stop)
	wg.Wait()
	for _, p := range others {
		if _, ok := shortLived.Load(p.PID); !ok {
			t.Errorf("process %+v holds the socket: not a child of the test", p)
		}
		if p.FD != 3 && p.FD != dup && p.FD != self {
			t.Errorf("child %+v: fd %d; it can only hold the socket as 3 or, before execve, as this process does", p, p.FD)
		}
	}
	t.Logf("%d walks while %d children started and exited; %d holdings by them seen", walks, spawned, len(others))
	if spawned == 0 {
		t.Error("no child was started during the walks")
	}
}

// TestProcessesCanceled: a context already ended stops the walk with its
// error, wrapped as every List error is.
func TestProcessesCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	socks, err := diag.List(ctx, diag.Filter{Processes: true})
	var se *os.SyscallError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &se) || socks != nil {
		t.Errorf("List with a cancelled context: %d sockets, %v; want an *os.SyscallError wrapping context.Canceled", len(socks), err)
	}
}

const unprivEnv = "PKDIAG_UNPRIVILEGED_CHILD"

// TestProcessesUnprivileged runs the walk as user nobody in a child
// process: the descriptors of root's processes cannot be read (EACCES),
// and List still succeeds, finds the child's own sockets with the child,
// and a socket only root's test process holds with no process.
func TestProcessesUnprivileged(t *testing.T) {
	if ino := os.Getenv(unprivEnv); ino != "" {
		unprivilegedChild(t, ino)
		return
	}
	if os.Getuid() != 0 {
		t.Skip("skipping: needs root to start a child as another user")
	}
	// The test binary must be where nobody can run it.
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} { // t.TempDir makes both 0700
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	exe := filepath.Join(dir, filepath.Base(os.Args[0]))
	copyFile(t, os.Args[0], exe)
	a, _ := testkit.Socketpair(t, unix.SOCK_STREAM)
	cmd := testkit.Child(context.Background(), "TestProcessesUnprivileged", unprivEnv, strconv.FormatUint(uint64(inodeOf(t, a)), 10))
	cmd.Path, cmd.Args[0], cmd.Dir = exe, exe, dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child as nobody: %v\n%s", err, out)
	}
	t.Logf("child as nobody:\n%s", out)
}

func unprivilegedChild(t *testing.T, rootInode string) {
	if _, err := os.ReadDir("/proc/" + strconv.Itoa(os.Getppid()) + "/fd"); !errors.Is(err, os.ErrPermission) {
		t.Fatalf("reading the root parent's /proc/PID/fd as uid %d: %v; want EACCES", os.Getuid(), err)
	}
	a, b := testkit.Socketpair(t, unix.SOCK_STREAM)
	socks, err := diag.List(context.Background(), diag.Filter{Families: []sock.Family{sock.AF_UNIX}, Processes: true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]diag.Process{
		strconv.FormatUint(uint64(inodeOf(t, a)), 10): {{PID: os.Getpid(), Command: selfComm(), FD: a}},
		strconv.FormatUint(uint64(inodeOf(t, b)), 10): {{PID: os.Getpid(), Command: selfComm(), FD: b}},
		rootInode: nil,
	}
	for _, s := range socks {
		ino := strconv.FormatUint(uint64(s.Inode), 10)
		w, ok := want[ino]
		if !ok {
			continue
		}
		delete(want, ino)
		if diff := cmp.Diff(w, s.Processes); diff != "" {
			t.Errorf("socket inode %s: unexpected processes (-want +got):\n%s", ino, diff)
		}
	}
	if len(want) != 0 {
		t.Errorf("sockets not listed: %v", want)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
