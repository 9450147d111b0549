package diag

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"strconv"
	"time"

	"github.com/posixkit/posixkit/internal/cname"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// State is a socket's state as the kernel keeps it: the TCP states, which
// UDP, raw and unix sockets reuse (an unconnected datagram socket is
// [TCP_CLOSE], a connected one [TCP_ESTABLISHED]).
type State uint8

// Socket states, Linux's numbers (include/net/tcp_states.h).
const (
	TCP_ESTABLISHED State = 1 + iota
	TCP_SYN_SENT
	TCP_SYN_RECV
	TCP_FIN_WAIT1
	TCP_FIN_WAIT2
	TCP_TIME_WAIT
	TCP_CLOSE // an unconnected datagram socket; ss: UNCONN
	TCP_CLOSE_WAIT
	TCP_LAST_ACK
	TCP_LISTEN
	TCP_CLOSING
	TCP_NEW_SYN_RECV   // a connection request; the kernel reports it as TCP_SYN_RECV
	TCP_BOUND_INACTIVE // bound, neither listening nor connected (Linux 6.9)
)

var stateNames = []cname.Name{
	{V: uint64(TCP_ESTABLISHED), Name: "ESTAB"},
	{V: uint64(TCP_SYN_SENT), Name: "SYN-SENT"},
	{V: uint64(TCP_SYN_RECV), Name: "SYN-RECV"},
	{V: uint64(TCP_FIN_WAIT1), Name: "FIN-WAIT-1"},
	{V: uint64(TCP_FIN_WAIT2), Name: "FIN-WAIT-2"},
	{V: uint64(TCP_TIME_WAIT), Name: "TIME-WAIT"},
	{V: uint64(TCP_CLOSE), Name: "UNCONN"},
	{V: uint64(TCP_CLOSE_WAIT), Name: "CLOSE-WAIT"},
	{V: uint64(TCP_LAST_ACK), Name: "LAST-ACK"},
	{V: uint64(TCP_LISTEN), Name: "LISTEN"},
	{V: uint64(TCP_CLOSING), Name: "CLOSING"},
	{V: uint64(TCP_NEW_SYN_RECV), Name: "NEW-SYN-RECV"},
	{V: uint64(TCP_BOUND_INACTIVE), Name: "BOUND-INACTIVE"},
}

// String returns the state as ss(8) names it: "ESTAB", "LISTEN",
// "TIME-WAIT", "UNCONN" for [TCP_CLOSE]; an unknown state prints as its
// number.
func (s State) String() string { return cname.Value(int64(s), stateNames) }

// Timer is the kind of timer pending on a TCP socket (idiag_timer).
type Timer uint8

// TCP timers, as inet_diag reports them.
const (
	TimerOff       Timer = 0 // no timer
	TimerOn        Timer = 1 // retransmission
	TimerKeepalive Timer = 2
	TimerTimewait  Timer = 3
	TimerPersist   Timer = 4 // zero window probe
	TimerDelack    Timer = 5 // delayed acknowledgement (reported by some kernels)
)

var timerNames = []cname.Name{
	{V: uint64(TimerOff), Name: "off"},
	{V: uint64(TimerOn), Name: "on"},
	{V: uint64(TimerKeepalive), Name: "keepalive"},
	{V: uint64(TimerTimewait), Name: "timewait"},
	{V: uint64(TimerPersist), Name: "persist"},
	{V: uint64(TimerDelack), Name: "delack"},
}

// String returns the timer's name as ss -o prints it, such as "keepalive".
func (t Timer) String() string { return cname.Value(int64(t), timerNames) }

// IPPROTO_RAW selects raw sockets in [Filter.Protocols]: each is listed
// with its own protocol (such as IPPROTO_ICMP) in [Socket.Protocol].
const IPPROTO_RAW sock.Protocol = unix.IPPROTO_RAW

// Shutdown says which directions of a socket have been shut down
// (sk_shutdown).
type Shutdown uint8

// Shutdown bits.
const (
	ShutdownRead  Shutdown = 1 // SHUT_RD: no more receptions
	ShutdownWrite Shutdown = 2 // SHUT_WR: no more transmissions
)

var shutdownNames = []cname.Name{
	{V: uint64(ShutdownRead), Name: "SHUT_RD"},
	{V: uint64(ShutdownWrite), Name: "SHUT_WR"},
}

// String joins the bits' names, such as "SHUT_RD|SHUT_WR"; none is "0".
func (s Shutdown) String() string { return cname.Flags(uint64(s), shutdownNames) }

// Filter selects the sockets [List] returns. Its zero value selects every
// TCP, UDP and unix socket of the calling thread's network namespace in
// every state but [TCP_BOUND_INACTIVE] (the set ss -tuxa lists). Families,
// protocols, states and ports are sent to the kernel with the request, so
// that the sockets left out are never copied to the caller.
type Filter struct {
	// Families lists the families wanted: sock.AF_INET, sock.AF_INET6,
	// sock.AF_UNIX. None: all three.
	Families []sock.Family
	// Protocols lists the IPv4/IPv6 protocols wanted: sock.IPPROTO_TCP,
	// sock.IPPROTO_UDP and IPPROTO_RAW. None: TCP and UDP. Unix sockets
	// are selected by Families alone.
	Protocols []sock.Protocol
	// States lists the states wanted. None: all but TCP_BOUND_INACTIVE.
	// The kernel does not filter raw sockets by state: List does.
	States []State
	// LocalPort and RemotePort, when not zero, keep only the IPv4/IPv6
	// sockets with that port, through an INET_DIAG_REQ_BYTECODE program
	// as ss(8) sends. A port filter leaves every unix socket out.
	LocalPort, RemotePort uint16
	// TCPInfo asks for each TCP socket's struct tcp_info and congestion
	// control algorithm ([Socket.TCPInfo], [Socket.Congestion]).
	TCPInfo bool
	// Processes asks for the processes holding each socket, found by
	// walking /proc/*/fd as ss -p does ([Socket.Processes]).
	Processes bool
}

// Socket is one socket of the machine, as the kernel describes it. The
// strings, Pending lists and TCPInfo values of the Sockets one List
// returns are cut from a few shared allocations, which stay in memory
// while any of them is referenced.
type Socket struct {
	Family   sock.Family   // sock.AF_INET, sock.AF_INET6 or sock.AF_UNIX
	Type     sock.Type     // SOCK_STREAM for TCP, SOCK_DGRAM for UDP, SOCK_RAW; unix: the socket's type
	Protocol sock.Protocol // IPPROTO_TCP, IPPROTO_UDP or a raw socket's protocol; 0 for unix
	State    State

	// Local and Remote are the IPv4/IPv6 addresses and ports: the
	// unspecified address and port 0 where unbound or unconnected. An
	// IPv6 socket's IPv4 peers show as IPv4-mapped addresses, without
	// zone; Interface carries the index of the device the socket is
	// bound to or of its link-local scope (0: none).
	Local, Remote netip.AddrPort
	Interface     int

	// Path is a unix socket's bound name, byte for byte as in sun_path:
	// "" if unnamed, starting with a NUL byte if abstract. Peer is the
	// inode of the socket it is connected to (0: none); Pending, for a
	// listener, the inodes of the connections waiting to be accepted.
	// VFSInode and VFSDevice identify the file a path-bound socket is
	// bound to, as stat(2)'s st_ino and st_dev (0: none).
	Path      string
	Peer      uint32
	Pending   []uint32
	VFSInode  uint32
	VFSDevice uint64

	Inode  uint32 // the socket's inode, as in /proc/PID/fd's socket:[N]; 0 for TIME_WAIT and SYN-RECV entries
	UID    uint32 // owner's user id (for unix sockets: from Linux 5.3 on)
	Cookie uint64 // the kernel's unique id of the socket (ss -e's sk:)
	RecvQ  uint32 // receive queue: unread bytes; for a listener, connections waiting to be accepted
	SendQ  uint32 // send queue: unacknowledged bytes; for a listener, the backlog

	// Timer is the TCP timer pending, Expires the time left on it and
	// Retransmits the retransmissions or probes made (as ss -o shows).
	Timer       Timer
	Expires     time.Duration
	Retransmits int

	// Shutdown is the directions shut down; HasShutdown says whether the
	// kernel reported it (not for TIME_WAIT and SYN-RECV entries).
	Shutdown    Shutdown
	HasShutdown bool
	V6Only      bool   // IPV6_V6ONLY; the kernel reports it for AF_INET6 sockets in TCP_LISTEN and TCP_CLOSE only
	Mark        uint32 // SO_MARK; only reported to callers with CAP_NET_ADMIN
	CgroupID    uint64 // the cgroup v2 the socket was created in; 0 if not reported

	// TCPInfo is the socket's struct tcp_info, as getsockopt(TCP_INFO)
	// returns it to its owner, and Congestion its congestion control
	// algorithm; set for TCP sockets other than TIME_WAIT and SYN-RECV
	// entries when [Filter.TCPInfo] asks. Fields newer than the kernel
	// are zero.
	TCPInfo    *TCPInfo
	Congestion string

	// Processes holds the processes with a descriptor for the socket,
	// when [Filter.Processes] asks: empty if none could be seen.
	Processes []Process
}

// Process is a process holding a descriptor for a socket.
type Process struct {
	PID     int
	Command string // the process's name, as in /proc/PID/comm; "" if it exited before that was read
	FD      int    // the descriptor number in that process
}

// ErrMalformed is wrapped by the errors for a netlink reply that fails a
// check: truncated, misaligned, an attribute past the end of its message,
// an unknown message type, or a message that is not the kernel's answer to
// the request (wrong sender, sequence number or port id).
var ErrMalformed = errors.New("malformed sock_diag reply")

// ErrDumpInterrupted is wrapped by the error [List] returns, together with
// the sockets read last, when the socket tables kept changing while being
// read (NLM_F_DUMP_INTR) after several attempts.
var ErrDumpInterrupted = errors.New("sock_diag dump interrupted: sockets changed while being read")

// List returns the sockets of the calling thread's network namespace that
// f selects, from NETLINK_SOCK_DIAG: one dump per family and protocol
// (inet_diag for IPv4 and IPv6, unix_diag for unix sockets), the TCP
// sockets of both IP families in one dump when both are asked for. The
// sockets come in ss's order, unix first, then raw, UDP and TCP sockets,
// each dump in the kernel's order (IPv4 and IPv6 TCP sockets mixed).
//
// Errors are *os.SyscallError with Syscall "sock_diag": a kernel error wraps
// its errno (ENOENT: the kernel has no diag module for a protocol asked
// for, such as raw_diag); a bad filter wraps EINVAL; a reply that fails a
// check wraps [ErrMalformed]; a dump that kept being interrupted comes back
// with the sockets read and an error wrapping [ErrDumpInterrupted]. Other
// systems than Linux have no such interface: there every call returns an
// error wrapping ENOSYS. The context ends the process walk early.
func List(ctx context.Context, f Filter) ([]Socket, error) { return list(ctx, nil, &f) }

// AppendList is [List] appending the sockets to dst and returning the
// extended slice, so that a program that lists the sockets again and again
// reuses one slice: once dst has the room, a call allocates only a few
// blocks for names and TCP details, and writes into memory already mapped
// rather than a fresh multi-megabyte slice that the kernel must fault in
// page by page. As with append, the room past len(dst) is written over:
// the sockets appended hold nothing of what was there, and that memory may
// have been written even when the call fails. On an error it returns dst,
// except for a dump that kept being interrupted, whose sockets are appended
// as List returns them.
func AppendList(ctx context.Context, dst []Socket, f Filter) ([]Socket, error) {
	return list(ctx, dst, &f)
}

// Name returns the unix socket's name as ss(8) prints it: the path, an
// abstract name with its NUL bytes as '@' (so "@name"), or "*" if unnamed.
// It is "" for other families.
func (s *Socket) Name() string {
	if s == nil || s.Family != sock.AF_UNIX {
		return ""
	}
	if s.Path == "" {
		return "*"
	}
	if s.Path[0] != 0 {
		return s.Path
	}
	b := []byte(s.Path)
	for i, c := range b {
		if c == 0 {
			b[i] = '@'
		}
	}
	return string(b)
}

// Netid returns the socket's kind in ss(8)'s first column: "tcp", "udp",
// "raw", "u_str", "u_dgr" or "u_seq".
func (s *Socket) Netid() string {
	if s == nil {
		return ""
	}
	if s.Family == sock.AF_UNIX {
		switch s.Type {
		case sock.SOCK_STREAM:
			return "u_str"
		case sock.SOCK_DGRAM:
			return "u_dgr"
		case sock.SOCK_SEQPACKET:
			return "u_seq"
		}
		return "u_" + strconv.Itoa(int(s.Type))
	}
	switch s.Type {
	case sock.SOCK_STREAM:
		return "tcp"
	case sock.SOCK_DGRAM:
		return "udp"
	case sock.SOCK_RAW:
		return "raw"
	}
	return strconv.Itoa(int(s.Protocol))
}

// inputError is a bad filter; it wraps EINVAL.
type inputError string

func (e inputError) Error() string { return string(e) }
func (e inputError) Unwrap() error { return unix.EINVAL }

// wrap is the package's one wrapping point: every error List returns is an
// *os.SyscallError named "sock_diag".
func wrap(err error) error {
	if err == nil {
		return nil
	}
	return os.NewSyscallError("sock_diag", err)
}
