package poll

// NetBSD's kqueue has no EV_DISPATCH in golang.org/x/sys: no one-shot mode.
const (
	kqueueDispatch = 0
	queueOneShot   = false // the queue backend offers OneShot
)
