package addrinfo

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"

	"golang.org/x/sys/unix"
)

func (r *Resolver) dns() *net.Resolver {
	if r.DNS != nil {
		return r.DNS
	}
	return goResolver
}

// nssLookup is glibc's NSS part of gaih_inet for "hosts: files dns": the
// hosts file, then DNS, with the per-family paths glibc 2.36 takes
// (gethostbyname4_r for AF_UNSPEC, gethostbyname2_r for AF_INET without
// AI_CANONNAME, the gethosts pair otherwise).
func (r *Resolver) nssLookup(ctx context.Context, name string, req *request) (addrs []hostAddr, canon string, gotIPv6 bool, code Code, err error) {
	wantCanon := req.flags&AI_CANONNAME != 0
	db := r.hosts()
	toHost := func(as ...[]netip.Addr) []hostAddr {
		var out []hostAddr
		for _, l := range as {
			for _, a := range l {
				out = append(out, hostAddr{a})
			}
		}
		return out
	}
	keepCanon := func(c string) string {
		if wantCanon {
			return c
		}
		return ""
	}
	switch {
	case req.family == 0:
		if a, c := db.lookupName(name, 0); len(a) > 0 {
			return toHost(a), keepCanon(c), false, 0, nil
		}
		if r.NoDNS {
			return nil, "", false, EAI_NONAME, nil
		}
		v4, v6, c, code, err := r.dnsAddrs(ctx, name, true, true, wantCanon)
		if code != 0 {
			return nil, "", false, code, err
		}
		return toHost(v4, v6), c, false, 0, nil
	case req.family == unix.AF_INET && !wantCanon:
		if a, _ := db.lookupName(name, unix.AF_INET); len(a) > 0 {
			return toHost(a), "", false, 0, nil
		}
		if r.NoDNS {
			return nil, "", false, EAI_NONAME, nil
		}
		v4, _, _, code, err := r.dnsAddrs(ctx, name, true, false, false)
		if code != 0 {
			return nil, "", false, code, err
		}
		return toHost(v4), "", false, 0, nil
	}
	// The gethosts pair: AF_INET6 (when asked for), then AF_INET (when
	// asked for, or mapped with AI_V4MAPPED when AI_ALL is set or no IPv6
	// address was found), per source.
	six := req.family == unix.AF_INET6
	mapped := six && req.flags&AI_V4MAPPED != 0
	wantV4 := func(n6 int) bool {
		return req.family == unix.AF_INET || mapped && (req.flags&AI_ALL != 0 || n6 == 0)
	}
	var v6, v4 []netip.Addr
	var c6, c4 string
	if six {
		v6, c6 = db.lookupName(name, unix.AF_INET6)
	}
	if wantV4(len(v6)) {
		v4, c4 = db.lookupName(name, unix.AF_INET)
	}
	if len(v6)+len(v4) > 0 {
		c := c6
		if len(v6) == 0 {
			c = c4
		}
		return toHost(v6, mapAll(v4, six)), keepCanon(c), len(v6) > 0, 0, nil
	}
	if r.NoDNS {
		return nil, "", false, EAI_NONAME, nil
	}
	var c string
	if six {
		_, v6, c, code, err = r.dnsAddrs(ctx, name, false, true, wantCanon)
		if code != 0 && code != EAI_NONAME && !mapped {
			return nil, "", false, code, err
		}
	}
	if wantV4(len(v6)) {
		var c4 string
		var code4 Code
		var err4 error
		v4, _, c4, code4, err4 = r.dnsAddrs(ctx, name, true, false, wantCanon && c == "")
		if c == "" {
			c = c4
		}
		if len(v6) == 0 && code4 != 0 {
			return nil, "", false, code4, err4
		}
	} else if code != 0 {
		return nil, "", false, code, err
	}
	return toHost(v6, mapAll(v4, six)), keepCanon(c), len(v6) > 0, 0, nil
}

func mapAll(v4 []netip.Addr, mapped bool) []netip.Addr {
	if !mapped {
		return v4
	}
	out := make([]netip.Addr, len(v4))
	for i, a := range v4 {
		out[i] = netip.AddrFrom16(a.As16())
	}
	return out
}

// dnsAddrs asks DNS for the A and/or AAAA records of name (both at once
// when both are wanted, as glibc's gethostbyname4_r does), A answers first.
// With canon it also asks for the canonical name (the end of the CNAME
// chain).
func (r *Resolver) dnsAddrs(ctx context.Context, name string, a, aaaa, canon bool) (v4, v6 []netip.Addr, cname string, code Code, err error) {
	res, obs := r.observed()
	type result struct {
		addrs []netip.Addr
		err   error
	}
	var ch4, ch6 chan result
	ask := func(network string) chan result {
		ch := make(chan result, 1)
		go func() {
			as, err := res.LookupNetIP(ctx, network, name)
			ch <- result{as, err}
		}()
		return ch
	}
	if a {
		ch4 = ask("ip4")
	}
	if aaaa {
		ch6 = ask("ip6")
	}
	var err4, err6 error
	if ch4 != nil {
		r4 := <-ch4
		err4 = r4.err
		for _, x := range r4.addrs {
			if x = x.Unmap(); x.Is4() {
				v4 = append(v4, x)
			}
		}
	}
	if ch6 != nil {
		r6 := <-ch6
		err6 = r6.err
		for _, x := range r6.addrs {
			if x.Is6() && !x.Is4In6() {
				v6 = append(v6, x)
			}
		}
	}
	if obs.answers() == 0 {
		// Go's resolver answered from the system's /etc/hosts without
		// asking a server: not DNS's answer, and the hosts file this
		// Resolver reads was already consulted.
		v4, v6 = nil, nil
		if err4 == nil && ch4 != nil {
			err4 = &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
		}
		if err6 == nil && ch6 != nil {
			err6 = &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
		}
	}
	if len(v4)+len(v6) == 0 {
		// Every query failed: temporary trouble only when all had it, as
		// glibc's no_data/no_inet6_data; a name that exists without
		// records of the type is EAI_NODATA.
		c4, c6 := obs.code(ctx, err4), obs.code(ctx, err6)
		switch {
		case ch4 == nil:
			return nil, nil, "", c6, err6
		case ch6 == nil:
			return nil, nil, "", c4, err4
		case c4 == EAI_AGAIN && c6 == EAI_AGAIN:
			return nil, nil, "", EAI_AGAIN, err4
		case c4 == EAI_AGAIN:
			return nil, nil, "", c6, err6
		default:
			return nil, nil, "", c4, err4
		}
	}
	if canon {
		cname = obs.canonical()
		if cname == "" {
			cname = name
		}
	}
	return v4, v6, cname, 0, nil
}

// dnsCode maps a net.Resolver error to the EAI code glibc gives for the
// same DNS outcome: no such name (or no records) is EAI_NONAME; a timeout,
// an expired context, SERVFAIL, REFUSED or a garbled reply is EAI_AGAIN.
func dnsCode(ctx context.Context, err error) Code {
	if err == nil {
		return EAI_NONAME
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		if de.IsNotFound {
			return EAI_NONAME
		}
		return EAI_AGAIN
	}
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return EAI_AGAIN
	}
	return EAI_AGAIN
}

// dnsObserver watches the replies a net.Resolver receives, to learn what
// its errors do not say: whether a name that has no records of a type
// exists (NOERROR, glibc's EAI_NODATA) or not (NXDOMAIN, EAI_NONAME), and
// whether a server was asked at all.
type dnsObserver struct {
	mu       sync.Mutex
	replies  int
	noerror  bool // a reply with NOERROR and no answers: the name exists
	nxdomain bool
	canonA   string // owner of the first A record seen
	canon6   string // owner of the first AAAA record seen
}

// canonical is the end of the CNAME chain: the owner of the address
// records, from the A reply first, as glibc reads its replies.
func (o *dnsObserver) canonical() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.canonA != "" {
		return o.canonA
	}
	return o.canon6
}

// readName decodes a (possibly compressed) name at off; it returns the
// name without the final dot and the offset after it.
func readName(m []byte, off int) (string, int, bool) {
	var b []byte
	end := -1
	for hops := 0; hops < 64; hops++ {
		if off >= len(m) {
			return "", 0, false
		}
		l := int(m[off])
		switch {
		case l == 0:
			if end < 0 {
				end = off + 1
			}
			return string(b), end, true
		case l&0xc0 == 0xc0:
			if off+1 >= len(m) {
				return "", 0, false
			}
			if end < 0 {
				end = off + 2
			}
			off = (l&0x3f)<<8 | int(m[off+1])
		case l&0xc0 != 0:
			return "", 0, false
		default:
			if off+1+l > len(m) {
				return "", 0, false
			}
			if len(b) > 0 {
				b = append(b, '.')
			}
			b = append(b, m[off+1:off+1+l]...)
			off += 1 + l
		}
	}
	return "", 0, false
}

// firstAddrOwner returns the owner name of the first A or AAAA record of a
// reply, and its type.
func firstAddrOwner(m []byte) (string, int) {
	qd, an := int(m[4])<<8|int(m[5]), int(m[6])<<8|int(m[7])
	off := 12
	for i := 0; i < qd; i++ {
		_, next, ok := readName(m, off)
		if !ok || next+4 > len(m) {
			return "", 0
		}
		off = next + 4
	}
	for i := 0; i < an; i++ {
		owner, next, ok := readName(m, off)
		if !ok || next+10 > len(m) {
			return "", 0
		}
		typ := int(m[next])<<8 | int(m[next+1])
		rdlen := int(m[next+8])<<8 | int(m[next+9])
		if typ == 1 || typ == 28 {
			return owner, typ
		}
		off = next + 10 + rdlen
	}
	return "", 0
}

func (o *dnsObserver) answers() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.replies
}

func (o *dnsObserver) message(m []byte) {
	if len(m) < 12 || m[2]&0x80 == 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.replies++
	if m[2]&0x02 != 0 {
		return // truncated: the resolver asks again over TCP
	}
	switch m[3] & 0xf {
	case 0:
		// glibc says EAI_NODATA only for an empty answer section; a
		// CNAME chain without records of the type is EAI_NONAME.
		if m[6] == 0 && m[7] == 0 {
			o.noerror = true
		}
		switch owner, typ := firstAddrOwner(m); {
		case typ == 1 && o.canonA == "":
			o.canonA = owner
		case typ == 28 && o.canon6 == "":
			o.canon6 = owner
		}
	case 3:
		o.nxdomain = true
	}
}

// code maps a lookup error to glibc's code for the same DNS outcome.
func (o *dnsObserver) code(ctx context.Context, err error) Code {
	c := dnsCode(ctx, err)
	if c == EAI_NONAME {
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.noerror && !o.nxdomain {
			return EAI_NODATA
		}
	}
	return c
}

// observed returns a resolver that behaves as r's, with an observer on its
// connections. It always uses Go's own resolver (PreferGo): the cgo one
// would not go through Dial.
func (r *Resolver) observed() (*net.Resolver, *dnsObserver) {
	base := r.dns()
	obs := &dnsObserver{}
	dial := base.Dial
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	return &net.Resolver{PreferGo: true, StrictErrors: base.StrictErrors,
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			// Go's resolver sets a deadline on the connection but does not
			// watch a cancelled context while it reads: close the
			// connection then, so no goroutine waits out the timeout.
			stop := context.AfterFunc(ctx, func() { c.Close() })
			if pc, ok := c.(net.PacketConn); ok {
				// Go frames UDP messages only for a PacketConn.
				return &obsPacketConn{obsConn{Conn: c, obs: obs, stop: stop}, pc}, nil
			}
			return &obsConn{Conn: c, obs: obs, stream: true, stop: stop}, nil
		}}, obs
}

// obsConn hands every DNS reply read through it to the observer; on a
// stream it reassembles the length-prefixed messages.
type obsConn struct {
	net.Conn
	obs    *dnsObserver
	stream bool
	buf    []byte
	stop   func() bool
}

func (c *obsConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

func (c *obsConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		if !c.stream {
			c.obs.message(p[:n])
		} else {
			c.buf = append(c.buf, p[:n]...)
			for len(c.buf) >= 2 {
				l := int(c.buf[0])<<8 | int(c.buf[1])
				if len(c.buf) < 2+l {
					break
				}
				c.obs.message(c.buf[2 : 2+l])
				c.buf = c.buf[2+l:]
			}
		}
	}
	return n, err
}

// obsPacketConn is an obsConn that stays a net.PacketConn.
type obsPacketConn struct {
	obsConn
	pc net.PacketConn
}

func (c *obsPacketConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, a, err := c.pc.ReadFrom(p)
	if n > 0 {
		c.obs.message(p[:n])
	}
	return n, a, err
}

func (c *obsPacketConn) WriteTo(p []byte, a net.Addr) (int, error) { return c.pc.WriteTo(p, a) }
