package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// EtherTypes and IP protocol numbers the decoder names.
const (
	etherIPv4 = 0x0800
	etherARP  = 0x0806
	etherVLAN = 0x8100
	etherIPv6 = 0x86dd

	protoICMP   = 1
	protoTCP    = 6
	protoUDP    = 17
	protoICMPv6 = 58
)

var errShort = errors.New("truncated")

// frame is what the decoder read from one Ethernet frame: the Ethernet
// header, and the IP header and ports when there is one.
type frame struct {
	Dst, Src  net.HardwareAddr
	VLAN      int // -1: untagged
	EtherType uint16
	Length    int

	IPVersion    int // 0: not IP
	SrcIP, DstIP netip.Addr
	TOS          uint8 // IPv4 TOS, IPv6 traffic class
	TTL          uint8 // IPv4 TTL, IPv6 hop limit
	ID           uint16
	IPLen        int // IPv4 total length, IPv6 payload length
	Proto        uint8
	Flow         uint32 // IPv6 flow label

	SrcPort, DstPort   uint16 // TCP, UDP
	ICMPType, ICMPCode uint8
	TCPFlags           uint8
	Payload            int // bytes after the transport header

	ARPOp                uint16
	ARPSender, ARPTarget netip.Addr

	Err error // where decoding stopped: the frame is shorter than its headers say
}

// parseFrame decodes the Ethernet frame b. It never reads past b: a
// header cut short sets Err and keeps what came before.
func parseFrame(b []byte) frame {
	f := frame{VLAN: -1, Length: len(b)}
	if len(b) < 14 {
		f.Err = fmt.Errorf("ethernet header: %w (%d bytes)", errShort, len(b))
		return f
	}
	f.Dst, f.Src = net.HardwareAddr(b[0:6]), net.HardwareAddr(b[6:12])
	f.EtherType = binary.BigEndian.Uint16(b[12:14])
	p := b[14:]
	if f.EtherType == etherVLAN {
		if len(p) < 4 {
			f.Err = fmt.Errorf("802.1Q tag: %w", errShort)
			return f
		}
		f.VLAN = int(binary.BigEndian.Uint16(p[0:2]) & 0x0fff)
		f.EtherType = binary.BigEndian.Uint16(p[2:4])
		p = p[4:]
	}
	switch f.EtherType {
	case etherIPv4:
		f.Err = f.parseIPv4(p)
	case etherIPv6:
		f.Err = f.parseIPv6(p)
	case etherARP:
		f.Err = f.parseARP(p)
	}
	return f
}

func (f *frame) parseIPv4(p []byte) error {
	if len(p) < 20 {
		return fmt.Errorf("IPv4 header: %w", errShort)
	}
	if v := p[0] >> 4; v != 4 {
		return fmt.Errorf("IPv4 header: version %d", v)
	}
	ihl := int(p[0]&0x0f) * 4
	if ihl < 20 || len(p) < ihl {
		return fmt.Errorf("IPv4 header: length %d of %d bytes", ihl, len(p))
	}
	f.IPVersion = 4
	f.TOS = p[1]
	f.IPLen = int(binary.BigEndian.Uint16(p[2:4]))
	f.ID = binary.BigEndian.Uint16(p[4:6])
	f.TTL = p[8]
	f.Proto = p[9]
	f.SrcIP = netip.AddrFrom4([4]byte(p[12:16]))
	f.DstIP = netip.AddrFrom4([4]byte(p[16:20]))
	end := min(len(p), max(f.IPLen, ihl)) // Ethernet pads short frames
	if frag := binary.BigEndian.Uint16(p[6:8]) & 0x1fff; frag != 0 {
		f.Payload = end - ihl
		return nil // a later fragment: no transport header
	}
	return f.parseTransport(p[ihl:end])
}

func (f *frame) parseIPv6(p []byte) error {
	if len(p) < 40 {
		return fmt.Errorf("IPv6 header: %w", errShort)
	}
	if v := p[0] >> 4; v != 6 {
		return fmt.Errorf("IPv6 header: version %d", v)
	}
	f.IPVersion = 6
	vtf := binary.BigEndian.Uint32(p[0:4])
	f.TOS = uint8(vtf >> 20)
	f.Flow = vtf & 0xfffff
	f.IPLen = int(binary.BigEndian.Uint16(p[4:6]))
	f.Proto = p[6]
	f.TTL = p[7]
	f.SrcIP = netip.AddrFrom16([16]byte(p[8:24]))
	f.DstIP = netip.AddrFrom16([16]byte(p[24:40]))
	return f.parseTransport(p[40:min(len(p), 40+f.IPLen)])
}

func (f *frame) parseTransport(p []byte) error {
	switch f.Proto {
	case protoUDP:
		if len(p) < 8 {
			return fmt.Errorf("UDP header: %w", errShort)
		}
		f.SrcPort, f.DstPort = binary.BigEndian.Uint16(p[0:2]), binary.BigEndian.Uint16(p[2:4])
		f.Payload = len(p) - 8
	case protoTCP:
		if len(p) < 20 {
			return fmt.Errorf("TCP header: %w", errShort)
		}
		f.SrcPort, f.DstPort = binary.BigEndian.Uint16(p[0:2]), binary.BigEndian.Uint16(p[2:4])
		off := int(p[12]>>4) * 4
		if off < 20 || off > len(p) {
			return fmt.Errorf("TCP header: data offset %d of %d bytes", off, len(p))
		}
		f.TCPFlags = p[13]
		f.Payload = len(p) - off
	case protoICMP, protoICMPv6:
		if len(p) < 4 {
			return fmt.Errorf("ICMP header: %w", errShort)
		}
		f.ICMPType, f.ICMPCode = p[0], p[1]
		f.Payload = len(p) - 4
	default:
		f.Payload = len(p)
	}
	return nil
}

func (f *frame) parseARP(p []byte) error {
	// Ethernet and IPv4 only: hardware type 1, protocol 0x0800, sizes 6, 4.
	if len(p) < 28 {
		return fmt.Errorf("ARP: %w", errShort)
	}
	if binary.BigEndian.Uint16(p[0:2]) != 1 || binary.BigEndian.Uint16(p[2:4]) != etherIPv4 || p[4] != 6 || p[5] != 4 {
		return errors.New("ARP: not Ethernet/IPv4")
	}
	f.ARPOp = binary.BigEndian.Uint16(p[6:8])
	f.ARPSender = netip.AddrFrom4([4]byte(p[14:18]))
	f.ARPTarget = netip.AddrFrom4([4]byte(p[24:28]))
	return nil
}

func etherName(t uint16) string {
	switch t {
	case etherIPv4:
		return "IPv4"
	case etherIPv6:
		return "IPv6"
	case etherARP:
		return "ARP"
	}
	return "unknown"
}

func protoName(p uint8) string {
	switch p {
	case protoTCP:
		return "TCP"
	case protoUDP:
		return "UDP"
	case protoICMP:
		return "ICMP"
	case protoICMPv6:
		return "ICMPv6"
	}
	return fmt.Sprintf("proto %d", p)
}

// tcpFlags formats TCP flags as tcpdump: [S.], [P.], [F.] ...
func tcpFlags(fl uint8) string {
	var b strings.Builder
	for _, x := range []struct {
		bit uint8
		c   byte
	}{{0x01, 'F'}, {0x02, 'S'}, {0x04, 'R'}, {0x08, 'P'}, {0x20, 'U'}, {0x40, 'E'}, {0x80, 'W'}} {
		if fl&x.bit != 0 {
			b.WriteByte(x.c)
		}
	}
	if fl&0x10 != 0 {
		b.WriteByte('.')
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

// Lines formats the frame: the Ethernet header on one line, then the IP
// (or ARP) header on the next, in tcpdump -e -v's terms.
func (f frame) Lines() []string {
	if f.Dst == nil {
		return []string{fmt.Sprintf("%d bytes: %v", f.Length, f.Err)}
	}
	eth := fmt.Sprintf("%s > %s, ethertype %s (0x%04x), length %d", f.Src, f.Dst, etherName(f.EtherType), f.EtherType, f.Length)
	if f.VLAN >= 0 {
		eth = fmt.Sprintf("%s > %s, 802.1Q vlan %d, ethertype %s (0x%04x), length %d", f.Src, f.Dst, f.VLAN, etherName(f.EtherType), f.EtherType, f.Length)
	}
	lines := []string{eth}
	var b strings.Builder
	switch {
	case f.IPVersion == 4:
		fmt.Fprintf(&b, "IPv4 %s > %s: %s, tos 0x%x, ttl %d, id %d, length %d", f.SrcIP, f.DstIP, protoName(f.Proto), f.TOS, f.TTL, f.ID, f.IPLen)
	case f.IPVersion == 6:
		fmt.Fprintf(&b, "IPv6 %s > %s: %s, class 0x%x, flowlabel 0x%05x, hlim %d, payload length %d", f.SrcIP, f.DstIP, protoName(f.Proto), f.TOS, f.Flow, f.TTL, f.IPLen)
	case f.ARPOp == 1:
		fmt.Fprintf(&b, "ARP, Request who-has %s tell %s", f.ARPTarget, f.ARPSender)
	case f.ARPOp == 2:
		fmt.Fprintf(&b, "ARP, Reply %s is-at %s", f.ARPSender, f.Src)
	}
	if f.IPVersion != 0 && f.Err == nil {
		switch f.Proto {
		case protoUDP:
			fmt.Fprintf(&b, "; UDP %d > %d, payload %d", f.SrcPort, f.DstPort, f.Payload)
		case protoTCP:
			fmt.Fprintf(&b, "; TCP %d > %d, flags [%s], payload %d", f.SrcPort, f.DstPort, tcpFlags(f.TCPFlags), f.Payload)
		case protoICMP, protoICMPv6:
			fmt.Fprintf(&b, "; %s type %d, code %d", protoName(f.Proto), f.ICMPType, f.ICMPCode)
		}
	}
	if f.Err != nil {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Err.Error())
	}
	if b.Len() > 0 {
		lines = append(lines, b.String())
	}
	return lines
}
