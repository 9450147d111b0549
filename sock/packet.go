package sock

import (
	"net"
	"strconv"

	"golang.org/x/sys/unix"
)

// LinkAddr is a link-layer socket address, Linux's struct sockaddr_ll: the
// address of an AF_PACKET socket and of the frames it sends and receives.
// It is comparable and allocation-free.
type LinkAddr struct {
	Protocol uint16  // sll_protocol: the EtherType, host order (unix.ETH_P_ALL, ETH_P_IP, ...)
	Ifindex  int     // sll_ifindex: the interface (netif.NameToIndex)
	Hatype   uint16  // sll_hatype: unix.ARPHRD_ETHER, ... (received frames)
	Pkttype  uint8   // sll_pkttype: unix.PACKET_HOST, PACKET_OUTGOING, ... (received frames)
	Halen    uint8   // sll_halen: bytes of Addr in use
	Addr     [8]byte // sll_addr: the hardware address (source when received, destination when sent)
}

// LinkAddrFrom returns the address of interface ifindex with the
// EtherType proto and the hardware address hw (up to 8 bytes; more are cut).
func LinkAddrFrom(ifindex int, proto uint16, hw net.HardwareAddr) LinkAddr {
	a := LinkAddr{Protocol: proto, Ifindex: ifindex}
	a.Halen = uint8(copy(a.Addr[:], hw))
	return a
}

// HardwareAddr returns the Halen bytes of Addr.
func (a LinkAddr) HardwareAddr() net.HardwareAddr {
	n := min(int(a.Halen), len(a.Addr))
	return net.HardwareAddr(append([]byte(nil), a.Addr[:n]...))
}

// String formats the address as "ifindex 3 proto 0x0800 02:00:00:00:00:01".
func (a LinkAddr) String() string {
	s := "ifindex " + strconv.Itoa(a.Ifindex) + " proto 0x" + hex4(a.Protocol)
	if a.Halen > 0 {
		s += " " + a.HardwareAddr().String()
	}
	return s
}

func hex4(v uint16) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[v>>12], digits[v>>8&0xf], digits[v>>4&0xf], digits[v&0xf]})
}

// PacketProtocol returns the protocol argument of socket(2) for an
// AF_PACKET socket of EtherType ethertype: htons(ethertype), as C passes
// it (htons(ETH_P_ALL): every frame).
func PacketProtocol(ethertype uint16) Protocol { return Protocol(htons(ethertype)) }

// BindLink binds an AF_PACKET socket to an interface and EtherType:
// bind(2) with a struct sockaddr_ll (Ifindex 0: every interface; Protocol
// 0: the socket's own). Linux only; elsewhere EAFNOSUPPORT.
func (s *Socket) BindLink(addr LinkAddr) error {
	const op = "bind"
	if err := s.check(op); err != nil {
		return err
	}
	var rsa unix.RawSockaddrAny
	salen, err := s.encodeLink(&addr, linkSockaddr(&rsa))
	if err != nil {
		return opError(op, err)
	}
	return s.control(op, func(fd int) error { return errOrNil(sysBind(fd, &rsa, salen)) })
}

// SendToLink sends the frame p out of to.Ifindex: sendto(2) with a struct
// sockaddr_ll. On a SOCK_RAW packet socket p is the whole frame, link
// header included; on SOCK_DGRAM the kernel builds the header for to.Addr
// and to.Protocol.
func (s *Socket) SendToLink(p []byte, flags MsgFlag, to LinkAddr) (int, error) {
	const op = "sendto"
	if !s.ok() {
		return 0, s.checkError(op)
	}
	s.wmu.Lock()
	salen, err := s.encodeLink(&to, linkSockaddr(&s.tx.rsa))
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

// RecvFromLink receives one frame as [Socket.Recv] does and returns where
// it came from: recvmsg(2). The address is the zero LinkAddr if the kernel
// gave no sockaddr_ll.
func (s *Socket) RecvFromLink(p []byte, flags MsgFlag) (int, LinkAddr, error) {
	const op = "recvfrom"
	if !s.ok() {
		return 0, LinkAddr{}, s.checkError(op)
	}
	s.rmu.Lock()
	r := &s.rx
	r.buf, r.flags, r.wantName = p, int(flags), true
	err := s.fd.Read(s.recvmsgFn)
	n, e, mf := r.n, r.errno, r.mflags
	var from LinkAddr
	if err == nil && e == 0 {
		from = decodeLink(linkSockaddr(&r.rsa), r.salen)
	}
	r.buf = nil
	s.rmu.Unlock()
	n, err = s.recvResult(op, p, n, e, mf, err)
	return n, from, err
}

// encodeLink checks that s is a packet socket and writes addr as a
// sockaddr_ll.
func (s *Socket) encodeLink(addr *LinkAddr, rsa *rawSockaddrLL) (uint32, error) {
	if s.family != AF_PACKET || !hasPacketSockets {
		return 0, &addrError{addr.String(), "a link-layer address for an " + s.family.String() + " socket", unix.EAFNOSUPPORT, nil}
	}
	if addr.Ifindex < 0 || addr.Ifindex > 1<<31-1 || addr.Halen > 8 {
		return 0, &addrError{addr.String(), "not a valid sockaddr_ll", unix.EINVAL, nil}
	}
	return encodeSockaddrLL(addr, rsa), nil
}
