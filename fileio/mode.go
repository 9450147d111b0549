package fileio

import (
	"time"

	"github.com/posixkit/posixkit/internal/fdcore"
)

// The modes of a File: deadlines, and the blocking mode callers see beside
// the kernel's file status flags.

// SetDeadline sets the read and write deadlines, as os.File.SetDeadline:
// a Read or Write waiting in the poller past t returns an error wrapping
// [os.ErrDeadlineExceeded]; the zero time means no deadline. A descriptor
// the runtime does not poll (a regular file) gives an error wrapping
// [os.ErrNoDeadline].
func (f *File) SetDeadline(t time.Time) error {
	return f.deadline("SetDeadline", (*fdcore.FD).SetDeadline, t)
}

// SetReadDeadline sets the deadline of Read and ReadAt; see
// [File.SetDeadline].
func (f *File) SetReadDeadline(t time.Time) error {
	return f.deadline("SetReadDeadline", (*fdcore.FD).SetReadDeadline, t)
}

// SetWriteDeadline sets the deadline of Write and WriteAt; see
// [File.SetDeadline].
func (f *File) SetWriteDeadline(t time.Time) error {
	return f.deadline("SetWriteDeadline", (*fdcore.FD).SetWriteDeadline, t)
}

// Flags returns the file status flags: fcntl(2) F_GETFL, unchanged (the
// access mode and O_APPEND, O_NONBLOCK, O_SYNC...; O_CLOEXEC is a
// descriptor flag and never shows here). A descriptor the runtime polls (a
// pipe, a socket, a terminal) is nonblocking in the kernel, so O_NONBLOCK
// shows on it whatever [File.Nonblock] says. On 64-bit Linux a file opened
// with open(2) also carries the kernel's O_LARGEFILE bit (0x8000 on amd64),
// which has no name here and prints in hexadecimal.
func (f *File) Flags() (Flag, error) {
	if f.invalid() {
		return 0, errInvalid("fcntl")
	}
	fl, err := f.fd.Flags()
	if err != nil {
		return 0, f.wrap("fcntl", err)
	}
	return Flag(fl), nil
}

// SetNonblock sets the blocking mode callers see, as fcntl(2) F_SETFL with
// O_NONBLOCK set or cleared does in C. With b true, a Read, Write, ReadAt or
// WriteAt that would wait returns an error wrapping unix.EAGAIN instead.
// A descriptor the runtime polls stays nonblocking in the kernel either way
// (waits happen in the poller); any other has O_NONBLOCK set or cleared.
func (f *File) SetNonblock(b bool) error {
	if f.invalid() {
		return errInvalid("fcntl")
	}
	return f.wrap("fcntl", f.fd.SetNonblock(b))
}

// Nonblock reports the blocking mode callers see: true when calls that would
// wait return EAGAIN instead. This is posixkit's own state, set by Open,
// NewFile and [File.SetNonblock]; the kernel's O_NONBLOCK is in
// [File.Flags] and differs from it on a descriptor the runtime polls.
func (f *File) Nonblock() (bool, error) {
	if f.invalid() {
		return false, errInvalid("fcntl")
	}
	b, err := f.fd.Nonblock()
	return b, f.wrap("fcntl", err)
}

func (f *File) deadline(op string, set func(*fdcore.FD, time.Time) error, t time.Time) error {
	if f.invalid() {
		return errInvalid(op)
	}
	return f.wrap(op, set(f.fd, t))
}
