package diag

import (
	"github.com/posixkit/posixkit/internal/netlink"
	"github.com/posixkit/posixkit/sock"
)

// DumpRetries returns how many dumps were read again because the kernel
// marked them interrupted.
func DumpRetries() uint64 { return dumpRetries.Load() }

// MaxAttempts is the bound on the reads of one dump.
const MaxAttempts = maxAttempts

// InterruptNext makes the next n dumps read count as interrupted, as if
// the kernel had marked them NLM_F_DUMP_INTR.
func InterruptNext(n int) { interruptNext.Store(int32(n)) }

// Dump names one request of a List, for captures and the parser's tests.
type Dump struct {
	Family   sock.Family
	Protocol sock.Protocol
	TCPInfo  bool
}

func (d Dump) dump() *dump {
	dd := &dump{family: d.Family, protocol: d.Protocol, states: allStates}
	if d.TCPInfo && d.Protocol == sock.IPPROTO_TCP {
		dd.ext = extInfo | extCong
	}
	return dd
}

// Parse parses the datagrams of one dump of kind d, answering request seq
// of port id pid.
func Parse(d Dump, seq, pid uint32, b []byte) ([]Socket, bool, error) {
	dd := d.dump()
	s := scanner{d: dd, seq: seq, pid: pid}
	if err := s.feed(b); err != nil {
		return nil, s.intr, err
	}
	if err := s.finish(); err != nil {
		return nil, s.intr, err
	}
	dec := decoder{d: dd}
	socks, err := dec.decode(b, make([]Socket, 0, s.n))
	return socks, s.intr, err
}

// Capture reads one dump of kind d in the calling thread's namespace and
// returns its datagrams, concatenated, with the request's sequence number
// and the socket's port id.
func Capture(d Dump) (b []byte, seq, pid uint32, err error) {
	c, err := openConn()
	if err != nil {
		return nil, 0, 0, err
	}
	defer c.close()
	c.capture = func(_ *dump, s, p uint32, dg []byte) {
		b = append(b, dg...)
		seq, pid = s, p
	}
	_, err = c.read(d.dump())
	return b, seq, pid, err
}

// PortProgram is the bytecode of a port filter.
func PortProgram(lport, rport uint16) []byte { return portProgram(lport, rport) }

// Request is the request of a dump of kind d with a port filter.
func Request(d Dump, lport, rport uint16, seq uint32) []byte {
	dd := d.dump()
	dd.bytecode = portProgram(lport, rport)
	return dd.request(seq)
}

// ReceiveOn makes one conn.receive on fd, which it does not close.
func ReceiveOn(fd int) ([]byte, error) {
	c := newConn(netlink.Conn{FD: fd})
	defer func() { c.FD = -1; c.close() }()
	b, err := c.receive()
	return append([]byte(nil), b...), err
}

// RecvBufSize is the room each receive offers.
const RecvBufSize = recvBufSize
