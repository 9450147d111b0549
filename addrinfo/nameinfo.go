package addrinfo

import (
	"context"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/posixkit/posixkit/netif"
	"golang.org/x/sys/unix"
)

// NameInfo turns an address and port back into a host and a service name:
// getnameinfo(3), with the system's hosts file, services file and DNS.
//
// An IPv4 address (netip's Is4) is looked up as a sockaddr_in, anything
// else as a sockaddr_in6; a zone is the scope id (an interface name or a
// number), printed back as glibc does ("fe80::1%lo"). The host comes from
// the hosts file, then a DNS PTR query, else it is the numeric address
// (EAI_NONAME with NI_NAMEREQD). The service comes from the services file
// (the udp entry with NI_DGRAM, else tcp), else it is the port number.
// Go strings need no buffers: EAI_OVERFLOW is never returned.
func NameInfo(ctx context.Context, addr netip.AddrPort, flags NIFlags) (host, service string, err error) {
	return defaultResolver.NameInfo(ctx, addr, flags)
}

// NameInfo is [NameInfo] with this resolver's sources.
func (r *Resolver) NameInfo(ctx context.Context, addr netip.AddrPort, flags NIFlags) (host, service string, err error) {
	fail := func(c Code, err error) (string, string, error) {
		return "", "", &Error{Code: c, Host: addr.Addr().String(), Service: strconv.Itoa(int(addr.Port())), Err: err}
	}
	if flags&^niKnown != 0 {
		return fail(EAI_BADFLAGS, nil)
	}
	a := addr.Addr()
	if !a.IsValid() {
		return fail(EAI_FAMILY, nil)
	}
	var scope uint32
	if a.Is6() && a.Zone() != "" {
		z := a.Zone()
		if idx, err := netif.NameToIndex(z); err == nil && idx > 0 {
			scope = uint32(idx)
		} else if n, err := strconv.ParseUint(z, 10, 32); err == nil {
			scope = uint32(n)
		} else {
			return fail(EAI_NONAME, err)
		}
	}
	host, code, err := r.nameOf(ctx, a.WithZone(""), scope, flags)
	if code != 0 {
		return fail(code, err)
	}
	return host, r.serviceOf(addr.Port(), flags), nil
}

// nameOf is glibc's gni_host_inet.
func (r *Resolver) nameOf(ctx context.Context, a netip.Addr, scope uint32, flags NIFlags) (string, Code, error) {
	if flags&NI_NUMERICHOST == 0 {
		name, code, err := r.reverse(ctx, a)
		if code != 0 {
			return "", code, err
		}
		if name != "" {
			if flags&NI_NOFQDN != 0 {
				if d := r.localDomain(); d != "" {
					if i := strings.Index(name, d); i > 0 && name[i-1] == '.' {
						name = name[:i-1]
					}
				}
			}
			return name, 0, nil
		}
	}
	if flags&NI_NAMEREQD != 0 {
		return "", EAI_NONAME, nil
	}
	s := a.String()
	if a.Is6() && scope != 0 {
		zone := ""
		if a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() {
			zone, _ = netif.IndexToName(int(scope))
		}
		if zone == "" {
			zone = strconv.FormatUint(uint64(scope), 10)
		}
		s += "%" + zone
	}
	return s, 0, nil
}

// reverse is gethostbyaddr_r through the hosts line's services: the
// hosts file, then a DNS PTR query. "" with code 0 means no name; a
// lasting DNS failure (h_errno TRY_AGAIN) is EAI_AGAIN, as in glibc's
// getnameinfo.
//
// As in glibc, a resolv.conf or nsswitch.conf that fails (see fileerr.go),
// or a hosts file that cannot be read when no later service sets h_errno
// again, is EAI_SYSTEM with the error.
func (r *Resolver) reverse(ctx context.Context, a netip.Addr) (string, Code, error) {
	var conf *resolvConf
	if !r.NoDNS {
		var err error
		if conf, err = r.resolvContext(ctx); err != nil {
			return "", EAI_SYSTEM, err
		}
	}
	if a == netip.IPv6Unspecified() {
		return "", 0, nil // glibc answers :: with "not found" at once
	}
	services, err := r.nssDatabase(ctx)
	if err != nil {
		return "", EAI_SYSTEM, err
	}
	fam := unix.AF_INET
	if a.Is6() {
		fam = unix.AF_INET6
	}
	var rc *resCtx
	herrno := netdbSuccess
	var sysErr error // the error behind NETDB_INTERNAL
	for _, sv := range services {
		var st nssStatus
		var name string
		switch sv.name {
		case "files":
			db, err := r.hosts(ctx)
			if err != nil {
				st = statusUnavail
				if readFailed(err) {
					herrno, sysErr = netdbInternal, err
				}
				break
			}
			if n, ok := db.lookupAddr(a, fam); ok {
				st, name = statusSuccess, n
			} else {
				herrno = hostNotFound
			}
		case "dns":
			if r.NoDNS {
				continue
			}
			rc = newResCtx(ctx, conf)
			st, name = rc.gethostbyaddr(a)
			herrno, sysErr = rc.herrno, nil
			if rc.errno != 0 {
				sysErr = rc.errno
			}
		}
		if st == statusSuccess {
			return name, 0, nil
		}
		if sv.action(st) == actReturn {
			break
		}
	}
	if ctx.Err() != nil && rc != nil && rc.interrupted {
		return "", EAI_AGAIN, ctx.Err()
	}
	switch herrno {
	case netdbInternal:
		return "", EAI_SYSTEM, sysErr
	case tryAgain:
		return "", EAI_AGAIN, nil
	}
	return "", 0, nil
}

// localDomain is glibc's nrl_domainname: the part of the host name after
// its first dot, else the same of its canonical name in the hosts file.
func (r *Resolver) localDomain() string {
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	if i := strings.IndexByte(h, '.'); i >= 0 {
		return h[i+1:]
	}
	if _, canon := r.hostsOrEmpty(context.Background()).lookupName(h, 0); canon != "" {
		if i := strings.IndexByte(canon, '.'); i >= 0 {
			return canon[i+1:]
		}
	}
	return ""
}

// serviceOf is glibc's gni_serv_inet.
func (r *Resolver) serviceOf(port uint16, flags NIFlags) string {
	if flags&NI_NUMERICSERV == 0 {
		proto := "tcp"
		if flags&NI_DGRAM != 0 {
			proto = "udp"
		}
		if name, ok := r.services(context.Background()).byPort[portKey{port, proto}]; ok {
			return name
		}
	}
	return strconv.Itoa(int(port))
}
