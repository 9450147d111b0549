package testkit

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mainEnv, set to "1" in the environment of a test binary started by
// [Exec] or [Strace], makes [RunMainIfAsked] run the example's main in
// place of the tests.
const mainEnv = "POSIXKIT_EXAMPLE_MAIN"

// RunMainIfAsked runs main, then exits with status 0, when this test binary
// was started by Exec or Strace; otherwise it returns at once. An example's
// TestMain calls it first, so that the test binary is also the program.
func RunMainIfAsked(main func()) {
	if os.Getenv(mainEnv) != "1" {
		return
	}
	main()
	os.Exit(0)
}

// Result is what a run of an example as a process left.
type Result struct {
	Stdout, Stderr string
	Code           int    // exit status
	Dir            string // the working directory it ran in (empty at the start)
}

// Files lists the names in the run's working directory.
func (r Result) Files(t testing.TB) []string {
	t.Helper()
	ents, err := os.ReadDir(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// Exec runs the example (this test binary, whose TestMain calls
// RunMainIfAsked) as a process with args and stdin, in a new empty
// working directory, and returns what it printed and its exit status. It
// fails the test if the process does not end within 20 s.
func Exec(t testing.TB, stdin string, args ...string) Result {
	t.Helper()
	return execIn(t, t.TempDir(), nil, stdin, args)
}

func execIn(t testing.TB, dir string, prefix []string, stdin string, args []string) Result {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	argv := append(append(prefix, exe), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), mainEnv+"=1")
	// Standard input is a file, not a pipe the os/exec package fills.
	in, err := os.CreateTemp(t.TempDir(), "stdin")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if _, err := in.WriteString(stdin); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	cmd.Stdin = in
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
	err = cmd.Wait()
	timedOut := !timer.Stop()
	r := Result{Stdout: stdout.String(), Stderr: stderr.String(), Dir: dir}
	var exit *exec.ExitError
	switch {
	case timedOut:
		t.Fatalf("%q did not end within 20 s; stdout %q, stderr %q", args, r.Stdout, r.Stderr)
	case errors.As(err, &exit):
		r.Code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return r
}

// CheckHelpAndUsage checks the command-line style every example shares:
// -h and --help print a usage line on stdout, exit 0 and create no file;
// each of badArgs prints an error on stderr and exits 2, also without
// creating a file.
func CheckHelpAndUsage(t *testing.T, badArgs ...[]string) {
	t.Helper()
	for _, h := range []string{"-h", "--help"} {
		t.Run(h, func(t *testing.T) {
			r := Exec(t, "", h)
			if r.Code != 0 || !strings.HasPrefix(r.Stdout, "usage: ") {
				t.Errorf("%s: exit %d, stdout %q, stderr %q; want 0 and a usage line", h, r.Code, r.Stdout, r.Stderr)
			}
			if files := r.Files(t); len(files) != 0 {
				t.Errorf("%s created %q", h, files)
			}
		})
	}
	for _, args := range badArgs {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := Exec(t, "", args...)
			if r.Code != 2 || r.Stderr == "" {
				t.Errorf("%q: exit %d, stderr %q; want 2 and an error", args, r.Code, r.Stderr)
			}
			if files := r.Files(t); len(files) != 0 {
				t.Errorf("%q created %q", args, files)
			}
		})
	}
}

// Syscall is one system call in an strace log.
type Syscall struct {
	Name string // "socket"
	Args string // what strace shows between the parentheses
	Ret  string // the return value as strace shows it: "3", "0x802 (flags O_RDWR|O_NONBLOCK)", "-1 EAGAIN (...)"
	Line string // the whole line, for messages
}

// Trace is the system calls of one traced run, in order.
type Trace []Syscall

// Find returns the first call named name whose arguments start with
// argsPrefix and whose return value starts with retPrefix.
func (tr Trace) Find(name, argsPrefix, retPrefix string) (Syscall, bool) {
	for _, c := range tr {
		if c.Name == name && strings.HasPrefix(c.Args, argsPrefix) && strings.HasPrefix(c.Ret, retPrefix) {
			return c, true
		}
	}
	return Syscall{}, false
}

// Has reports whether the trace holds a call named name with exactly these
// arguments and the return value ret (what strace shows after it, such as
// "(flags O_RDWR)" or "EAGAIN (...)", ignored).
func (tr Trace) Has(name, args, ret string) bool {
	for _, c := range tr {
		if c.Name == name && c.Args == args && (c.Ret == ret || strings.HasPrefix(c.Ret, ret+" ")) {
			return true
		}
	}
	return false
}

// Strace runs the example as Exec does, under strace -f -e
// trace=%network,fcntl,read,write, and returns its result with the
// calls traced. It skips the test when strace is missing or cannot trace
// here (no ptrace permission).
func Strace(t testing.TB, stdin string, args ...string) (Result, Trace) {
	t.Helper()
	return StraceCalls(t, "%network,fcntl,read,write", stdin, args...)
}

// StraceCalls is Strace with the set of calls to trace given, in strace's
// -e trace= syntax.
func StraceCalls(t testing.TB, calls, stdin string, args ...string) (Result, Trace) {
	t.Helper()
	path, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace not installed: the check of printed system calls against the kernel's needs it (apt-get install strace)")
	}
	dir := t.TempDir()
	log := filepath.Join(t.TempDir(), "strace.log")
	r := execIn(t, dir, []string{path, "-f", "-qq", "-s", "256", "-e", "signal=none",
		"-e", "trace=" + calls, "-o", log}, stdin, args)
	b, err := os.ReadFile(log)
	if err != nil || len(b) == 0 {
		t.Skipf("strace left no log (%v); stderr %q", err, r.Stderr)
	}
	return r, ParseStrace(string(b))
}

var (
	pidPrefix = regexp.MustCompile(`^(?:\[pid\s+)?(\d+)\]?\s+`)
	callLine  = regexp.MustCompile(`^([a-z0-9_]+)\((.*)\)\s+=\s+(.*)$`)
)

// ParseStrace reads an strace -f log, joining each call that strace split
// into an "<unfinished ...>" line and a "<... resumed>" line.
func ParseStrace(log string) Trace {
	var tr Trace
	pending := map[string]string{} // pid -> the unfinished line's start
	for _, line := range strings.Split(log, "\n") {
		pid := ""
		if m := pidPrefix.FindStringSubmatch(line); m != nil {
			pid = m[1]
			line = line[len(m[0]):]
		}
		if start, ok := strings.CutSuffix(line, " <unfinished ...>"); ok {
			pending[pid] = start
			continue
		}
		if strings.HasPrefix(line, "<... ") {
			_, rest, ok := strings.Cut(line, " resumed>")
			if !ok {
				continue
			}
			line = pending[pid] + rest
			delete(pending, pid)
		}
		m := callLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		tr = append(tr, Syscall{Name: m[1], Args: m[2], Ret: strings.TrimSpace(m[3]), Line: line})
	}
	return tr
}

// StraceServer runs the example as a server process under strace (as
// Strace does), waits for its "(Go: listening on ADDR)" or "listening on
// ADDR" line, calls client with the address and the server's output (to
// wait on), then stops the server with
// SIGINT and returns what it printed, its exit status and the calls traced.
// It skips the test when strace is missing.
func StraceServer(t testing.TB, client func(addr string, stdout *Output), args ...string) (Result, Trace) {
	t.Helper()
	path, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace not installed: the check of printed system calls against the kernel's needs it (apt-get install strace)")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(t.TempDir(), "strace.log")
	argv := append([]string{"-f", "-qq", "-s", "256", "-e", "signal=none",
		"-e", "trace=%network,fcntl,read,write", "-o", log, exe}, args...)
	cmd := exec.Command(path, argv...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), mainEnv+"=1")
	stdout, stderr := NewOutput(), NewOutput()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stop := func() error {
		// SIGINT to the server itself (strace's child), as Ctrl-C would.
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid))
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				syscall.Kill(pid, syscall.SIGINT)
			}
		}
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			return <-done
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	var addr string
	for {
		if a, ok := listeningOn(stdout.String()); ok {
			addr = a
			break
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("no listening line in 20 s; stdout %q, stderr %q", stdout, stderr)
		}
		stdout.WaitFor("listening on", 100*time.Millisecond)
	}
	client(addr, stdout)
	err = stop()
	r := Result{Stdout: stdout.String(), Stderr: stderr.String(), Dir: cmd.Dir}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		r.Code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(log)
	if err != nil || len(b) == 0 {
		t.Skipf("strace left no log (%v); stderr %q", err, r.Stderr)
	}
	return r, ParseStrace(string(b))
}
