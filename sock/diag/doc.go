// Package diag lists the sockets of the whole machine, as ss(8) and
// netstat(8) do: for each socket its family, type and protocol, state,
// local and remote address and port (for a unix socket its name and peer),
// inode, owner, queue lengths and, on request, TCP_INFO and the processes
// holding it. A socket's own 5-tuple comes from [sock.Socket.Tuple]; this
// package shows every socket's, the way the kernel sees them.
//
//	socks, err := diag.List(ctx, diag.Filter{
//		Protocols: []sock.Protocol{sock.IPPROTO_TCP},
//		States:    []diag.State{diag.TCP_LISTEN},
//	})
//	if err != nil {
//		return err
//	}
//	for _, s := range socks {
//		fmt.Println(s.Netid(), s.State, s.Local, s.Inode)
//	}
//
// # Linux
//
// [List] sends SOCK_DIAG_BY_FAMILY dump requests over a NETLINK_SOCK_DIAG
// socket, as ss does: inet_diag for TCP, UDP and raw sockets of IPv4 and
// IPv6, unix_diag for unix sockets. The TCP sockets of both IP families
// come from one TCPDIAG_GETSOCK request (inet_diag's first interface,
// still served), which walks the kernel's TCP tables once where a
// request per family walks them twice. The families, protocols, states and
// ports of the [Filter] go into the requests (the states as the
// idiag_states and udiag_states masks, the ports as an
// INET_DIAG_REQ_BYTECODE program), so the kernel copies out only the
// sockets asked for. Every reply is checked (sender, sequence number, port
// id, lengths, alignment, truncation); a reply that fails a check is an
// error wrapping [ErrMalformed], and a kernel error wraps its errno. A dump
// the kernel marks interrupted (NLM_F_DUMP_INTR) is read again a few times.
// The sockets are those of the calling thread's network namespace.
//
// A []Socket of 10,000 sockets is nearly 3 MB, which a fresh slice must
// have zeroed and faulted in page by page: [AppendList] lists into a slice
// the caller keeps, for a program that lists again and again.
//
// Raw sockets need the kernel's raw_diag module (CONFIG_INET_RAW_DIAG);
// without it, asking for [IPPROTO_RAW] fails with ENOENT, where ss falls
// back to /proc/net/raw. [Filter.Processes] walks /proc/*/fd like ss -p;
// without the privilege to read another user's descriptors, their
// processes are simply not found.
//
// # Other systems
//
// The socket table has no portable interface, and this package has no
// implementation outside Linux: [List] returns an error wrapping ENOSYS.
// macOS and FreeBSD export it through sysctl: the net.inet.tcp.pcblist,
// net.inet.udp.pcblist and net.local.stream.pcblist (FreeBSD:
// net.local.*.pcblist) nodes return arrays of xinpcb/xtcpcb or xunpcb
// records whose layouts change between releases (macOS adds the
// pcblist_n variants), and the owning processes come from libproc
// (proc_pidfdinfo) on macOS or kern.file on FreeBSD, as netstat and sockstat
// read them.
package diag
