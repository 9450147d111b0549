package addrinfo

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"os"
	"sync/atomic"
	"time"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// glibc's resolv/res_send.c: each query to each server in turn, over UDP
// (send_dg) or TCP (send_vc).

// sendResult is what res_send gives back: the first reply (ans1, which may
// be shorter than a header when only the second query was answered), the
// second (ans2), or a failure (fail, with errno set).
type sendResult struct {
	ans1, ans2 []byte
	fail       bool
}

var rotateOffset atomic.Uint32

// send is glibc's __res_context_send: each query to each server in turn,
// attempts times over, UDP unless use-vc, a query too big for UDP or a
// truncated reply asks for TCP.
func (r *resCtx) send(q1, q2 *dnsQuery) sendResult {
	c := r.conf
	ns := len(c.servers)
	if ns == 0 {
		r.errno = unix.ESRCH
		return sendResult{fail: true}
	}
	r.errno = 0
	vc := c.useVC || len(q1.msg) > packetsz || q2 != nil && len(q2.msg) > packetsz
	gotSomewhere := false
	terrno := unix.ETIMEDOUT
	offset := 0
	if ns > 1 && c.rotate {
		offset = int(rotateOffset.Add(1)) % ns
	}
	for try := 0; try < c.attempts; try++ {
		for shift := 0; shift < ns; shift++ {
			i := (shift + offset) % ns
			for {
				if r.ctx.Err() != nil {
					r.interrupted = true
					r.errno = unix.ETIMEDOUT
					return sendResult{fail: true}
				}
				var res sendResult
				var n int
				if vc {
					try = c.attempts // one TCP attempt per server
					n, res = r.sendVC(q1, q2, i, &terrno)
				} else {
					var toTCP bool
					n, res, toTCP = r.sendDG(q1, q2, i, &terrno, &gotSomewhere)
					if toTCP {
						vc = true
						continue // same server, over TCP
					}
				}
				if n < 0 {
					r.errno = terrno
					return sendResult{fail: true}
				}
				if n == 0 && (q2 == nil || len(res.ans2) == 0) {
					break // next server
				}
				return res
			}
		}
	}
	switch {
	case vc:
		r.errno = terrno
	case !gotSomewhere:
		r.errno = unix.ECONNREFUSED // no server answered at all
	default:
		r.errno = unix.ETIMEDOUT
	}
	return sendResult{fail: true}
}

// serverTimeout is send_dg's time for one attempt on server i.
func (c *resolvConf) serverTimeout(i int) time.Duration {
	seconds := max(c.timeout, 0) << i
	if i > 0 {
		seconds /= len(c.servers)
	}
	if seconds <= 0 {
		seconds = 1
	}
	return time.Duration(seconds) * time.Second
}

// dnsSocket is a socket to one server that the context closes when it
// ends, so no wait outlives it.
type dnsSocket struct {
	s    *sock.Socket
	stop func() bool
}

func (r *resCtx) open(server netip.AddrPort, typ sock.Type) (*dnsSocket, error) {
	fam := sock.AF_INET
	if server.Addr().Is6() {
		fam = sock.AF_INET6
	}
	s, err := sock.New(fam, typ, 0)
	if err != nil {
		return nil, err
	}
	return &dnsSocket{s: s, stop: context.AfterFunc(r.ctx, func() { s.Close() })}, nil
}

func (d *dnsSocket) close() {
	if d != nil {
		d.stop()
		d.s.Close()
	}
}

// errnoOf is the errno inside a sock error, ETIMEDOUT for a deadline.
func errnoOf(err error) unix.Errno {
	var e unix.Errno
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, os.ErrDeadlineExceeded):
		return unix.ETIMEDOUT
	}
	return unix.EIO
}

// sendDG is glibc's send_dg: both queries on one connected UDP socket
// (the second after the first reply with single-request, on a new socket
// with single-request-reopen), replies kept in arrival order once their
// ID, source and question match. It returns glibc's n: -1 for a fatal
// error, 0 to go on to the next server, else the first reply's length
// (which may be 0 when only the second query was answered); toTCP when a
// reply was truncated.
func (r *resCtx) sendDG(q1, q2 *dnsQuery, ns int, terrno *unix.Errno, gotSomewhere *bool) (int, sendResult, bool) {
	server := r.conf.servers[ns]
	seconds := r.conf.serverTimeout(ns)
	saveGot := *gotSomewhere
	var d *dnsSocket
	defer func() { d.close() }()
	reopen := func() int {
		d.close()
		d = nil
		nd, err := r.open(server, sock.SOCK_DGRAM)
		if err != nil {
			*terrno = errnoOf(err)
			return -1 // socket(2) failed: glibc gives up
		}
		if err := nd.s.Connect(sock.InetAddr(server)); err != nil {
			nd.close()
			return 0
		}
		d = nd
		return 1
	}
	if rv := reopen(); rv <= 0 {
		return rv, sendResult{}, false
	}
	buf := make([]byte, maxPacket)
	var ans1, ans2 []byte
	resplen := 0
retry:
	finish := time.Now().Add(seconds)
	recv1, recv2 := false, q2 == nil
	nwritten := 0
	pollout := true
	for {
		if r.ctx.Err() != nil {
			r.interrupted = true
			return 0, sendResult{}, false
		}
		if pollout {
			// Both queries at once, or one at a time with single-request.
			qs := []*dnsQuery{q1}
			switch {
			case nwritten == 0 && q2 != nil && !r.singleRequest:
				qs = append(qs, q2)
			case nwritten > 0:
				qs = []*dnsQuery{q2}
			}
			for _, q := range qs {
				if _, err := d.s.Send(q.msg, 0); err != nil {
					if r.ctx.Err() != nil {
						r.interrupted = true
					}
					return 0, sendResult{}, false
				}
				nwritten++
			}
			pollout = false
		}
		d.s.SetReadDeadline(finish)
		n, from, err := d.s.RecvFrom(buf, 0)
		if err != nil && !errors.Is(err, sock.ErrTruncated) {
			if r.ctx.Err() != nil {
				r.interrupted = true
				return 0, sendResult{}, false
			}
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				return 0, sendResult{}, false // ECONNREFUSED and the like: next server
			}
			// The server's time is up.
			if resplen > 1 && (recv1 || q2 != nil && recv2) {
				// One reply of two: some servers cannot take two
				// queries at once. Again one at a time, then one at a
				// time on a new socket, then make do with the one reply.
				switch {
				case !r.singleRequest:
					r.singleRequest = true
					*gotSomewhere = saveGot
					goto retry
				case !r.singleRequestReopen:
					r.singleRequestReopen = true
					*gotSomewhere = saveGot
					if rv := reopen(); rv <= 0 {
						return rv, sendResult{}, false
					}
					goto retry
				}
				return resplen, sendResult{ans1: ans1, ans2: []byte{0}}, false
			}
			*gotSomewhere = true
			return 0, sendResult{}, false
		}
		if n == 0 {
			return 0, sendResult{}, false // recvfrom gave nothing: next server
		}
		if from.AddrPort().Addr().Unmap() != server.Addr().Unmap() || from.AddrPort().Port() != server.Port() {
			continue // not from the server (a connected socket never sees one)
		}
		msg := append([]byte(nil), buf[:n]...)
		if !recv1 && !recv2 || q2 == nil {
			r.lastAns1 = msg
		}
		*gotSomewhere = true
		if len(msg) < hfixedsz {
			*terrno = unix.EMSGSIZE
			return 0, sendResult{}, false // undersized: next server
		}
		// Some servers send REFUSED without the question: such a short
		// error reply matches by ID alone.
		rc := rcodeOf(msg)
		isErr := rc == rcodeServFail || rc == rcodeNotImp || rc == rcodeRefused
		short := len(msg) == hfixedsz && binary.BigEndian.Uint16(msg[4:]) == 0 && isErr
		match := 0
		if !recv1 && (short && binary.BigEndian.Uint16(msg) == q1.id || queriesMatch(q1, msg)) {
			match = 1
		}
		if q2 != nil && !recv2 && (short && binary.BigEndian.Uint16(msg) == q2.id || queriesMatch(q2, msg)) {
			match = 2
		}
		if match == 0 {
			continue // a stray or forged datagram: dropped, keep waiting
		}
		first := !recv1 && !recv2 || q2 == nil // goes to the first buffer
		lame := rc == rcodeNoError && ancountOf(msg) == 0 && msg[2]&0x04 == 0 && msg[3]&0x80 == 0 &&
			binary.BigEndian.Uint16(msg[10:]) == 0
		if isErr || lame {
			if first {
				r.lastRcode = rc
			}
			if recv1 || q2 != nil && recv2 {
				return resplen, sendResult{ans1: ans1}, false
			}
			if q2 != nil && !r.singleRequest {
				// No data from this reply; wait for the other.
				resplen = 0
				if first {
					ans1 = msg[:0]
				}
				if match == 1 {
					recv1 = true
				} else {
					recv2 = true
				}
				continue
			}
			return 0, sendResult{}, false
		}
		if msg[2]&0x02 != 0 { // TC: ask the same server over TCP
			return 1, sendResult{}, true
		}
		if first {
			ans1, resplen = msg, len(msg)
			r.lastRcode = rc
		} else {
			ans2 = msg
		}
		if match == 1 {
			recv1 = true
		} else {
			recv2 = true
		}
		if recv1 && recv2 {
			return resplen, sendResult{ans1: ans1, ans2: ans2}, false
		}
		if r.singleRequest {
			pollout = true
			if r.singleRequestReopen {
				if rv := reopen(); rv <= 0 {
					return rv, sendResult{}, false
				}
			}
		}
	}
}

// sendVC is glibc's send_vc: both queries on one TCP connection, each
// reply read whole and matched by ID (and, unlike glibc, by question
// too). glibc waits without a limit on TCP; here the server's timeout of
// send_dg bounds the connection.
func (r *resCtx) sendVC(q1, q2 *dnsQuery, ns int, terrno *unix.Errno) (int, sendResult) {
	server := r.conf.servers[ns]
	d, err := r.open(server, sock.SOCK_STREAM)
	if err != nil {
		*terrno = errnoOf(err)
		return -1, sendResult{}
	}
	defer d.close()
	d.s.SetDeadline(time.Now().Add(r.conf.serverTimeout(ns)))
	if err := d.s.Connect(sock.InetAddr(server)); err != nil {
		*terrno = errnoOf(err)
		return 0, sendResult{}
	}
	out := binary.BigEndian.AppendUint16(nil, uint16(len(q1.msg)))
	out = append(out, q1.msg...)
	if q2 != nil {
		out = binary.BigEndian.AppendUint16(out, uint16(len(q2.msg)))
		out = append(out, q2.msg...)
	}
	if _, err := d.s.Write(out); err != nil {
		*terrno = errnoOf(err)
		return 0, sendResult{}
	}
	var ans1, ans2 []byte
	recv1, recv2 := false, q2 == nil
	for !recv1 || !recv2 {
		var l [2]byte
		if _, err := io.ReadFull(d.s, l[:]); err != nil {
			*terrno = errnoOf(err)
			if r.ctx.Err() != nil {
				r.interrupted = true
			}
			return 0, sendResult{}
		}
		n := int(binary.BigEndian.Uint16(l[:]))
		if n < hfixedsz {
			*terrno = unix.EMSGSIZE
			return 0, sendResult{}
		}
		msg := make([]byte, n)
		if _, err := io.ReadFull(d.s, msg); err != nil {
			*terrno = errnoOf(err)
			return 0, sendResult{}
		}
		if ans1 == nil {
			r.lastAns1 = msg
		}
		switch {
		case !recv1 && queriesMatch(q1, msg):
			recv1 = true
		case !recv2 && q2 != nil && queriesMatch(q2, msg):
			recv2 = true
		default:
			continue // not an answer to these queries: read on
		}
		if ans1 == nil {
			ans1 = msg
			r.lastRcode = rcodeOf(msg)
		} else {
			ans2 = msg
		}
	}
	return len(ans1), sendResult{ans1: ans1, ans2: ans2}
}
