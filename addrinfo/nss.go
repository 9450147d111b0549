package addrinfo

import (
	"bytes"
	"context"
	"net/netip"
	"strings"

	"golang.org/x/sys/unix"
)

// glibc 2.36's NSS part of getaddrinfo (get_nss_addresses in
// sysdeps/posix/getaddrinfo.c) over the services of nsswitch.conf's
// hosts line that this package has: "files" and "dns".

// nssAction is what a service's status makes the look-up do next.
type nssAction uint8

const (
	actContinue nssAction = iota
	actReturn
	actMerge
)

// nssService is one source of the hosts line with its [STATUS=ACTION]
// table, indexed by status+2 (TRYAGAIN, UNAVAIL, NOTFOUND, SUCCESS).
type nssService struct {
	name    string
	actions [4]nssAction
}

func (s *nssService) action(st nssStatus) nssAction { return s.actions[st+2] }

func newService(name string) nssService {
	s := nssService{name: name}
	s.actions[statusSuccess+2] = actReturn
	return s
}

// defaultHostsServices is glibc's default for a missing hosts line:
// "files dns".
var defaultHostsServices = []nssService{newService("files"), newService("dns")}

// parseNSSwitch returns the services of the first "hosts:" line of an
// nsswitch.conf, as glibc's nss_action_parse reads it; a line that does
// not parse, or none, gives glibc's default. Services other than "files"
// and "dns" (myhostname, mymachines, resolve, nis...) are left out: this
// package has no such modules.
func parseNSSwitch(data []byte) []nssService {
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		if i := bytes.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		s := strings.TrimLeft(string(line), " \t\v\f\r")
		end := strings.IndexAny(s, ": \t\v\f\r")
		if end < 0 || s[:end] != "hosts" {
			continue
		}
		rest := strings.TrimLeft(s[end:], ": \t\v\f\r")
		list, ok := parseActions(rest)
		if !ok {
			return defaultHostsServices
		}
		var out []nssService
		for _, sv := range list {
			if sv.name == "files" || sv.name == "dns" {
				out = append(out, sv)
			}
		}
		return out
	}
	return defaultHostsServices
}

// parseActions is glibc's nss_action_parse.
func parseActions(line string) ([]nssService, bool) {
	var out []nssService
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' }
	i := 0
	skip := func() {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
	}
	word := func(stop string) string {
		start := i
		for i < len(line) && !isSpace(line[i]) && strings.IndexByte(stop, line[i]) < 0 {
			i++
		}
		return line[start:i]
	}
	for {
		skip()
		if i >= len(line) {
			return out, true
		}
		name := word("[")
		if name == "" {
			return out, true
		}
		sv := newService(name)
		skip()
		if i < len(line) && line[i] == '[' {
			i++
			skip()
			for {
				not := i < len(line) && line[i] == '!'
				if not {
					i++
				}
				var st nssStatus
				switch strings.ToUpper(word("=]")) {
				case "SUCCESS":
					st = statusSuccess
				case "UNAVAIL":
					st = statusUnavail
				case "NOTFOUND":
					st = statusNotFound
				case "TRYAGAIN":
					st = statusTryAgain
				default:
					return nil, false
				}
				skip()
				if i >= len(line) || line[i] != '=' {
					return nil, false
				}
				i++
				skip()
				var act nssAction
				switch strings.ToUpper(word("=]")) {
				case "RETURN":
					act = actReturn
				case "CONTINUE":
					act = actContinue
				case "MERGE":
					act = actMerge
				default:
					return nil, false
				}
				if not {
					save := sv.action(st)
					for k := range sv.actions {
						sv.actions[k] = act
					}
					sv.actions[st+2] = save
				} else {
					sv.actions[st+2] = act
				}
				skip()
				if i >= len(line) {
					return nil, false
				}
				if line[i] == ']' {
					i++
					break
				}
			}
		}
		out = append(out, sv)
	}
}

// gaihResult is struct gaih_result.
type gaihResult struct {
	at       []gaihTuple
	canon    string
	hasCanon bool
	gotIPv6  bool
}

// filesGethostbyname4 is _nss_files_gethostbyname4_r.
func (r *Resolver) filesGethostbyname4(rc *resCtx, name string) (nssStatus, []gaihTuple) {
	db, err := r.hosts(rc.ctx)
	if err != nil {
		rc.fileErr = err
		rc.errno = errnoOf(err)
		switch {
		case readFailed(err):
			rc.herrno = netdbInternal
		case rc.errno == unix.EAGAIN:
			rc.herrno = tryAgain
			return statusTryAgain, nil
		default:
			// Debian's glibc 2.36 then answers as if h_errno were
			// HOST_NOT_FOUND: EAI_NONAME when the hosts file is the
			// last source, even after a NODATA from DNS (the
			// differential test shows it).
			rc.herrno = hostNotFound
		}
		return statusUnavail, nil
	}
	addrs, canon := db.lookupName(name, 0)
	if len(addrs) == 0 {
		rc.herrno = hostNotFound
		return statusNotFound, nil
	}
	at := make([]gaihTuple, len(addrs))
	for i, a := range addrs {
		at[i].addr = a
	}
	at[0].name = canon
	return statusSuccess, at
}

// filesGethostbyname3 is _nss_files_gethostbyname3_r.
func (r *Resolver) filesGethostbyname3(rc *resCtx, name string, af int) (nssStatus, []netip.Addr, string) {
	db, err := r.hosts(rc.ctx)
	if err != nil {
		rc.fileErr = err
		rc.errno = errnoOf(err)
		if readFailed(err) {
			rc.herrno = netdbInternal
			return statusUnavail, nil, ""
		}
		if rc.errno == unix.EAGAIN {
			return statusTryAgain, nil, ""
		}
		return statusUnavail, nil, ""
	}
	addrs, canon := db.lookupName(name, af)
	if len(addrs) == 0 {
		rc.herrno = hostNotFound
		return statusNotFound, nil, ""
	}
	return statusSuccess, addrs, canon
}

// gethostbyname4 calls the service's gethostbyname4_r.
func (r *Resolver) gethostbyname4(rc *resCtx, sv *nssService, name string) (nssStatus, []gaihTuple) {
	if sv.name == "files" {
		return r.filesGethostbyname4(rc, name)
	}
	return rc.gethostbyname4(name)
}

// gethostbyname3 calls the service's gethostbyname3_r (withCanon) or
// gethostbyname2_r.
func (r *Resolver) gethostbyname3(rc *resCtx, sv *nssService, name string, af int, withCanon bool) (nssStatus, []netip.Addr, string) {
	if sv.name == "files" {
		st, a, c := r.filesGethostbyname3(rc, name, af)
		if !withCanon {
			c = ""
		}
		return st, a, c
	}
	st, a, c := rc.gethostbyname3(name, af, !withCanon)
	if !withCanon {
		c = ""
	}
	return st, a, c
}

const noDataAgain = 2 // no_data = EAI_AGAIN in glibc

// noDataOf is how glibc turns h_errno into no_data after a failure.
func noDataOf(h hErrno) int {
	switch h {
	case tryAgain:
		return noDataAgain
	case noData:
		return 1
	}
	return 0
}

// getNSSAddresses is glibc's get_nss_addresses: each service of the hosts
// line in turn until one's action says return; gethostbyname4_r for
// AF_UNSPEC, else the AF_INET6 and AF_INET gethosts pair. The Code is 0
// with an empty result when no service found the name.
func (r *Resolver) getNSSAddresses(rc *resCtx, name string, req *request, services []nssService) (gaihResult, Code) {
	var res gaihResult
	noData, noInet6Data := 0, 0
	inet6Status, status := statusUnavail, statusUnavail
	doMerge := false
	for i := range services {
		sv := &services[i]
		res = gaihResult{}
		if doMerge {
			rc.herrno, rc.errno = netdbInternal, unix.EBUSY
			break
		}
		noData = 0
		if req.family == 0 {
			var at []gaihTuple
			status, at = r.gethostbyname4(rc, sv, name)
			if status != statusSuccess {
				noData = noDataOf(rc.herrno)
			} else {
				noData = 1
				if req.flags&AI_CANONNAME != 0 {
					res.canon, res.hasCanon = at[0].name, true
				}
				res.at = at
				if len(at) > 0 {
					noData = 0
				}
			}
			noInet6Data = noData
		} else {
			withCanon := req.flags&AI_CANONNAME != 0
			gethosts := func(af int) (nssStatus, int, Code) {
				st, addrs, c := r.gethostbyname3(rc, sv, name, af, withCanon)
				if st != statusSuccess {
					if rc.herrno == netdbInternal {
						return st, 0, EAI_SYSTEM
					}
					return st, noDataOf(rc.herrno), 0
				}
				if len(addrs) == 0 {
					return st, 0, 0
				}
				for k, a := range addrs {
					t := gaihTuple{addr: a}
					if af == unix.AF_INET && req.family == unix.AF_INET6 {
						t.addr = netip.AddrFrom16(a.As16())
					}
					if k == 0 {
						t.name = c
					}
					res.at = append(res.at, t)
				}
				res.gotIPv6 = af == unix.AF_INET6
				if withCanon && !res.hasCanon {
					res.canon, res.hasCanon = c, true
				}
				return st, 0, 0
			}
			if req.family == unix.AF_INET6 {
				st, nd, code := gethosts(unix.AF_INET6)
				if code != 0 {
					return gaihResult{}, code
				}
				status, noData = st, nd
				noInet6Data, inet6Status = nd, st
			}
			if req.family == unix.AF_INET || req.family == unix.AF_INET6 && req.flags&AI_V4MAPPED != 0 &&
				(req.flags&AI_ALL != 0 || !res.gotIPv6) {
				st, nd, code := gethosts(unix.AF_INET)
				if code != 0 {
					return gaihResult{}, code
				}
				status, noData = st, nd
				if req.family == unix.AF_INET {
					noInet6Data, inet6Status = nd, st
				}
			}
			if inet6Status == statusSuccess || status == statusSuccess {
				if withCanon && !res.hasCanon {
					res.canon, res.hasCanon = name, true
				}
				status = statusSuccess
			} else if inet6Status == statusTryAgain {
				status = statusTryAgain
			} else if status == statusUnavail && inet6Status != statusUnavail {
				status = inet6Status
			}
		}
		act := sv.action(status)
		if act == actReturn {
			break
		}
		if act == actMerge {
			doMerge = true
		}
	}
	if (status == statusTryAgain || status == statusUnavail) && rc.herrno == netdbInternal {
		return gaihResult{}, EAI_SYSTEM
	}
	if noData != 0 && noInet6Data != 0 {
		if noData == noDataAgain && noInet6Data == noDataAgain {
			return gaihResult{}, EAI_AGAIN
		}
		return gaihResult{}, EAI_NODATA
	}
	return res, 0
}

// trySimpleGethostbyname is glibc's try_simple_gethostbyname, the path of
// an AF_INET look-up without AI_CANONNAME: gethostbyname2_r through the
// services (nss/getXXbyYY_r.c), whose return value and h_errno give the
// EAI code.
func (r *Resolver) trySimpleGethostbyname(rc *resCtx, name string, services []nssService) (gaihResult, Code) {
	status := statusUnavail
	var addrs []netip.Addr
	any := false
	for i := range services {
		sv := &services[i]
		any = true
		status, addrs, _ = r.gethostbyname3(rc, sv, name, unix.AF_INET, false)
		if sv.action(status) == actReturn {
			break
		}
	}
	if status == statusSuccess {
		res := gaihResult{}
		for _, a := range addrs {
			res.at = append(res.at, gaihTuple{addr: a})
		}
		return res, 0
	}
	if !any {
		rc.herrno = noRecovery
	}
	// The function's return value: 0 for NOTFOUND, EAGAIN for TRYAGAIN
	// (unless h_errno is NETDB_INTERNAL), else errno, which nss_dns sets
	// to EAGAIN with TRY_AGAIN and otherwise leaves as it was.
	rcZero := status == statusNotFound
	if status == statusUnavail && rc.herrno != netdbInternal && rc.herrno != tryAgain && rc.fileErr == nil {
		rcZero = true
	}
	if rcZero {
		if rc.herrno == noData {
			return gaihResult{}, EAI_NODATA
		}
		return gaihResult{}, EAI_NONAME
	}
	switch rc.herrno {
	case netdbInternal:
		return gaihResult{}, EAI_SYSTEM
	case tryAgain:
		return gaihResult{}, EAI_AGAIN
	}
	return gaihResult{}, EAI_NODATA
}

// nssLookup resolves a name that is not numeric: the NSS services, then
// EAI_NONAME when none had it. An ended context makes it EAI_AGAIN.
func (r *Resolver) nssLookup(ctx context.Context, name string, req *request) (addrs []hostAddr, canon string, gotIPv6 bool, code Code, err error) {
	services, nssErr := r.nssDatabase(ctx)
	var conf *resolvConf
	var resErr error
	if r.NoDNS {
		var files []nssService
		for _, s := range services {
			if s.name == "files" {
				files = append(files, s)
			}
		}
		services = files
	} else {
		// glibc sets up its resolver context whatever the hosts line.
		conf, resErr = r.resolvContext(ctx)
	}
	simple := req.family == unix.AF_INET && req.flags&AI_CANONNAME == 0
	if resErr != nil || nssErr != nil {
		// gethostbyname2_r fails with NETDB_INTERNAL and the errno (the
		// resolver context comes first); get_nss_addresses asks no
		// service.
		if ctx.Err() != nil {
			return nil, "", false, EAI_AGAIN, ctx.Err()
		}
		if !simple {
			return nil, "", false, EAI_NONAME, nil
		}
		if resErr != nil {
			return nil, "", false, EAI_SYSTEM, resErr
		}
		return nil, "", false, EAI_SYSTEM, nssErr
	}
	rc := newResCtx(ctx, conf)
	var res gaihResult
	if simple {
		res, code = r.trySimpleGethostbyname(rc, name, services)
	} else {
		res, code = r.getNSSAddresses(rc, name, req, services)
	}
	if ctx.Err() != nil && (code != 0 || len(res.at) == 0 || rc.interrupted) {
		return nil, "", false, EAI_AGAIN, ctx.Err()
	}
	if code == EAI_SYSTEM {
		err = rc.fileErr
		if err == nil && rc.errno != 0 {
			err = rc.errno
		}
	}
	if code != 0 {
		return nil, "", false, code, err
	}
	if len(res.at) == 0 {
		return nil, "", false, EAI_NONAME, nil
	}
	for _, t := range res.at {
		addrs = append(addrs, hostAddr{t.addr})
	}
	if req.flags&AI_CANONNAME != 0 {
		canon = res.canon
		if !res.hasCanon {
			canon = name
		}
	}
	return addrs, canon, res.gotIPv6, 0, nil
}
