package testkit

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// This file is the harness of the example programs' tests: an output sink
// a test can wait on, a server's run function run until its context is
// cancelled, and the checks every example's run gets.

// RunFunc is the signature of every example program's run function.
type RunFunc func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error

// Output is an io.Writer safe for concurrent use that keeps everything
// written to it and lets a test wait for some text to appear.
type Output struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	notify chan struct{}
}

// NewOutput returns an empty Output.
func NewOutput() *Output { return &Output{notify: make(chan struct{}, 1)} }

// Write appends p and wakes a waiting WaitFor.
func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	n, err := o.buf.Write(p)
	o.mu.Unlock()
	select {
	case o.notify <- struct{}{}:
	default:
	}
	return n, err
}

// String returns everything written so far.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// WaitFor waits up to timeout for the output to contain substr and reports
// whether it did.
func (o *Output) WaitFor(substr string, timeout time.Duration) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		if strings.Contains(o.String(), substr) {
			return true
		}
		select {
		case <-o.notify:
		case <-timer.C:
			return strings.Contains(o.String(), substr)
		}
	}
}

// Server is an example server running in a goroutine of the test.
type Server struct {
	Addr   string // the address from its "listening on ADDR" line
	Stdout *Output
	Stderr *Output
	cancel context.CancelFunc
	done   chan error
}

// StartServer runs run(ctx, args, ...) in a goroutine and waits for the
// line of its output that gives its address, "listening on HOST:PORT" or
// "(Go: listening on HOST:PORT)". The server is stopped at
// the end of the test if the test did not stop it itself.
func StartServer(t testing.TB, run RunFunc, args ...string) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{Stdout: NewOutput(), Stderr: NewOutput(), cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- run(ctx, args, strings.NewReader(""), s.Stdout, s.Stderr) }()
	t.Cleanup(func() { _ = s.Stop() })
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	for {
		if addr, ok := listeningOn(s.Stdout.String()); ok {
			s.Addr = addr
			return s
		}
		select {
		case <-s.Stdout.notify:
		case err := <-s.done:
			s.done <- err
			t.Fatalf("server stopped before listening: %v; stderr: %s", err, s.Stderr)
		case <-timer.C:
			t.Fatalf("server printed no first line in 10 s; stdout %q, stderr %q", s.Stdout, s.Stderr)
		}
	}
}

// listeningOn finds the address in a complete "listening on ADDR" or
// "(Go: listening on ADDR)" line of out.
func listeningOn(out string) (string, bool) {
	for line := range strings.Lines(out) {
		line, ok := strings.CutSuffix(line, "\n")
		if !ok {
			break
		}
		if a, ok := strings.CutPrefix(line, "listening on "); ok {
			return a, true
		}
		if a, ok := strings.CutPrefix(line, GoNotePrefix+"listening on "); ok {
			return strings.TrimSuffix(a, ")"), true
		}
	}
	return "", false
}

// Stop cancels the server's context and waits up to 10 s for run to
// return, returning its error. Stop may be called more than once.
func (s *Server) Stop() error {
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- err
		return err
	case <-time.After(10 * time.Second):
		return fmt.Errorf("server did not stop within 10 s of its context being cancelled")
	}
}

// RunErrorCase is one way to make an example's run fail: its arguments, the
// error the result must wrap (nil: any) and the exact message.
type RunErrorCase struct {
	Name    string
	Args    []string
	WantErr error
	WantMsg string
}

// CheckRunErrors runs run once per case and checks that it fails with the
// case's error and message and prints nothing on stdout.
func CheckRunErrors(t *testing.T, run RunFunc, cases []RunErrorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			var stdout bytes.Buffer
			err := run(context.Background(), tc.Args, nil, &stdout, &bytes.Buffer{})
			if err == nil {
				t.Fatalf("run succeeded, printing %q", stdout.String())
			}
			if tc.WantErr != nil && !errors.Is(err, tc.WantErr) {
				t.Errorf("error %v, want one wrapping %v", err, tc.WantErr)
			}
			if diff := cmp.Diff(tc.WantMsg, err.Error()); diff != "" {
				t.Errorf("unexpected error message (-want +got):\n%s", diff)
			}
			if stdout.Len() != 0 {
				t.Errorf("unexpected output %q", stdout.String())
			}
		})
	}
}

// CheckCancel runs run with stdin until ready appears on its stdout or
// stderr, then cancels its context and checks that run returns nil within 10 s.
func CheckCancel(t *testing.T, run RunFunc, args []string, stdin io.Reader, ready string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := NewOutput()
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, stdin, stderr, stderr) }()
	if !stderr.WaitFor(ready, 10*time.Second) {
		t.Fatalf("%q never appeared; stdout and stderr %q", ready, stderr)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run after cancel = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

// ArgsCase is one command line for an example's run: its arguments and
// what the error it returns must satisfy.
type ArgsCase struct {
	Name string
	Args []string
	Want func(error) bool
}

// CheckArgs runs run once per case, with empty stdin and discarded output,
// and fails unless its error satisfies the case's Want.
func CheckArgs(t *testing.T, run RunFunc, cases []ArgsCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			if err := run(context.Background(), tc.Args, strings.NewReader(""), io.Discard, io.Discard); !tc.Want(err) {
				t.Errorf("run(%q) = %v", tc.Args, err)
			}
		})
	}
}

// IsHelp reports whether err is flag.ErrHelp: what run returns for -h.
func IsHelp(err error) bool { return errors.Is(err, flag.ErrHelp) }
