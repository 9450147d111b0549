package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.RunMainIfAsked(main)
	testkit.Main(m)
}

// exchange sends msg from c to the server and returns the reply and who
// sent it.
func exchange(c net.PacketConn, to net.Addr, msg []byte) ([]byte, net.Addr, error) {
	if _, err := c.WriteTo(msg, to); err != nil {
		return nil, nil, err
	}
	buf := make([]byte, 70000)
	n, from, err := c.ReadFrom(buf)
	return buf[:n], from, err
}

// 10 clients send 100 datagrams each; every datagram is answered, in upper
// case, to the client that sent it, from the server's address.
func TestManyClients(t *testing.T) {
	before := testkit.Count()
	srv := testkit.StartServer(t, run, "-addr", "127.0.0.1:0")
	to, err := net.ResolveUDPAddr("udp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	const clients, each = 10, 100
	var wg sync.WaitGroup
	errs := make(chan error, clients*each)
	for c := range clients {
		wg.Go(func() {
			pc, err := net.ListenPacket("udp", "127.0.0.1:0")
			if err != nil {
				errs <- err
				return
			}
			defer pc.Close()
			pc.SetDeadline(time.Now().Add(20 * time.Second))
			for i := range each {
				msg := fmt.Sprintf("client %d datagram %d", c, i)
				got, from, err := exchange(pc, to, []byte(msg))
				if err != nil {
					errs <- fmt.Errorf("client %d datagram %d: %v", c, i, err)
					return
				}
				if want := strings.ToUpper(msg); string(got) != want {
					errs <- fmt.Errorf("client %d got %q, want %q", c, got, want)
				}
				if from.String() != to.String() {
					errs <- fmt.Errorf("client %d: reply from %s, want %s", c, from, to)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := srv.Stop(); err != nil {
		t.Errorf("run returned %v after its context was cancelled, want nil", err)
	}
	if s := srv.Stderr.String(); s != "" {
		t.Errorf("unexpected log output:\n%s", s)
	}
	testkit.CheckReleased(t, before)
}

// Sizes up to the IPv4 maximum come back whole; the empty datagram is a
// datagram, not an end of stream.
func TestSizes(t *testing.T) {
	srv := testkit.StartServer(t, run, "-addr", "127.0.0.1:0")
	to, _ := net.ResolveUDPAddr("udp", srv.Addr)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	pc.SetDeadline(time.Now().Add(10 * time.Second))
	for _, size := range []int{0, 1, 1500, 65507} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			msg := bytes.Repeat([]byte("x"), size)
			got, _, err := exchange(pc, to, msg)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(bytes.ToUpper(msg), got); diff != "" {
				t.Errorf("unexpected reply (-want +got):\n%s", diff)
			}
		})
	}
}

// A datagram longer than the buffer is truncated by the kernel: the server
// reports it and answers with the part it received.
func TestTruncationReported(t *testing.T) {
	srv := testkit.StartServer(t, run, "-addr", "127.0.0.1:0", "-bufsize", "1024")
	to, _ := net.ResolveUDPAddr("udp", srv.Addr)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	pc.SetDeadline(time.Now().Add(10 * time.Second))
	got, _, err := exchange(pc, to, bytes.Repeat([]byte("y"), 3000))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(bytes.Repeat([]byte("Y"), 1024), got); diff != "" {
		t.Errorf("unexpected reply (-want +got):\n%s", diff)
	}
	want := fmt.Sprintf("udpserver: datagram from %s truncated to the 1024-byte buffer", pc.LocalAddr())
	if !srv.Stderr.WaitFor(want, 5*time.Second) {
		t.Errorf("stderr %q, want %q", srv.Stderr, want)
	}
}

func TestArgs(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want func(error) bool
	}{
		{"help", []string{"-h"}, func(err error) bool { return errors.Is(err, flag.ErrHelp) }},
		{"bad bufsize", []string{"-bufsize", "0"}, isUsage},
		{"no port", []string{"-addr", "127.0.0.1"}, isUsage},
		{"extra argument", []string{"x"}, isUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := run(context.Background(), tt.args, strings.NewReader(""), io.Discard, io.Discard); !tt.want(err) {
				t.Errorf("run(%q) = %v", tt.args, err)
			}
		})
	}
}

func isUsage(err error) bool { return errors.As(err, new(usageError)) }
