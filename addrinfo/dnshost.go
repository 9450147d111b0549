package addrinfo

import (
	"encoding/binary"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/dns/dnsmessage"
	"golang.org/x/sys/unix"
)

// glibc 2.36's nss_dns host functions (resolv/nss_dns/dns-host.c) over
// the stub resolver.

// nssStatus is enum nss_status.
type nssStatus int

const (
	statusTryAgain nssStatus = -2
	statusUnavail  nssStatus = -1
	statusNotFound nssStatus = 0
	statusSuccess  nssStatus = 1
)

// gaihTuple is a struct gaih_addrtuple: one address, and on the first of a
// module's answer the name glibc takes as canonical.
type gaihTuple struct {
	addr netip.Addr
	name string
}

// replyParser starts reading a reply as glibc's __ns_rr_cursor_init does:
// a header with exactly one question, whose name is not compressed. The
// parser is left at the first answer record.
func replyParser(m []byte) (*dnsmessage.Parser, dnsmessage.Question, bool) {
	var p dnsmessage.Parser
	if len(m) < hfixedsz || binary.BigEndian.Uint16(m[4:]) != 1 {
		return nil, dnsmessage.Question{}, false
	}
	for i := hfixedsz; ; {
		if i >= len(m) || m[i]&0xc0 != 0 {
			return nil, dnsmessage.Question{}, false
		}
		if m[i] == 0 {
			break
		}
		i += 1 + int(m[i])
	}
	if _, err := p.Start(m); err != nil {
		return nil, dnsmessage.Question{}, false
	}
	q, err := p.Question()
	if err != nil {
		return nil, dnsmessage.Question{}, false
	}
	if err := p.SkipAllQuestions(); err != nil {
		return nil, dnsmessage.Question{}, false
	}
	return &p, q, true
}

// rrNext is __ns_rr_cursor_next followed by the record's body: the
// header, and for a CNAME or PTR the target, for an address record of
// the right length the address. ok is false when the record does not
// parse (glibc: UNAVAIL).
type wireRR struct {
	h      dnsmessage.ResourceHeader
	target dnsmessage.Name
	addr   netip.Addr
}

func rrNext(p *dnsmessage.Parser) (wireRR, bool) {
	h, err := p.AnswerHeader()
	if err != nil {
		return wireRR{}, false
	}
	rr := wireRR{h: h}
	switch {
	case h.Type == dnsmessage.TypeCNAME:
		c, err := p.CNAMEResource()
		if err != nil {
			return wireRR{}, false
		}
		rr.target = c.CNAME
	case h.Type == dnsmessage.TypePTR:
		c, err := p.PTRResource()
		if err != nil {
			return wireRR{}, false
		}
		rr.target = c.PTR
	case h.Type == tA && h.Length == 4:
		a, err := p.AResource()
		if err != nil {
			return wireRR{}, false
		}
		rr.addr = netip.AddrFrom4(a.A)
	case h.Type == tAAAA && h.Length == 16:
		a, err := p.AAAAResource()
		if err != nil {
			return wireRR{}, false
		}
		rr.addr = netip.AddrFrom16(a.AAAA)
	default:
		if p.SkipAnswer() != nil {
			return wireRR{}, false
		}
	}
	return rr, true
}

// getanswerSlice is glibc's gaih_getanswer_slice: the records of the
// question's type owned by the name expected so far (the question, then
// each CNAME's target); with storeCanon the first tuple is named by the
// last CNAME target that is a host name (else the question).
func (r *resCtx) getanswerSlice(m []byte, at *[]gaihTuple, storeCanon bool) nssStatus {
	p, q, ok := replyParser(m)
	if !ok {
		r.herrno = noRecovery
		return statusUnavail
	}
	expected := q.Name
	alias := q.Name
	if ql, _ := wireName(q.Name); ancountOf(m) == 0 || !nameHnok(ql) {
		r.herrno = hostNotFound
		return statusNotFound
	}
	haveAnswer := false
	for n := ancountOf(m); n > 0; n-- {
		rr, ok := rrNext(p)
		if !ok {
			r.herrno = noRecovery
			return statusUnavail
		}
		switch {
		case rr.h.Type == dnsmessage.TypeCNAME:
			expected = rr.target
			if tl, _ := wireName(rr.target); storeCanon && nameHnok(tl) {
				alias = rr.target
			}
		case rr.h.Type == q.Type && rr.addr.IsValid() && sameName(rr.h.Name, expected):
			t := gaihTuple{addr: rr.addr}
			if storeCanon {
				if _, text := wireName(alias); textFits(text) {
					t.name = text
				}
				storeCanon = false
			}
			*at = append(*at, t)
			haveAnswer = true
		}
	}
	if haveAnswer {
		r.herrno = netdbSuccess
		return statusSuccess
	}
	r.herrno = hostNotFound
	return statusNotFound
}

// gethostbyname4 is _nss_dns_gethostbyname4_r: A and AAAA in parallel
// through the search list (A only with no-aaaa), both replies read in
// arrival order.
func (r *resCtx) gethostbyname4(name string) (nssStatus, []gaihTuple) {
	if !hnok(name) {
		r.herrno = hostNotFound
		return statusNotFound, nil
	}
	qtype := tAandAAAA
	if r.conf.noAAAA {
		qtype = tA
	}
	res := r.search(name, qtype)
	if !res.ok() {
		return r.searchFailStatus(), nil
	}
	var at []gaihTuple
	status := statusNotFound
	if len(res.ans1) > 0 {
		status = r.getanswerSlice(res.ans1, &at, true)
	}
	if qtype == tAandAAAA && (status == statusSuccess || status == statusNotFound) && len(res.ans2) > 0 {
		status2 := r.getanswerSlice(res.ans2, &at, status != statusSuccess)
		if status != statusSuccess && status2 != statusNotFound {
			status = status2
		}
	}
	if status != statusSuccess {
		at = nil
	}
	return status, at
}

// searchFailStatus is the status nss_dns gives a failed search, by errno.
func (r *resCtx) searchFailStatus() nssStatus {
	switch r.errno {
	case unix.ESRCH:
		r.herrno = tryAgain
		return statusTryAgain
	case unix.EMFILE, unix.ENFILE:
		r.herrno = netdbInternal
		return statusUnavail
	case unix.ECONNREFUSED, unix.ETIMEDOUT:
		return statusUnavail
	}
	return statusNotFound
}

// gethostbyname3 is _nss_dns_gethostbyname3_r (and, with check, 2_r): one
// family through the search list. It returns the addresses and the
// canonical name (h_name).
func (r *resCtx) gethostbyname3(name string, af int, check bool) (nssStatus, []netip.Addr, string) {
	if check && !hnok(name) {
		r.herrno = hostNotFound
		return statusNotFound, nil, ""
	}
	qtype := tA
	if af == unix.AF_INET6 {
		qtype = tAAAA
	}
	res := r.search(name, qtype)
	if !res.ok() {
		return r.searchFailStatus(), nil, ""
	}
	return r.getanswer(res.ans1, qtype)
}

// getanswer is glibc's getanswer_r: the records of the asked type owned
// by the name expected so far (the question, then each CNAME's target).
// The canonical name is the last of the question and the CNAME targets
// that is a host name.
func (r *resCtx) getanswer(m []byte, qtype dnsmessage.Type) (nssStatus, []netip.Addr, string) {
	p, q, ok := replyParser(m)
	if !ok {
		r.herrno = noRecovery
		return statusUnavail, nil, ""
	}
	ql, qtext := wireName(q.Name)
	if rcodeOf(m) == rcodeNXDomain || !nameHnok(ql) || !textFits(qtext) {
		r.herrno = hostNotFound
		r.errno = unix.ENOENT
		return statusNotFound, nil, ""
	}
	hname := qtext
	expected := q.Name
	var addrs []netip.Addr
	for n := ancountOf(m); n > 0; n-- {
		rr, ok := rrNext(p)
		if !ok {
			r.herrno = noRecovery
			return statusUnavail, nil, ""
		}
		if rr.h.Class != dnsmessage.ClassINET {
			continue
		}
		switch {
		case rr.h.Type == dnsmessage.TypeCNAME:
			if tl, tt := wireName(rr.target); nameHnok(tl) && textFits(tt) {
				hname = tt
			}
			expected = rr.target
		case rr.h.Type == qtype && rr.addr.IsValid() && sameName(rr.h.Name, expected):
			addrs = append(addrs, rr.addr)
		}
	}
	if len(addrs) == 0 {
		r.herrno = noRecovery
		r.errno = unix.ENOENT
		return statusTryAgain, nil, ""
	}
	r.herrno = netdbSuccess
	return statusSuccess, addrs, hname
}

// gethostbyaddr is _nss_dns_gethostbyaddr2_r: a PTR query (no search
// list) for the in-addr.arpa or ip6.arpa name of a; a mapped or
// IPv4-compatible address is asked as IPv4.
func (r *resCtx) gethostbyaddr(a netip.Addr) (nssStatus, string) {
	b := a.As16()
	var qname string
	if a.Is4() || a.Is4In6() || isCompat(b) {
		v := [4]byte{b[12], b[13], b[14], b[15]}
		if a.Is4() {
			v = a.As4()
		}
		qname = strconv.Itoa(int(v[3])) + "." + strconv.Itoa(int(v[2])) + "." + strconv.Itoa(int(v[1])) + "." + strconv.Itoa(int(v[0])) + ".in-addr.arpa"
	} else {
		var sb strings.Builder
		const hex = "0123456789abcdef"
		for i := 15; i >= 0; i-- {
			sb.WriteByte(hex[b[i]&0xf])
			sb.WriteByte('.')
			sb.WriteByte(hex[b[i]>>4])
			sb.WriteByte('.')
		}
		sb.WriteString("ip6.arpa")
		qname = sb.String()
	}
	res := r.query(qname, tPTR)
	if !res.ok() {
		if r.errno == unix.ECONNREFUSED {
			return statusUnavail, ""
		}
		return statusNotFound, ""
	}
	return r.getanswerPTR(res.ans1)
}

// isCompat reports an IPv4-compatible address (::a.b.c.d other than ::1
// and ::), which glibc asks as IPv4.
func isCompat(b [16]byte) bool {
	for _, x := range b[:12] {
		if x != 0 {
			return false
		}
	}
	return !(b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] == 1)
}

// getanswerPTR is glibc's getanswer_ptr: the first PTR record owned by
// the name expected so far (the question, then each CNAME's target); its
// target in ns_name_ntop's text.
func (r *resCtx) getanswerPTR(m []byte) (nssStatus, string) {
	p, q, ok := replyParser(m)
	if !ok {
		r.herrno = noRecovery
		return statusUnavail, ""
	}
	expected := q.Name
	sawCNAME := false
	for n := ancountOf(m); n > 0; n-- {
		rr, ok := rrNext(p)
		if !ok {
			r.herrno = noRecovery
			return statusUnavail, ""
		}
		if rr.h.Class != dnsmessage.ClassINET {
			continue
		}
		switch {
		case rr.h.Type == dnsmessage.TypeCNAME:
			expected, sawCNAME = rr.target, true
		case rr.h.Type == dnsmessage.TypePTR && sameName(rr.h.Name, expected):
			// glibc checks the expected name after unpacking the target
			// into the buffer that holds it once a CNAME was seen: the
			// target then, else the question.
			check := expected
			if sawCNAME {
				check = rr.target
			}
			cl, _ := wireName(check)
			_, text := wireName(rr.target)
			if !nameHnok(cl) || !textFits(text) {
				r.herrno = noRecovery
				return statusUnavail, ""
			}
			r.herrno = netdbSuccess
			return statusSuccess, text
		}
	}
	r.herrno = noRecovery
	r.errno = unix.ENOENT
	return statusTryAgain, ""
}
