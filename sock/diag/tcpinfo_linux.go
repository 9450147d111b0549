package diag

import "golang.org/x/sys/unix"

// TCPInfo is Linux's struct tcp_info, as getsockopt(TCP_INFO) returns it.
type TCPInfo = unix.TCPInfo
