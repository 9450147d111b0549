package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// open makes the capture socket, bound to the interface, with the
// EtherType filter if etherType is not 0, and says what it did.
func open(ifindex int, etherType uint16, ifname string, stdout io.Writer) (*sock.Socket, error) {
	// Protocol 0: the socket gets no frame until bind names the EtherType,
	// so none slips in from another interface or past the filter.
	s, err := sock.New(sock.AF_PACKET, sock.SOCK_RAW, 0)
	if err != nil {
		return nil, err
	}
	if etherType != 0 {
		prog := etherTypeFilter(etherType)
		if err := s.AttachFilter(prog); err != nil {
			s.Close()
			return nil, err
		}
		fmt.Fprintf(stdout, "SO_ATTACH_FILTER: %d instructions, EtherType 0x%04x only\n", len(prog), etherType)
	}
	if err := s.BindLink(sock.LinkAddr{Protocol: unix.ETH_P_ALL, Ifindex: ifindex}); err != nil {
		s.Close()
		return nil, err
	}
	fmt.Fprintf(stdout, "listening on %s (index %d): socket(AF_PACKET, SOCK_RAW, 0), bind(sockaddr_ll{htons(ETH_P_ALL), %d})\n", ifname, ifindex, ifindex)
	return s, nil
}

// direction names sll_pkttype as tcpdump does: In, Out, B, M, P.
func direction(t uint8) string {
	switch t {
	case unix.PACKET_HOST:
		return "In"
	case unix.PACKET_OUTGOING:
		return "Out"
	case unix.PACKET_BROADCAST:
		return "B"
	case unix.PACKET_MULTICAST:
		return "M"
	case unix.PACKET_OTHERHOST:
		return "P"
	}
	return "pkttype" + strconv.Itoa(int(t))
}

// etherTypeFilter is the classic BPF program of tcpdump -d "ether proto
// T": load the half-word at offset 12, return the whole frame if it is T,
// else nothing.
func etherTypeFilter(t uint16) []sock.SockFilter {
	return []sock.SockFilter{
		{Code: unix.BPF_LD | unix.BPF_H | unix.BPF_ABS, K: 12},
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jt: 0, Jf: 1, K: uint32(t)},
		{Code: unix.BPF_RET | unix.BPF_K, K: 262144},
		{Code: unix.BPF_RET | unix.BPF_K, K: 0},
	}
}
