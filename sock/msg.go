package sock

import (
	"errors"
	"io"

	"golang.org/x/sys/unix"
)

// ErrControlTruncated is wrapped when the control data did not fit in the
// oob buffer (MSG_CTRUNC); descriptors received with it are closed.
var ErrControlTruncated = errors.New("control message truncated")

// SendMsg sends the concatenation of p, and oob's control messages, to
// addr: sendmsg(2) with MSG_NOSIGNAL; the zero addr means the connected
// peer. Like [Socket.Send] it may send part of p on a stream.
func (s *Socket) SendMsg(p [][]byte, oob []byte, to Addr, flags MsgFlag) (int, error) {
	const op = "sendmsg"
	if !s.ok() {
		return 0, s.checkError(op)
	}
	s.wmu.Lock()
	w := &s.tx
	w.salen = 0
	if to.IsValid() {
		salen, err := encodeSockaddr(&to, s.family, s.needPort(), &w.rsa)
		if err != nil {
			s.wmu.Unlock()
			return 0, opError(op, err)
		}
		w.salen = salen
	}
	w.bufs, w.oob, w.flags = p, oob, int(flags)
	err := s.fd.Write(s.sendmsgFn)
	n, e := w.n, w.errno
	w.bufs, w.oob, w.salen = nil, nil, 0
	s.wmu.Unlock()
	if err == nil && e != 0 {
		err = e
	}
	if err != nil {
		return 0, opError(op, err)
	}
	return n, nil
}

func (s *Socket) doSendmsg(fd uintptr) bool {
	w := &s.tx
	for {
		e := w.sendmsg(fd)
		if e == unix.EINTR {
			continue
		}
		if e == unix.EAGAIN && s.wait(w.flags) {
			return false
		}
		w.errno = e
		return true
	}
}

// RecvMsg receives one message into the buffers of p in turn, its control
// messages into oob and the sender's address: recvmsg(2) with
// MSG_CMSG_CLOEXEC (Darwin: FD_CLOEXEC set after). A datagram larger than p
// wraps [ErrTruncated], control data larger than a non-empty oob
// [ErrControlTruncated]; on any error, descriptors received are closed. A
// stream's end is io.EOF.
func (s *Socket) RecvMsg(p [][]byte, oob []byte, flags MsgFlag) (n, oobn int, recvflags MsgFlag, from Addr, err error) {
	const op = "recvmsg"
	if !s.ok() {
		return 0, 0, 0, Addr{}, s.checkError(op)
	}
	s.rmu.Lock()
	r := &s.rx
	r.bufs, r.oob, r.flags = p, oob, int(flags)
	err = s.fd.Read(s.recvmsgvFn)
	n, oobn, e, mf := r.n, r.oobn, r.errno, r.mflags
	if err == nil && e == 0 {
		from = decodeSockaddr(&r.rsa, r.salen)
	}
	r.bufs, r.oob = nil, nil
	s.rmu.Unlock()
	if err == nil && e != 0 {
		err = e
	}
	if err != nil {
		return 0, 0, 0, Addr{}, opError(op, err)
	}
	oobn = min(oobn, len(oob))
	total := 0
	for _, b := range p {
		total += len(b)
	}
	mf &^= msgCmsgCloexec
	switch {
	case mf&unix.MSG_CTRUNC != 0 && len(oob) > 0:
		err = ErrControlTruncated
	case !s.stream && mf&unix.MSG_TRUNC != 0:
		err = ErrTruncated
	case n == 0 && s.zeroEOF && total > 0 && oobn == 0:
		return 0, 0, MsgFlag(mf), from, io.EOF
	}
	if err != nil {
		closeRights(oob[:oobn])
		return min(n, total), oobn, MsgFlag(mf), from, opError(op, err)
	}
	setRightsCloexec(oob[:oobn])
	return n, oobn, MsgFlag(mf), from, nil
}

func (s *Socket) doRecvmsgv(fd uintptr) bool {
	r := &s.rx
	for {
		e := r.recvmsgv(fd)
		if e == unix.EINTR {
			continue
		}
		if e == unix.EAGAIN && s.wait(r.flags) {
			return false
		}
		r.errno = e
		return true
	}
}

// closeRights closes every descriptor of the SCM_RIGHTS messages in b and
// overwrites it with -1, so that none leaks and none is closed twice.
func closeRights(b []byte) {
	forEachRight(b, func(fd int) int {
		unix.Close(fd)
		return -1
	})
}

// forEachRight calls f on every descriptor of the SCM_RIGHTS messages in
// b and stores what f returns in its place.
func forEachRight(b []byte, f func(fd int) int) {
	for len(b) > 0 {
		c, rest, err := nextCmsg(b)
		if err != nil {
			return
		}
		b = rest
		if c.Level != unix.SOL_SOCKET || c.Type != unix.SCM_RIGHTS {
			continue
		}
		for i := 0; i+4 <= len(c.Data); i += 4 {
			fd := int(int32(nativeEndian.Uint32(c.Data[i:])))
			if fd >= 0 {
				nativeEndian.PutUint32(c.Data[i:], uint32(int32(f(fd))))
			}
		}
	}
}
