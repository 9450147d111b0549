package diag

import (
	"context"
	"errors"

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
			return nil, inputError("family " + fam.String() + " not listed by sock_diag")
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
			return nil, inputError("protocol " + p.String() + " not listed by sock_diag")
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

func list(ctx context.Context, f *Filter) ([]Socket, error) {
	ds, err := plan(f)
	if err != nil {
		return nil, wrap(err)
	}
	c, err := openConn()
	if err != nil {
		return nil, wrap(err)
	}
	defer c.close()
	out, err := listOn(c, ds, nil)
	if err != nil && !errors.Is(err, ErrDumpInterrupted) {
		return nil, wrap(err)
	}
	if f.Processes {
		if perr := findProcesses(ctx, out); perr != nil {
			return nil, wrap(perr)
		}
	}
	return out, wrap(err)
}

// listOn reads the dumps ds on c, appending to out. A dump marked
// interrupted is read again, up to maxAttempts times; after that the
// sockets read are returned with ErrDumpInterrupted.
func listOn(c *conn, ds []dump, out []Socket) ([]Socket, error) {
	interrupted := false
	for i := range ds {
		d := &ds[i]
		start := len(out)
		for attempt := 1; ; attempt++ {
			var intr bool
			var err error
			out, intr, err = c.dump(d, out[:start])
			if err != nil {
				return nil, err
			}
			if !intr {
				break
			}
			if attempt == maxAttempts {
				interrupted = true
				break
			}
			dumpRetries.Add(1)
		}
		if d.protocol == IPPROTO_RAW && d.states != allStates {
			// raw_diag ignores idiag_states.
			kept := out[:start]
			for _, s := range out[start:] {
				if d.states&(1<<s.State) != 0 {
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
