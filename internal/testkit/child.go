package testkit

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Child returns a command that re-executes the test binary to run only
// the test named test, with the environment variable env set to mode: the
// test's child branch, which checks os.Getenv(env), then runs in a process
// of its own (its own descriptor table, limits and signal dispositions).
func Child(ctx context.Context, test, env, mode string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+test+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), env+"="+mode)
	return cmd
}

// RunChild runs [Child] for up to 60 s and fails the test unless the
// child's test passed. It returns the child's combined output.
func RunChild(t testing.TB, test, env, mode string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := Child(ctx, test, env, mode).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+test) {
		t.Fatalf("child %s (%s): %v\n%s", test, mode, err, out)
	}
	return string(out)
}
