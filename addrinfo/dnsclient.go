package addrinfo

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/net/dns/dnsmessage"
	"golang.org/x/sys/unix"
)

// The stub resolver: glibc 2.36's res_search, res_query and res_send
// (resolv/res_query.c, res_send.c) over package sock's sockets, with
// dnsmessage building the queries and reading the replies.

// h_errno values (netdb.h).
type hErrno int

const (
	netdbInternal hErrno = -1
	netdbSuccess  hErrno = 0
	hostNotFound  hErrno = 1
	tryAgain      hErrno = 2
	noRecovery    hErrno = 3
	noData        hErrno = 4
)

// DNS header rcodes.
const (
	rcodeNoError  = 0
	rcodeFormErr  = 1
	rcodeServFail = 2
	rcodeNXDomain = 3
	rcodeNotImp   = 4
	rcodeRefused  = 5
)

const (
	hfixedsz  = 12    // HFIXEDSZ: the header
	packetsz  = 512   // PACKETSZ: the largest query sent over UDP
	maxPacket = 65536 // MAXPACKET: the largest reply read
	ednsSize  = 1200  // RESOLV_EDNS_BUFFER_SIZE
	maxDName  = 1025  // MAXDNAME
)

// dnsQuery is one query message as sent.
type dnsQuery struct {
	msg []byte
	id  uint16
}

// resCtx is the state of one look-up through the stub resolver, the part
// of glibc's resolver context and thread-local h_errno/errno it uses.
type resCtx struct {
	ctx  context.Context
	conf *resolvConf
	// herrno and errno are the h_errno and errno glibc's functions leave.
	herrno hErrno
	errno  unix.Errno
	// lastRcode is the rcode of the last reply kept in the first answer
	// buffer (res_search reads it after a TRY_AGAIN).
	lastRcode int
	// singleRequest and singleRequestReopen start as resolv.conf says and
	// are switched on for the rest of the look-up when a server answers
	// only one of two parallel queries, as glibc does (glibc keeps them
	// for the thread's later look-ups too).
	singleRequest, singleRequestReopen bool
	// interrupted is set when the context ended a query.
	interrupted bool
	// fileErr is why the hosts file could not be read.
	fileErr error
	// lastAns1 is the last datagram read into glibc's first answer
	// buffer, whatever it was (no-aaaa reads it after a failure).
	lastAns1 []byte
}

func newResCtx(ctx context.Context, conf *resolvConf) *resCtx {
	if conf == nil {
		conf = &resolvConf{} // DNS is not used
	}
	return &resCtx{ctx: ctx, conf: conf, singleRequest: conf.singleRequest, singleRequestReopen: conf.singleRequestReopen}
}

// mkquery builds a standard query (res_nmkquery): a random ID, RD set (AD
// too with trust-ad), one question of class IN, and an EDNS(0) OPT record
// with edns0. It fails for a name that cannot be encoded.
func (r *resCtx) mkquery(name string, qtype dnsmessage.Type) (*dnsQuery, bool) {
	return r.mkqueryEDNS(name, qtype, r.conf.edns0)
}

func (r *resCtx) mkqueryEDNS(name string, qtype dnsmessage.Type, edns0 bool) (*dnsQuery, bool) {
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	n, err := dnsmessage.NewName(name)
	if err != nil {
		return nil, false
	}
	id := uint16(rand.Uint32())
	b := dnsmessage.NewBuilder(make([]byte, 0, 64), dnsmessage.Header{ID: id, RecursionDesired: true, AuthenticData: r.conf.trustAD})
	if b.StartQuestions() != nil || b.Question(dnsmessage.Question{Name: n, Type: qtype, Class: dnsmessage.ClassINET}) != nil {
		return nil, false
	}
	if edns0 {
		var h dnsmessage.ResourceHeader
		if h.SetEDNS0(ednsSize, dnsmessage.RCodeSuccess, false) != nil || b.StartAdditionals() != nil ||
			b.OPTResource(h, dnsmessage.OPTResource{}) != nil {
			return nil, false
		}
	}
	msg, err := b.Finish()
	if err != nil {
		return nil, false
	}
	return &dnsQuery{msg: msg, id: id}, true
}

// queriesMatch is glibc's res_queriesmatch: the reply's ID is the query's,
// and it carries the query's question (name compared without case, type
// and class), once.
func queriesMatch(q *dnsQuery, reply []byte) bool {
	if len(reply) < hfixedsz || binary.BigEndian.Uint16(reply) != q.id {
		return false
	}
	if binary.BigEndian.Uint16(reply[4:]) != 1 {
		return false
	}
	var pq, pr dnsmessage.Parser
	if _, err := pq.Start(q.msg); err != nil {
		return false
	}
	want, err := pq.Question()
	if err != nil {
		return false
	}
	if _, err := pr.Start(reply); err != nil {
		return false
	}
	got, err := pr.Question()
	if err != nil {
		return false
	}
	return got.Type == want.Type && got.Class == want.Class &&
		lowerASCII(got.Name.String()) == lowerASCII(want.Name.String())
}

func rcodeOf(m []byte) int { return int(m[3] & 0x0f) }
func ancountOf(m []byte) int {
	return int(binary.BigEndian.Uint16(m[6:]))
}

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

// Query types: T_A, T_AAAA, T_PTR, and glibc's T_QUERY_A_AND_AAAA.
const (
	tA         = dnsmessage.TypeA
	tAAAA      = dnsmessage.TypeAAAA
	tPTR       = dnsmessage.TypePTR
	tAandAAAA  = dnsmessage.Type(439)
	maxHostLen = 64 // MAXHOSTNAMELEN
)

// queryResult is a query's outcome: n < 0 for a failure (h_errno and
// errno say which), else the replies.
type queryResult struct {
	n          int
	ans1, ans2 []byte
}

func (q queryResult) ok() bool { return q.n >= 0 }

// query is glibc's __res_context_query: send the query (A and AAAA
// together for tAandAAAA) and judge the replies: success when either has
// answers, else NXDOMAIN is HOST_NOT_FOUND, SERVFAIL TRY_AGAIN, NOERROR
// NO_DATA, anything else NO_RECOVERY.
func (r *resCtx) query(name string, qtype dnsmessage.Type) queryResult {
	r.lastRcode = rcodeNoError
	var q1, q2 *dnsQuery
	ok := true
	if qtype == tAandAAAA {
		if q1, ok = r.mkquery(name, tA); ok {
			q2, ok = r.mkquery(name, tAAAA)
		}
	} else {
		q1, ok = r.mkquery(name, qtype)
	}
	if !ok {
		r.herrno = noRecovery
		return queryResult{n: -1}
	}
	var res sendResult
	if qtype == tAAAA && r.conf.noAAAA {
		res = r.noAAAA(name)
	} else {
		res = r.send(q1, q2)
	}
	if res.fail {
		r.herrno = tryAgain
		return queryResult{n: -1}
	}
	hp, hp2 := res.ans1, res.ans1
	if q2 != nil && len(res.ans2) >= hfixedsz {
		hp2 = res.ans2
		if len(res.ans1) < hfixedsz {
			hp = hp2
		}
	}
	if len(hp) < hfixedsz { // nothing usable at all
		r.herrno = tryAgain
		return queryResult{n: -1}
	}
	has := func(m []byte) bool { return rcodeOf(m) == rcodeNoError && ancountOf(m) != 0 }
	if !has(hp) && !has(hp2) {
		rc := rcodeOf(hp)
		if rc == rcodeNoError {
			rc = rcodeOf(hp2)
		}
		switch rc {
		case rcodeNXDomain:
			r.herrno = hostNotFound
		case rcodeServFail:
			r.herrno = tryAgain
		case rcodeNoError:
			r.herrno = noData
		default:
			r.herrno = noRecovery
		}
		return queryResult{n: -1}
	}
	return queryResult{n: len(res.ans1), ans1: res.ans1, ans2: res.ans2}
}

// noAAAA is glibc's __res_handle_no_aaaa: with no-aaaa an AAAA query is
// sent as an A query (without EDNS), and its reply turned into one to the
// AAAA question with no records, its rcode kept. A failed send leaves a
// zeroed header (NOERROR, no records), as in glibc.
func (r *resCtx) noAAAA(name string) sendResult {
	zero := sendResult{ans1: make([]byte, hfixedsz)}
	qa, ok := r.mkqueryEDNS(name, tA, false)
	if !ok {
		return zero
	}
	r.lastAns1 = nil
	res := r.send(qa, nil)
	m := res.ans1
	if res.fail {
		m = r.lastAns1
	}
	if len(m) < hfixedsz {
		return zero
	}
	i := hfixedsz
	for {
		if i >= len(m) {
			return zero
		}
		l := int(m[i])
		if l&0xc0 == 0xc0 {
			i += 2
			break
		}
		i += 1 + l
		if l == 0 {
			break
		}
	}
	if i+4 > len(m) || binary.BigEndian.Uint16(m[i:]) != uint16(tA) {
		return zero
	}
	if res.fail {
		return res
	}
	out := append([]byte(nil), m[:i+4]...)
	binary.BigEndian.PutUint16(out[i:], uint16(tAAAA))
	clear(out[6:12])
	return sendResult{ans1: out}
}

// querydomain is glibc's __res_context_querydomain: name, or name.domain,
// within MAXDNAME.
func (r *resCtx) querydomain(name string, domain *string, qtype dnsmessage.Type) queryResult {
	long := name
	if domain == nil {
		if len(name)-1 >= maxDName-1 {
			r.herrno = noRecovery
			return queryResult{n: -1}
		}
	} else {
		if len(name)+len(*domain)+1 >= maxDName {
			r.herrno = noRecovery
			return queryResult{n: -1}
		}
		long = name + "." + *domain
	}
	return r.query(long, qtype)
}

// search is glibc's __res_context_search: the name as is first when it
// has ndots dots or ends with a dot, else the search list first; the
// search stops at a server failure other than SERVFAIL, and the name as is
// comes last when not yet tried.
func (r *resCtx) search(name string, qtype dnsmessage.Type) queryResult {
	r.errno = 0
	r.herrno = hostNotFound
	dots := strings.Count(name, ".")
	trailingDot := strings.HasSuffix(name, ".")
	gotNodata, gotServfail, rootOnList := false, false, false
	triedAsIs, searched := false, false
	savedHerrno := hErrno(-2)
	if dots >= r.conf.ndots || trailingDot {
		res := r.querydomain(name, nil, qtype)
		if res.n > 0 || trailingDot || res.n == 0 && len(res.ans2) > 0 {
			return res
		}
		savedHerrno = r.herrno
		triedAsIs = true
	}
	if r.interrupted {
		return queryResult{n: -1}
	}
	// RES_DEFNAMES and RES_DNSRCH are always on.
	if dots == 0 || !trailingDot {
		for _, d := range r.conf.search {
			searched = true
			d = strings.TrimPrefix(d, ".")
			if d == "" {
				rootOnList = true
			}
			res := r.querydomain(name, &d, qtype)
			if res.n > 0 || res.n == 0 && len(res.ans2) > 0 {
				return res
			}
			if r.interrupted {
				return queryResult{n: -1}
			}
			if r.errno == unix.ECONNREFUSED {
				r.herrno = tryAgain
				return queryResult{n: -1}
			}
			done := false
			switch r.herrno {
			case noData:
				gotNodata = true
			case hostNotFound:
			case tryAgain:
				if r.lastRcode == rcodeServFail {
					gotServfail = true
					break
				}
				done = true
			default:
				done = true
			}
			if done {
				break
			}
		}
	}
	if (dots > 0 || !searched || !r.conf.noTLDQuery) && !(triedAsIs || rootOnList) {
		res := r.querydomain(name, nil, qtype)
		if res.n > 0 || res.n == 0 && len(res.ans2) > 0 {
			return res
		}
	}
	switch {
	case savedHerrno != -2:
		r.herrno = savedHerrno
	case gotNodata:
		r.herrno = noData
	case gotServfail:
		r.herrno = tryAgain
	}
	return queryResult{n: -1}
}
