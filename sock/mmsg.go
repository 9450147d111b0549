package sock

import "golang.org/x/sys/unix"

// Mmsg is one message of a [Socket.SendMmsg] or [Socket.RecvMmsg] batch.
// Reuse a batch: once its arrays have grown, a call allocates nothing.
type Mmsg struct {
	Buffers [][]byte
	OOB     []byte
	// Addr is the destination (zero: the connected peer) or the sender.
	Addr Addr
	// After the call: the bytes and control bytes moved, and msg_flags
	// (MSG_TRUNC, MSG_CTRUNC) of a received message.
	N, OOBN int
	Flags   MsgFlag
}

// SendMmsg sends the messages of msgs in order: sendmmsg(2) on Linux, a
// sendmsg(2) per message elsewhere, with MSG_NOSIGNAL. It returns how many
// were sent, with an error only if none was; a bad Addr sends nothing.
func (s *Socket) SendMmsg(msgs []Mmsg, flags MsgFlag) (int, error) {
	const op = "sendmmsg"
	if !s.ok() {
		return 0, s.checkError(op)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	st := s.tx.mmsgState()
	st.msgs, st.flags, st.n, st.errno = msgs, int(flags), 0, 0
	st.needPort = s.needPort()
	if err := st.encode(s.family); err != nil {
		st.msgs = nil
		return 0, opError(op, err)
	}
	err := s.fd.Write(s.sendmmsgFn)
	n, e := st.n, st.errno
	st.release()
	if err == nil && e != 0 && n == 0 {
		err = e
	}
	if n == 0 && err != nil {
		return 0, opError(op, err)
	}
	return n, nil
}

// RecvMmsg receives up to len(msgs) messages: recvmmsg(2) on Linux, a
// recvmsg(2) per message elsewhere, with MSG_CMSG_CLOEXEC. It waits for
// the first and takes the others already queued. A message's MSG_CTRUNC is
// in its Flags, and descriptors received with it are closed.
func (s *Socket) RecvMmsg(msgs []Mmsg, flags MsgFlag) (int, error) {
	const op = "recvmmsg"
	if !s.ok() {
		return 0, s.checkError(op)
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	s.rmu.Lock()
	defer s.rmu.Unlock()
	st := s.rx.mmsgState()
	st.msgs, st.flags, st.n, st.errno = msgs, int(flags), 0, 0
	st.prepareRecv()
	err := s.fd.Read(s.recvmmsgFn)
	n, e := st.n, st.errno
	if err == nil && e == 0 {
		st.decode(n)
		for i := range msgs[:n] {
			m := &msgs[i]
			m.Flags &^= msgCmsgCloexec
			if m.Flags&MSG_CTRUNC != 0 && len(m.OOB) > 0 {
				closeRights(m.OOB[:m.OOBN])
			} else {
				setRightsCloexec(m.OOB[:m.OOBN])
			}
		}
	}
	st.release()
	if err == nil && e != 0 && n == 0 {
		err = e
	}
	if err != nil && n == 0 {
		return 0, opError(op, err)
	}
	return n, nil
}

func (s *Socket) doSendmmsg(fd uintptr) bool {
	st := s.tx.mmsg
	for st.n < len(st.msgs) {
		n, e := st.sendmmsg(fd)
		switch {
		case e == 0:
			st.n += n
		case e == unix.EINTR:
		case e == unix.EAGAIN && s.wait(st.flags):
			if st.n > 0 {
				return true // some sent: report them, as sendmmsg(2) does
			}
			return false
		default:
			st.errno = e
			return true
		}
	}
	return true
}

func (s *Socket) doRecvmmsg(fd uintptr) bool {
	st := s.rx.mmsg
	for {
		n, e := st.recvmmsg(fd)
		switch {
		case e == unix.EINTR:
			continue
		case e == unix.EAGAIN && s.wait(st.flags):
			return false
		}
		st.n, st.errno = n, e
		return true
	}
}

func (r *rxState) mmsgState() *mmsgState {
	if r.mmsg == nil {
		r.mmsg = &mmsgState{rx: r}
	}
	return r.mmsg
}

func (w *txState) mmsgState() *mmsgState {
	if w.mmsg == nil {
		w.mmsg = &mmsgState{tx: w}
	}
	return w.mmsg
}

// encodeCheck encodes every destination of st.msgs into a scratch sockaddr:
// a bad one is an error before anything is sent.
func (st *mmsgState) encodeCheck(family Family) error {
	var rsa unix.RawSockaddrAny
	for i := range st.msgs {
		if a := &st.msgs[i].Addr; a.IsValid() {
			if _, err := encodeSockaddr(a, family, st.needPort, &rsa); err != nil {
				return err
			}
		}
	}
	return nil
}
