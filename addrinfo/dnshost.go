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

// hnok is glibc's res_hnok on a name in text form: printable ASCII, a
// valid domain name once its backslash escapes are read, its first label
// not starting with '-', and every label of letters, digits, '-' and '_'.
func hnok(name string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] <= ' ' || name[i] > '~' {
			return false
		}
	}
	labels, ok := namePton(name)
	if !ok {
		return false
	}
	return binaryHnok(labels)
}

// binaryHnok is glibc's binary_hnok with the leading-dash check.
func binaryHnok(labels []string) bool {
	if len(labels) > 0 && len(labels[0]) > 0 && labels[0][0] == '-' {
		return false
	}
	for _, l := range labels {
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// namePton is ns_name_pton: the labels of a text name with "\X" and
// "\DDD" escapes; empty labels (other than the root), labels over 63
// bytes and names over 255 bytes in wire form fail.
func namePton(s string) ([]string, bool) {
	if s == "." {
		return nil, true
	}
	var labels []string
	var cur []byte
	wire := 1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return nil, false
			}
			if isDigit(s[i+1]) {
				if i+3 >= len(s)+0 && i+3 > len(s)-1 {
					if i+3 > len(s)-1 || !isDigit(s[i+2]) || !isDigit(s[i+3]) {
						return nil, false
					}
				}
				if !isDigit(s[i+2]) || !isDigit(s[i+3]) {
					return nil, false
				}
				v := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
				if v > 255 {
					return nil, false
				}
				cur = append(cur, byte(v))
				i += 3
			} else {
				cur = append(cur, s[i+1])
				i++
			}
		case c == '.':
			if len(cur) == 0 || len(cur) > 63 {
				return nil, false
			}
			labels = append(labels, string(cur))
			wire += 1 + len(cur)
			cur = cur[:0]
		default:
			cur = append(cur, c)
		}
	}
	if len(cur) > 0 {
		if len(cur) > 63 {
			return nil, false
		}
		labels = append(labels, string(cur))
		wire += 1 + len(cur)
	}
	if wire > 255 {
		return nil, false
	}
	return labels, true
}

// wireName is a name read by dnsmessage in the form glibc's ns_name_ntop
// gives it: its labels, and the text without the final dot. dnsmessage
// refuses a label holding a dot, which glibc would escape as "\." and
// then reject in res_hnok: the same outcome.
func wireName(n dnsmessage.Name) ([]string, string) {
	s := string(n.Data[:n.Length])
	if s == "." {
		return nil, "."
	}
	s = strings.TrimSuffix(s, ".")
	return strings.Split(s, "."), escapeName(s)
}

// escapeName is ns_name_ntop's escaping of label bytes: the special
// characters get a backslash, other bytes outside '!'..'~' become \DDD.
func escapeName(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || strings.IndexByte("\";$()@\\", c) >= 0 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte("\";$()@\\", c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c <= ' ' || c > '~':
			b.WriteByte('\\')
			b.WriteString(strconv.Itoa(int(c) + 1000)[1:])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// nameHnok checks a name read from a reply as glibc does after
// ns_name_ntop: res_hnok on the text.
func nameHnok(labels []string) bool { return binaryHnok(labels) }

// replyParser starts reading a reply: the header, then its one question
// (glibc: UNAVAIL with NO_RECOVERY when there is not exactly one, or its
// name is bad).
func replyParser(m []byte) (*dnsmessage.Parser, dnsmessage.Question, bool) {
	var p dnsmessage.Parser
	if len(m) < hfixedsz || binary.BigEndian.Uint16(m[4:]) != 1 {
		return nil, dnsmessage.Question{}, false
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

// getanswerSlice is glibc's gaih_getanswer_slice: the A and AAAA records
// of one reply, the first tuple of the look-up named by the last CNAME
// target (or the last owner) seen before it. A bad record ends the
// reading.
func (r *resCtx) getanswerSlice(m []byte, at *[]gaihTuple, first *bool) nssStatus {
	p, q, ok := replyParser(m)
	if !ok {
		r.herrno = noRecovery
		return statusUnavail
	}
	if labels, _ := wireName(q.Name); !nameHnok(labels) {
		r.errno = unix.EBADMSG
		r.herrno = noRecovery
		return statusUnavail
	}
	if ancountOf(m) == 0 {
		r.herrno = hostNotFound
		return statusNotFound
	}
	haveAnswer := false
	canon, hname := "", ""
	for {
		h, err := p.AnswerHeader()
		if err != nil {
			break // the end, or a record that does not parse: glibc's had_error
		}
		labels, text := wireName(h.Name)
		if !nameHnok(labels) {
			break
		}
		if *first && canon == "" {
			hname = text
		}
		if h.Class != dnsmessage.ClassINET {
			if p.SkipAnswer() != nil {
				break
			}
			continue
		}
		if h.Type == dnsmessage.TypeCNAME {
			c, err := p.CNAMEResource()
			if err != nil {
				break
			}
			tl, tt := wireName(c.CNAME)
			if !nameHnok(tl) {
				break
			}
			if *first {
				if len(tt)+1 >= maxHostLen {
					break
				}
				canon = tt
			}
			continue
		}
		if h.Type != tA && h.Type != tAAAA {
			if p.SkipAnswer() != nil {
				break
			}
			continue
		}
		var a netip.Addr
		if h.Type == tA {
			if h.Length != 4 {
				break
			}
			rr, err := p.AResource()
			if err != nil {
				break
			}
			a = netip.AddrFrom4(rr.A)
		} else {
			if h.Length != 16 {
				break
			}
			rr, err := p.AAAAResource()
			if err != nil {
				break
			}
			a = netip.AddrFrom16(rr.AAAA)
		}
		t := gaihTuple{addr: a}
		if *first {
			t.name = canon
			if t.name == "" {
				t.name = hname
			}
			*first = false
		}
		*at = append(*at, t)
		haveAnswer = true
	}
	if haveAnswer {
		r.herrno = netdbSuccess
		return statusSuccess
	}
	if canon != "" {
		r.herrno = hostNotFound
		return statusNotFound
	}
	r.herrno = netdbInternal
	return statusTryAgain
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
	first := true
	status := statusNotFound
	if len(res.ans1) > 0 {
		status = r.getanswerSlice(res.ans1, &at, &first)
	}
	if qtype == tA {
		return status, at
	}
	if (status == statusSuccess || status == statusNotFound || status == statusTryAgain) && len(res.ans2) >= hfixedsz {
		status2 := r.getanswerSlice(res.ans2, &at, &first)
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

// getanswer is glibc's getanswer_r for A and AAAA: the records whose owner
// is the name so far (the question, then each CNAME's target), of the
// asked type.
func (r *resCtx) getanswer(m []byte, qtype dnsmessage.Type) (nssStatus, []netip.Addr, string) {
	p, q, ok := replyParser(m)
	if !ok {
		r.herrno = noRecovery
		return statusUnavail, nil, ""
	}
	ql, qtext := wireName(q.Name)
	if !nameHnok(ql) {
		r.errno = unix.EBADMSG
		r.herrno = noRecovery
		return statusUnavail, nil, ""
	}
	if len(qtext)+1 >= maxHostLen {
		r.herrno = noRecovery
		r.errno = unix.ENOENT
		return statusTryAgain, nil, ""
	}
	hname := qtext
	aliases := 0
	var addrs []netip.Addr
	canon := ""
	for {
		h, err := p.AnswerHeader()
		if err != nil {
			break
		}
		labels, text := wireName(h.Name)
		if !nameHnok(labels) {
			break
		}
		if h.Class != dnsmessage.ClassINET {
			if p.SkipAnswer() != nil {
				break
			}
			continue
		}
		if h.Type == dnsmessage.TypeCNAME {
			if aliases >= 35-1 { // MAX_NR_ALIASES
				if p.SkipAnswer() != nil {
					break
				}
				continue
			}
			c, err := p.CNAMEResource()
			if err != nil {
				break
			}
			tl, tt := wireName(c.CNAME)
			if !nameHnok(tl) || len(text)+1 >= maxHostLen || len(tt)+1 >= maxHostLen {
				break
			}
			aliases++
			hname = tt
			continue
		}
		if h.Type != qtype {
			if p.SkipAnswer() != nil {
				break
			}
			continue
		}
		if lowerASCII(hname) != lowerASCII(text) {
			if p.SkipAnswer() != nil {
				break
			}
			continue
		}
		var a netip.Addr
		if h.Type == tA {
			if h.Length != 4 {
				break
			}
			rr, err := p.AResource()
			if err != nil {
				break
			}
			a = netip.AddrFrom4(rr.A)
		} else {
			if h.Length != 16 {
				break
			}
			rr, err := p.AAAAResource()
			if err != nil {
				break
			}
			a = netip.AddrFrom16(rr.AAAA)
		}
		if len(addrs) == 0 {
			canon = text
			hname = text
		}
		addrs = append(addrs, a)
	}
	if len(addrs) > 0 {
		r.herrno = netdbSuccess
		return statusSuccess, addrs, canon
	}
	r.herrno = noRecovery
	r.errno = unix.ENOENT
	if aliases > 0 {
		return statusNotFound, nil, ""
	}
	return statusTryAgain, nil, ""
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
	return r.getanswerPTR(res.ans1, qname)
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

// getanswerPTR is getanswer_r for PTR: the first PTR record owned by the
// question's name (or the last CNAME target) whose target is a host name.
func (r *resCtx) getanswerPTR(m []byte, qname string) (nssStatus, string) {
	p, q, ok := replyParser(m)
	if !ok {
		r.herrno = noRecovery
		return statusUnavail, ""
	}
	ql, _ := wireName(q.Name)
	if !dnok(ql) {
		r.errno = unix.EBADMSG
		r.herrno = noRecovery
		return statusUnavail, ""
	}
	tname := qname
	for {
		h, err := p.AnswerHeader()
		if err != nil {
			break
		}
		labels, text := wireName(h.Name)
		if !dnok(labels) {
			break
		}
		if h.Class != dnsmessage.ClassINET {
			if p.SkipAnswer() != nil {
				break
			}
			continue
		}
		if h.Type == dnsmessage.TypeCNAME {
			c, err := p.CNAMEResource()
			if err != nil {
				break
			}
			tl, tt := wireName(c.CNAME)
			if !dnok(tl) || len(tt)+1 >= maxHostLen {
				break
			}
			tname = tt
			continue
		}
		if h.Type != tPTR || lowerASCII(tname) != lowerASCII(text) {
			if p.SkipAnswer() != nil {
				break
			}
			continue
		}
		ptr, err := p.PTRResource()
		if err != nil {
			break
		}
		pl, pt := wireName(ptr.PTR)
		if !nameHnok(pl) {
			break
		}
		r.herrno = netdbSuccess
		return statusSuccess, pt
	}
	r.herrno = noRecovery
	r.errno = unix.ENOENT
	return statusTryAgain, ""
}

// dnok is glibc's res_dnok: any printable name (checked on the text
// ns_name_ntop gives, which escapes everything else).
func dnok(labels []string) bool { return true }
