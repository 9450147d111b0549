package sock

import (
	"io"

	"github.com/posixkit/posixkit/internal/iovec"
	"golang.org/x/sys/unix"
)

// rxState is the per-socket state of one read-side operation.
type rxState struct {
	buf      []byte
	flags    int
	wantName bool // recvmsg: fill rsa with the sender's address
	n        int
	nfd      int // accept: the new descriptor
	errno    unix.Errno
	mflags   int // recvmsg: the kernel's msg_flags
	salen    uint32
	rsa      unix.RawSockaddrAny
	msg      unix.Msghdr
	iov      unix.Iovec
	// recvmsg with several buffers and control data (RecvMsg).
	bufs [][]byte
	oob  []byte
	oobn int
	iovs []unix.Iovec
	// readv (Readv) and recvmmsg (RecvMmsg).
	vec  iovec.Vec
	mmsg *mmsgState
}

// txState is the per-socket state of one write-side operation.
type txState struct {
	buf     []byte
	flags   int
	n       int
	errno   unix.Errno
	started bool // connect: connect(2) was made, now waiting
	salen   uint32
	rsa     unix.RawSockaddrAny
	// sendmsg (SendMsg): several buffers and control data.
	bufs [][]byte
	oob  []byte
	msg  unix.Msghdr
	iovs []unix.Iovec
	// writev (Writev) and sendmmsg (SendMmsg).
	vec   iovec.Vec
	vbufs [][]byte
	vi    int
	voff  int
	mmsg  *mmsgState
}

// wait reports whether an operation that got EAGAIN should wait in the
// poller: not in user-nonblocking mode, nor with MSG_DONTWAIT.
func (s *Socket) wait(flags int) bool {
	return flags&unix.MSG_DONTWAIT == 0 && s.fd.WouldWait()
}

func (s *Socket) doRecv(fd uintptr) bool {
	r := &s.rx
	for {
		n, e := sysRecv(fd, r.buf, r.flags)
		if e == unix.EINTR {
			continue
		}
		if e == unix.EAGAIN && s.wait(r.flags) {
			return false
		}
		r.n, r.errno, r.mflags = n, e, 0
		return true
	}
}

func (s *Socket) doRecvmsg(fd uintptr) bool {
	r := &s.rx
	for {
		e := r.recvmsg(fd)
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

func (s *Socket) doAccept(fd uintptr) bool {
	r := &s.rx
	for {
		r.salen = unix.SizeofSockaddrAny
		nfd, e := sysAccept(fd, &r.rsa, &r.salen)
		switch e {
		case unix.EINTR, unix.ECONNABORTED:
			// A connection reset while in the backlog: take the next.
			continue
		case unix.EAGAIN:
			if s.wait(0) {
				return false
			}
		}
		r.nfd, r.errno = nfd, e
		return true
	}
}

func (s *Socket) doSend(fd uintptr) bool {
	w := &s.tx
	for {
		n, e := sysSendto(fd, w.buf, w.flags|msgNoSignal, &w.rsa, w.salen)
		if e == unix.EINTR {
			continue
		}
		if e == unix.EAGAIN && s.wait(w.flags) {
			return false
		}
		w.n, w.errno = n, e
		return true
	}
}

// Accept waits for the next connection: accept4(2) with SOCK_CLOEXEC and
// SOCK_NONBLOCK (Darwin: accept(2), flags under syscall.ForkLock).
// ECONNABORTED is skipped. The peer address is the kernel's (IPv4-mapped on
// a dual-stack socket; unnamed for most AF_UNIX clients).
func (s *Socket) Accept() (*Socket, Addr, error) {
	const op = "accept"
	if !s.ok() {
		return nil, Addr{}, s.checkError(op)
	}
	s.rmu.Lock()
	r := &s.rx
	err := s.fd.Read(s.acceptFn)
	nfd, e := r.nfd, r.errno
	var peer Addr
	if err == nil && e == 0 {
		peer = decodeSockaddr(&r.rsa, r.salen)
	}
	s.rmu.Unlock()
	if err != nil {
		return nil, Addr{}, opError(op, err)
	}
	if e != 0 {
		return nil, Addr{}, opError(op, e)
	}
	ns, err := newSocket(nfd, s.family, s.typ, s.proto)
	if err != nil {
		unix.Close(nfd)
		return nil, Addr{}, opError(op, err)
	}
	return ns, peer, nil
}

// Send makes one send(2) with MSG_NOSIGNAL, so a reset peer is EPIPE or
// ECONNRESET, never SIGPIPE; on a stream it may send less than len(p).
func (s *Socket) Send(p []byte, flags MsgFlag) (int, error) {
	const op = "send"
	if !s.ok() {
		return 0, s.checkError(op)
	}
	s.wmu.Lock()
	n, err := s.sendLocked(p, flags)
	s.wmu.Unlock()
	return n, opError(op, err)
}

// SendTo sends p to addr: sendto(2) with MSG_NOSIGNAL. A bad addr sends
// nothing (port 0 is one, except on raw and ICMP sockets); an IPv4 addr to
// an AF_INET6 socket goes IPv4-mapped.
func (s *Socket) SendTo(p []byte, flags MsgFlag, addr Addr) (int, error) {
	const op = "sendto"
	if !s.ok() {
		return 0, s.checkError(op)
	}
	s.wmu.Lock()
	salen, err := encodeSockaddr(&addr, s.family, s.needPort(), &s.tx.rsa)
	if err != nil {
		s.wmu.Unlock()
		return 0, opError(op, err)
	}
	s.tx.salen = salen
	n, err := s.sendLocked(p, flags)
	s.tx.salen = 0
	s.wmu.Unlock()
	return n, opError(op, err)
}

// sendLocked makes one send with s.tx.salen's address (none if 0); s.wmu
// is held.
func (s *Socket) sendLocked(p []byte, flags MsgFlag) (int, error) {
	w := &s.tx
	w.buf, w.flags = p, int(flags)
	err := s.fd.Write(s.sendFn)
	n, e := w.n, w.errno
	w.buf = nil
	if err != nil {
		return 0, err
	}
	if e != 0 {
		return 0, e
	}
	return n, nil
}

// Write sends all of p with as many send(2) calls as it takes: io.Writer.
func (s *Socket) Write(p []byte) (int, error) {
	const op = "write"
	if !s.ok() {
		return 0, s.checkError(op)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	total := 0
	for {
		n, err := s.sendLocked(p[total:], 0)
		total += n
		if err != nil {
			return total, opError(op, err)
		}
		if total >= len(p) {
			return total, nil
		}
	}
}

// Recv receives into p: recv(2) on a stream, recvmsg(2) otherwise. A
// stream's end is 0, io.EOF; MSG_WAITALL returns what came before an error or
// deadline, and the next call the error. A datagram larger than p gives
// len(p) and [ErrTruncated]; an empty one (0, nil), but io.EOF on
// SOCK_SEQPACKET.
func (s *Socket) Recv(p []byte, flags MsgFlag) (int, error) {
	return s.recv("recv", p, flags)
}

// Read is [Socket.Recv] with no flags: io.Reader.
func (s *Socket) Read(p []byte) (int, error) {
	return s.recv("read", p, 0)
}

func (s *Socket) recv(op string, p []byte, flags MsgFlag) (int, error) {
	if !s.ok() {
		return 0, s.checkError(op)
	}
	s.rmu.Lock()
	r := &s.rx
	r.buf, r.flags = p, int(flags)
	var err error
	if s.stream {
		err = s.fd.Read(s.recvFn)
		if flags&MSG_WAITALL != 0 && flags&(MSG_PEEK|MSG_DONTWAIT) == 0 {
			err = s.recvAll(p, err)
		}
	} else {
		r.wantName = false
		err = s.fd.Read(s.recvmsgFn)
	}
	n, e, mf := r.n, r.errno, r.mflags
	r.buf = nil
	s.rmu.Unlock()
	return s.recvResult(op, p, n, e, mf, err)
}

// recvAll gives MSG_WAITALL its blocking meaning on a descriptor that is
// nonblocking in the kernel (where the kernel returns what it has): it
// receives until p is full, the stream ends or an error comes. Data already
// received is returned without the error, as recv(2) does. s.rmu is held;
// err is the first receive's error.
func (s *Socket) recvAll(p []byte, err error) error {
	r := &s.rx
	total := 0
	for err == nil && r.errno == 0 && r.n > 0 {
		total += r.n
		if total >= len(p) || !s.fd.WouldWait() {
			break
		}
		r.buf = p[total:]
		err = s.fd.Read(s.recvFn)
	}
	if total > 0 {
		r.n, r.errno = total, 0
		return nil
	}
	return err
}

func (s *Socket) recvResult(op string, p []byte, n int, e unix.Errno, mflags int, err error) (int, error) {
	if err != nil {
		return 0, opError(op, err)
	}
	if e != 0 {
		return 0, opError(op, e)
	}
	if n > len(p) || (!s.stream && mflags&unix.MSG_TRUNC != 0) {
		return min(n, len(p)), opError(op, ErrTruncated)
	}
	if n == 0 && s.zeroEOF && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// RecvFrom receives as [Socket.Recv] and returns the sender's address:
// recvmsg(2). The zero Addr for a connected stream or an unnamed sender.
func (s *Socket) RecvFrom(p []byte, flags MsgFlag) (int, Addr, error) {
	const op = "recvfrom"
	if !s.ok() {
		return 0, Addr{}, s.checkError(op)
	}
	s.rmu.Lock()
	r := &s.rx
	r.buf, r.flags, r.wantName = p, int(flags), true
	err := s.fd.Read(s.recvmsgFn)
	n, e, mf := r.n, r.errno, r.mflags
	var from Addr
	if err == nil && e == 0 {
		from = decodeSockaddr(&r.rsa, r.salen)
	}
	r.buf = nil
	s.rmu.Unlock()
	n, err = s.recvResult(op, p, n, e, mf, err)
	return n, from, err
}

// Shutdown shuts down one or both directions: shutdown(2). After SHUT_WR the
// peer reads EOF and this side can still receive.
func (s *Socket) Shutdown(how How) error {
	return s.control("shutdown", func(fd int) error {
		return unix.Shutdown(fd, int(how))
	})
}
