package diag

import (
	"context"
	"errors"
	"slices"

	"github.com/posixkit/posixkit/sock"
)

// allStates is every state but TCP_BOUND_INACTIVE, which the kernel lists
// only when asked for by name (ss's default set).
const allStates = 1<<(TCP_BOUND_INACTIVE) - 1

// plan turns a filter into the dumps to request, in ss's order: unix, raw,
// UDP, TCP; IPv4 before IPv6.
func plan(f *Filter) ([]dump, error) {
	fams := [3]bool{} // AF_INET, AF_INET6, AF_UNIX
	for _, fam := range f.Families {
		switch fam {
		case sock.AF_INET:
			fams[0] = true
		case sock.AF_INET6:
			fams[1] = true
		case sock.AF_UNIX:
			fams[2] = true
		default:
			return nil, inputError("family " + fam.String() + " not listed: want AF_INET, AF_INET6 or AF_UNIX")
		}
	}
	if len(f.Families) == 0 {
		fams = [3]bool{true, true, true}
	}
	protos := [3]bool{} // raw, UDP, TCP
	for _, p := range f.Protocols {
		switch p {
		case IPPROTO_RAW:
			protos[0] = true
		case sock.IPPROTO_UDP:
			protos[1] = true
		case sock.IPPROTO_TCP:
			protos[2] = true
		default:
			return nil, inputError("protocol " + p.String() + " not listed: want IPPROTO_TCP, IPPROTO_UDP or IPPROTO_RAW")
		}
	}
	if len(f.Protocols) == 0 {
		protos = [3]bool{false, true, true}
	}
	states := uint32(allStates)
	if len(f.States) > 0 {
		states = 0
		for _, s := range f.States {
			if s == 0 || s > 31 {
				return nil, inputError("state " + s.String() + " out of range")
			}
			states |= 1 << s
		}
	}
	var ext uint8
	if f.TCPInfo {
		ext = extInfo | extCong
	}
	prog := portProgram(f.LocalPort, f.RemotePort)
	var ds []dump
	if fams[2] && prog == nil {
		ds = append(ds, dump{family: sock.AF_UNIX, states: states})
	}
	for i, proto := range []sock.Protocol{IPPROTO_RAW, sock.IPPROTO_UDP, sock.IPPROTO_TCP} {
		if !protos[i] {
			continue
		}
		if proto == sock.IPPROTO_TCP && fams[0] && fams[1] {
			// One walk of the TCP tables for both families.
			ds = append(ds, dump{family: sock.AF_UNSPEC, protocol: proto, states: states, ext: ext, bytecode: prog})
			continue
		}
		for j, fam := range []sock.Family{sock.AF_INET, sock.AF_INET6} {
			if !fams[j] {
				continue
			}
			d := dump{family: fam, protocol: proto, states: states, bytecode: prog}
			if proto == sock.IPPROTO_TCP {
				d.ext = ext
			}
			ds = append(ds, d)
		}
	}
	return ds, nil
}

// list appends the sockets f selects to dst (nil for List).
func list(ctx context.Context, dst []Socket, f *Filter) ([]Socket, error) {
	ds, err := plan(f)
	if err != nil {
		return dst, wrap(err)
	}
	c, err := openConn()
	if err != nil {
		return dst, wrap(err)
	}
	defer c.close()
	out, err := listOn(c, ds, dst)
	if err != nil && !errors.Is(err, ErrDumpInterrupted) {
		return dst, wrap(err)
	}
	if f.Processes {
		if perr := findProcesses(ctx, out[len(dst):]); perr != nil {
			return dst, wrap(perr)
		}
	}
	return out, wrap(err)
}

// listOn reads the dumps ds on c and decodes them, appending to dst. A
// dump marked interrupted is read again, up to maxAttempts times; after
// that the sockets read are returned with ErrDumpInterrupted. The answers
// are all read before any is decoded, so that the sockets go straight into
// a slice with the right room.
func listOn(c *conn, ds []dump, dst []Socket) ([]Socket, error) {
	interrupted := false
	var as [8]answer
	answers := as[:0]
	n, infos := 0, 0
	for i := range ds {
		d := &ds[i]
		start := len(c.raw)
		for attempt := 1; ; attempt++ {
			a, err := c.read(d)
			if err != nil {
				return nil, err
			}
			if !a.intr || attempt == maxAttempts {
				interrupted = interrupted || a.intr
				answers = append(answers, a)
				n += a.n
				if d.ext&extInfo != 0 {
					infos += a.n
				}
				break
			}
			c.raw = c.raw[:start]
			dumpRetries.Add(1)
		}
	}
	out := dst
	if out == nil {
		out = make([]Socket, 0, n)
	} else {
		out = slices.Grow(out, n)
	}
	dec := decoder{}
	if infos > 0 {
		dec.infos = make([]TCPInfo, 0, infos)
	}
	for _, a := range answers {
		start := len(out)
		dec.d = a.d
		var err error
		if out, err = dec.decode(c.raw[a.start:a.end], out); err != nil {
			return nil, err
		}
		if a.d.protocol == IPPROTO_RAW && a.d.states != allStates {
			// raw_diag ignores idiag_states.
			kept := out[:start]
			for _, s := range out[start:] {
				if a.d.states&(1<<s.State) != 0 {
					kept = append(kept, s)
				}
			}
			out = kept
		}
	}
	if interrupted {
		return out, ErrDumpInterrupted
	}
	return out, nil
}
