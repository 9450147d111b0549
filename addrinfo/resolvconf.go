package addrinfo

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"
)

// resolvConf is what glibc 2.36's res_init takes from resolv.conf and the
// LOCALDOMAIN and RES_OPTIONS environment variables.
type resolvConf struct {
	servers  []netip.AddrPort // at most maxNS, port 53
	search   []string
	ndots    int
	timeout  int // seconds per query to the first server (retrans)
	attempts int // rounds over the servers (retry)

	rotate, singleRequest, singleRequestReopen bool
	edns0, useVC, noAAAA, trustAD, noTLDQuery  bool
}

// glibc's limits and defaults (resolv.h).
const (
	maxNS        = 3  // MAXNS
	maxNdots     = 15 // RES_MAXNDOTS
	maxTimeout   = 30 // RES_MAXRETRANS
	maxAttempts  = 5  // RES_MAXRETRY
	dfltTimeout  = 5  // RES_TIMEOUT
	dfltAttempts = 2  // RES_DFLRETRY
	dnsPort      = 53 // NAMESERVER_PORT
)

// parseResolvConf parses resolv.conf the way glibc's res_vinit does: a
// keyword must be followed by a blank; "domain" and "search" replace the
// search list (the last one wins, both ignored when LOCALDOMAIN is set);
// "nameserver" takes an inet_aton address or an IPv6 one with an optional
// %scope (the first three count); "options" and then RES_OPTIONS set
// ndots, timeout, attempts and the flags by prefix. With no nameserver the
// server is 127.0.0.1; with no search list it is the part of the host name
// after its first dot. getenv and hostname are os.LookupEnv and
// os.Hostname outside the tests.
func parseResolvConf(data []byte, getenv func(string) (string, bool), hostname func() (string, error)) *resolvConf {
	c := &resolvConf{ndots: 1, timeout: dfltTimeout, attempts: dfltAttempts}
	haveEnv := false
	if v, ok := getenv("LOCALDOMAIN"); ok {
		haveEnv = true
		if i := strings.IndexByte(v, '\n'); i >= 0 {
			v = v[:i]
		}
		c.search = splitBlanks(v, true)
	}
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		if i := bytes.IndexByte(line, 0); i >= 0 {
			line = line[:i] // the C string ends there
		}
		if len(line) == 0 || line[0] == ';' || line[0] == '#' {
			continue
		}
		switch {
		case keyword(line, "domain"):
			if haveEnv {
				continue
			}
			rest := bytes.TrimLeft(line[len("domain"):], " \t")
			if len(rest) == 0 {
				continue
			}
			if i := bytes.IndexAny(rest, " \t"); i >= 0 {
				rest = rest[:i]
			}
			c.search = []string{string(rest)}
		case keyword(line, "search"):
			if haveEnv {
				continue
			}
			rest := bytes.TrimLeft(line[len("search"):], " \t")
			if len(rest) == 0 {
				continue
			}
			c.search = splitBlanks(string(rest), true)
		case keyword(line, "nameserver"):
			rest := bytes.TrimLeft(line[len("nameserver"):], " \t")
			if i := bytes.IndexAny(rest, " \t"); i >= 0 {
				rest = rest[:i]
			}
			if a, ok := parseNameserver(string(rest)); ok && len(c.servers) < maxNS {
				c.servers = append(c.servers, netip.AddrPortFrom(a, dnsPort))
			}
		case keyword(line, "options"):
			c.setOptions(string(line[len("options"):]))
		}
	}
	if v, ok := getenv("RES_OPTIONS"); ok {
		c.setOptions(v)
	}
	if len(c.servers) == 0 {
		c.servers = []netip.AddrPort{netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), dnsPort)}
	}
	if len(c.search) == 0 {
		if h, err := hostname(); err == nil {
			if i := strings.IndexByte(h, '.'); i >= 0 {
				c.search = []string{h[i+1:]}
			}
		}
	}
	return c
}

// keyword is glibc's MATCH: line starts with name and a blank.
func keyword(line []byte, name string) bool {
	return len(line) > len(name) && string(line[:len(name)]) == name && (line[len(name)] == ' ' || line[len(name)] == '\t')
}

// splitBlanks splits at spaces and tabs. With keepEmpty, a leading blank
// gives an empty first element, as glibc's in-place split leaves it.
func splitBlanks(s string, keepEmpty bool) []string {
	var out []string
	first := true
	for s != "" || first {
		i := strings.IndexAny(s, " \t")
		word := s
		if i >= 0 {
			word, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		if word != "" || first && keepEmpty {
			out = append(out, word)
		}
		first = false
		if i < 0 {
			break
		}
	}
	return out
}

// parseNameserver is the address part of a nameserver line: inet_aton's
// exact form, else inet_pton(AF_INET6) of the text before a '%', whose
// scope (an interface name or number) is kept when it parses.
func parseNameserver(s string) (netip.Addr, bool) {
	if s == "" {
		return netip.Addr{}, false
	}
	if a, ok := parseInetAton(s, true); ok {
		return a, true
	}
	base, zone, hasZone := strings.Cut(s, "%")
	a, ok := parseInetPton6(base)
	if !ok || base == "" {
		return netip.Addr{}, false
	}
	if hasZone {
		// glibc ignores a scope that does not parse.
		if sc, ok := scopeID(a, zone); ok && sc != 0 {
			a = a.WithZone(strconv.FormatUint(uint64(sc), 10))
		}
	}
	return a, true
}

// setOptions is glibc's res_setoptions: words separated by blanks, each
// compared by prefix ("rotate" also matches "rotatefoo"); the numbers are
// read with atoi and capped.
func (c *resolvConf) setOptions(s string) {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' }) {
		switch {
		case strings.HasPrefix(w, "ndots:"):
			// res_state's ndots is a 4-bit field.
			c.ndots = min(atoi(w[len("ndots:"):]), maxNdots) & 15
		case strings.HasPrefix(w, "timeout:"):
			c.timeout = min(atoi(w[len("timeout:"):]), maxTimeout)
		case strings.HasPrefix(w, "attempts:"):
			c.attempts = min(atoi(w[len("attempts:"):]), maxAttempts)
		case strings.HasPrefix(w, "rotate"):
			c.rotate = true
		case strings.HasPrefix(w, "edns0"):
			c.edns0 = true
		case strings.HasPrefix(w, "single-request-reopen"):
			c.singleRequestReopen = true
		case strings.HasPrefix(w, "single-request"):
			c.singleRequest = true
		case strings.HasPrefix(w, "no_tld_query"), strings.HasPrefix(w, "no-tld-query"):
			c.noTLDQuery = true
		case strings.HasPrefix(w, "use-vc"):
			c.useVC = true
		case strings.HasPrefix(w, "trust-ad"):
			c.trustAD = true
		case strings.HasPrefix(w, "no-aaaa"):
			c.noAAAA = true
		}
	}
}

// atoi is C's atoi for the option values: optional blanks and sign, then
// digits; anything else ends the number. Values beyond int32 saturate
// (glibc caps them anyway).
func atoi(s string) int {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var v int64
	for i := 0; i < len(s) && isDigit(s[i]); i++ {
		if v < 1<<31 {
			v = v*10 + int64(s[i]-'0')
		}
	}
	v = min(v, 1<<31-1)
	if neg {
		return -int(v)
	}
	return int(v)
}
