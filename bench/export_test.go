package peerbench

import (
	"net"
	"net/netip"
)

var (
	ParseStatCPU   = parseStatCPU
	ParseStatusRSS = parseStatusRSS
)

// A broken server, in test binaries only (which are also the server
// processes of their tests): it answers every read with the bytes it read,
// the first one changed, so that the harness's echo check has something to
// catch.
func init() {
	servers = append(servers, server{name: "test-corrupt", start: startCorrupt})
}

func startCorrupt(serveOptions) (netip.AddrPort, func() error, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return netip.AddrPort{}, nil, err
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					buf[0]++
					if _, err := c.Write(buf[:n]); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).AddrPort(), ln.Close, nil
}
