package sock

import (
	"github.com/posixkit/posixkit/internal/cname"
	"golang.org/x/sys/unix"
)

// Family is an address family, the domain argument of socket(2).
type Family int

const (
	AF_UNSPEC Family = unix.AF_UNSPEC
	AF_INET   Family = unix.AF_INET
	AF_INET6  Family = unix.AF_INET6
	AF_UNIX   Family = unix.AF_UNIX
)

var familyNames = []cname.Name{
	{V: unix.AF_UNSPEC, Name: "AF_UNSPEC"},
	{V: unix.AF_INET, Name: "AF_INET"},
	{V: unix.AF_INET6, Name: "AF_INET6"},
	{V: unix.AF_UNIX, Name: "AF_UNIX"},
	{V: uint64(AF_PACKET), Name: afPacketName},
}

// String returns the C name, such as "AF_INET".
func (f Family) String() string { return cname.Value(int64(f), familyNames) }

// Type is a socket type, the type argument of socket(2).
type Type int

const (
	SOCK_STREAM    Type = unix.SOCK_STREAM
	SOCK_DGRAM     Type = unix.SOCK_DGRAM
	SOCK_RAW       Type = unix.SOCK_RAW
	SOCK_SEQPACKET Type = unix.SOCK_SEQPACKET
)

var typeNames = []cname.Name{
	{V: unix.SOCK_STREAM, Name: "SOCK_STREAM"},
	{V: unix.SOCK_DGRAM, Name: "SOCK_DGRAM"},
	{V: unix.SOCK_RAW, Name: "SOCK_RAW"},
	{V: unix.SOCK_SEQPACKET, Name: "SOCK_SEQPACKET"},
}

// String returns the C name, such as "SOCK_STREAM".
func (t Type) String() string { return cname.Value(int64(t), typeNames) }

// Protocol is a protocol number, the protocol argument of socket(2).
type Protocol int

const (
	IPPROTO_IP     Protocol = unix.IPPROTO_IP
	IPPROTO_TCP    Protocol = unix.IPPROTO_TCP
	IPPROTO_UDP    Protocol = unix.IPPROTO_UDP
	IPPROTO_ICMP   Protocol = unix.IPPROTO_ICMP
	IPPROTO_ICMPV6 Protocol = unix.IPPROTO_ICMPV6
)

var protocolNames = []cname.Name{
	{V: unix.IPPROTO_IP, Name: "IPPROTO_IP"},
	{V: unix.IPPROTO_TCP, Name: "IPPROTO_TCP"},
	{V: unix.IPPROTO_UDP, Name: "IPPROTO_UDP"},
	{V: unix.IPPROTO_ICMP, Name: "IPPROTO_ICMP"},
	{V: unix.IPPROTO_ICMPV6, Name: "IPPROTO_ICMPV6"},
}

// String returns the C name, such as "IPPROTO_TCP".
func (p Protocol) String() string { return cname.Value(int64(p), protocolNames) }

// MsgFlag is a set of flags for send(2) and recv(2).
type MsgFlag int

const (
	MSG_PEEK     MsgFlag = unix.MSG_PEEK
	MSG_DONTWAIT MsgFlag = unix.MSG_DONTWAIT
	MSG_WAITALL  MsgFlag = unix.MSG_WAITALL
	MSG_OOB      MsgFlag = unix.MSG_OOB
	MSG_TRUNC    MsgFlag = unix.MSG_TRUNC
	MSG_CTRUNC   MsgFlag = unix.MSG_CTRUNC
	MSG_EOR      MsgFlag = unix.MSG_EOR
)

var msgFlagNames = []cname.Name{
	{V: 0, Name: "0"},
	{V: unix.MSG_OOB, Name: "MSG_OOB"},
	{V: unix.MSG_PEEK, Name: "MSG_PEEK"},
	{V: unix.MSG_DONTWAIT, Name: "MSG_DONTWAIT"},
	{V: unix.MSG_WAITALL, Name: "MSG_WAITALL"},
	{V: unix.MSG_TRUNC, Name: "MSG_TRUNC"},
	{V: unix.MSG_CTRUNC, Name: "MSG_CTRUNC"},
	{V: unix.MSG_EOR, Name: "MSG_EOR"},
	{V: uint64(msgNoSignal), Name: "MSG_NOSIGNAL"},
}

// String joins the C names with "|", such as "MSG_PEEK|MSG_DONTWAIT".
func (m MsgFlag) String() string { return cname.Flags(uint64(uint32(m)), msgFlagNames) }

// How says which direction shutdown(2) closes.
type How int

const (
	SHUT_RD   How = unix.SHUT_RD
	SHUT_WR   How = unix.SHUT_WR
	SHUT_RDWR How = unix.SHUT_RDWR
)

var howNames = []cname.Name{
	{V: unix.SHUT_RD, Name: "SHUT_RD"},
	{V: unix.SHUT_WR, Name: "SHUT_WR"},
	{V: unix.SHUT_RDWR, Name: "SHUT_RDWR"},
}

// String returns the C name, such as "SHUT_WR".
func (h How) String() string { return cname.Value(int64(h), howNames) }
