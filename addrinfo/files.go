package addrinfo

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/netip"
	"sync"

	"golang.org/x/sys/unix"
)

// hostEntry is one line of a hosts file: the address as glibc parses it
// for an AF_UNSPEC look-up (IPv4 when inet_pton(AF_INET) accepts it, else
// IPv6), the official name and the aliases.
type hostEntry struct {
	addr  netip.Addr
	names []string // official name first
}

// hostsDB is a parsed hosts file with an index by lower-case name.
type hostsDB struct {
	entries []hostEntry
	byName  map[string]int32   // lower-case name -> its first entry
	more    map[string][]int32 // lower-case name -> its later entries, file order, no repeats
}

// parseHosts parses a hosts file the way glibc's nss_files does: "#" starts
// a comment, fields are separated by C white space, a line whose address
// inet_pton rejects is skipped, a line of any length is read whole (and
// cut at a NUL byte, as the C string would be). It takes time linear in
// the file's size and checks ctx every few thousand names.
func parseHosts(ctx context.Context, data []byte) (*hostsDB, error) {
	// Room for about one name per 16 bytes: the map rarely grows.
	db := &hostsDB{byName: make(map[string]int32, min(len(data)/16, 1<<20)), more: map[string][]int32{}}
	work := 0
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		e, ok := parseHostsLine(line)
		if work += 1 + len(e.names); work >= 4096 {
			work = 0
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if !ok {
			continue
		}
		idx := int32(len(db.entries))
		db.entries = append(db.entries, e)
		for _, n := range e.names {
			key := lowerASCII(n)
			first, seen := db.byName[key]
			if !seen {
				db.byName[key] = idx
				continue
			}
			l := db.more[key]
			if first == idx || len(l) > 0 && l[len(l)-1] == idx {
				continue // the name repeats on this line
			}
			db.more[key] = append(l, idx)
		}
	}
	return db, nil
}

func parseHostsLine(line []byte) (hostEntry, bool) {
	if i := bytes.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	if i := bytes.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	// One string for the line; the names are pieces of it.
	str := string(line)
	n := countFields(str)
	if n == 0 {
		return hostEntry{}, false
	}
	i := 0
	next := func() string {
		for i < len(str) && isSpace(str[i]) {
			i++
		}
		start := i
		for i < len(str) && !isSpace(str[i]) {
			i++
		}
		return str[start:i]
	}
	a := next()
	addr, ok := parseInetPton4(a)
	if !ok {
		if addr, ok = parseInetPton6(a); !ok {
			return hostEntry{}, false
		}
	}
	e := hostEntry{addr: addr}
	if n == 1 {
		e.names = []string{""}
		return e, true
	}
	e.names = make([]string, n-1)
	for k := range e.names {
		e.names[k] = next()
	}
	return e, true
}

// countFields counts the runs of non-space bytes of s.
func countFields(s string) int {
	n := 0
	in := false
	for i := 0; i < len(s); i++ {
		sp := isSpace(s[i])
		if !sp && !in {
			n++
		}
		in = !sp
	}
	return n
}

// addrFor returns the entry's address as glibc's nss_files parses the line
// for a look-up in family fam: for AF_INET a v4-mapped address is unmapped
// and ::1 becomes 127.0.0.1, other IPv6 lines do not count; for AF_INET6
// IPv4 lines do not count.
func (e *hostEntry) addrFor(fam int) (netip.Addr, bool) {
	switch fam {
	case unix.AF_INET:
		if e.addr.Is4() {
			return e.addr, true
		}
		if e.addr.Is4In6() {
			return e.addr.Unmap(), true
		}
		if e.addr == netip.IPv6Loopback() {
			return netip.AddrFrom4([4]byte{127, 0, 0, 1}), true
		}
		return netip.Addr{}, false
	case unix.AF_INET6:
		return e.addr, e.addr.Is6()
	}
	return e.addr, true
}

// lookupName returns the addresses of name in family fam (0 for both, in
// file order) and the official name of the first line that matches.
func (db *hostsDB) lookupName(name string, fam int) (addrs []netip.Addr, canon string) {
	key := lowerASCII(name)
	first, ok := db.byName[key]
	if !ok {
		return nil, ""
	}
	for k := -1; k < len(db.more[key]); k++ {
		i := first
		if k >= 0 {
			i = db.more[key][k]
		}
		e := &db.entries[i]
		a, ok := e.addrFor(fam)
		if !ok {
			continue
		}
		if canon == "" && len(addrs) == 0 {
			canon = e.names[0]
		}
		addrs = append(addrs, a)
	}
	return addrs, canon
}

// lookupAddr returns the official name of the first line whose address, as
// parsed for family fam, is addr.
func (db *hostsDB) lookupAddr(addr netip.Addr, fam int) (string, bool) {
	for i := range db.entries {
		e := &db.entries[i]
		if a, ok := e.addrFor(fam); ok && a == addr {
			return e.names[0], true
		}
	}
	return "", false
}

// servEntry is one line of a services file.
type servEntry struct {
	name    string
	port    uint16
	proto   string
	aliases []string
}

type servKey struct{ name, proto string }
type portKey struct {
	port  uint16
	proto string
}

// servicesDB is a parsed services file with the two indexes
// getservbyname and getservbyport need (first match wins).
type servicesDB struct {
	entries []servEntry
	byName  map[servKey]uint16
	byPort  map[portKey]string
}

// parseServices parses a services file the way glibc's nss_files does:
// "name port/proto aliases...", "#" comments; the port is read with
// strtoul and kept to 16 bits (99999 is 34463), a line whose port field is
// not a number followed by "/" is skipped.
func parseServices(ctx context.Context, data []byte) (*servicesDB, error) {
	db := &servicesDB{byName: make(map[servKey]uint16), byPort: make(map[portKey]string)}
	work := 0
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		e, ok := parseServicesLine(line)
		if work += 1 + len(e.aliases); work >= 4096 {
			work = 0
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if !ok {
			continue
		}
		db.entries = append(db.entries, e)
		for k := -1; k < len(e.aliases); k++ {
			n := e.name
			if k >= 0 {
				n = e.aliases[k]
			}
			sk := servKey{n, e.proto}
			if _, dup := db.byName[sk]; !dup {
				db.byName[sk] = e.port
			}
		}
		pk := portKey{e.port, e.proto}
		if _, dup := db.byPort[pk]; !dup {
			db.byPort[pk] = e.name
		}
	}
	return db, nil
}

func parseServicesLine(line []byte) (servEntry, bool) {
	if i := bytes.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	if i := bytes.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	fields := splitSpace(line)
	if len(fields) < 2 {
		return servEntry{}, false
	}
	pp := fields[1]
	slash := bytes.IndexByte(pp, '/')
	num := pp
	proto := []byte(nil)
	if slash >= 0 {
		num, proto = pp[:slash], pp[slash+1:]
		for len(proto) > 0 && proto[0] == '/' {
			proto = proto[1:]
		}
	}
	if len(num) == 0 {
		return servEntry{}, false
	}
	sign := num[0] == '+' || num[0] == '-'
	digits := num
	if sign {
		digits = num[1:]
	}
	if len(digits) == 0 {
		return servEntry{}, false
	}
	// The number is read as strtoul(3) with base 0 reads it, as glibc's
	// services parser does: 0x1F is hexadecimal, 017 octal; the whole field
	// must be the number, and an overflow saturates.
	base := uint64(10)
	switch {
	case len(digits) > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X') && digitValue(digits[2]) < 16:
		base, digits = 16, digits[2:]
	case digits[0] == '0':
		base = 8
	}
	var v uint64
	for _, c := range digits {
		d := digitValue(c)
		if d >= base {
			return servEntry{}, false
		}
		if v <= (1<<64-1-d)/base {
			v = v*base + d
		} else {
			v = 1<<64 - 1
		}
	}
	if num[0] == '-' {
		v = -v
	}
	e := servEntry{name: string(fields[0]), port: uint16(v), proto: string(proto)}
	for _, f := range fields[2:] {
		e.aliases = append(e.aliases, string(f))
	}
	return e, true
}

// digitValue is the value of c as a digit in bases up to 16, or 99.
func digitValue(c byte) uint64 {
	switch {
	case '0' <= c && c <= '9':
		return uint64(c - '0')
	case 'a' <= c && c <= 'f':
		return uint64(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return uint64(c-'A') + 10
	}
	return 99
}

// splitSpace splits b at runs of C white space.
func splitSpace(b []byte) [][]byte {
	var out [][]byte
	i := 0
	for i < len(b) {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		start := i
		for i < len(b) && !isSpace(b[i]) {
			i++
		}
		if i > start {
			out = append(out, b[start:i])
		}
	}
	return out
}

// lowerASCII folds ASCII letters only, as strcasecmp does in the C locale.
// It returns s itself when there is nothing to fold (no allocation).
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// maxFileSize is the largest hosts, services, resolv.conf, nsswitch.conf
// or gai.conf file read; a larger one is an error wrapping EFBIG.
const maxFileSize = 64 << 20

// fileCache keeps the last parse of a file and re-reads it when its inode,
// size or times change: one stat(2) per look-up. A parse holds no lock:
// a look-up that finds one under way waits for it only as long as its
// context lets it.
type fileCache[T any] struct {
	mu       sync.Mutex
	stamp    unix.Stat_t
	ok       bool
	val      T
	err      error
	inflight *fileFlight[T]
}

type fileFlight[T any] struct {
	done  chan struct{}
	stamp unix.Stat_t
	val   T
	err   error
}

func sameStamp(a, b *unix.Stat_t) bool {
	return a.Ino == b.Ino && a.Dev == b.Dev && a.Size == b.Size && a.Mtim == b.Mtim && a.Ctim == b.Ctim
}

func isCtxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// get returns the parse of the file at path, reading it again when it
// changed. Errors are *fs.PathError, of stat or open for a file that
// cannot be opened, of read for one that cannot be read (a directory:
// EISDIR; a FIFO, a socket, a block device or a character device that
// does not read as empty: EINVAL; over maxFileSize: EFBIG), or the
// context's error when it ended first.
func (c *fileCache[T]) get(ctx context.Context, path string, parse func(context.Context, []byte) (T, error)) (T, error) {
	var zero T
	for {
		if err := ctx.Err(); err != nil {
			return zero, err
		}
		var st unix.Stat_t
		if err := unix.Stat(path, &st); err != nil {
			return zero, &fs.PathError{Op: "stat", Path: path, Err: err}
		}
		c.mu.Lock()
		if c.ok && sameStamp(&st, &c.stamp) {
			v, err := c.val, c.err
			c.mu.Unlock()
			return v, err
		}
		if f := c.inflight; f != nil && sameStamp(&st, &f.stamp) {
			c.mu.Unlock()
			select {
			case <-f.done:
				if isCtxErr(f.err) {
					continue // the reader's context ended, not ours: read it ourselves
				}
				return f.val, f.err
			case <-ctx.Done():
				return zero, ctx.Err()
			}
		}
		f := &fileFlight[T]{done: make(chan struct{}), stamp: st}
		c.inflight = f
		c.mu.Unlock()
		f.val, f.err = loadFile(ctx, path, parse)
		c.mu.Lock()
		if c.inflight == f {
			c.inflight = nil
		}
		if !isCtxErr(f.err) {
			c.stamp, c.ok, c.val, c.err = st, true, f.val, f.err
		}
		c.mu.Unlock()
		close(f.done)
		return f.val, f.err
	}
}

// loadFile opens path without blocking (O_NONBLOCK: a FIFO does not wait
// for a writer), reads it in chunks while ctx lasts and parses it. As
// glibc's fopen and read do, it opens a directory and fails to read it
// (EISDIR). A character device that reads as empty at once (/dev/null)
// is an empty file; any other file that is not regular (a FIFO,
// /dev/zero) and files over maxFileSize are refused before any read
// that could wait or fill memory: glibc would hang or grow.
func loadFile[T any](ctx context.Context, path string, parse func(context.Context, []byte) (T, error)) (T, error) {
	var zero T
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NONBLOCK|unix.O_NOCTTY, 0)
	if err != nil {
		return zero, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return zero, &fs.PathError{Op: "fstat", Path: path, Err: err}
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG, unix.S_IFDIR:
	case unix.S_IFCHR:
		var b [1]byte
		if n, err := unix.Read(fd, b[:]); n != 0 || err != nil {
			return zero, &fs.PathError{Op: "read", Path: path, Err: unix.EINVAL}
		}
		return parse(ctx, nil)
	default:
		return zero, &fs.PathError{Op: "read", Path: path, Err: unix.EINVAL}
	}
	if st.Size > maxFileSize {
		return zero, &fs.PathError{Op: "read", Path: path, Err: unix.EFBIG}
	}
	data := make([]byte, 0, st.Size+1)
	const chunk = 1 << 20
	for {
		if err := ctx.Err(); err != nil {
			return zero, err
		}
		if len(data) == cap(data) {
			if len(data) >= maxFileSize {
				return zero, &fs.PathError{Op: "read", Path: path, Err: unix.EFBIG}
			}
			data = append(data, 0)[:len(data)]
		}
		n, err := unix.Read(fd, data[len(data):min(cap(data), len(data)+chunk)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return zero, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			break
		}
		data = data[:len(data)+n]
	}
	return parse(ctx, data)
}
