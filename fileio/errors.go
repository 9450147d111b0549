package fileio

import (
	"io/fs"

	"golang.org/x/sys/unix"
)

// negativeOffsetError is the error of ReadAt and WriteAt with off < 0; it
// wraps EINVAL, the errno pread(2) and pwrite(2) give for it.
type negativeOffsetError struct{}

func (negativeOffsetError) Error() string { return "negative offset" }
func (negativeOffsetError) Unwrap() error { return unix.EINVAL }

// closedErr is fs.ErrClosed after Close, else nil.
func (f *File) closedErr() error {
	if f.fd.Closed() {
		return f.fd.ClosedErr()
	}
	return nil
}

// invalid reports a nil File, or a zero one not made by this package. The
// methods check it first, as os.File's check for nil.
func (f *File) invalid() bool { return f == nil || f.fd == nil }

// errInvalid is the error of a call on an invalid File.
func errInvalid(op string) error { return wrapErr(op, "", unix.EINVAL) }

// wrap returns err as an *fs.PathError naming op and the file; nil stays nil.
func (f *File) wrap(op string, err error) error { return wrapErr(op, f.name, err) }

// wrapErr is the package's one wrapping point: every error a function or
// method returns (an errno, an argument error wrapping EINVAL,
// fs.ErrClosed, os.ErrDeadlineExceeded) is an *fs.PathError naming the call
// and the file, except a bare io.EOF. nil stays nil.
func wrapErr(op, path string, err error) error {
	if err == nil {
		return nil
	}
	return &fs.PathError{Op: op, Path: path, Err: err}
}
