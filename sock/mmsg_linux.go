package sock

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsghdr is C's struct mmsghdr; Go pads it as C does.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
}

// mmsgState is the per-socket state of SendMmsg or RecvMmsg: the kernel's
// arrays, grown to the largest batch seen and reused.
type mmsgState struct {
	rx    *rxState
	tx    *txState
	msgs  []Mmsg
	flags int
	// needPort: destinations need a port (not raw or ICMP sockets).
	needPort bool
	n        int
	errno    unix.Errno
	hdrs     []mmsghdr
	iovs     []unix.Iovec
	rsas     []unix.RawSockaddrAny
}

// maxMmsg is the most messages one call takes (UIO_MAXIOV).
const maxMmsg = 1024

// prepare points the headers at the messages' buffers; salens gives each
// name's length (nil: a whole sockaddr, to be filled).
func (st *mmsgState) prepare(names func(i int) uint32) {
	niov := 0
	for i := range st.msgs {
		niov += len(st.msgs[i].Buffers)
	}
	if cap(st.hdrs) < len(st.msgs) {
		st.hdrs = make([]mmsghdr, len(st.msgs))
		st.rsas = make([]unix.RawSockaddrAny, len(st.msgs))
	}
	if cap(st.iovs) < niov {
		st.iovs = make([]unix.Iovec, niov)
	}
	st.hdrs, st.rsas, st.iovs = st.hdrs[:len(st.msgs)], st.rsas[:len(st.msgs)], st.iovs[:niov]
	k := 0
	for i := range st.msgs {
		m := &st.msgs[i]
		h := &st.hdrs[i]
		*h = mmsghdr{}
		if nb := len(m.Buffers); nb > 0 {
			for j, b := range m.Buffers {
				st.iovs[k+j].Base = unsafe.SliceData(b)
				st.iovs[k+j].SetLen(len(b))
			}
			h.hdr.Iov = &st.iovs[k]
			h.hdr.SetIovlen(nb)
			k += nb
		}
		if len(m.OOB) > 0 {
			h.hdr.Control = &m.OOB[0]
			h.hdr.SetControllen(len(m.OOB))
		}
		if l := names(i); l != 0 {
			h.hdr.Name = (*byte)(unsafe.Pointer(&st.rsas[i]))
			h.hdr.Namelen = l
		}
	}
}

func (st *mmsgState) encode(family Family) error {
	if err := st.encodeCheck(family); err != nil {
		return err
	}
	var err error
	st.prepare(func(i int) uint32 {
		a := &st.msgs[i].Addr
		if !a.IsValid() {
			return 0
		}
		var l uint32
		l, err = encodeSockaddr(a, family, st.needPort, &st.rsas[i])
		return l
	})
	return err
}

func (st *mmsgState) prepareRecv() {
	st.prepare(func(int) uint32 { return unix.SizeofSockaddrAny })
}

func (st *mmsgState) sendmmsg(fd uintptr) (int, unix.Errno) {
	h := st.hdrs[st.n:]
	h = h[:min(len(h), maxMmsg)]
	n, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&h[0])), uintptr(len(h)), uintptr(st.flags|msgNoSignal), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), 0
}

func (st *mmsgState) recvmmsg(fd uintptr) (int, unix.Errno) {
	h := st.hdrs[:min(len(st.hdrs), maxMmsg)]
	n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&h[0])), uintptr(len(h)), uintptr(st.flags|unix.MSG_CMSG_CLOEXEC), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), 0
}

// decode copies the results of n received messages into st.msgs.
func (st *mmsgState) decode(n int) {
	for i := range st.msgs[:n] {
		m, h := &st.msgs[i], &st.hdrs[i]
		m.N, m.OOBN, m.Flags = int(h.len), int(h.hdr.Controllen), MsgFlag(h.hdr.Flags)
		m.Addr = decodeSockaddr(&st.rsas[i], h.hdr.Namelen)
	}
}

// release records what was sent and drops every pointer to the caller's
// buffers.
func (st *mmsgState) release() {
	if st.tx != nil {
		for i := range st.msgs[:min(st.n, len(st.msgs))] {
			st.msgs[i].N = int(st.hdrs[i].len)
		}
	}
	for i := range st.hdrs {
		st.hdrs[i] = mmsghdr{}
	}
	for i := range st.iovs {
		st.iovs[i].Base = nil
	}
	st.msgs = nil
}
