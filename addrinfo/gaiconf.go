package addrinfo

import (
	"bytes"
	"context"
	"encoding/binary"
	"net/netip"
	"sort"
	"strings"
	"sync"
)

// gaiConf is the ordering's policy: glibc's label, precedence and IPv4
// scope tables, from gai.conf or glibc's defaults.
type gaiConf struct {
	labels      []prefixEntry
	precedences []prefixEntry
	scopes      []scopeEntry
	reload      bool
}

// scopeEntry is a row of the IPv4 scope table: addr and mask in host
// order.
type scopeEntry struct {
	addr, mask uint32
	scope      int
}

var defaultGaiConf = &gaiConf{labels: labels, precedences: precedences, scopes: scopes4}

// parseGaiConf parses gai.conf as glibc's gaiconf_init does: "label" and
// "precedence" lines (an IPv6 prefix and a value) replace the whole
// default table, with ::/0 added (label 1, precedence 40) when no line has
// it, sorted most specific first keeping the file's order among equals;
// "scopev4" lines (an IPv4 prefix, or ::ffff:a.b.c.d/96 to /128, and a
// scope) replace the scope table the same way (0.0.0.0/0 is scope 14);
// "reload yes" makes a changed file read again. Other lines are ignored.
func parseGaiConf(data []byte) *gaiConf {
	var lab, prec []prefixEntry
	var scopes []scopeEntry
	labNull, precNull, scopeNull := false, false, false
	gc := &gaiConf{}
	for len(data) > 0 {
		var line []byte
		line, data = nextLine(data)
		if i := bytes.IndexByte(line, 0); i >= 0 {
			line = line[:i]
		}
		if i := bytes.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.FieldsFunc(string(line), func(r rune) bool { return r < 0x80 && isSpace(byte(r)) })
		if len(f) == 0 {
			continue
		}
		for len(f) < 3 {
			f = append(f, "")
		}
		cmd, val1, val2 := f[0], f[1], f[2]
		switch cmd {
		case "label", "precedence":
			e, ok := parsePrefixLine(val1, val2)
			if !ok {
				continue
			}
			if cmd == "label" {
				lab = append(lab, e)
				labNull = labNull || e.prefix.Bits() == 0
			} else {
				prec = append(prec, e)
				precNull = precNull || e.prefix.Bits() == 0
			}
		case "reload":
			gc.reload = val1 == "yes"
		case "scopev4":
			e, bits, ok := parseScopeLine(val1, val2)
			if !ok {
				continue
			}
			scopes = append(scopes, e)
			scopeNull = scopeNull || bits == 96
		}
	}
	gc.labels, gc.precedences, gc.scopes = labels, precedences, scopes4
	finish := func(list []prefixEntry, null bool, dflt int) []prefixEntry {
		if !null {
			list = append(list, prefixEntry{netip.PrefixFrom(netip.IPv6Unspecified(), 0), dflt})
		}
		sort.SliceStable(list, func(i, j int) bool { return list[i].prefix.Bits() > list[j].prefix.Bits() })
		return list
	}
	if len(lab) > 0 {
		gc.labels = finish(lab, labNull, 1)
	}
	if len(prec) > 0 {
		gc.precedences = finish(prec, precNull, 40)
	}
	if len(scopes) > 0 {
		if !scopeNull {
			scopes = append(scopes, scopeEntry{0, 0, 14})
		}
		// glibc compares the masks as stored, in network byte order, read
		// as the machine's integers.
		key := func(m uint32) uint32 { return binary.NativeEndian.Uint32(binary.BigEndian.AppendUint32(nil, m)) }
		sort.SliceStable(scopes, func(i, j int) bool { return key(scopes[i].mask) > key(scopes[j].mask) })
		gc.scopes = scopes
	}
	return gc
}

// strtoulAll is strtoul(3) with base 10 that must consume all of s: ""
// is 0, as in C; ok is false on overflow or trailing bytes.
func strtoulAll(s string) (uint64, bool) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if t == "" || !isDigit(t[0]) {
		return 0, s == "" // no number: endp is s itself
	}
	var v uint64
	for i := 0; i < len(t); i++ {
		if !isDigit(t[i]) {
			return 0, false
		}
		if v > (1<<64-1-uint64(t[i]-'0'))/10 {
			return 0, false
		}
		v = v*10 + uint64(t[i]-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// parsePrefixLine is glibc's add_prefixlist: "ADDR[/BITS] VALUE".
func parsePrefixLine(val1, val2 string) (prefixEntry, bool) {
	addrText, bitsText, hasBits := strings.Cut(val1, "/")
	a, ok := parseInetPton6(addrText)
	if !ok {
		return prefixEntry{}, false
	}
	bits := uint64(128)
	if hasBits {
		if bits, ok = strtoulAll(bitsText); !ok || bits > 128 {
			return prefixEntry{}, false
		}
	}
	v, ok := strtoulAll(val2)
	if !ok || v > 1<<31-1 {
		return prefixEntry{}, false
	}
	return prefixEntry{netip.PrefixFrom(a, int(bits)), int(v)}, true
}

// parseScopeLine is gaiconf_init's scopev4 case: an IPv4 prefix (bits up
// to 32) or a v4-mapped IPv6 one (96 to 128), and a scope. It returns the
// entry and the prefix length in IPv6 terms.
func parseScopeLine(val1, val2 string) (scopeEntry, uint64, bool) {
	addrText, bitsText, hasBits := strings.Cut(val1, "/")
	var v4 [4]byte
	var bits uint64
	if a, ok := parseInetPton6(addrText); ok {
		if !a.Is4In6() {
			return scopeEntry{}, 0, false
		}
		bits = 128
		if hasBits {
			if bits, ok = strtoulAll(bitsText); !ok || bits < 96 || bits > 128 {
				return scopeEntry{}, 0, false
			}
		}
		v4 = a.Unmap().As4()
	} else if a, ok := parseInetPton4(addrText); ok {
		bits = 32
		if hasBits {
			if bits, ok = strtoulAll(bitsText); !ok || bits > 32 {
				return scopeEntry{}, 0, false
			}
		}
		bits += 96
		v4 = a.As4()
	} else {
		return scopeEntry{}, 0, false
	}
	val, ok := strtoulAll(val2)
	if !ok || val > 1<<31-1 {
		return scopeEntry{}, 0, false
	}
	var mask uint32
	if bits != 96 {
		mask = 0xffffffff << (128 - bits)
	}
	return scopeEntry{binary.BigEndian.Uint32(v4[:]) & mask, mask, int(val)}, bits, true
}

// gai.conf is read once per path, and again when it changed only if the
// last read had "reload yes", as glibc does.
var (
	gaiMu    sync.Mutex
	gaiFirst = map[string]*gaiConf{}
)

// gaiConf returns the ordering policy.
func (r *Resolver) gaiConf(ctx context.Context) *gaiConf {
	p := r.GaiConf
	if p == "" {
		p = "/etc/gai.conf"
	}
	gaiMu.Lock()
	gc, ok := gaiFirst[p]
	gaiMu.Unlock()
	if ok && !gc.reload {
		return gc
	}
	gc, err := cacheFor(gaiCaches, p).get(ctx, p, func(_ context.Context, b []byte) (*gaiConf, error) { return parseGaiConf(b), nil })
	if err != nil {
		gc = defaultGaiConf
		if ctx.Err() != nil {
			return gc // not remembered: the next look-up reads the file
		}
	}
	gaiMu.Lock()
	gaiFirst[p] = gc
	gaiMu.Unlock()
	return gc
}
