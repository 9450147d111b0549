package poll

import (
	"github.com/posixkit/posixkit/internal/cname"
)

// Backend names the kernel interface a [Poller] is built on. They give
// the same methods and contracts, and differ as follows:
//
//	                select            poll              epoll           kqueue
//	systems         all               all               Linux           Darwin, BSDs
//	descriptors     below FD_SETSIZE  any open          any but files   any open
//	Wait costs      highest fd        number watched    number ready    number ready
//	Wait sleeps     Linux: parked;    as select         parked          parked
//	                else blocks the
//	                OS thread
//	own fds         Linux: eventfd + epoll; else pipe   epoll fd        kqueue fd
//	fd closed       reported ready   reported ready    dropped          dropped
//	while watched   (EBADF on use)   (POLLNVAL)        silently         silently
//	fairness        fd order         Add order         kernel queue     kernel queue
//	modes           level            level             level, edge,     level, edge,
//	                                                   one-shot per fd  one-shot per event
//	                                                                    (not on NetBSD)
//
// "Parked": a Wait that must sleep parks its goroutine in the Go runtime's
// poller; select and poll sleep on an epoll descriptor mirroring their set
// (epoll_ctl errors such as ENOSPC reach Add), the answer still theirs.
// epoll refuses (EPERM) regular files, directories and some devices, which
// select and poll report always ready. A closed descriptor's number reused
// before Remove may be watched as the old one.
type Backend int

const (
	BackendSelect Backend = iota // select(2)
	BackendPoll                  // poll(2), ppoll on Linux
	BackendEpoll                 // epoll(7)
	BackendKqueue                // kqueue(2)
)

var backendNames = []cname.Name{
	{V: uint64(BackendSelect), Name: "select"},
	{V: uint64(BackendPoll), Name: "poll"},
	{V: uint64(BackendEpoll), Name: "epoll"},
	{V: uint64(BackendKqueue), Name: "kqueue"},
}

// String returns the system call's name, such as "epoll", or the number.
func (b Backend) String() string { return cname.Value(int64(b), backendNames) }

// Backends returns the backends this system has, [BackendSelect] first.
func Backends() []Backend {
	if Best == BackendPoll {
		return []Backend{BackendSelect, BackendPoll}
	}
	return []Backend{BackendSelect, BackendPoll, Best}
}
