package main

import (
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/posixkit/posixkit/internal/testkit"
	"golang.org/x/sys/unix"
)

// These tests take the process to its descriptor limits, with Linux's
// /proc/self/fd and RLIMIT_NOFILE types.

// A client whose descriptor would be at or above FD_SETSIZE is closed at
// once, logged once, and the connected clients keep being served.
func TestRefusesAtFDSetSize(t *testing.T) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < 1200 {
		t.Skipf("RLIMIT_NOFILE is %d (err %v); need 1200 descriptors to reach FD_SETSIZE", lim.Cur, err)
	}
	srv := testkit.StartServer(t, run, "-addr", "127.0.0.1:0")
	kept := dial(t, srv.Addr)
	defer kept.Close()
	if got, err := exchange(kept, "before\n"); err != nil || got != "BEFORE\n" {
		t.Fatalf("got %q, %v", got, err)
	}

	fds := testkit.FillFDs(t, 1024) // every number below FD_SETSIZE is now taken
	for i := range 3 {
		c := dial(t, srv.Addr)
		c.Write([]byte("anyone?\n"))
		got, err := io.ReadAll(c)
		c.Close()
		if err != nil && !errors.Is(err, syscall.ECONNRESET) {
			testkit.CloseFDs(fds)
			t.Fatalf("refused client %d: %v", i, err)
		}
		if len(got) != 0 {
			t.Errorf("refused client %d was answered %q", i, got)
		}
	}
	testkit.CloseFDs(fds)

	if got, err := exchange(kept, "after\n"); err != nil || got != "AFTER\n" {
		t.Errorf("connected client after the refusals got %q, %v", got, err)
	}
	if n := strings.Count(srv.Stderr.String(), "refusing new clients"); n != 1 {
		t.Errorf("%d refusal log lines, want 1; stderr:\n%s", n, srv.Stderr)
	}
	if !strings.Contains(srv.Stderr.String(), "FD_SETSIZE") {
		t.Errorf("the refusal does not name FD_SETSIZE; stderr:\n%s", srv.Stderr)
	}
	c := dial(t, srv.Addr)
	if got, err := exchange(c, "new\n"); err != nil || got != "NEW\n" {
		t.Errorf("new client once descriptors are free got %q, %v", got, err)
	}
	c.Close()
}

// When accept fails with EMFILE the waiting client is accepted and closed
// with the reserve descriptor, instead of the loop spinning on it.
func TestRefusesOnEMFILE(t *testing.T) {
	srv := testkit.StartServer(t, run, "-addr", "127.0.0.1:0")
	kept := dial(t, srv.Addr)
	defer kept.Close()
	if got, err := exchange(kept, "before\n"); err != nil || got != "BEFORE\n" {
		t.Fatalf("got %q, %v", got, err)
	}

	limit, restore := testkit.LowerFDLimit(t, 32)
	fds := testkit.FillFDs(t, limit) // every number is now taken
	// Free exactly one number: for the test's own client socket.
	unix.Close(fds[len(fds)-1])
	fds = fds[:len(fds)-1]

	c, err := net.DialTimeout("tcp", srv.Addr, 5*time.Second)
	var got []byte
	if err == nil {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		got, err = io.ReadAll(c) // EOF: the server accepted and closed it
		c.Close()
	}
	testkit.CloseFDs(fds)
	restore()
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("refused client: %v", err)
	}
	if len(got) != 0 {
		t.Errorf("refused client was answered %q", got)
	}
	if !srv.Stderr.WaitFor("too many open files", 5*time.Second) {
		t.Errorf("no refusal logged; stderr:\n%s", srv.Stderr)
	}
	if got, err := exchange(kept, "after\n"); err != nil || got != "AFTER\n" {
		t.Errorf("connected client after the refusal got %q, %v", got, err)
	}
	c2 := dial(t, srv.Addr)
	if got, err := exchange(c2, "new\n"); err != nil || got != "NEW\n" {
		t.Errorf("new client once descriptors are free got %q, %v", got, err)
	}
	c2.Close()
}
