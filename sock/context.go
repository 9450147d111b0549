package sock

import (
	"context"
	"time"
)

// errNilContext is the error of a nil context; it wraps EINVAL.
const errNilContext = argError("nil context")

// aLongTimeAgo is the deadline that wakes a waiting call when its context
// is done, as in net.
var aLongTimeAgo = time.Unix(1, 0)

// ConnectContext is [Socket.Connect] that also returns when ctx is done:
// its error then wraps ctx.Err(). Cancelling clears the write deadline.
func (s *Socket) ConnectContext(ctx context.Context, addr Addr) error {
	const op = "connect"
	if err := s.check(op); err != nil {
		return err
	}
	if ctx == nil {
		return opError(op, errNilContext)
	}
	if err := ctx.Err(); err != nil {
		return opError(op, &addrError{addr.String(), err.Error(), 0, err})
	}
	stop := context.AfterFunc(ctx, func() { s.fd.SetWriteDeadline(aLongTimeAgo) })
	err := s.Connect(addr)
	if !stop() {
		s.fd.SetWriteDeadline(time.Time{})
		return opError(op, &addrError{addr.String(), ctx.Err().Error(), 0, ctx.Err()})
	}
	return err
}

// AcceptContext is [Socket.Accept] that also returns when ctx is done: its
// error then wraps ctx.Err(). Cancelling clears the read deadline.
func (s *Socket) AcceptContext(ctx context.Context) (*Socket, Addr, error) {
	const op = "accept"
	if err := s.check(op); err != nil {
		return nil, Addr{}, err
	}
	if ctx == nil {
		return nil, Addr{}, opError(op, errNilContext)
	}
	if err := ctx.Err(); err != nil {
		return nil, Addr{}, opError(op, err)
	}
	stop := context.AfterFunc(ctx, func() { s.fd.SetReadDeadline(aLongTimeAgo) })
	ns, peer, err := s.Accept()
	if !stop() {
		s.fd.SetReadDeadline(time.Time{})
		if err == nil {
			ns.Close()
		}
		return nil, Addr{}, opError(op, ctx.Err())
	}
	return ns, peer, err
}
