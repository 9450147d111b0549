package addrinfo

import (
	"encoding/binary"
	"strings"

	"golang.org/x/net/dns/dnsmessage"
	"golang.org/x/sys/unix"
)

// glibc's resolv/res_query.c: res_query, res_querydomain and res_search,
// on top of send (dnssend.go).

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
