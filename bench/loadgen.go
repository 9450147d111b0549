package peerbench

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// load is a closed-loop load on one server: each client writes a request,
// reads the whole response, checks that it is the request, and starts
// again.
type load struct {
	conns  []*net.TCPConn
	counts []clientCount
	stop   atomic.Bool
	wg     sync.WaitGroup
	mu     sync.Mutex
	err    error // the first client error before stop
}

// clientCount is one client's count of answered requests, alone on its
// cache line.
type clientCount struct {
	n atomic.Int64
	_ [56]byte
}

// dialLoad connects n clients to addr, a few dozen dials at a time. Each
// connection closes with SO_LINGER 0 (a reset), so that thousands of runs
// leave no TIME_WAIT entries holding loopback ports.
func dialLoad(ctx context.Context, addr netip.AddrPort, n int) (*load, error) {
	l := &load{conns: make([]*net.TCPConn, n), counts: make([]clientCount, n)}
	d := net.Dialer{Timeout: 5 * time.Second}
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c, err := d.DialContext(ctx, "tcp", addr.String())
			if err == nil {
				tc := c.(*net.TCPConn)
				if err = tc.SetLinger(0); err == nil {
					l.conns[i] = tc
					return
				}
				c.Close()
			}
			mu.Lock()
			if first == nil {
				first = fmt.Errorf("dial client %d of %d: %w", i, n, err)
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if first != nil {
		l.close()
		return nil, first
	}
	return l, nil
}

// start starts every client with requests of size bytes (at least 8).
// Nothing waits longer than until: every read and write has that deadline.
func (l *load) start(size int, until time.Time) {
	for i, c := range l.conns {
		_ = c.SetDeadline(until)
		l.wg.Go(func() { l.client(i, c, size) })
	}
}

func (l *load) client(i int, c *net.TCPConn, size int) {
	req := make([]byte, size)
	resp := make([]byte, size)
	for j := range req {
		req[j] = byte('a' + (i+j)%26)
	}
	for seq := uint64(0); !l.stop.Load(); seq++ {
		// Each request differs from the last: a server answering with
		// stale bytes is caught.
		binary.BigEndian.PutUint64(req, uint64(i)<<40|seq)
		if _, err := c.Write(req); err != nil {
			l.fail(fmt.Errorf("client %d: write: %w", i, err))
			return
		}
		if _, err := io.ReadFull(c, resp); err != nil {
			l.fail(fmt.Errorf("client %d: read: %w", i, err))
			return
		}
		if !bytes.Equal(req, resp) {
			l.fail(fmt.Errorf("client %d: response to request %d is not its echo", i, seq))
			return
		}
		l.counts[i].n.Add(1)
	}
}

// fail records the first error of a client; errors after stop (the
// deadline that ends a pending read) are not the server's.
func (l *load) fail(err error) {
	if l.stop.Load() {
		return
	}
	l.mu.Lock()
	if l.err == nil {
		l.err = err
	}
	l.mu.Unlock()
}

// total returns the requests answered so far.
func (l *load) total() int64 {
	var t int64
	for i := range l.counts {
		t += l.counts[i].n.Load()
	}
	return t
}

// finish stops the clients (a pending request gets 2 seconds), closes
// the connections and returns the first client error, and the fewest
// requests any one client had answered.
func (l *load) finish() (minPerClient int64, err error) {
	l.stop.Store(true)
	cut := time.Now().Add(2 * time.Second)
	for _, c := range l.conns {
		_ = c.SetDeadline(cut)
	}
	l.wg.Wait()
	l.close()
	minPerClient = -1
	for i := range l.counts {
		if n := l.counts[i].n.Load(); minPerClient < 0 || n < minPerClient {
			minPerClient = n
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return minPerClient, l.err
}

func (l *load) close() {
	for _, c := range l.conns {
		if c != nil {
			c.Close()
		}
	}
}
