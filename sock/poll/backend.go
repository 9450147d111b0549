package poll

import (
	"fmt"
	"time"

	"github.com/posixkit/posixkit/internal/cname"
	"golang.org/x/sys/unix"
)

// Backend names the kernel interface a [Poller] is built on. Every backend
// gives the same behaviour through the same methods; they differ in cost,
// in which descriptors they accept, and in what happens to a descriptor
// closed while it is watched (see [Poller]).
//
// Which to pick: [BackendSelect] (the default, [NewPoller]) for a few
// descriptors that are all below [FD_SETSIZE], as in the notes' servers;
// [BackendEpoll] on Linux and [BackendKqueue] on Darwin and the BSDs for
// many descriptors or any above FD_SETSIZE (a Wait costs the same with
// 1 or 1,000 idle descriptors, and a Wait that sleeps parks only its
// goroutine, as select and poll do on Linux only); [BackendPoll] where
// neither is available or when a portable
// choice without the FD_SETSIZE limit is wanted ([Backends] lists the ones
// this system has).
type Backend int

// The Poller backends.
const (
	BackendSelect Backend = iota // select(2): descriptors below FD_SETSIZE; every unix
	BackendPoll                  // poll(2) (ppoll on Linux): any descriptor; every unix
	BackendEpoll                 // epoll(7): Linux only
	BackendKqueue                // kqueue(2): Darwin and the BSDs only
)

var backendNames = []cname.Name{
	{V: uint64(BackendSelect), Name: "select"},
	{V: uint64(BackendPoll), Name: "poll"},
	{V: uint64(BackendEpoll), Name: "epoll"},
	{V: uint64(BackendKqueue), Name: "kqueue"},
}

// String returns the backend's system call name: "select", "poll",
// "epoll" or "kqueue"; an unknown value prints as its number.
func (b Backend) String() string { return cname.Value(int64(b), backendNames) }

// Backends returns the backends available on this system, the default
// ([BackendSelect]) first.
func Backends() []Backend {
	return append([]Backend{BackendSelect, BackendPoll}, nativeBackends...)
}

// NewPollerBackend returns an empty Poller built on backend b. With
// [BackendSelect] it is [NewPoller]. A backend this system does not have
// (epoll outside Linux, kqueue outside Darwin and the BSDs) returns an
// error wrapping [unix.ENOSYS]; an unknown value, one wrapping
// [unix.EINVAL].
//
// The descriptors the Poller owns are close-on-exec and released by
// [Poller.Close]: for select and poll an eventfd and an epoll descriptor to
// sleep on (Linux) or a self-pipe (elsewhere), for epoll and kqueue their
// queue descriptor.
func NewPollerBackend(b Backend) (*Poller, error) {
	var impl pollerImpl
	var err error
	switch b {
	case BackendSelect:
		return NewPoller()
	case BackendPoll:
		impl, err = newPollPoller()
	case BackendEpoll, BackendKqueue:
		impl, err = newQueuePoller(b)
	default:
		return nil, fmt.Errorf("sock: NewPollerBackend: unknown backend %d: %w", int(b), unix.EINVAL)
	}
	if err != nil {
		return nil, fmt.Errorf("sock: NewPollerBackend(%v): %w", b, err)
	}
	return &Poller{made: true, impl: impl, maxfd: -1}, nil
}

// Backend returns the backend p is built on.
func (p *Poller) Backend() Backend {
	if p == nil || p.impl == nil {
		return BackendSelect
	}
	return p.impl.backend()
}

// pollerImpl is a backend other than select. Its methods get arguments
// already checked for a nil Poller; they check the rest.
type pollerImpl interface {
	backend() Backend
	add(fd int, ev Events) error
	modify(fd int, ev Events) error
	remove(fd int) error
	wait(ready []Ready, timeout time.Duration) (int, error)
	close() error
	isWaiting() bool
}

// pollerCheckAny checks the arguments of Add and Modify for the backends
// without the FD_SETSIZE limit.
func pollerCheckAny(op string, fd int, ev Events) error {
	if fd < 0 {
		return pollerErr(op, fd, fmt.Errorf("negative descriptor: %w", unix.EINVAL))
	}
	if ev == 0 || ev&^(Readable|Writable) != 0 {
		return pollerErr(op, fd, fmt.Errorf("events %v are not Readable and/or Writable: %w", ev, unix.EINVAL))
	}
	return nil
}

// pollerWaitStart checks Wait's arguments common to every backend.
func pollerWaitCheck(ready []Ready) error {
	if len(ready) == 0 {
		return fmt.Errorf("sock: poller wait: empty ready slice: %w", unix.EINVAL)
	}
	return nil
}

func pollerBusy() error {
	return fmt.Errorf("sock: poller wait: another Wait is in progress: %w", unix.EBUSY)
}
