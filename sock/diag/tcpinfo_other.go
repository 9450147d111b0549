//go:build !linux

package diag

// TCPInfo is Linux's struct tcp_info; it is never set on other systems.
type TCPInfo struct{}
