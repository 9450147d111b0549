// Package stdinfd gives the example clients what C's select loop takes for
// granted: standard input as a descriptor that select(2) can watch.
//
// A program's run function receives stdin as an io.Reader. When it is an
// *os.File (os.Stdin, a pipe, a file) its own descriptor is used. Anything
// else (a strings.Reader, an io.Pipe in a test) is copied by a goroutine
// into one end of a socketpair(2), and the other end is the descriptor.
package stdinfd

import (
	"errors"
	"io"
	"os"

	"github.com/posixkit/posixkit/sock"
)

// Input is standard input seen as a descriptor.
type Input struct {
	fd   int
	r    io.Reader
	pair *sock.Socket // the end we read, when stdin is copied through a socketpair
}

// New returns r as an Input. For an *os.File the descriptor is borrowed:
// Close leaves it open. Otherwise a goroutine copies r into a socketpair;
// it ends when r returns an error or EOF, or at its next write after
// Close. A Read that r blocks in cannot be interrupted, so with a reader
// that never ends the goroutine outlives Close until r returns.
func New(r io.Reader) (*Input, error) {
	if f, ok := r.(*os.File); ok && f != nil {
		rc, err := f.SyscallConn()
		if err != nil {
			return nil, err
		}
		fd := -1
		// Control, not f.Fd: Fd would switch the descriptor to blocking mode.
		if err := rc.Control(func(s uintptr) { fd = int(s) }); err != nil {
			return nil, err
		}
		return &Input{fd: fd, r: f}, nil
	}
	ours, theirs, err := sock.Pair(sock.AF_UNIX, sock.SOCK_STREAM, 0)
	if err != nil {
		return nil, err
	}
	go func() {
		if _, err := io.Copy(theirs, r); err == nil {
			theirs.Shutdown(sock.SHUT_WR) // EOF for the reader
		}
		theirs.Close()
	}()
	return &Input{fd: ours.Fd(), r: ours, pair: ours}, nil
}

// Fd returns the descriptor to watch with select(2).
func (in *Input) Fd() int { return in.fd }

// Read reads from standard input: read(2) on the descriptor. Call it when
// select reports the descriptor readable; it returns io.EOF at the end.
func (in *Input) Read(p []byte) (int, error) {
	n, err := in.r.Read(p)
	if n == 0 && err == nil && len(p) > 0 {
		return 0, errors.New("read returned no data and no error")
	}
	return n, err
}

// Close closes the socketpair end, if there is one.
func (in *Input) Close() error {
	if in.pair != nil {
		return in.pair.Close()
	}
	return nil
}
