package addrinfo

import (
	"context"
	"net/netip"

	"golang.org/x/net/dns/dnsmessage"
)

// Internals the external tests fuzz.
var (
	ParseInetAton  = parseInetAton
	ParseInetPton6 = parseInetPton6
)

// HostsEntry is one parsed hosts line, for the fuzz invariants.
type HostsEntry struct {
	Addr  netip.Addr
	Names []string
}

// ParseHosts parses a hosts file and returns its entries and a look-up
// function over them.
func ParseHosts(b []byte) ([]HostsEntry, func(name string) ([]netip.Addr, string)) {
	db, _ := parseHosts(context.Background(), b)
	out := make([]HostsEntry, len(db.entries))
	for i, e := range db.entries {
		out[i] = HostsEntry{e.addr, e.names}
	}
	return out, func(name string) ([]netip.Addr, string) { return db.lookupName(name, 0) }
}

// ServEntry is one parsed services line, for the fuzz invariants.
type ServEntry struct {
	Name, Proto string
	Port        uint16
	Aliases     []string
}

// ParseServices parses a services file and returns its entries and
// getservbyname and getservbyport over them.
func ParseServices(b []byte) ([]ServEntry, func(name, proto string) (uint16, bool), func(port uint16, proto string) (string, bool)) {
	db, _ := parseServices(context.Background(), b)
	out := make([]ServEntry, len(db.entries))
	for i, e := range db.entries {
		out[i] = ServEntry{e.name, e.proto, e.port, e.aliases}
	}
	byName := func(name, proto string) (uint16, bool) { p, ok := db.byName[servKey{name, proto}]; return p, ok }
	byPort := func(port uint16, proto string) (string, bool) { n, ok := db.byPort[portKey{port, proto}]; return n, ok }
	return out, byName, byPort
}

// ParseReply runs a reply through the resolver's checks and parsing as an
// answer to a query for name of type qtype ("A", "AAAA", "A+AAAA" for
// the AF_UNSPEC path, "PTR"), its ID set to the query's: whether it
// matches the query, and the status, addresses and canonical name the
// nss_dns functions take from it.
func ParseReply(name, qtype string, reply []byte) (match bool, status int, addrs []netip.Addr, canon string) {
	rc := newResCtx(context.Background(), &resolvConf{timeout: 1, attempts: 1})
	t := map[string]dnsmessage.Type{"A": tA, "AAAA": tAAAA, "A+AAAA": tA, "PTR": tPTR}[qtype]
	q, ok := rc.mkquery(name, t)
	if !ok {
		return false, 0, nil, ""
	}
	if len(reply) >= 2 {
		reply = append([]byte(nil), reply...)
		reply[0], reply[1] = byte(q.id>>8), byte(q.id)
	}
	match = queriesMatch(q, reply)
	switch qtype {
	case "A+AAAA":
		var at []gaihTuple
		st := rc.getanswerSlice(reply, &at, true)
		if st != statusSuccess {
			at = nil // gethostbyname4 keeps none of them
		}
		for _, x := range at {
			addrs = append(addrs, x.addr)
		}
		if len(at) > 0 {
			canon = at[0].name
		}
		return match, int(st), addrs, canon
	case "PTR":
		st, n := rc.getanswerPTR(reply)
		return match, int(st), nil, n
	}
	st, a, c := rc.getanswer(reply, t)
	return match, int(st), a, c
}

// ResolvConf is the part of a parsed resolv.conf the tests compare.
type ResolvConf struct {
	Servers                  []netip.AddrPort
	Search                   []string
	Ndots, Timeout, Attempts int
	Rotate, Single, Reopen   bool
	EDNS0, UseVC, NoAAAA, AD bool
}

// ParseResolvConf parses a resolv.conf with the given environment and
// host name.
func ParseResolvConf(b []byte, env map[string]string, host string) ResolvConf {
	c := parseResolvConf(b, func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		func() (string, error) { return host, nil })
	return ResolvConf{c.servers, c.search, c.ndots, c.timeout, c.attempts, c.rotate, c.singleRequest,
		c.singleRequestReopen, c.edns0, c.useVC, c.noAAAA, c.trustAD}
}

// ParseNSSwitch returns the hosts line's services, each with its actions
// for TRYAGAIN, UNAVAIL, NOTFOUND and SUCCESS ("c", "r" or "m").
func ParseNSSwitch(b []byte) []string {
	var out []string
	for _, s := range parseNSSwitch(b) {
		a := ""
		for _, x := range s.actions {
			a += string("crm"[x])
		}
		out = append(out, s.name+":"+a)
	}
	return out
}
