package testkit

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// NewNetns creates an empty network namespace with `ip netns add` and
// deletes it when the test ends; it skips the test where that is not
// permitted (not root, no iproute2, no namespaces).
func NewNetns(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("skipping: iproute2's ip command is not installed")
	}
	name := netnsName()
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Skipf("skipping: cannot create a network namespace (needs root and CAP_SYS_ADMIN): ip netns add: %v: %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", name, err, out)
		}
	})
	return name
}

// netnsName returns a new namespace name, "pk-" and 8 random hex digits.
func netnsName() string {
	var r [4]byte
	rand.Read(r[:])
	return "pk-" + hex.EncodeToString(r[:])
}

// IP runs iproute2's ip with args in namespace ns ("" for the test's own)
// and returns its standard output; a failure fails the test.
func IP(t testing.TB, ns string, args ...string) []byte {
	t.Helper()
	out, err := IPErr(ns, "", args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// IPErr runs ip with args in namespace ns ("" for the caller's own), stdin
// on its standard input, and returns its standard output, or an error that
// holds its standard error.
func IPErr(ns, stdin string, args ...string) ([]byte, error) {
	if ns != "" {
		args = append([]string{"-n", ns}, args...)
	}
	cmd := exec.Command("ip", args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

// InNetns runs fn on a thread that has joined namespace ns, and moves the
// thread back afterwards. fn must not start goroutines that depend on the
// namespace: only its own thread is in it.
func InNetns(t testing.TB, ns string, fn func()) {
	t.Helper()
	runtime.LockOSThread()
	self, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	defer self.Close()
	target, err := os.Open("/run/netns/" + ns)
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		t.Skipf("skipping: setns into %s: %v", ns, err)
	}
	defer func() {
		if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
			// Leave the thread locked: the runtime ends it with the goroutine.
			t.Errorf("setns back: %v", err)
			return
		}
		runtime.UnlockOSThread()
	}()
	fn()
}

// NewNetnsOwnTables is [NewNetns] for a namespace whose TCP established
// and UDP hash tables are its own, of entries buckets each, instead of
// the host's, which every namespace shares by default: the kernel walks
// the whole table on every TCP and UDP socket dump and /proc/net read, so
// its size sets their floor. The sizes are set (net.ipv4.tcp_child_ehash_entries
// and net.ipv4.udp_child_hash_entries, Linux 6.1 and 6.2) in a helper
// namespace that creates this one, never on the host. The test skips
// where the kernel lacks them.
func NewNetnsOwnTables(t testing.TB, entries int) string {
	t.Helper()
	parent := NewNetns(t)
	name := netnsName()
	path := "/run/netns/" + name
	errc := make(chan error, 1)
	go func() {
		// The thread ends in the new namespace: never unlocked, it ends
		// with the goroutine.
		runtime.LockOSThread()
		errc <- func() error {
			f, err := os.Open("/run/netns/" + parent)
			if err != nil {
				return err
			}
			defer f.Close()
			if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
				return fmt.Errorf("setns %s: %w", parent, err)
			}
			// /proc/sys/net answers for the opening thread's namespace.
			for _, k := range []string{"tcp_child_ehash_entries", "udp_child_hash_entries"} {
				if err := os.WriteFile("/proc/sys/net/ipv4/"+k, []byte(fmt.Sprint(entries)), 0); err != nil {
					return noTables{fmt.Errorf("net.ipv4.%s: %w", k, err)}
				}
			}
			if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
				return fmt.Errorf("unshare: %w", err)
			}
			if err := os.WriteFile(path, nil, 0o444); err != nil {
				return err
			}
			if err := unix.Mount("/proc/thread-self/ns/net", path, "", unix.MS_BIND, ""); err != nil {
				os.Remove(path)
				return fmt.Errorf("bind mount of the namespace on %s: %w", path, err)
			}
			return nil
		}()
	}()
	if err := <-errc; err != nil {
		if errors.As(err, new(noTables)) {
			t.Skipf("skipping: this kernel cannot give a namespace hash tables of its own: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", name, err, out)
		}
	})
	return name
}

// noTables is NewNetnsOwnTables's error where the kernel lacks the settings.
type noTables struct{ error }
