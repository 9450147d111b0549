package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posixkit/posixkit/internal/testkit"
)

// The server answers 50,000 datagrams from 50 clients (1,000 each), every
// reply checked byte for byte against the upper-cased request. Each client
// keeps at most 2 requests outstanding, so that the 100 datagrams in flight
// fit the server's default receive buffer (about 200 KiB on Linux) and
// nothing is dropped on loopback; a request unanswered after 10 s counts as
// lost, and lost must be 0.
func TestLoad50000Datagrams(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: skipped with -short")
	}
	before := testkit.Count()
	srv := testkit.StartServer(t, run, "-addr", "127.0.0.1:0")
	to, err := net.ResolveUDPAddr("udp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	const clients, each, window = 50, 1000, 2
	var sent, answered, lost atomic.Int64
	errs := make(chan error, clients)
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			if err := udpClient(c, to, each, window, &sent, &answered, &lost); err != nil {
				errs <- fmt.Errorf("client %d: %w", c, err)
			}
		})
	}
	wg.Wait()
	t.Logf("%d clients × %d datagrams (%d outstanding each) in %v: sent %d, answered %d, lost %d",
		clients, each, window, time.Since(start).Round(time.Millisecond), sent.Load(), answered.Load(), lost.Load())
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if lost.Load() != 0 || answered.Load() != clients*each {
		t.Errorf("answered %d of %d datagrams, lost %d; want all answered, none lost", answered.Load(), clients*each, lost.Load())
	}
	if err := srv.Stop(); err != nil {
		t.Errorf("run returned %v after its context was cancelled, want nil", err)
	}
	if s := srv.Stderr.String(); s != "" {
		t.Errorf("unexpected log output:\n%s", s)
	}
	testkit.CheckReleased(t, before)
}

// udpClient sends n requests "seq <i> <lower-case letters>" to the server,
// at most window outstanding, and checks each reply byte for byte.
func udpClient(id int, to *net.UDPAddr, n, window int, sent, answered, lost *atomic.Int64) error {
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return err
	}
	defer pc.Close()
	pc.SetReadBuffer(1 << 20)
	pc.SetWriteBuffer(1 << 20)
	rng := rand.New(rand.NewPCG(uint64(id), 7))
	outstanding := make(map[int][]byte, window) // seq -> expected reply
	next := 0
	send := func() error {
		msg := []byte("seq " + strconv.Itoa(next) + " ")
		for range 1 + rng.IntN(400) {
			msg = append(msg, 'a'+byte(rng.IntN(26)))
		}
		if _, err := pc.WriteToUDP(msg, to); err != nil {
			return err
		}
		outstanding[next] = bytes.ToUpper(msg)
		next++
		sent.Add(1)
		return nil
	}
	buf := make([]byte, 2048)
	for next < n || len(outstanding) > 0 {
		for next < n && len(outstanding) < window {
			if err := send(); err != nil {
				return err
			}
		}
		pc.SetReadDeadline(time.Now().Add(10 * time.Second))
		m, from, err := pc.ReadFromUDP(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				lost.Add(int64(len(outstanding)))
				return fmt.Errorf("%d requests unanswered after 10 s", len(outstanding))
			}
			return err
		}
		if from.String() != to.String() {
			return fmt.Errorf("reply from %v, want %v", from, to)
		}
		reply := buf[:m]
		f := bytes.Fields(reply)
		if len(f) < 2 || string(f[0]) != "SEQ" {
			return fmt.Errorf("reply %q does not start with SEQ <n>", reply)
		}
		seq, err := strconv.Atoi(string(f[1]))
		want, ok := outstanding[seq]
		if err != nil || !ok {
			return fmt.Errorf("reply %q answers no outstanding request", reply)
		}
		if !bytes.Equal(reply, want) {
			return fmt.Errorf("reply to request %d is %q, want %q", seq, reply, want)
		}
		delete(outstanding, seq)
		answered.Add(1)
	}
	return nil
}
