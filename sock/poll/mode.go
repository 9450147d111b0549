package poll

import (
	"fmt"

	"github.com/posixkit/posixkit/internal/cname"
	"golang.org/x/sys/unix"
)

// Mode is when a [Poller] reports a ready descriptor. Only epoll and
// kqueue offer the modes other than LevelTriggered (see [Backend]).
//
// EdgeTriggered reports a descriptor when it becomes ready (data arrives,
// room is freed, a peer closes) and not again until it becomes ready
// anew: read or write until EAGAIN, or it may never be reported again.
// OneShot reports a descriptor once, then not until [Poller.Modify]
// re-arms it (reported at once if still ready), so the goroutine that
// Waits can hand it to another.
type Mode int

// The modes of a Poller.
const (
	LevelTriggered Mode = iota // reported while ready (the default)
	EdgeTriggered              // EPOLLET, EV_CLEAR
	OneShot                    // EPOLLONESHOT, EV_DISPATCH
)

var modeNames = []cname.Name{
	{V: uint64(LevelTriggered), Name: "LevelTriggered"},
	{V: uint64(EdgeTriggered), Name: "EdgeTriggered"},
	{V: uint64(OneShot), Name: "OneShot"},
}

// String returns the mode's name, such as "EdgeTriggered"; an unknown
// value prints as its number.
func (m Mode) String() string { return cname.Value(int64(m), modeNames) }

// NewMode returns an empty Poller on backend b, as [NewBackend] does,
// reporting in mode m. A mode the backend lacks (see [Backend]) returns an
// error wrapping [unix.ENOTSUP]; an unknown mode, [unix.EINVAL].
func NewMode(b Backend, m Mode) (*Poller, error) {
	switch {
	case m < LevelTriggered || m > OneShot:
		return nil, wrap("poller new", fmt.Errorf("unknown mode %d: %w", int(m), unix.EINVAL))
	case m != LevelTriggered && (b == BackendSelect || b == BackendPoll),
		m == OneShot && b == Best && !queueOneShot:
		return nil, wrap("poller new", fmt.Errorf("%v on %v: %w", m, b, unix.ENOTSUP))
	}
	p, err := NewBackend(b)
	if err != nil {
		return nil, err
	}
	p.mode = m // before any Add: the backend reads it in its add
	return p, nil
}

// Mode returns the mode p reports in, or -1 for a Poller not made by
// [New], [NewBackend] or NewMode.
func (p *Poller) Mode() Mode {
	if p == nil || p.b == nil {
		return -1
	}
	return p.mode
}
