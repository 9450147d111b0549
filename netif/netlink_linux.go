package netif

import (
	"sync"
	"sync/atomic"

	"github.com/posixkit/posixkit/internal/netlink"
	"golang.org/x/sys/unix"
)

// recvBufSize is the room offered to each receive.
const recvBufSize = netlink.RecvBufSize

// bufPool holds receive buffers: a whole dump is read into one, so that it
// can be parsed in one pass after the count of its messages is known.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 2*recvBufSize); return &b }}

// seqNum numbers the requests of this process.
var seqNum atomic.Uint32

// dumpRetries counts the dumps read again because the kernel marked them
// interrupted (for tests).
var dumpRetries atomic.Uint64

// maxAttempts bounds the retries of a dump the kernel marks interrupted.
const maxAttempts = 5

// rtnl is one NETLINK_ROUTE socket, used for one pair of dumps, with the
// buffer that holds them.
type rtnl struct {
	netlink.Conn
	buf []byte
}

func openRTNL() (*rtnl, error) {
	c, err := netlink.Open(unix.NETLINK_ROUTE)
	if err != nil {
		return nil, err
	}
	return newRTNL(c, *bufPool.Get().(*[]byte)), nil
}

// newRTNL makes the rtnl of socket c, whose refused datagrams are
// malformed replies of this package, receiving into buf.
func newRTNL(c netlink.Conn, buf []byte) *rtnl {
	c.Malformed = ErrMalformed
	return &rtnl{Conn: c, buf: buf}
}

func (c *rtnl) close() {
	c.Close()
	b := c.buf[:0]
	c.buf = nil
	if cap(b) <= 1<<20 { // keep no huge buffer alive
		bufPool.Put(&b)
	}
}

// request sends a dump request of type typ with a family-only body of
// bodyLen bytes (struct ifinfomsg or struct ifaddrmsg, all zero: AF_UNSPEC,
// every interface), and returns its sequence number.
func (c *rtnl) request(typ uint16, bodyLen int) (uint32, error) {
	var req [nlmsgHdrLen + ifInfoMsgLen]byte
	n := nlmsgHdrLen + bodyLen
	seq := seqNum.Add(1)
	ne.PutUint32(req[0:], uint32(n))
	ne.PutUint16(req[4:], typ)
	ne.PutUint16(req[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	ne.PutUint32(req[8:], seq)
	if err := c.Send(req[:n]); err != nil {
		return 0, err
	}
	return seq, nil
}

// receive reads one datagram, appended to c.buf, and returns it; a
// truncated datagram or one not from the kernel is an error wrapping
// ErrMalformed.
func (c *rtnl) receive() ([]byte, error) {
	if cap(c.buf)-len(c.buf) < recvBufSize {
		nb := make([]byte, len(c.buf), 2*cap(c.buf)+recvBufSize)
		copy(nb, c.buf)
		c.buf = nb
	}
	start := len(c.buf)
	n, err := c.Receive(c.buf[start:cap(c.buf)])
	if err != nil {
		return nil, err
	}
	c.buf = c.buf[:start+n]
	return c.buf[start:], nil
}

// dump sends a request and appends every datagram of the answer to c.buf,
// until NLMSG_DONE. It checks the headers as they come, calls each (if not
// nil) with the body of every message of type want, and returns the dump's
// bytes and its sequence number.
func (c *rtnl) dump(typ uint16, bodyLen int, want uint16, each func(body []byte)) (b []byte, seq uint32, err error) {
	seq, err = c.request(typ, bodyLen)
	if err != nil {
		return nil, 0, err
	}
	d := dumpState{op: opName(typ), seq: seq, pid: c.PID}
	start := len(c.buf)
	visit := func(_ int, body []byte) error {
		if each != nil {
			each(body)
		}
		return nil
	}
	for !d.done {
		b, err := c.receive()
		if err != nil {
			return nil, 0, err
		}
		if err := d.messages(b, want, visit); err != nil {
			return nil, 0, err
		}
	}
	return c.buf[start:], seq, nil
}

func opName(typ uint16) string {
	if typ == unix.RTM_GETLINK {
		return "RTM_GETLINK"
	}
	return "RTM_GETADDR"
}

// fetch reads and parses the links and then the addresses, retrying while
// the kernel reports the dumps inconsistent. With grouped false, out is the
// getifaddrs list: the link entries, then the address entries. With grouped
// true, out holds the address entries only, grouped by link: those of
// links[i] are out[start[i]:start[i+1]]. Either way out is allocated once,
// at its exact size, from a count made while the address dump is read.
func fetch(grouped bool) (links []link, out []IfAddr, start []int, err error) {
	c, err := openRTNL()
	if err != nil {
		return nil, nil, nil, err
	}
	defer c.close()
	for attempt := 1; ; attempt++ {
		c.buf = c.buf[:0]
		lb, lseq, err := c.dump(unix.RTM_GETLINK, ifInfoMsgLen, unix.RTM_NEWLINK, nil)
		if err != nil {
			return nil, nil, nil, err
		}
		links, lintr, err := parseLinkMessages(lb, lseq, c.PID)
		if err != nil {
			return nil, nil, nil, err
		}
		ap := newAddrParser(0, c.PID, links, nil)
		// Count the IPv4 and IPv6 addresses of each known link.
		count := make([]int, len(links)+1)
		total := 0
		ab, aseq, err := c.dump(unix.RTM_GETADDR, ifAddrMsgLen, unix.RTM_NEWADDR, func(body []byte) {
			if len(body) < ifAddrMsgLen || body[0] != unix.AF_INET && body[0] != unix.AF_INET6 {
				return
			}
			if li, ok := ap.find(int(int32(ne.Uint32(body[4:8])))); ok {
				count[li+1]++
				total++
			}
		})
		if err != nil {
			return nil, nil, nil, err
		}
		ap.seq = aseq
		if grouped {
			for i := 1; i < len(count); i++ {
				count[i] += count[i-1]
			}
			start = count
			ap.out = make([]IfAddr, total)
			ap.slots = append([]int(nil), start[:len(links)]...)
			ap.end = start[1:]
		} else {
			ap.out = linkEntries(links, total)
		}
		if err := ap.feed(ab); err != nil {
			return nil, nil, nil, err
		}
		if err := ap.finish(); err != nil {
			return nil, nil, nil, err
		}
		if !lintr && !ap.intr && !ap.inconsistent {
			return links, ap.out, start, nil
		}
		if attempt == maxAttempts {
			return links, ap.out, start, ErrDumpInterrupted
		}
		dumpRetries.Add(1)
	}
}
