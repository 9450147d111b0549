package addrinfo

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/posixkit/posixkit/netif"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// Hints are the hints argument of getaddrinfo(3): which entries the caller
// wants. A nil *Hints is glibc's default: AI_V4MAPPED|AI_ADDRCONFIG, any
// family, any socket type.
type Hints struct {
	Flags    Flags
	Family   sock.Family // AF_UNSPEC, AF_INET or AF_INET6
	SockType sock.Type   // 0 for all of stream, datagram and raw
	Protocol sock.Protocol
}

// Info is one entry of a getaddrinfo result: one struct addrinfo.
type Info struct {
	Flags    Flags
	Family   sock.Family
	SockType sock.Type
	Protocol sock.Protocol
	// Addr is the address and port (ai_addr). IPv6 scope ids are the zone,
	// by number, as glibc stores them in sin6_scope_id.
	Addr netip.AddrPort
	// CanonName is set on the first entry only, and only with AI_CANONNAME.
	CanonName string
}

// Socket creates a socket for the entry: socket(2) with its family, type
// and protocol (close-on-exec, as every socket of package sock).
func (i Info) Socket() (*sock.Socket, error) {
	return sock.New(i.Family, i.SockType, i.Protocol)
}

// Resolver holds the files a look-up reads. The zero value (the one the
// package functions use) reads the system's: /etc/hosts, /etc/services,
// /etc/resolv.conf (with the LOCALDOMAIN and RES_OPTIONS environment
// variables), /etc/nsswitch.conf and /etc/gai.conf. Each file but gai.conf
// is read again when it changes.
type Resolver struct {
	// HostsFile is the hosts file; "" means /etc/hosts.
	HostsFile string
	// ServicesFile is the services file; "" means /etc/services.
	ServicesFile string
	// ResolvConf is the resolver configuration; "" means
	// /etc/resolv.conf. A missing file means glibc's defaults: the server
	// 127.0.0.1, port 53.
	ResolvConf string
	// NSSwitchConf is the name service switch configuration whose
	// "hosts:" line orders the hosts file and DNS; "" means
	// /etc/nsswitch.conf. Missing, it is "files dns".
	NSSwitchConf string
	// GaiConf is the getaddrinfo configuration (label, precedence and
	// scopev4 tables for the ordering); "" means /etc/gai.conf. Missing,
	// glibc's default tables apply. As in glibc it is read once, and again
	// on a change only after a "reload yes" line.
	GaiConf string
	// NoDNS turns DNS off whatever the hosts line says: only the hosts
	// file is read.
	NoDNS bool
}

var defaultResolver Resolver

// Lookup resolves a host and a service: getaddrinfo(3), with the system's
// hosts file, services file and DNS. An empty host or service is C's NULL
// (so "" and "" is EAI_NONAME); "*" is NULL too, as in glibc.
//
// The error is an [*Error] whose Code is one of the EAI_* codes;
// errors.Is(err, EAI_NONAME) works. The context bounds the DNS part; when
// it expires the error is EAI_AGAIN.
func Lookup(ctx context.Context, host, service string, hints *Hints) ([]Info, error) {
	return defaultResolver.Lookup(ctx, host, service, hints)
}

// default hints: AI_V4MAPPED|AI_ADDRCONFIG, as glibc's AI_DEFAULT.
var defaultHints = Hints{Flags: AI_V4MAPPED | AI_ADDRCONFIG}

// typeProto is a row of glibc's gaih_inet_typeproto table (Linux values).
type typeProto struct {
	socktype, protocol  int
	protoAny, noService bool
	dflt                bool
	name                string
}

const (
	sockStream    = 1
	sockDgram     = 2
	sockRaw       = 3
	sockSeqpacket = 5
	sockDCCP      = 6
)

var typeProtos = []typeProto{
	{sockStream, unix.IPPROTO_TCP, false, false, true, "tcp"},
	{sockDgram, unix.IPPROTO_UDP, false, false, true, "udp"},
	{sockDCCP, 33, false, false, false, "dccp"},
	{sockDgram, 136, false, false, false, "udplite"},
	{sockStream, 132, false, false, false, "sctp"},
	{sockSeqpacket, 132, false, false, false, "sctp"},
	{sockRaw, 0, true, true, true, "raw"},
}

type servTuple struct {
	socktype, protocol int
	port               uint16
}

// hostAddr is one resolved address (a gaih_addrtuple).
type hostAddr struct {
	addr netip.Addr // IPv6 scope id as a numeric zone
}

type request struct {
	flags    Flags
	family   int // 0, unix.AF_INET or unix.AF_INET6
	socktype int
	protocol int
}

// Lookup is [Lookup] with this resolver's sources.
func (r *Resolver) Lookup(ctx context.Context, host, service string, hints *Hints) ([]Info, error) {
	fail := func(c Code, err error) ([]Info, error) {
		return nil, &Error{Code: c, Host: host, Service: service, Err: err}
	}
	name, hasName := host, host != ""
	if name == "*" {
		hasName = false
	}
	hasService := service != "" && service != "*"
	if !hasName && !hasService {
		return fail(EAI_NONAME, nil)
	}
	if hints == nil {
		hints = &defaultHints
	}
	if hints.Flags&^aiKnown != 0 {
		return fail(EAI_BADFLAGS, nil)
	}
	if hints.Flags&AI_CANONNAME != 0 && !hasName {
		return fail(EAI_BADFLAGS, nil)
	}
	req := request{flags: hints.Flags, socktype: int(hints.SockType), protocol: int(hints.Protocol)}
	switch hints.Family {
	case sock.AF_UNSPEC:
	case sock.AF_INET:
		req.family = unix.AF_INET
	case sock.AF_INET6:
		req.family = unix.AF_INET6
	default:
		return fail(EAI_FAMILY, nil)
	}
	var ifs *ifInfo
	if req.flags&AI_ADDRCONFIG != 0 {
		ifs = loadIfInfo()
		if req.family == 0 && (ifs.seen4 || ifs.seen6) {
			if ifs.seen4 != ifs.seen6 {
				if ifs.seen4 {
					req.family = unix.AF_INET
				} else {
					req.family = unix.AF_INET6
				}
			}
		} else if req.family == unix.AF_INET && !ifs.seen4 || req.family == unix.AF_INET6 && !ifs.seen6 {
			return fail(EAI_NONAME, nil)
		}
	}
	var port uint16
	numeric := false
	if hasService {
		var consumed bool
		port, consumed, numeric = parseService(service)
		if !consumed && req.flags&AI_NUMERICSERV != 0 {
			return fail(EAI_NONAME, nil)
		}
	}
	sts, code := r.servTuples(ctx, service, hasService, port, numeric, &req)
	if code != 0 {
		return fail(code, nil)
	}
	var addrs []hostAddr
	var canon string
	gotIPv6 := false
	if hasName {
		var err error
		addrs, canon, gotIPv6, code, err = r.resolveHost(ctx, name, &req)
		if code != 0 {
			return fail(code, err)
		}
	} else {
		lo6, lo4 := netip.IPv6Loopback(), netip.AddrFrom4([4]byte{127, 0, 0, 1})
		if req.flags&AI_PASSIVE != 0 {
			lo6, lo4 = netip.IPv6Unspecified(), netip.IPv4Unspecified()
		}
		if req.family == 0 || req.family == unix.AF_INET6 {
			addrs = append(addrs, hostAddr{lo6})
		}
		if req.family == 0 || req.family == unix.AF_INET {
			addrs = append(addrs, hostAddr{lo4})
		}
	}
	if req.flags&AI_CANONNAME != 0 && canon == "" {
		canon = name
	}
	out := make([]Info, 0, len(addrs)*len(sts))
	naddrs := 0
	for _, a := range addrs {
		fam := sock.AF_INET
		if a.addr.Is6() {
			fam = sock.AF_INET6
			if gotIPv6 && req.flags&(AI_V4MAPPED|AI_ALL) == AI_V4MAPPED && a.addr.Is4In6() {
				continue
			}
		}
		for _, st := range sts {
			out = append(out, Info{
				Flags:    req.flags,
				Family:   fam,
				SockType: sock.Type(st.socktype),
				Protocol: sock.Protocol(st.protocol),
				Addr:     netip.AddrPortFrom(a.addr, st.port),
			})
		}
		naddrs++
	}
	if len(out) > 0 && req.flags&AI_CANONNAME != 0 {
		out[0].CanonName = canon
	}
	if naddrs > 1 {
		if ifs == nil {
			ifs = loadIfInfo()
		}
		sortRFC3484(out, ifs, r.gaiConf(ctx))
	}
	if len(out) == 0 {
		return fail(EAI_NONAME, nil)
	}
	return out, nil
}

// maxName is the longest name accepted: a hosts file or DNS name of 253
// characters plus a final dot. glibc's DNS code cannot encode longer names.
const maxName = 254

func (r *Resolver) servicesFile() string {
	if r.ServicesFile != "" {
		return r.ServicesFile
	}
	return "/etc/services"
}

func (r *Resolver) hostsFile() string {
	if r.HostsFile != "" {
		return r.HostsFile
	}
	return "/etc/hosts"
}

func (r *Resolver) resolvConfFile() string {
	if r.ResolvConf != "" {
		return r.ResolvConf
	}
	return "/etc/resolv.conf"
}

func (r *Resolver) nsswitchFile() string {
	if r.NSSwitchConf != "" {
		return r.NSSwitchConf
	}
	return "/etc/nsswitch.conf"
}

// The parsed files, by path.
var (
	cacheMu       sync.Mutex
	hostsCaches   = map[string]*fileCache[*hostsDB]{}
	servicesCache = map[string]*fileCache[*servicesDB]{}
	resolvCaches  = map[string]*fileCache[[]byte]{}
	nssCaches     = map[string]*fileCache[[]nssService]{}
	gaiCaches     = map[string]*fileCache[*gaiConf]{}
)

func cacheFor[T any](m map[string]*fileCache[T], path string) *fileCache[T] {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	c := m[path]
	if c == nil {
		c = new(fileCache[T])
		m[path] = c
	}
	return c
}

// hosts returns the parsed hosts file, or why it could not be read.
func (r *Resolver) hosts(ctx context.Context) (*hostsDB, error) {
	p := r.hostsFile()
	return cacheFor(hostsCaches, p).get(ctx, p, parseHosts)
}

// hostsOrEmpty is the hosts file for getnameinfo, which goes on to DNS
// when it cannot be read.
func (r *Resolver) hostsOrEmpty(ctx context.Context) *hostsDB {
	db, err := r.hosts(ctx)
	if err != nil {
		return &hostsDB{}
	}
	return db
}

// servTuples is the service half of glibc's gaih_inet: which (socket type,
// protocol, port) triples the answer has.
func (r *Resolver) servTuples(ctx context.Context, service string, hasService bool, port uint16, numeric bool, req *request) ([]servTuple, Code) {
	tp := -1 // -1: the table's empty first row (no socktype nor protocol)
	matches := func(t *typeProto) bool {
		return (req.socktype == 0 || req.socktype == t.socktype) &&
			(req.protocol == 0 || t.protoAny || req.protocol == t.protocol)
	}
	if req.socktype != 0 || req.protocol != 0 {
		for i := range typeProtos {
			if matches(&typeProtos[i]) {
				tp = i
				break
			}
		}
		if tp < 0 {
			if req.socktype != 0 {
				return nil, EAI_SOCKTYPE
			}
			return nil, EAI_SERVICE
		}
	}
	protoOf := func(t *typeProto) int {
		if t.protoAny {
			return req.protocol
		}
		return t.protocol
	}
	if hasService && !numeric {
		if tp >= 0 && typeProtos[tp].noService {
			return nil, EAI_SERVICE
		}
		db := r.services(ctx)
		if tp >= 0 {
			t := &typeProtos[tp]
			p, ok := db.byName[servKey{service, t.name}]
			if !ok {
				return nil, EAI_SERVICE
			}
			return []servTuple{{t.socktype, protoOf(t), p}}, 0
		}
		var out []servTuple
		for i := range typeProtos {
			t := &typeProtos[i]
			if t.noService {
				continue
			}
			if p, ok := db.byName[servKey{service, t.name}]; ok {
				out = append(out, servTuple{t.socktype, protoOf(t), p})
			}
		}
		if len(out) == 0 {
			return nil, EAI_SERVICE
		}
		return out, 0
	}
	if hasService && tp >= 0 && typeProtos[tp].noService {
		return nil, EAI_SERVICE
	}
	if tp >= 0 {
		t := &typeProtos[tp]
		return []servTuple{{t.socktype, protoOf(t), port}}, 0
	}
	out := make([]servTuple, 0, 3)
	for i := range typeProtos {
		t := &typeProtos[i]
		if t.dflt {
			out = append(out, servTuple{t.socktype, t.protocol, port})
		}
	}
	return out, 0
}

// resolveHost is the host half of glibc's gaih_inet.
func (r *Resolver) resolveHost(ctx context.Context, name string, req *request) (addrs []hostAddr, canon string, gotIPv6 bool, code Code, err error) {
	wantCanon := req.flags&AI_CANONNAME != 0
	if strings.IndexByte(name, 0) >= 0 || len(name) > maxName {
		// A C caller cannot pass a NUL, and glibc asks no one about a name
		// longer than DNS allows. Never truncate: "localhost\x00.evil" is
		// not localhost.
		return nil, "", false, EAI_NONAME, nil
	}
	if a, ok := parseInetAton(name, true); ok {
		switch {
		case req.family == 0 || req.family == unix.AF_INET:
		case req.family == unix.AF_INET6 && req.flags&AI_V4MAPPED != 0:
			a = netip.AddrFrom16(a.As16())
		default:
			return nil, "", false, EAI_ADDRFAMILY, nil
		}
		if wantCanon {
			canon = name
		}
		return []hostAddr{{a}}, canon, false, 0, nil
	}
	base, zone, hasZone := splitZone(name)
	if a, ok := parseInetPton6(base); ok {
		switch {
		case req.family == 0 || req.family == unix.AF_INET6:
		case req.family == unix.AF_INET && a.Is4In6():
			a = a.Unmap()
		default:
			return nil, "", false, EAI_ADDRFAMILY, nil
		}
		if hasZone && a.Is6() {
			scope, ok := scopeID(a, zone)
			if !ok {
				return nil, "", false, EAI_NONAME, nil
			}
			if scope != 0 {
				a = a.WithZone(strconv.FormatUint(uint64(scope), 10))
			}
		} else if hasZone {
			// An IPv4 answer from a mapped address: glibc still parses
			// the scope and fails on a bad one.
			if _, ok := scopeID(netip.IPv6Unspecified(), zone); !ok {
				return nil, "", false, EAI_NONAME, nil
			}
		}
		if wantCanon {
			canon = name
		}
		return []hostAddr{{a}}, canon, false, 0, nil
	}
	if req.flags&AI_NUMERICHOST != 0 {
		return nil, "", false, EAI_NONAME, nil
	}
	return r.nssLookup(ctx, name, req)
}

// scopeID is glibc's __inet6_scopeid_pton: an interface name for
// link-local and node-local multicast addresses (and link-local unicast),
// else (or when no interface has that name) a decimal number that starts
// with a digit, fits 32 bits and has nothing after it.
func scopeID(a netip.Addr, zone string) (uint32, bool) {
	b := a.As16()
	if a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || b[0] == 0xff && b[1]&0xf == 1 {
		if idx, err := netif.NameToIndex(zone); err == nil && idx > 0 {
			return uint32(idx), true
		}
	}
	if zone == "" || !isDigit(zone[0]) {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(zone); i++ {
		if !isDigit(zone[i]) {
			return 0, false
		}
		v = v*10 + uint64(zone[i]-'0')
		if v > 0xffffffff {
			return 0, false
		}
	}
	return uint32(v), true
}
