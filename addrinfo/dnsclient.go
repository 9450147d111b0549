package addrinfo

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"strings"

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
