//go:build !linux

package sock

import "golang.org/x/sys/unix"

// mmsgState is the per-socket state of SendMmsg or RecvMmsg: here a loop
// of sendmsg(2) or recvmsg(2) calls over the socket's own message state.
type mmsgState struct {
	rx    *rxState
	tx    *txState
	msgs  []Mmsg
	flags int
	// needPort: destinations need a port (not raw or ICMP sockets).
	needPort bool
	n        int
	errno    unix.Errno
	fam      Family
}

func (st *mmsgState) encode(family Family) error {
	st.fam = family
	return st.encodeCheck(family)
}

func (st *mmsgState) prepareRecv() {}

func (st *mmsgState) sendmmsg(fd uintptr) (int, unix.Errno) {
	w := st.tx
	m := &st.msgs[st.n]
	w.salen = 0
	if m.Addr.IsValid() {
		l, err := encodeSockaddr(&m.Addr, st.fam, st.needPort, &w.rsa)
		if err != nil {
			return 0, unix.EINVAL
		}
		w.salen = l
	}
	w.bufs, w.oob, w.flags = m.Buffers, m.OOB, st.flags
	e := w.sendmsg(fd)
	w.bufs, w.oob, w.salen = nil, nil, 0
	if e != 0 {
		return 0, e
	}
	m.N = w.n
	return 1, 0
}

func (st *mmsgState) recvmmsg(fd uintptr) (int, unix.Errno) {
	r := st.rx
	defer func() { r.bufs, r.oob = nil, nil }()
	for i := range st.msgs {
		m := &st.msgs[i]
		r.bufs, r.oob, r.flags = m.Buffers, m.OOB, st.flags
		if e := r.recvmsgv(fd); e != 0 {
			if i > 0 {
				return i, 0 // the error waits for the next call
			}
			return 0, e
		}
		m.N, m.OOBN, m.Flags = r.n, r.oobn, MsgFlag(r.mflags)
		m.Addr = decodeSockaddr(&r.rsa, r.salen)
	}
	return len(st.msgs), 0
}

func (st *mmsgState) decode(int) {}

func (st *mmsgState) release() { st.msgs = nil }
