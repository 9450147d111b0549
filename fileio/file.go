package fileio

import (
	"io"
	"io/fs"
	"strings"
	"sync"
	"syscall"

	"github.com/posixkit/posixkit/internal/fdcore"
	"golang.org/x/sys/unix"
)

// File is an open file descriptor: a regular file, a directory, a pipe, a
// FIFO, a terminal or a socket. Its methods are safe for concurrent use; two
// calls of the same kind (two Reads, say) run one after the other.
type File struct {
	fd   *fdcore.FD
	name string

	// Per-call state of each kind of I/O, guarded by its mutex. The
	// callbacks below read and fill it; they are built once, in newFile, so
	// that a call passes a ready func value through the RawConn and
	// allocates nothing.
	r, w, pr, pw ioOp

	readFn, writeFn, preadFn, pwriteFn func(fd uintptr) bool

	vec vecIO // Readv and Writev (vector.go)
}

// ioOp is the state of one Read, Write, ReadAt or WriteAt call.
type ioOp struct {
	mu  sync.Mutex
	buf []byte
	off int64 // pread/pwrite offset of buf[0]
	n   int   // bytes done so far
	err error // the call's own error (errno, io.EOF)
}

var (
	_ syscall.Conn       = (*File)(nil)
	_ io.ReadWriteCloser = (*File)(nil)
	_ io.ReaderAt        = (*File)(nil)
	_ io.WriterAt        = (*File)(nil)
	_ io.Seeker          = (*File)(nil)
)

// maxRW is the most one read(2) or write(2) is asked for, as in os: Darwin
// and the BSDs refuse counts above INT_MAX, and Linux caps a call near 2 GiB.
const maxRW = 1 << 30

// Open opens the file at path: open(2) with flag and the permission bits of
// perm (used only when O_CREAT creates the file, then masked by the umask).
// O_CLOEXEC is always added, so the descriptor does not leak into child
// processes. open(2) is retried on EINTR.
//
// perm maps to the mode as in os: its permission bits, plus S_ISUID,
// S_ISGID and S_ISVTX for [fs.ModeSetuid], [fs.ModeSetgid] and
// [fs.ModeSticky]. A path holding a NUL byte is refused with EINVAL before
// any call is made (the kernel would silently open a shorter path). Flag
// bits are passed to the kernel as given; open(2) ignores bits it does not
// know.
//
// The error is an *[fs.PathError] with Op "open" wrapping the errno:
// "open foo.txt: no such file or directory", for which
// errors.Is(err, fs.ErrNotExist) holds.
func Open(path string, flag Flag, perm fs.FileMode) (*File, error) {
	if strings.IndexByte(path, 0) >= 0 {
		return nil, wrapErr("open", path, unix.EINVAL)
	}
	var fd int
	err := fdcore.IgnoringEINTR(func() error {
		var err error
		fd, err = unix.Open(path, int(flag|O_CLOEXEC), syscallMode(perm))
		return err
	})
	if err != nil {
		return nil, wrapErr("open", path, err)
	}
	d, err := fdcore.NewOpened(fd, path, flag&O_NONBLOCK != 0, fs.ErrClosed)
	if err != nil {
		_ = unix.Close(fd)
		return nil, wrapErr("open", path, err)
	}
	return newFile(d, path), nil
}

// syscallMode maps perm to an open(2) mode as os does.
func syscallMode(perm fs.FileMode) uint32 {
	m := uint32(perm.Perm())
	if perm&fs.ModeSetuid != 0 {
		m |= unix.S_ISUID
	}
	if perm&fs.ModeSetgid != 0 {
		m |= unix.S_ISGID
	}
	if perm&fs.ModeSticky != 0 {
		m |= unix.S_ISVTX
	}
	return m
}

// NewFile returns a File for the open descriptor fd, made elsewhere (by
// unix.Pipe2, say), named name for error messages. It takes ownership: the
// File's Close closes fd. A descriptor the runtime can poll is switched to
// nonblocking mode in the kernel and joins the runtime poller; the mode its
// callers see ([File.Nonblock]) is the one fd had: with O_NONBLOCK set,
// calls return EAGAIN instead of waiting.
//
// NewFile returns nil when fd is not an open descriptor (fcntl(2) and
// fstat(2) fail on it), as os.NewFile does for a negative fd; fd then stays
// the caller's. NewFile does not change FD_CLOEXEC.
func NewFile(fd int, name string) *File {
	if fd < 0 {
		return nil
	}
	fl, err := fdcore.Fcntl(fd, unix.F_GETFL, 0)
	if err != nil {
		return nil
	}
	d, err := fdcore.New(fd, name, fl&unix.O_NONBLOCK != 0, fs.ErrClosed)
	if err != nil {
		return nil
	}
	return newFile(d, name)
}

func newFile(d *fdcore.FD, name string) *File {
	f := &File{fd: d, name: name}
	f.readFn = f.readCB
	f.writeFn = f.writeCB
	f.preadFn = f.preadCB
	f.pwriteFn = f.pwriteCB
	return f
}

// Fd returns the descriptor number, or -1 after Close. The number is
// borrowed: it stays valid only until Close, and the File still owns it.
// Unlike os.File.Fd, it leaves the descriptor's mode alone.
func (f *File) Fd() int {
	if f.invalid() {
		return -1
	}
	return f.fd.Sysfd()
}

// Name returns the name given to Open or NewFile.
func (f *File) Name() string {
	if f == nil {
		return ""
	}
	return f.name
}

// Read reads up to len(p) bytes into p: one read(2). It returns the number
// of bytes read, and 0, [io.EOF] at end of file (read(2) returned 0 for a
// non-empty p). A Read with an empty p returns 0, nil without a call.
//
// On a descriptor the runtime polls, a Read that finds nothing to read waits
// in the poller (parking only its goroutine) until data arrives, the read
// deadline passes (an error wrapping [os.ErrDeadlineExceeded]) or the File
// is closed (an error wrapping [fs.ErrClosed]); after SetNonblock(true) it
// returns an error wrapping unix.EAGAIN instead. EINTR is retried.
func (f *File) Read(p []byte) (int, error) {
	if f.invalid() {
		return 0, errInvalid("read")
	}
	if !f.fd.UserNonblock() {
		// In blocking mode a Read is exactly os.File's: read(2) under the
		// descriptor's read lock, waiting in the poller on EAGAIN, EINTR
		// retried, 0 bytes as io.EOF, errors as *fs.PathError{"read", name}
		// wrapping the errno or fs.ErrClosed. Going through it rather than
		// a RawConn callback saves a lock and two indirect calls.
		return f.fd.File().Read(p)
	}
	if len(p) == 0 {
		return 0, f.wrap("read", f.closedErr())
	}
	n, err := f.do(&f.r, false, f.readFn, p, 0)
	if err != nil {
		return n, f.wrap("read", err)
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

func (f *File) readCB(fd uintptr) bool {
	op := &f.r
	for {
		n, err := unix.Read(int(fd), limit(op.buf))
		switch {
		case err == nil:
			op.n = n
			return true
		case err == unix.EINTR:
		case err == unix.EAGAIN && f.fd.WouldWait():
			return false
		default:
			op.err = err
			return true
		}
	}
}

// Write writes all of p: write(2), repeated after a short write. It returns
// len(p) and nil, or the number of bytes written and the error that stopped
// it; it never reports a short write as success.
//
// On a descriptor the runtime polls, a Write that finds no room waits in the
// poller until there is, the write deadline passes or the File is closed;
// after SetNonblock(true) it returns the count written so far and an error
// wrapping unix.EAGAIN instead. EINTR is retried. A Write with an empty p
// returns 0, nil without a call. As with os.File, a Write to a broken pipe
// returns EPIPE, except on descriptors 1 and 2, where the Go runtime raises
// SIGPIPE as a C program would get it (see os/signal).
func (f *File) Write(p []byte) (int, error) {
	if f.invalid() {
		return 0, errInvalid("write")
	}
	if !f.fd.UserNonblock() {
		// In blocking mode a Write is exactly os.File's: write(2) repeated
		// until p is written, waiting in the poller on EAGAIN, EINTR
		// retried, errors as *fs.PathError{"write", name}.
		return f.fd.File().Write(p)
	}
	if len(p) == 0 {
		return 0, f.wrap("write", f.closedErr())
	}
	n, err := f.do(&f.w, true, f.writeFn, p, 0)
	return n, f.wrap("write", err)
}

func (f *File) writeCB(fd uintptr) bool {
	return f.loop(fd, &f.w, writeAt, io.ErrUnexpectedEOF)
}

// writeAt is write(2) with the signature of pread and pwrite, for loop.
func writeAt(fd int, p []byte, _ int64) (int, error) { return unix.Write(fd, p) }

// loop is the body of the callbacks that repeat their call until op.buf is
// done (write, pread, pwrite): it advances op.n past each short transfer,
// retries EINTR, waits in the poller on EAGAIN unless in nonblocking mode,
// and ends with zero as the error when the call transfers nothing. call is
// a top-level function, so passing it allocates nothing.
func (f *File) loop(fd uintptr, op *ioOp, call func(fd int, p []byte, off int64) (int, error), zero error) bool {
	for op.n < len(op.buf) {
		n, err := call(int(fd), limit(op.buf[op.n:]), op.off+int64(op.n))
		switch {
		case err == nil:
			if n == 0 {
				op.err = zero
				return true
			}
			op.n += n
		case err == unix.EINTR:
		case err == unix.EAGAIN && f.fd.WouldWait():
			return false
		default:
			op.err = err
			return true
		}
	}
	return true
}

// ReadAt reads len(p) bytes into p from offset off: pread(2), repeated until
// p is full. It follows [io.ReaderAt]: when fewer than len(p) bytes are read
// it returns an error, [io.EOF] when the file ended first. It does not move
// the file offset. A negative off is an error wrapping unix.EINVAL; a pipe
// or socket gives ESPIPE.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if f.invalid() {
		return 0, errInvalid("pread")
	}
	if off < 0 {
		return 0, f.wrap("pread", negativeOffsetError{})
	}
	if len(p) == 0 {
		return 0, f.wrap("pread", f.closedErr())
	}
	n, err := f.do(&f.pr, false, f.preadFn, p, off)
	if err == io.EOF {
		return n, io.EOF
	}
	return n, f.wrap("pread", err)
}

func (f *File) preadCB(fd uintptr) bool { return f.loop(fd, &f.pr, unix.Pread, io.EOF) }

// WriteAt writes all of p at offset off: pwrite(2), repeated after a short
// write. It returns len(p) and nil, or the count written and the error that
// stopped it. It does not move the file offset. A negative off is an error
// wrapping unix.EINVAL; a pipe or socket gives ESPIPE.
//
// As in C, on Linux a file opened with O_APPEND has every pwrite appended to
// its end whatever off says (see pwrite(2), BUGS); os.File.WriteAt refuses
// such files instead.
func (f *File) WriteAt(p []byte, off int64) (int, error) {
	if f.invalid() {
		return 0, errInvalid("pwrite")
	}
	if off < 0 {
		return 0, f.wrap("pwrite", negativeOffsetError{})
	}
	if len(p) == 0 {
		return 0, f.wrap("pwrite", f.closedErr())
	}
	n, err := f.do(&f.pw, true, f.pwriteFn, p, off)
	return n, f.wrap("pwrite", err)
}

func (f *File) pwriteCB(fd uintptr) bool {
	return f.loop(fd, &f.pw, unix.Pwrite, io.ErrUnexpectedEOF)
}

// do is the one path of Read, Write, ReadAt and WriteAt to the kernel: it
// takes the op's lock, sets its state, runs the prebuilt callback cb under
// the RawConn's read or write lock (which checks for Close, waits in the
// poller when cb asks to, and honours deadlines) and collects the result.
// The error is unwrapped: an errno, io.EOF, fs.ErrClosed or
// os.ErrDeadlineExceeded.
func (f *File) do(op *ioOp, write bool, cb func(uintptr) bool, p []byte, off int64) (int, error) {
	op.mu.Lock()
	op.buf, op.off, op.n, op.err = p, off, 0, nil
	var err error
	if write {
		err = f.fd.Write(cb)
	} else {
		err = f.fd.Read(cb)
	}
	n := op.n
	if err == nil {
		err = op.err
	}
	op.buf, op.err = nil, nil // do not keep the caller's buffer alive
	op.mu.Unlock()
	return n, err
}

// limit caps one read or write at maxRW bytes.
func limit(p []byte) []byte {
	if len(p) > maxRW {
		return p[:maxRW]
	}
	return p
}

// Seek sets the file offset for the next Read or Write: lseek(2). whence is
// [io.SeekStart], [io.SeekCurrent] or [io.SeekEnd] (SEEK_SET, SEEK_CUR,
// SEEK_END; unix.SEEK_DATA and unix.SEEK_HOLE are passed through too). It
// returns the new offset. A pipe or socket gives ESPIPE; an offset that
// would become negative, EINVAL.
func (f *File) Seek(offset int64, whence int) (int64, error) {
	if f.invalid() {
		return 0, errInvalid("seek")
	}
	var ret int64
	err := f.fd.Control(func(fd int) error {
		var err error
		ret, err = unix.Seek(fd, offset, whence)
		return err
	})
	if err != nil {
		return 0, f.wrap("seek", err)
	}
	return ret, nil
}

// Close closes the descriptor: close(2). Calls waiting on it (a Read of an
// empty pipe, say) return at once with an error wrapping [fs.ErrClosed]; the
// real close(2) happens when the last call using the descriptor has
// returned, so the number is never closed twice nor used after the kernel
// gave it to another file. The second Close, and any call after it, returns
// an error wrapping fs.ErrClosed.
func (f *File) Close() error {
	if f.invalid() {
		return errInvalid("close")
	}
	return f.wrap("close", f.fd.Close())
}

// SyscallConn returns a raw connection to the descriptor, for calls this
// package does not wrap: see [syscall.RawConn]. On a descriptor the runtime
// polls, the descriptor is nonblocking in the kernel whatever
// [File.Nonblock] says, and a callback passed to its Read or Write that
// returns false waits in the poller.
func (f *File) SyscallConn() (syscall.RawConn, error) {
	if f.invalid() {
		return nil, errInvalid("SyscallConn")
	}
	if err := f.closedErr(); err != nil {
		return nil, f.wrap("SyscallConn", err)
	}
	return f.fd.RawConn(), nil
}
