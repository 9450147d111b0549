package diag

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/posixkit/posixkit/internal/netlink"
	"golang.org/x/sys/unix"
)

// recvBufSize is the room offered to each receive.
const recvBufSize = netlink.RecvBufSize

// rawPool keeps the buffers that receive a List's datagrams, so that a
// List of the same tables as the last one reads into memory already there.
// A buffer grown past maxPooled is left to the garbage collector.
var rawPool = sync.Pool{New: func() any { return new([]byte) }}

const maxPooled = 16 << 20

// seqNum numbers the requests of this process.
var seqNum atomic.Uint32

// dumpRetries counts the dumps read again because the kernel marked them
// interrupted (for tests).
var dumpRetries atomic.Uint64

// maxAttempts bounds the reads of a dump the kernel marks interrupted.
const maxAttempts = 5

// interruptNext, when above 0, makes that many of the next dumps read
// count as interrupted (for tests: the kernel's socket dumps are never
// marked so today).
var interruptNext atomic.Int32

// conn is one NETLINK_SOCK_DIAG socket, used for the dumps of one List,
// with the buffer that receives their answers.
type conn struct {
	netlink.Conn
	// raw holds every datagram read, back to back: the answers are
	// checked as they arrive and decoded once all are in, into a slice
	// of the exact length.
	raw  []byte
	pool *[]byte
	// capture, if not nil, gets every datagram read (for tests).
	capture func(d *dump, seq, pid uint32, b []byte)
}

func openConn() (*conn, error) {
	nc, err := netlink.Open(unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, err
	}
	return newConn(nc), nil
}

// newConn makes the conn of socket nc, whose refused datagrams are
// malformed replies of this package, with a pooled buffer.
func newConn(nc netlink.Conn) *conn {
	nc.Malformed = ErrMalformed
	pool := rawPool.Get().(*[]byte)
	return &conn{Conn: nc, raw: (*pool)[:0], pool: pool}
}

func (c *conn) close() {
	c.Close()
	if cap(c.raw) <= maxPooled {
		*c.pool = c.raw[:0]
		rawPool.Put(c.pool)
	}
	c.raw, c.pool = nil, nil
}

// receive reads one datagram onto the end of c.raw and returns it; a
// truncated datagram or one not from the kernel is an error wrapping
// ErrMalformed.
func (c *conn) receive() ([]byte, error) {
	c.raw = slices.Grow(c.raw, recvBufSize)
	start := len(c.raw)
	n, err := c.Receive(c.raw[start : start+recvBufSize])
	if err != nil {
		return nil, err
	}
	c.raw = c.raw[:start+n]
	return c.raw[start:], nil
}

// answer is the answer to one dump request: c.raw[start:end], checked,
// holding n sockets.
type answer struct {
	d          *dump
	start, end int
	n          int
	intr       bool
}

// read sends d's request and receives and checks its answer, which it
// leaves at the end of c.raw.
func (c *conn) read(d *dump) (answer, error) {
	seq := seqNum.Add(1)
	a := answer{d: d, start: len(c.raw)}
	if err := c.Send(d.request(seq)); err != nil {
		return a, err
	}
	s := scanner{d: d, seq: seq, pid: c.PID}
	for !s.done {
		b, err := c.receive()
		if err != nil {
			return a, err
		}
		if c.capture != nil {
			c.capture(d, seq, c.PID, b)
		}
		if err := s.feed(b); err != nil {
			return a, err
		}
	}
	a.end, a.n, a.intr = len(c.raw), s.n, s.intr
	if interruptNext.Load() > 0 && interruptNext.Add(-1) >= 0 {
		a.intr = true
	}
	return a, nil
}
