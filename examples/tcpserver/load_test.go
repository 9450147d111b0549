package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posixkit/posixkit/internal/testkit"
)

// childEnv makes a re-executed test binary run the server half of a test
// (see childServer): its value is the mode.
const childEnv = "POSIXKIT_TCPSERVER_CHILD"

// child is the server running in a subprocess, with its own descriptor
// table: clients made by the test do not take numbers from it, and it can
// lower its own RLIMIT_NOFILE.
type child struct {
	cmd    *exec.Cmd
	Addr   string
	stdin  io.WriteCloser
	Stderr *testkit.Output
}

// startChild re-executes the test binary to run test in mode: that test's
// child branch calls childServe. It waits for the "listening on" line.
func startChild(t *testing.T, test, mode string) *child {
	t.Helper()
	cmd := testkit.Child(context.Background(), test, childEnv, mode)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, stdin: stdin, Stderr: testkit.NewOutput()}
	cmd.Stderr = c.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.stop(t) })
	lines := make(chan string, 1)
	rest := testkit.NewOutput()
	go func() {
		br := bufio.NewReader(stdout)
		for {
			line, err := br.ReadString('\n')
			if strings.HasPrefix(line, "(Go: listening on ") || err != nil {
				lines <- line
				break
			}
		}
		io.Copy(rest, br)
	}()
	select {
	case first := <-lines:
		addr, ok := strings.CutPrefix(strings.TrimSpace(first), "(Go: listening on ")
		if !ok {
			t.Fatalf("child's line %q, want \"(Go: listening on ADDR)\"; stderr:\n%s", first, c.Stderr)
		}
		c.Addr = strings.TrimSuffix(addr, ")")
	case <-time.After(30 * time.Second):
		t.Fatalf("child printed no first line in 30 s; stderr:\n%s", c.Stderr)
	}
	return c
}

// stop closes the child's stdin, which stops its server, and fails the
// test unless the child's test passed.
func (c *child) stop(t *testing.T) {
	if c.stdin == nil {
		return
	}
	c.stdin.Close()
	c.stdin = nil
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("child: %v; stderr:\n%s", err, c.Stderr)
		}
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		<-done
		t.Errorf("child still running 30 s after its stdin was closed; stderr:\n%s", c.Stderr)
	}
}

// childServe is the child's side: it runs the server, printing its address
// on stdout, calls onLine for each line read from stdin, and stops the
// server at the end of stdin.
func childServe(t *testing.T, onLine func(string)) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-q"}, nil, os.Stdout, os.Stderr) }()
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		onLine(sc.Text())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}

// The server, in a subprocess, serves 5,000 short connections from this
// process, 500 at a time: each sends a random lower-case request of 1 to
// 2,000 bytes and must get back exactly its upper-case form. Nothing may
// be lost.
func TestLoad5000Connections(t *testing.T) {
	if os.Getenv(childEnv) == "serve" {
		childServe(t, func(string) {})
		return
	}
	if testing.Short() {
		t.Skip("load test: skipped with -short")
	}
	srv := startChild(t, "TestLoad5000Connections", "serve")
	const total, atOnce = 5000, 500
	var sent, answered, failed atomic.Int64
	errs := make(chan error, 20)
	report := func(err error) {
		failed.Add(1)
		select {
		case errs <- err:
		default:
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	for w := range atOnce {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 5))
			for i := range total / atOnce {
				req := make([]byte, 1+rng.IntN(2000))
				for j := range req {
					req[j] = 'a' + byte(rng.IntN(26))
				}
				req[len(req)-1] = '\n'
				c, err := net.DialTimeout("tcp", srv.Addr, 10*time.Second)
				if err != nil {
					report(fmt.Errorf("worker %d connection %d: %v", w, i, err))
					continue
				}
				c.SetDeadline(time.Now().Add(15 * time.Second))
				if _, err := c.Write(req); err != nil {
					c.Close()
					report(fmt.Errorf("worker %d connection %d: write: %v", w, i, err))
					continue
				}
				sent.Add(1)
				got := make([]byte, len(req))
				_, err = io.ReadFull(c, got)
				c.Close()
				if err != nil {
					report(fmt.Errorf("worker %d connection %d: read: %v", w, i, err))
					continue
				}
				if want := strings.ToUpper(string(req)); string(got) != want {
					report(fmt.Errorf("worker %d connection %d: reply of %d bytes differs from the upper-cased request", w, i, len(got)))
					continue
				}
				answered.Add(1)
			}
		})
	}
	wg.Wait()
	lost := sent.Load() - answered.Load()
	t.Logf("%d connections (%d at a time) in %v: sent %d, answered %d, lost %d, failed %d",
		total, atOnce, time.Since(start).Round(time.Millisecond), sent.Load(), answered.Load(), lost, failed.Load())
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if lost != 0 || answered.Load() != total {
		t.Errorf("answered %d of %d connections, lost %d; want all answered, none lost", answered.Load(), total, lost)
	}
	srv.stop(t)
	if s := srv.Stderr.String(); strings.Contains(s, "refusing") || strings.Contains(s, "dropped") {
		t.Errorf("the server refused or dropped clients:\n%s", s)
	}
}
