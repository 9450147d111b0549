package addrinfo

import (
	"context"
	"errors"
	"io/fs"
	"sync"

	"golang.org/x/sys/unix"
)

// The system files a Resolver reads (hosts, services, resolv.conf,
// nsswitch.conf, gai.conf): their paths, and each parsed file cached by
// path until it changes.

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
